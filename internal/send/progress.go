package send

import (
	"io"

	"github.com/ferryhq/ferry/internal/progress"
)

// counter passes a PATCH body through, counting it into the progress.
type counter struct {
	r io.Reader
	p *progress.Bar
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.Add(n)
	return n, err
}
