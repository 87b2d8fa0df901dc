package send

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress reports one file's upload on stderr: on a terminal, a line
// redrawn at most every 200ms with bytes, speed and time left; elsewhere
// (a log, a pipe) only a line at the start and at the end, which a log
// can keep.
type progress struct {
	w        io.Writer
	live     bool
	name     string
	size     int64
	mu       sync.Mutex
	sent     int64 // bytes the server has, or is being sent
	from     int64 // where this run started: the speed counts only its bytes
	start    time.Time
	lastDraw time.Time
}

func newProgress(w io.Writer, live bool, name string, size, from int64) *progress {
	p := &progress{w: w, live: live, name: name, size: size, sent: from, from: from, start: time.Now()}
	if !live {
		fmt.Fprintf(w, "sending %s (%s)\n", name, bytesOf(size))
	}
	return p
}

// add counts n more bytes sent.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += int64(n)
	p.draw(false)
}

// at sets the offset: what the server confirmed, after a failure or a PATCH.
func (p *progress) at(offset int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = offset
	p.draw(false)
}

// done ends the report with the outcome.
func (p *progress) done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.sent = p.size
	}
	if p.live {
		p.draw(true)
		fmt.Fprintln(p.w)
	}
	if err == nil && !p.live {
		fmt.Fprintf(p.w, "sent %s (%s in %s)\n", p.name, bytesOf(p.size-p.from), time.Since(p.start).Round(100*time.Millisecond))
	}
}

// draw redraws the live line, at most five times a second unless forced.
func (p *progress) draw(force bool) {
	now := time.Now()
	if !p.live || (!force && now.Sub(p.lastDraw) < 200*time.Millisecond) {
		return
	}
	p.lastDraw = now
	elapsed := now.Sub(p.start).Seconds()
	speed := 0.0
	if elapsed > 0 {
		speed = float64(p.sent-p.from) / elapsed
	}
	left := "--:--"
	if speed > 0 && p.sent < p.size {
		left = clock(time.Duration(float64(p.size-p.sent) / speed * float64(time.Second)))
	} else if p.sent >= p.size {
		left = "0:00"
	}
	pct := 100.0
	if p.size > 0 {
		pct = float64(p.sent) * 100 / float64(p.size)
	}
	// \r and the erase-line code redraw the line in place.
	fmt.Fprintf(p.w, "\r\x1b[K%s  %s / %s  %5.1f%%  %s/s  %s left", p.name, bytesOf(p.sent), bytesOf(p.size), pct, bytesOf(int64(speed)), left)
}

// clock is a duration as h:mm:ss or m:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// bytesOf is n in binary units, as the server's settings are written.
func bytesOf(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}

// counter passes a PATCH body through, counting it into the progress.
type counter struct {
	r io.Reader
	p *progress
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(n)
	return n, err
}
