package resumable

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // tus's checksum extension names sha1; it guards against corruption, not an attacker
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/tus/tusd/v2/pkg/handler"
)

// ChecksumAlgorithms is what Tus-Checksum-Algorithm advertises.
const ChecksumAlgorithms = "sha1,sha256"

// MaxVerifiedChunk bounds a PATCH that carries Upload-Checksum. Such a
// chunk is held whole in a scratch file (unlinked at once, so a crash
// leaves nothing) until its checksum is known, because the stores write
// as they read and cannot take back a chunk that proves wrong. 100 MiB:
// above the chunks clients send under proxy limits (tus-js-client and
// ferry send use 50 and 8 MiB), and the most one PATCH holds on disk.
const MaxVerifiedChunk = 100 << 20

// Checksum failures, as tus prescribes them.
var (
	errChecksumMismatch = handler.NewError("ERR_CHECKSUM_MISMATCH", "the chunk does not match Upload-Checksum; none of it was kept", 460)
	errBadChecksum      = handler.NewError("ERR_BAD_CHECKSUM", "Upload-Checksum must be sha1 or sha256 and a base64 digest", http.StatusBadRequest)
	errChunkTooBig      = handler.NewError("ERR_CHUNK_TOO_LARGE", fmt.Sprintf("a chunk with Upload-Checksum may hold at most %d bytes", MaxVerifiedChunk), http.StatusRequestEntityTooLarge)
)

// checksum is a parsed Upload-Checksum: the digest a chunk must have.
type checksum struct {
	algorithm string
	sum       []byte
}

func (c checksum) hash() hash.Hash {
	if c.algorithm == "sha1" {
		return sha1.New() //nolint:gosec // see the import
	}
	return sha256.New()
}

// parseChecksum reads Upload-Checksum: "sha1 <base64>" or "sha256
// <base64>", the digest as long as the algorithm's.
func parseChecksum(header string) (checksum, error) {
	alg, b64, ok := strings.Cut(strings.TrimSpace(header), " ")
	size := map[string]int{"sha1": sha1.Size, "sha256": sha256.Size}[alg]
	if !ok || size == 0 {
		return checksum{}, errBadChecksum
	}
	sum, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(sum) != size {
		return checksum{}, errBadChecksum
	}
	return checksum{algorithm: alg, sum: sum}, nil
}

// checkedRequest parses r's Upload-Checksum, if it has one, and refuses a
// chunk announced over MaxVerifiedChunk before any byte is read.
func checkedRequest(r *http.Request) (*checksum, error) {
	h := r.Header.Get("Upload-Checksum")
	if h == "" {
		return nil, nil
	}
	c, err := parseChecksum(h)
	if err != nil {
		return nil, err
	}
	if r.ContentLength > MaxVerifiedChunk {
		return nil, errChunkTooBig
	}
	return &c, nil
}

// verified reads the whole chunk into a scratch file under dir, through
// the checksum's hash, and returns the file to read it again from, once
// the digest matches. A chunk cut short (fewer bytes than announced) is
// kept from the store too: ok is false and the body's error is tusd's to
// tell.
func verified(src io.Reader, c checksum, announced int64, dir string) (f *os.File, ok bool, err error) {
	f, err = os.CreateTemp(dir, "tus-checksum-*")
	if err != nil {
		return nil, false, fmt.Errorf("checksum scratch: %w", err)
	}
	// Unlinked at once: the open file is all that holds the bytes.
	if err := os.Remove(f.Name()); err != nil {
		return nil, false, errors.Join(fmt.Errorf("checksum scratch: %w", err), f.Close())
	}
	h := c.hash()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(src, MaxVerifiedChunk+1))
	switch {
	case err != nil:
		err = fmt.Errorf("checksum scratch: %w", err)
	case n > MaxVerifiedChunk:
		err = errChunkTooBig
	case announced >= 0 && n != announced:
		_ = f.Close()
		return nil, false, nil
	case !bytes.Equal(h.Sum(nil), c.sum):
		err = errChecksumMismatch
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return nil, false, errors.Join(err, f.Close())
	}
	return f, true, nil
}

// checkedWrite is WriteChunk for a chunk with a checksum: verified
// first, then written by write. A chunk that fails writes nothing, so the
// offset stays where it was.
func checkedWrite(ctx context.Context, src io.Reader, dir string, write func(io.Reader) (int64, error)) (int64, error) {
	req := from(ctx)
	if req == nil || req.checksum == nil {
		return write(src)
	}
	f, ok, err := verified(src, *req.checksum, req.length, dir)
	if err != nil || !ok {
		return 0, err
	}
	defer f.Close()
	return write(f)
}
