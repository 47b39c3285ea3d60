package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
)

// job is one command run (create, update or delete) of a Command resource.
type job struct {
	Op      string // "create", "update" or "delete", for messages
	Command string
	In      *inputs
	Env     map[string]string // in.Environment plus PULUMI_COMMAND_* when wanted
	Log     func(stream, line string)
}

// result holds the captured output, trailing newline trimmed like the real
// provider does.
type result struct{ Stdout, Stderr string }

// lineLogger captures a stream and forwards complete lines to emit.
type lineLogger struct {
	mu      *sync.Mutex // shared by stdout and stderr so lines never interleave
	stream  string
	capture bytes.Buffer
	partial []byte
	emit    func(stream, line string)
}

func (w *lineLogger) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.capture.Write(b)
	if w.emit == nil {
		return len(b), nil
	}
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.emit(w.stream, strings.TrimRight(string(w.partial[:i]), "\r"))
		w.partial = w.partial[i+1:]
	}
	return len(b), nil
}

// flush emits a final line that had no newline.
func (w *lineLogger) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.emit != nil && len(w.partial) > 0 {
		w.emit(w.stream, string(w.partial))
	}
	w.partial = nil
}

// newStreams returns writers for stdout and stderr that log only what the
// logging mode allows.
func newStreams(j job) (stdout, stderr *lineLogger) {
	mu := &sync.Mutex{}
	stdout = &lineLogger{mu: mu, stream: "stdout"}
	stderr = &lineLogger{mu: mu, stream: "stderr"}
	if logsStream(j.In.Logging, "stdout") {
		stdout.emit = j.Log
	}
	if logsStream(j.In.Logging, "stderr") {
		stderr.emit = j.Log
	}
	return stdout, stderr
}

func logsStream(mode, stream string) bool {
	return mode == "" || mode == "stdoutAndStderr" || mode == stream
}

func collect(stdout, stderr *lineLogger) result {
	stdout.flush()
	stderr.flush()
	return result{
		Stdout: strings.TrimSuffix(stdout.capture.String(), "\n"),
		Stderr: strings.TrimSuffix(stderr.capture.String(), "\n"),
	}
}

// commandError is a failed run; its message carries the tail of the streams
// the logging mode allows to be shown (so `logging: "stderr"` keeps a secret
// stdout out of error messages too).
type commandError struct {
	Op, Where string
	Err       error
	Res       result
	Logging   string
}

const tailLines = 20

func (e *commandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s command failed (%s): %v", e.Op, e.Where, e.Err)
	for _, s := range []struct{ name, text string }{{"stderr", e.Res.Stderr}, {"stdout", e.Res.Stdout}} {
		switch {
		case !logsStream(e.Logging, s.name):
			fmt.Fprintf(&b, "\n(%s not shown: logging is %q)", s.name, e.Logging)
		case strings.TrimSpace(s.text) != "":
			fmt.Fprintf(&b, "\n--- %s (last %d lines) ---\n%s", s.name, tailLines, tail(s.text, tailLines))
		}
	}
	return b.String()
}

func (e *commandError) Unwrap() error { return e.Err }

// tail returns the last n lines of s, each cut to a sane length.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 400 {
			lines[i] = l[:400] + "…"
		}
	}
	return strings.Join(lines, "\n")
}

// run executes j locally or over SSH depending on the resource.
func run(ctx context.Context, j job) (result, error) {
	if j.Command == "" {
		return result{}, nil
	}
	if j.In.Conn != nil {
		return runRemote(ctx, j)
	}
	return runLocal(ctx, j)
}

// jobEnv returns the environment for a run: the user's variables plus, when
// addPreviousOutputInEnv is on and there was a previous run, its output.
func jobEnv(in *inputs, prev *result) map[string]string {
	env := map[string]string{}
	for k, v := range in.Environment {
		env[k] = v
	}
	if prev != nil && in.AddPreviousOutputInEnv {
		env["PULUMI_COMMAND_STDOUT"] = prev.Stdout
		env["PULUMI_COMMAND_STDERR"] = prev.Stderr
	}
	return env
}
