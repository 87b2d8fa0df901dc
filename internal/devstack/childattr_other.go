//go:build unix && !linux

package devstack

import "syscall"

// ChildAttr puts a child process in its own process group, so a
// terminal's Ctrl-C reaches us alone and we stop the child in order.
// Outside Linux there is no parent-death signal: a child outlives a
// `ferry dev` killed with SIGKILL, and the next start finds its data
// folder locked and says so.
func ChildAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
