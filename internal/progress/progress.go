// Package progress reports a transfer on stderr for the client commands
// (ferry send, ferry get): on a terminal one line redrawn in place with
// bytes, speed and time left; elsewhere (a log, a pipe) a line when the
// transfer starts and one when it ends, which a log can keep.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Verbs name a transfer in the lines written where no line is redrawn.
type Verbs struct{ Start, End string }

// The verbs of the client commands.
var (
	Sending  = Verbs{"sending", "sent"}
	Fetching = Verbs{"fetching", "saved"}
)

// Bar is one file's transfer. Its methods are safe for concurrent use.
type Bar struct {
	w        io.Writer
	live     bool
	verbs    Verbs
	name     string
	size     int64 // -1: unknown (a streamed zip)
	mu       sync.Mutex
	done     int64 // bytes transferred, including those of an earlier run
	from     int64 // where this run started: the speed counts only its bytes
	start    time.Time
	lastDraw time.Time
}

// New starts the report of name, size bytes (-1 when unknown), of which
// from were transferred before this run. live draws the redrawn line.
func New(w io.Writer, live bool, verbs Verbs, name string, size, from int64) *Bar {
	b := &Bar{w: w, live: live, verbs: verbs, name: name, size: size, done: from, from: from, start: time.Now()}
	if !live {
		fmt.Fprintf(w, "%s %s (%s)\n", verbs.Start, name, b.sizeText())
	}
	return b
}

// Add counts n more bytes transferred.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += int64(n)
	b.draw(false)
}

// At sets how far the transfer is: what the other side confirmed, after
// a failure or a chunk.
func (b *Bar) At(offset int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = offset
	b.draw(false)
}

// Done ends the report with the outcome.
func (b *Bar) Done(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil && b.size >= 0 {
		b.done = b.size
	}
	if b.live {
		b.draw(true)
		fmt.Fprintln(b.w)
	}
	if err == nil && !b.live {
		fmt.Fprintf(b.w, "%s %s (%s in %s)\n", b.verbs.End, b.name, Bytes(b.done-b.from), time.Since(b.start).Round(100*time.Millisecond))
	}
}

func (b *Bar) sizeText() string {
	if b.size < 0 {
		return "size unknown"
	}
	return Bytes(b.size)
}

// draw redraws the live line, at most five times a second unless forced.
func (b *Bar) draw(force bool) {
	now := time.Now()
	if !b.live || (!force && now.Sub(b.lastDraw) < 200*time.Millisecond) {
		return
	}
	b.lastDraw = now
	speed := 0.0
	if elapsed := now.Sub(b.start).Seconds(); elapsed > 0 {
		speed = float64(b.done-b.from) / elapsed
	}
	if b.size < 0 {
		// \r and the erase-line code redraw the line in place.
		fmt.Fprintf(b.w, "\r\x1b[K%s  %s  %s/s", b.name, Bytes(b.done), Bytes(int64(speed)))
		return
	}
	left := "--:--"
	if speed > 0 && b.done < b.size {
		left = Clock(time.Duration(float64(b.size-b.done) / speed * float64(time.Second)))
	} else if b.done >= b.size {
		left = "0:00"
	}
	pct := 100.0
	if b.size > 0 {
		pct = float64(b.done) * 100 / float64(b.size)
	}
	fmt.Fprintf(b.w, "\r\x1b[K%s  %s / %s  %5.1f%%  %s/s  %s left", b.name, Bytes(b.done), Bytes(b.size), pct, Bytes(int64(speed)), left)
}

// Clock is a duration as h:mm:ss or m:ss.
func Clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Bytes is n in binary units, as the server's settings are written.
func Bytes(n int64) string {
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
