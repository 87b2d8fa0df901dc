package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// pageCSP allows our own script, styles and images and nothing else: no
// inline code, no framing, forms only to us.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed templates
var templateFS embed.FS

// pageFuncs are the functions templates may call.
var pageFuncs = template.FuncMap{
	"size":     func(n int64) string { return units.Bytes(n).Human() },
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"day":      day,
	"asset":    assetURL,
	"ext":      extLabel,
	"sentence": sentence,
	"qr":       qrPath,
	"tree":     shareTree,
	"sortHead": sortHeadOf,
}

// pages are server-rendered and work without JavaScript. They are parsed
// when the program starts, so a broken template fails at once.
var pages = template.Must(parsePages(templateFS))

// parsePages parses the layout and partials (templates/*.html) and the
// pages, one a file: templates/pages/NAME.html defines the page NAME that
// handlers render. It fails on a syntax error, on a page file that does
// not define its page, and on markup html/template cannot escape safely,
// which would otherwise show only when the page is first rendered.
func parsePages(fsys fs.FS) (*template.Template, error) {
	t, err := template.New("pages").Funcs(pageFuncs).ParseFS(fsys, "templates/*.html", "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	names, err := pageNames(fsys)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("templates/pages/%s.html does not define the page %q", name, name)
		}
		// Escaping runs before the first action does, so nil data is
		// enough to find its errors; the others are the data's, and
		// that nil is not a page's data is no news.
		var escape *template.Error
		if err := t.ExecuteTemplate(io.Discard, name, nil); errors.As(err, &escape) {
			return nil, fmt.Errorf("page %q: %w", name, err)
		}
	}
	return t, nil
}

// pageNames are the names of the pages, from their files' names.
func pageNames(fsys fs.FS) ([]string, error) {
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(path.Base(f), ".html")
	}
	return names, nil
}

// pageHeaders sets the headers every page has. A 503 page always says
// when to try again, even one whose error did not: a client told only
// "unavailable" cannot pace its retries.
func pageHeaders(w http.ResponseWriter, status int) {
	h := w.Header()
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		setRetryAfter(w, errUnavailable)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "no-referrer") // the URL holds the share token
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.Log.ErrorContext(r.Context(), "render page", "page", name, "error", err.Error())
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		pageHeaders(w, status)
		_, _ = w.Write(buf.Bytes())
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	pageHeaders(w, status)
	gz := gzip.NewWriter(w)
	_, _ = gz.Write(buf.Bytes())
	_ = gz.Close()
}

func (s *Server) renderShare(w http.ResponseWriter, r *http.Request, sh share.Share, fs []files.File, locked bool, msg string) {
	if locked {
		s.renderLocked(w, r, sh.Token, msg)
		return
	}
	s.render(w, r, http.StatusOK, "share", map[string]any{"Share": sh, "Files": fs, "Token": sh.Token})
}

func (s *Server) renderLocked(w http.ResponseWriter, r *http.Request, token, msg string) {
	s.render(w, r, http.StatusUnauthorized, "locked", map[string]any{"Token": token, "Message": msg})
}

// failPublic answers a failed share-link request: JSON for API clients, a
// page a person can read for browsers.
func (s *Server) failPublic(w http.ResponseWriter, r *http.Request, err error) {
	e := toHTTP(err)
	if !strings.Contains(r.Header.Get("Accept"), "text/html") || e == nil || e.Status == http.StatusTooManyRequests {
		s.fail(w, r, err)
		return
	}
	if e.Code == "password_required" {
		s.renderLocked(w, r, r.PathValue("token"), "")
		return
	}
	titles := map[int]string{http.StatusNotFound: "Link not found", http.StatusGone: "This link has ended"}
	title := titles[e.Status]
	if title == "" {
		title = "Something is wrong with this request"
	}
	s.errorPage(w, r, e, title)
}

// errorPage shows e as a page, with the Retry-After its JSON form has.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, e *Error, title string) {
	setRetryAfter(w, e)
	s.render(w, r, e.Status, "error", map[string]string{"Title": title, "Message": e.Message})
}

// sentence starts an error message with a capital and ends it with a full
// stop, for pages; the JSON keeps the message as it is.
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
