package web

import (
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
)

// Uploads to file requests come from people without an account: each is
// limited per client group, besides the request's own limits, the
// owner's quota and MAX_UPLOAD_SIZE.
var requestUploadRate = redis_rate.PerHour(60)

// requestParams are the query parameters of PUT /r/{token}/files/{name}.
var requestParams = []string{"from", "note"}

// unlockedRequestKey marks, in a browser session, a request whose
// password it gave.
func unlockedRequestKey(token string) string { return "unlocked-request:" + token }

// openRequest finds the request a link names and checks its password:
// the Ferry-Share-Password header, or a browser session that gave it.
// A closed or expired request is filerequest.ErrGone (410), a locked one
// filerequest.ErrLocked (401).
func (s *Server) openRequest(r *http.Request, token string) (filerequest.Request, error) {
	q, err := s.Sharing.OpenRequest(r.Context(), token)
	if err != nil || !q.HasPassword {
		return q, err
	}
	if s.sessions != nil && s.sessions.GetBool(r.Context(), unlockedRequestKey(token)) {
		return q, nil
	}
	password := r.Header.Get(passwordHeader)
	if password == "" {
		return q, filerequest.ErrLocked
	}
	return q, s.checkRequestPassword(r, token, password)
}

// checkRequestPassword verifies a request's password under the limits a
// share's has (checkSharePassword).
func (s *Server) checkRequestPassword(r *http.Request, token, password string) error {
	id, hash, err := s.Sharing.RequestPasswordHash(r.Context(), token)
	if err != nil || hash == "" {
		return err
	}
	return s.checkLinkPassword(r, "unlock-request:"+id, "request:"+id, hash, password)
}

// limitRequestUpload spends one upload of the client group's allowance.
func (s *Server) limitRequestUpload(r *http.Request) error {
	return s.limit(r.Context(), "request-upload:"+clientKey(r, s.Settings.TrustedProxies), requestUploadRate)
}

type publicRequestJSON struct {
	Title         string    `json:"title"`
	Message       string    `json:"message"`
	ExpiresAt     time.Time `json:"expires_at"`
	MaxFiles      *int      `json:"max_files"`
	MaxBytes      *int64    `json:"max_bytes"`
	FilesReceived int       `json:"files_received"`
	UploadURL     string    `json:"upload_url"`
}

func (s *Server) publicRequestJSON(r *http.Request, q filerequest.Request) publicRequestJSON {
	out := publicRequestJSON{Title: q.Title, Message: q.Message, ExpiresAt: q.ExpiresAt, FilesReceived: q.FilesReceived,
		UploadURL: s.baseURL(r) + "/r/" + q.Token + "/files/{name}"}
	if q.MaxFiles > 0 {
		out.MaxFiles = &q.MaxFiles
	}
	if q.MaxBytes > 0 {
		out.MaxBytes = &q.MaxBytes
	}
	return out
}

// requestPage shows a request link: its upload page, or with Accept:
// application/json what it asks for. A locked one shows only its
// password form.
func (s *Server) requestPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	q, err := s.openRequest(r, token)
	switch {
	case errors.Is(err, filerequest.ErrLocked) && !wantsJSON(r):
		s.renderRequestLocked(w, r, token, "")
	case err != nil:
		s.failRequest(w, r, err)
	case wantsJSON(r):
		writeJSON(w, http.StatusOK, s.publicRequestJSON(r, q))
	default:
		s.renderInbox(w, r, q, "", false)
	}
}

// unlockRequest takes a request's password form, remembers it in the
// browser's session and sends the browser back to the request's page.
func (s *Server) unlockRequest(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	if err := r.ParseForm(); err != nil {
		s.failRequest(w, r, apiError(http.StatusBadRequest, "invalid_form", "send the password as a form field"))
		return
	}
	err := s.checkRequestPassword(r, token, r.PostForm.Get("password"))
	if errors.Is(err, errWrongSharePassword) && !wantsJSON(r) {
		s.renderRequestLocked(w, r, token, "That is not the password. Try again.")
		return
	}
	if err == nil && s.sessions == nil {
		err = errUnavailable // no session store to remember the unlock in
	}
	if err == nil {
		err = s.sessions.RenewToken(r.Context())
	}
	if err != nil {
		s.failRequest(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), unlockedRequestKey(token), true)
	http.Redirect(w, r, "/r/"+token, http.StatusSeeOther)
}

type receiptJSON struct {
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	ReceivedAt  time.Time `json:"received_at"`
}

func receipt(f files.File) receiptJSON {
	return receiptJSON{Name: f.Name, Size: f.Size, SHA256: hex.EncodeToString(f.SHA256), ContentType: f.ContentType, ReceivedAt: f.CreatedAt}
}

// putRequestFile takes one file as the whole body (curl -T) into a
// request. The uploader may name themselves (?from=) and leave a note.
func (s *Server) putRequestFile(w http.ResponseWriter, r *http.Request) {
	err := knownParams(r, requestParams)
	if err == nil {
		err = s.limitRequestUpload(r)
	}
	var q filerequest.Request
	if err == nil {
		q, err = s.openRequest(r, r.PathValue("token"))
	}
	var from filerequest.Uploader
	if err == nil {
		from, err = filerequest.ParseUploader(r.URL.Query().Get("from"), r.URL.Query().Get("note"))
	}
	var name string
	if err == nil {
		name, err = filename.Clean(r.PathValue("name"))
	}
	var f files.File
	if err == nil {
		f, err = s.Sharing.ReceiveFile(r.Context(), q, from, name, r.Body, r.ContentLength)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/r/"+q.Token)
	writeJSON(w, http.StatusCreated, receipt(f))
}

// postRequestFiles takes the request page's form: one or more files in a
// multipart body, with the uploader's name and note as fields. Without
// JavaScript the browser is shown the page again with what arrived.
func (s *Server) postRequestFiles(w http.ResponseWriter, r *http.Request) {
	err := s.limitRequestUpload(r)
	var q filerequest.Request
	if err == nil {
		q, err = s.openRequest(r, r.PathValue("token"))
	}
	var saved []files.File
	if err == nil {
		saved, err = s.receiveRequestUpload(r, q)
	}
	switch {
	case err != nil && wantsJSON(r):
		s.fail(w, r, err)
	case err != nil:
		s.failRequest(w, r, err)
	case wantsJSON(r):
		out := make([]receiptJSON, 0, len(saved))
		for _, f := range saved {
			out = append(out, receipt(f))
		}
		writeJSON(w, http.StatusCreated, map[string]any{"files": out})
	default:
		q.FilesReceived += len(saved)
		s.renderInbox(w, r, q, "", true)
	}
}

// receiveRequestUpload stores every file part of a multipart body into
// q; nothing is kept on any failure.
func (s *Server) receiveRequestUpload(r *http.Request, q filerequest.Request) ([]files.File, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errBadMultipart
	}
	batch, err := s.Sharing.NewRequestBatch(r.Context(), q, filerequest.Uploader{})
	if err != nil {
		return nil, err
	}
	fields, err := receiveParts(r.Context(), mr, batch)
	var from filerequest.Uploader
	if err == nil {
		from, err = filerequest.ParseUploader(fields["from"], fields["note"])
	}
	if err != nil {
		batch.Discard(r.Context())
		return nil, err
	}
	batch.SetUploader(from)
	saved, _, err := batch.Commit(r.Context(), share.Options{})
	return saved, err
}
