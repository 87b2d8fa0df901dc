package web

import (
	"net/http"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
)

type requestBody struct {
	Title     string `json:"title"`
	Message   string `json:"message"`
	ExpiresIn string `json:"expires_in"`
	MaxFiles  *int   `json:"max_files"`
	MaxBytes  *int64 `json:"max_bytes"`
	Password  string `json:"password"`
	Notify    *bool  `json:"notify"`
}

type requestJSON struct {
	ID            string     `json:"id"`
	Token         string     `json:"token"`
	URL           string     `json:"url"`
	Title         string     `json:"title"`
	Message       string     `json:"message"`
	ExpiresAt     time.Time  `json:"expires_at"`
	MaxFiles      *int       `json:"max_files"`
	MaxBytes      *int64     `json:"max_bytes"`
	FilesReceived int        `json:"files_received"`
	BytesReceived int64      `json:"bytes_received"`
	HasPassword   bool       `json:"has_password"`
	Notify        bool       `json:"notify"`
	Open          bool       `json:"open"`
	ClosedAt      *time.Time `json:"closed_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// requestDetail is one request with the files received through it.
type requestDetail struct {
	requestJSON
	Files []receivedJSON `json:"files"`
}

type receivedJSON struct {
	fileJSON
	From       string    `json:"from"`
	Note       string    `json:"note"`
	ReceivedAt time.Time `json:"received_at"`
}

func (s *Server) requestJSON(r *http.Request, q filerequest.Request) requestJSON {
	out := requestJSON{ID: q.ID, Token: q.Token, URL: s.baseURL(r) + "/r/" + q.Token, Title: q.Title, Message: q.Message,
		ExpiresAt: q.ExpiresAt, FilesReceived: q.FilesReceived, BytesReceived: q.BytesReceived, HasPassword: q.HasPassword,
		Notify: q.Notify, Open: q.Open(), ClosedAt: q.ClosedAt, CreatedAt: q.CreatedAt}
	if q.MaxFiles > 0 {
		out.MaxFiles = &q.MaxFiles
	}
	if q.MaxBytes > 0 {
		out.MaxBytes = &q.MaxBytes
	}
	return out
}

func (s *Server) createRequest(w http.ResponseWriter, r *http.Request, u account.User) {
	var body requestBody
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := filerequest.Parse(filerequest.Input(body), s.Settings.Shares)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.Sharing.CreateRequest(r.Context(), u, o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/requests/"+q.ID)
	writeJSON(w, http.StatusCreated, s.requestJSON(r, q))
}

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request, u account.User) {
	list, err := s.Sharing.Requests(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]requestJSON, 0, len(list))
	for _, q := range list {
		out = append(out, s.requestJSON(r, q))
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": out})
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, u account.User) {
	q, got, err := s.Sharing.Request(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := requestDetail{requestJSON: s.requestJSON(r, q)}
	out.Files = make([]receivedJSON, 0, len(got))
	for _, f := range got {
		out.Files = append(out.Files, receivedJSON{fileJSON: s.fileJSON(r, f.File, nil), From: f.From.Name, Note: f.From.Note, ReceivedAt: f.ReceivedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) closeRequest(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.CloseRequest(r.Context(), u, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
