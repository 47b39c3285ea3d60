package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

var defaultInterpreter = []string{"/bin/sh", "-c"}

// runLocal runs j.Command as the last argument of the interpreter, in dir,
// with the provider's environment plus j.Env.
func runLocal(ctx context.Context, j job) (result, error) {
	argv := j.In.Interpreter
	if len(argv) == 0 {
		argv = defaultInterpreter
	}
	argv = append(append([]string(nil), argv...), j.Command)

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	ownProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second // do not hang on pipes held by orphans after a cancel
	cmd.Dir = j.In.Dir
	cmd.Env = os.Environ()
	keys := make([]string, 0, len(j.Env))
	for k := range j.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+j.Env[k])
	}
	if j.In.Stdin != nil {
		cmd.Stdin = strings.NewReader(*j.In.Stdin)
	}
	stdout, stderr := newStreams(j)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	err := cmd.Run()
	res := collect(stdout, stderr)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return res, &commandError{Op: j.Op, Where: "local", Err: err, Res: res, Logging: j.In.Logging}
	}
	return res, nil
}
