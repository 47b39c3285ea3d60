//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes a cancelled or timed-out command take its children
// with it: it runs in a new process group and the whole group is killed.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
