package web

import (
	"archive/zip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/download"
	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/sharing"
)

// storedFileCSP keeps anything served from storage inert: a sandboxed
// document runs no script in our origin, whatever an uploader put in it.
const storedFileCSP = "sandbox; default-src 'none'"

// download serves one file of a share. Every GET reserves the bytes it
// will send from the share's download budget, whatever its Range says,
// and gives back what it did not send (sharing.Service.Finish); HEAD and
// a conditional GET answered 304 reserve nothing.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	token, id := r.PathValue("token"), r.PathValue("id")
	unlocked, err := s.unlocked(r, token)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	if r.Method == http.MethodHead || r.Header.Get("Range") != "" || r.Header.Get("If-None-Match") != "" {
		s.downloadChecked(w, r, token, id, unlocked)
		return
	}
	// The hot path: a plain GET of the whole file, one round trip.
	d, err := s.Sharing.Spend(r.Context(), token, id, unlocked)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	s.serveFile(w, r, d, download.Range{Length: d.Size}, false)
}

// downloadChecked serves a GET whose headers need the file first (its
// ETag, its size for the Range) and a HEAD: it looks, answers 304 or 416
// without reserving anything, then reserves exactly the range it serves.
func (s *Server) downloadChecked(w http.ResponseWriter, r *http.Request, token, id string, unlocked bool) {
	d, err := s.Sharing.Peek(r.Context(), token, id, unlocked)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	etag := etagOf(d.SHA256)
	setStoredHeaders(w.Header(), d.File, etag)
	if download.NoneMatch(strings.Join(r.Header.Values("If-None-Match"), ","), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	rng, partial, err := chosenRange(r, d.Size, etag)
	if err != nil {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(d.Size, 10))
		s.fail(w, r, apiError(http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable", "the range lies outside the file"))
		return
	}
	if r.Method != http.MethodHead {
		if d, err = s.Sharing.Reserve(r.Context(), token, id, unlocked, rng.Start, rng.Length); err != nil {
			s.failPublic(w, r, err)
			return
		}
	}
	s.serveFile(w, r, d, rng, partial)
}

func etagOf(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }

// thumbnail serves a file's thumbnail under the file's own access rules;
// looking at it spends no download.
func (s *Server) thumbnail(w http.ResponseWriter, r *http.Request) {
	token, id := r.PathValue("token"), r.PathValue("id")
	unlocked, err := s.unlocked(r, token)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	rd, err := s.Sharing.Thumbnail(r.Context(), token, id, unlocked)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", rd.ContentType())
	h.Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	h.Set("Content-Security-Policy", storedFileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	if _, err := copyObjectBody(w, rd); err != nil && r.Context().Err() == nil {
		panic(http.ErrAbortHandler)
	}
}

// serveFile answers with rng of the file d reserved (nothing reserved
// for a HEAD): headers, then the bytes from storage or a redirect to them.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, d share.Download, rng download.Range, partial bool) {
	setStoredHeaders(w.Header(), d.File, etagOf(d.SHA256))
	if s.Settings.DownloadMode == "redirect" && r.Method != http.MethodHead {
		s.redirectToStorage(w, r, d)
		return
	}
	s.stream(w, r, d, rng, partial)
}

func setStoredHeaders(h http.Header, f files.File, etag string) {
	h.Set("Content-Security-Policy", storedFileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", download.Attachment(f.Name))
	h.Set("Content-Type", f.ContentType)
	h.Set("ETag", etag)
	h.Set("Last-Modified", f.CreatedAt.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Referrer-Policy", "no-referrer")
}

// chosenRange applies Range, unless If-Range names another version.
func chosenRange(r *http.Request, size int64, etag string) (download.Range, bool, error) {
	if ir := r.Header.Get("If-Range"); ir != "" && ir != etag {
		return download.Range{Length: size}, false, nil
	}
	rng, partial, err := download.ParseRange(r.Header.Get("Range"), size)
	if !partial {
		rng = download.Range{Length: size}
	}
	return rng, partial, err
}

// stream copies the bytes from storage. The reader opens before any
// header is sent, so a missing object or a store that is down is still a
// clean error response, and the reservation is given back. Once the copy
// ends, whole or cut short, the bytes that did not go out are given back.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, d share.Download, rng download.Range, partial bool) {
	var rd *blob.Reader
	if r.Method != http.MethodHead {
		var err error
		if rd, err = s.Sharing.Open(r.Context(), d, rng.Start); err != nil {
			s.fail(w, r, err)
			return
		}
		defer rd.Close()
	}
	w.Header().Set("Content-Length", strconv.FormatInt(rng.Length, 10))
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", rng.ContentRange(d.Size))
	}
	w.WriteHeader(status)
	if rd == nil {
		return
	}
	sent, err := copyObjectBody(w, rd)
	s.Sharing.Finish(r.Context(), d, sent, clientKey(r, s.Settings.TrustedProxies))
	if err != nil && r.Context().Err() == nil {
		s.Log.WarnContext(r.Context(), "download cut short", "error", err.Error())
		panic(http.ErrAbortHandler) // the client must see an incomplete body, not a short one
	}
}

// redirectToStorage sends the client to a short-lived signed URL, so the
// bytes bypass Ferry; the download was already counted.
func (s *Server) redirectToStorage(w http.ResponseWriter, r *http.Request, f share.Download) {
	u, err := s.Sharing.SignedURL(r.Context(), f, clientKey(r, s.Settings.TrustedProxies))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// zipShare streams every file of a share as one zip, stored uncompressed
// (shared files are mostly compressed already), with no temporary file.
func (s *Server) zipShare(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	unlocked, err := s.unlocked(r, token)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	// A HEAD spends nothing and opens nothing.
	z, err := s.Sharing.SpendZip(r.Context(), token, unlocked, r.Method != http.MethodHead)
	if err != nil {
		s.failPublic(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", download.Attachment("ferry-"+token[:min(8, len(token))]+".zip"))
	h.Set("Content-Security-Policy", storedFileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	if z.First == nil {
		return
	}
	cw := &countingWriter{w: w}
	err = s.writeZip(r.Context(), cw, z)
	s.Sharing.FinishZip(r.Context(), z.ShareID, cw.n, err == nil, clientKey(r, s.Settings.TrustedProxies))
	if err != nil && r.Context().Err() == nil {
		s.Log.WarnContext(r.Context(), "zip cut short", "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}

// writeZip writes z's files as zip entries, the first from the reader
// SpendZip opened.
func (s *Server) writeZip(ctx context.Context, w io.Writer, z sharing.Zip) error {
	zw := zip.NewWriter(w)
	names := map[string]bool{}
	for i, f := range z.Files {
		entry, err := zw.CreateHeader(&zip.FileHeader{Name: filename.Unique(names, f.Name), Method: zip.Store, Modified: f.CreatedAt})
		if err == nil {
			err = s.copyObject(ctx, entry, z, i)
		}
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

// copyObject copies the i-th file of z into w.
func (s *Server) copyObject(ctx context.Context, w io.Writer, z sharing.Zip, i int) error {
	rd := z.First
	if i > 0 {
		var err error
		if rd, err = s.Sharing.OpenObject(ctx, z.Files[i].BlobKey); err != nil {
			return err
		}
	}
	defer rd.Close()
	_, err := copyObjectBody(w, rd)
	return err
}

// copyObjectBody copies an object to w through a pooled buffer sized for
// it. Without one, io.Copy would take blob.Reader's WriteTo, which
// allocates 1 MiB for every call, so that small downloads spend most of
// their time allocating and collecting it; big files still get 1 MiB,
// because their speed falls with the number of writes.
func copyObjectBody(w io.Writer, rd *blob.Reader) (int64, error) {
	pool := &smallBuffers
	if rd.Size() > smallObject {
		pool = &bigBuffers
	}
	buf := pool.Get().(*[]byte)
	defer pool.Put(buf)
	return io.CopyBuffer(w, struct{ io.Reader }{rd}, *buf)
}

const smallObject = 256 << 10

var (
	smallBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	bigBuffers   = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}
)

// countingWriter counts the bytes a response sent, for the history.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
