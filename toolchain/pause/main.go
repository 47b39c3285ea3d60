// Command pause is netlab's pod sandbox process: the first process of every pod, which
// holds the pod's namespaces open for its containers. It does nothing but wait:
//
//   - SIGINT or SIGTERM: exit 0 (the runtime stops the sandbox);
//   - SIGCHLD: reap every exited child (as PID 1 of a PID namespace shared by the pod's
//     containers, orphans are re-parented to it and would otherwise stay zombies);
//   - "-v": print the version and exit.
//
// Standard library only; built static (CGO_ENABLED=0) by commands/toolchain.sh pause.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set by the linker (-X main.Version=…) from toolchain/versions.env.
var Version = "dev"

func main() {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	os.Exit(run(os.Args[1:], os.Getpid(), os.Stdout, os.Stderr, sigs, func() int { return reapChildren(syscall.Wait4) }))
}

// run is the whole program apart from the process-wide signal set-up: it handles the
// command line, then serves sigs until told to stop, and returns the exit status.
func run(args []string, pid int, stdout, stderr io.Writer, sigs <-chan os.Signal, reap func() int) int {
	switch {
	case len(args) == 1 && (args[0] == "-v" || args[0] == "--version" || args[0] == "-version"):
		fmt.Fprintf(stdout, "netlab-pause %s\n", Version)
		return 0
	case len(args) > 0:
		fmt.Fprintf(stderr, "usage: pause [-v]\n")
		return 2
	}
	if pid != 1 {
		// Still useful (it waits), but orphans of the pod are not ours to reap.
		fmt.Fprintf(stderr, "pause: warning: not running as PID 1 (pid %d)\n", pid)
	}
	for sig := range sigs {
		switch sig {
		case syscall.SIGCHLD:
			reap()
		case syscall.SIGINT, syscall.SIGTERM:
			fmt.Fprintf(stderr, "pause: %v: shutting down\n", sig)
			return 0
		}
	}
	return 0
}

// wait4Func has the shape of syscall.Wait4, so tests can stand in for the kernel.
type wait4Func func(pid int, wstatus *syscall.WaitStatus, options int, rusage *syscall.Rusage) (int, error)

// reapChildren collects every child that has exited, without blocking, and returns how
// many it reaped. Signals coalesce (one SIGCHLD may stand for many exits), so it loops
// until no exited child is left.
func reapChildren(wait4 wait4Func) int {
	n := 0
	for {
		var ws syscall.WaitStatus
		pid, err := wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 { // ECHILD: no children; 0: children, none exited
			return n
		}
		n++
	}
}
