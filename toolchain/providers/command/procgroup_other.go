//go:build !unix

package main

import "os/exec"

// ownProcessGroup: elsewhere only the direct child is killed on cancel.
func ownProcessGroup(*exec.Cmd) {}
