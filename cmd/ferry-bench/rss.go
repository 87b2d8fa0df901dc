package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// memory is the web process's resident set around one transfer.
type memory struct {
	before, peak int64 // bytes
}

// growth is how far the peak rose above the start, in bytes.
func (m memory) growth() int64 { return m.peak - m.before }

// sampleRSSEvery is how often the web process's memory is read.
const sampleRSSEvery = 20 * time.Millisecond

// whileSampling runs fn while reading pid's resident set every 20 ms.
func whileSampling(pid int, fn func() error) (memory, error) {
	before, err := readRSS(pid)
	if err != nil {
		return memory{}, err
	}
	s := startSampler(pid)
	err = fn()
	return memory{before: before, peak: max(before, s.stop())}, err
}

// readRSS reads VmRSS from /proc/<pid>/status.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the web process's memory: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("read the web process's memory: no VmRSS line")
}

// sampler keeps the highest resident set it saw.
type sampler struct {
	quit, done chan struct{}
	peak       int64
}

func startSampler(pid int) *sampler {
	s := &sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go s.loop(pid)
	return s
}

func (s *sampler) loop(pid int) {
	defer close(s.done)
	tick := time.NewTicker(sampleRSSEvery)
	defer tick.Stop()
	for {
		if rss, err := readRSS(pid); err == nil {
			s.peak = max(s.peak, rss)
		}
		select {
		case <-s.quit:
			return
		case <-tick.C:
		}
	}
}

// stop ends sampling and returns the peak.
func (s *sampler) stop() int64 {
	close(s.quit)
	<-s.done
	return s.peak
}
