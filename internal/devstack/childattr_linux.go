package devstack

import "syscall"

// ChildAttr puts a child process in its own process group, so a
// terminal's Ctrl-C reaches us alone and we stop the child in order, and
// has the kernel send it sig should we die without stopping it.
//
// Caveat: Linux sends the parent-death signal when the *thread* that
// started the child exits, not the process. Go only ends a thread when a
// goroutine locked to it (runtime.LockOSThread) returns without
// unlocking; callers that do that must not start children from such a
// goroutine, or the child is stopped when it returns.
func ChildAttr(sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: sig}
}
