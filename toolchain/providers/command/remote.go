package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// dialPause is the wait between two failed dial attempts.
const dialPause = time.Second

// runRemote runs j.Command in one SSH session on j.In.Conn.
func runRemote(ctx context.Context, j job) (result, error) {
	c := j.In.Conn
	where := "ssh " + c.User + "@" + net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	client, err := dial(ctx, c, func(msg string) { j.Log("dial", msg) })
	if err != nil {
		return result{}, fmt.Errorf("%s command: %s: %w", j.Op, where, err)
	}
	defer client.Close()

	session, err := client.NewSession()
	if err != nil {
		return result{}, fmt.Errorf("%s command: %s: opening session: %w", j.Op, where, err)
	}
	defer session.Close()

	keys := make([]string, 0, len(j.Env))
	for k := range j.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// Servers only accept variables listed in their AcceptEnv (as the
		// SDK docs say); a refusal is reported, not fatal.
		if err := session.Setenv(k, j.Env[k]); err != nil && !strings.HasPrefix(k, "PULUMI_COMMAND_") {
			j.Log("warning", fmt.Sprintf("%s: server refused environment variable %s (not in its AcceptEnv)", where, k))
		}
	}
	if j.In.Stdin != nil {
		session.Stdin = strings.NewReader(*j.In.Stdin)
	}
	stdout, stderr := newStreams(j)
	session.Stdout, session.Stderr = stdout, stderr

	stop := context.AfterFunc(ctx, func() { _ = client.Close() })
	err = session.Run(j.Command)
	stop()
	res := collect(stdout, stderr)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		var exit *ssh.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("exit status %d", exit.ExitStatus())
		}
		return res, &commandError{Op: j.Op, Where: where, Err: err, Res: res, Logging: j.In.Logging}
	}
	return res, nil
}

// dial connects and authenticates, retrying like the real provider: up to
// DialErrorLimit failed attempts (-1: no limit), each bounded by
// PerDialTimeout seconds (0: no bound), with a short pause in between.
func dial(ctx context.Context, c *connection, note func(string)) (*ssh.Client, error) {
	config, closeAgent, err := clientConfig(c)
	if err != nil {
		return nil, err
	}
	defer closeAgent()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	timeout := time.Duration(c.PerDialTimeout) * time.Second
	for attempt := 1; ; attempt++ {
		client, err := dialOnce(ctx, addr, config, timeout)
		if err == nil {
			return client, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (last dial error: %v)", ctx.Err(), err)
		}
		if c.DialErrorLimit >= 0 && attempt >= c.DialErrorLimit {
			return nil, fmt.Errorf("giving up after %d failed dial attempts: %w", attempt, err)
		}
		note(fmt.Sprintf("dial attempt %d to %s failed: %v; retrying", attempt, addr, err))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(dialPause):
		}
	}
}

func dialOnce(ctx context.Context, addr string, config *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if timeout > 0 { // bound the SSH handshake too, not just the TCP connect
		_ = conn.SetDeadline(time.Now().Add(timeout))
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, config)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// clientConfig builds auth methods (private key, then agent, then password)
// and host key checking (any key unless hostKey is given).
func clientConfig(c *connection) (*ssh.ClientConfig, func(), error) {
	config := &ssh.ClientConfig{User: c.User, HostKeyCallback: ssh.InsecureIgnoreHostKey()}
	closeAgent := func() {}
	if c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
		}
		if err != nil {
			return nil, closeAgent, fmt.Errorf("connection.privateKey: %w", err)
		}
		config.Auth = append(config.Auth, ssh.PublicKeys(signer))
	}
	sock := c.AgentSocketPath
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		switch {
		case err == nil:
			config.Auth = append(config.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
			closeAgent = func() { _ = conn.Close() }
		case c.AgentSocketPath != "":
			return nil, closeAgent, fmt.Errorf("connection.agentSocketPath: %w", err)
		}
	}
	if c.Password != "" {
		pw := c.Password
		config.Auth = append(config.Auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				answers := make([]string, len(qs))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(config.Auth) == 0 {
		closeAgent()
		return nil, func() {}, errors.New("connection: no way to authenticate: set privateKey, password or agentSocketPath")
	}
	if c.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.HostKey))
		if err != nil {
			closeAgent()
			return nil, func() {}, fmt.Errorf("connection.hostKey: %w", err)
		}
		config.HostKeyCallback = ssh.FixedHostKey(key)
		config.HostKeyAlgorithms = []string{key.Type()}
		if key.Type() == ssh.KeyAlgoRSA {
			config.HostKeyAlgorithms = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
	}
	return config, closeAgent, nil
}
