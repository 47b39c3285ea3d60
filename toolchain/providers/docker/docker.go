package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// dockerCLI runs the `docker` command line client, which negotiates the API version with the engine.
type dockerCLI struct {
	host string // the provider's `host` config (DOCKER_HOST); empty: the CLI's own default
}

// run executes `docker args...` with optional stdin and returns trimmed stdout. Errors name only the
// subcommand (arguments may carry build args) and carry the tail of stderr.
func (d *dockerCLI) run(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = os.Environ()
	if d.host != "" {
		cmd.Env = append(cmd.Env, "DOCKER_HOST="+d.host)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &dockerError{cmd: subcommand(args), err: err, stderr: tail(stderr.String(), stdout.String())}
	}
	return strings.TrimSpace(stdout.String()), nil
}

// inspect runs `docker <kind> inspect <ref>` and decodes the single result into out.
func (d *dockerCLI) inspect(ctx context.Context, kind, ref string, out any) error {
	js, err := d.run(ctx, nil, kind, "inspect", ref)
	if err != nil {
		return err
	}
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(js), &list); err != nil || len(list) != 1 {
		return fmt.Errorf("docker %s inspect %s: unexpected output: %.200s", kind, ref, js)
	}
	return json.Unmarshal(list[0], out)
}

type dockerError struct {
	cmd    string
	err    error
	stderr string
}

func (e *dockerError) Error() string {
	return fmt.Sprintf("docker %s failed (%v): %s", e.cmd, e.err, e.stderr)
}

// notFound reports whether err is Docker saying the object does not exist.
func notFound(err error) bool {
	de, ok := err.(*dockerError)
	return ok && (strings.Contains(de.stderr, "No such") || strings.Contains(strings.ToLower(de.stderr), "not found"))
}

func subcommand(args []string) string {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || len(words) == 2 {
			break
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// tail keeps the last lines of the command's output for error messages.
func tail(stderr, stdout string) string {
	s := strings.TrimSpace(stderr)
	if s == "" {
		s = strings.TrimSpace(stdout)
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 25 {
		lines = append([]string{"..."}, lines[len(lines)-25:]...)
	}
	return strings.Join(lines, "\n")
}
