package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestVersionFlag(t *testing.T) {
	for _, flag := range []string{"-v", "--version"} {
		var out, errOut bytes.Buffer
		if code := run([]string{flag}, 1, &out, &errOut, nil, nil); code != 0 {
			t.Fatalf("%s: exit %d", flag, code)
		}
		if got, want := out.String(), "netlab-pause "+Version+"\n"; got != want {
			t.Fatalf("%s: printed %q, want %q", flag, got, want)
		}
	}
}

func TestUnknownArgument(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-x"}, 1, &out, &errOut, nil, nil); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

func TestReapsOnSIGCHLDAndStopsOnSIGTERM(t *testing.T) {
	for _, stop := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		sigs := make(chan os.Signal, 4)
		sigs <- syscall.SIGCHLD
		sigs <- syscall.SIGHUP // not ours: ignored
		sigs <- syscall.SIGCHLD
		sigs <- stop
		reaps := 0
		var out, errOut bytes.Buffer
		if code := run(nil, 1, &out, &errOut, sigs, func() int { reaps++; return 0 }); code != 0 {
			t.Fatalf("%v: exit %d, want 0", stop, code)
		}
		if reaps != 2 {
			t.Fatalf("%v: reaped %d times, want 2", stop, reaps)
		}
		if len(sigs) != 0 {
			t.Fatalf("%v: %d signals left unread", stop, len(sigs))
		}
	}
}

func TestWarnsWhenNotPID1(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	sigs <- syscall.SIGTERM
	var out, errOut bytes.Buffer
	run(nil, 42, &out, &errOut, sigs, nil)
	if !strings.Contains(errOut.String(), "not running as PID 1") {
		t.Fatalf("no warning: %q", errOut.String())
	}
}

func TestReapChildrenLoopsUntilNoneLeft(t *testing.T) {
	results := []struct {
		pid int
		err error
	}{{101, nil}, {0, syscall.EINTR}, {102, nil}, {0, nil}}
	calls := 0
	fake := func(pid int, ws *syscall.WaitStatus, options int, ru *syscall.Rusage) (int, error) {
		if pid != -1 || options&syscall.WNOHANG == 0 {
			t.Fatalf("wait4(%d, %#x): want any child, WNOHANG", pid, options)
		}
		r := results[calls]
		calls++
		return r.pid, r.err
	}
	if n := reapChildren(fake); n != 2 || calls != 4 {
		t.Fatalf("reaped %d in %d calls, want 2 in 4", n, calls)
	}
	if n := reapChildren(func(int, *syscall.WaitStatus, int, *syscall.Rusage) (int, error) { return -1, syscall.ECHILD }); n != 0 {
		t.Fatalf("no children: reaped %d", n)
	}
}

// A real zombie: start a child, never Wait for it, and let reapChildren collect it.
func TestReapChildrenCollectsARealZombie(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	reaped := 0
	for reaped == 0 && time.Now().Before(deadline) {
		reaped += reapChildren(syscall.Wait4)
		time.Sleep(10 * time.Millisecond)
	}
	if reaped != 1 {
		t.Fatalf("reaped %d children, want 1", reaped)
	}
	if err := syscall.Kill(cmd.Process.Pid, 0); err == nil {
		t.Fatalf("pid %d still exists after reaping", cmd.Process.Pid)
	}
}
