package main

import (
	"encoding/binary"
	"io"
)

// stream is size bytes of deterministic pseudo-random data, made as they
// are read, so an upload of any size never sits whole in memory. Byte i
// is byte i%8 of word(i/8), so every stream of the same size is the same.
type stream struct {
	off, size int64
}

func newStream(size int64) *stream { return &stream{size: size} }

func (s *stream) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.size-s.off)]
	n := 0
	for n < len(p) && (s.off+int64(n))%8 != 0 { // up to the next whole word
		n += s.partial(p[n:], s.off+int64(n))
	}
	for ; len(p)-n >= 8; n += 8 {
		binary.LittleEndian.PutUint64(p[n:], word(uint64(s.off+int64(n))/8))
	}
	for n < len(p) { // a short tail
		n += s.partial(p[n:], s.off+int64(n))
	}
	s.off += int64(n)
	return n, nil
}

// partial copies what p takes of the word holding byte off, from off on.
func (s *stream) partial(p []byte, off int64) int {
	var w [8]byte
	binary.LittleEndian.PutUint64(w[:], word(uint64(off)/8))
	return copy(p, w[off%8:])
}

// word is the i-th word of every stream: SplitMix64's finaliser of i,
// which is fast and passes for random at these sizes.
func word(i uint64) uint64 {
	z := i*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
