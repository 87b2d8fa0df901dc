package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// pageCSP allows nothing but our own forms; these pages run no script.
const pageCSP = "default-src 'none'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pages are plain, server-rendered and work without JavaScript. They are
// parsed when the program starts, so a broken template fails at once.
var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"size": func(n int64) string { return units.Bytes(n).Human() },
	"date": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
}).Parse(`
{{define "head"}}<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.}} · Ferry</title>{{end}}
{{define "share"}}{{template "head" "Shared files"}}
<main><h1>Shared files</h1>
<p>Available until {{date .Share.ExpiresAt}}{{if .Share.MaxDownloads}}, {{.Share.Downloads}} of {{.Share.MaxDownloads}} downloads used{{end}}.</p>
<ul>{{range .Files}}<li>{{.Name}} ({{size .Size}}) <a href="/s/{{$.Token}}/files/{{.ID}}" download>Download</a></li>{{end}}</ul>
{{if gt (len .Files) 1}}<p><a href="/s/{{.Token}}/zip">Download all as zip</a></p>{{end}}
</main>{{end}}
{{define "locked"}}{{template "head" "Password needed"}}
<main><h1>This link needs a password</h1>{{if .Message}}<p role="alert">{{.Message}}</p>{{end}}
<form method="post" action="/s/{{.Token}}/unlock"><label for="password">Password</label>
<input id="password" name="password" type="password" required autofocus autocomplete="off">
<button type="submit">Unlock</button></form></main>{{end}}
{{define "error"}}{{template "head" .Title}}<main><h1>{{.Title}}</h1><p>{{.Message}}</p></main>{{end}}
`))

func pageHeaders(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "no-referrer") // the URL holds the share token
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	pageHeaders(w, status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.Log.Error("render page", "request_id", RequestID(r.Context()), "page", name, "error", err.Error())
	}
}

func (s *Server) renderShare(w http.ResponseWriter, r *http.Request, sh share.Share, fs []share.File, locked bool, msg string) {
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
	s.render(w, r, e.Status, "error", map[string]string{"Title": title, "Message": e.Message})
}
