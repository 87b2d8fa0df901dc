package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuTime is the CPU (user plus system) pid has used, or 0 if unknown.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces, end with ")".
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// cpuUse tells how busy each of our processes was during one step.
type cpuUse struct {
	names []string
	pids  []int
	start []time.Duration
	began time.Time
}

// watchCPU starts counting the CPU of the bench, ferry web and versitygw.
func (b *bench) watchCPU() *cpuUse { return b.watchCPUOf(b.stack.web) }

// watchCPUOf is watchCPU with web as the ferry web process watched.
func (b *bench) watchCPUOf(web *child) *cpuUse {
	u := &cpuUse{
		names: []string{"ferry web", "versitygw", "ferry-bench"},
		pids:  []int{web.pid(), b.stack.gw.pid(), os.Getpid()},
		began: time.Now(),
	}
	for _, pid := range u.pids {
		u.start = append(u.start, cpuTime(pid))
	}
	return u
}

// String says, per process, the share of one core used since watchCPU.
func (u *cpuUse) String() string {
	wall := time.Since(u.began)
	parts := make([]string, len(u.pids))
	for i, pid := range u.pids {
		used := cpuTime(pid) - u.start[i]
		parts[i] = fmt.Sprintf("%s %.0f%%", u.names[i], 100*used.Seconds()/wall.Seconds())
	}
	return fmt.Sprintf("%.2fs, CPU: %s", wall.Seconds(), strings.Join(parts, ", "))
}

// cpuSpent is the CPU each watched process used during one step.
type cpuSpent struct {
	names []string
	used  []time.Duration
}

// used is what each process has used since watchCPU.
func (u *cpuUse) used() cpuSpent {
	s := cpuSpent{names: u.names}
	for i, pid := range u.pids {
		s.used = append(s.used, cpuTime(pid)-u.start[i])
	}
	return s
}

// perGiB is the CPU seconds each process spent per GiB of bytes, and
// their sum.
func (s cpuSpent) perGiB(bytes int64) string {
	gib := float64(bytes) / (1 << 30)
	var parts []string
	var total time.Duration
	for i, d := range s.used {
		parts = append(parts, fmt.Sprintf("%s %.2f", s.names[i], d.Seconds()/gib))
		total += d
	}
	return fmt.Sprintf("%.2f CPU-s (%s)", total.Seconds()/gib, strings.Join(parts, ", "))
}
