package web

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/share"
)

// listedShareJSON is a share as its owner manages it: the link, with its
// files, its state and what is left of it.
type listedShareJSON struct {
	shareJSON
	State              string           `json:"state"` // live, expired or spent
	CreatedAt          time.Time        `json:"created_at"`
	Size               int64            `json:"size"`
	RemainingDownloads *int             `json:"remaining_downloads"` // null: no limit
	QRURL              string           `json:"qr_url"`
	Files              []sharedFileJSON `json:"files"`
}

type sharedFileJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Server) listedShareJSON(r *http.Request, l share.Listed) listedShareJSON {
	out := listedShareJSON{shareJSON: s.shareJSON(r, l.Share, ""), State: l.State(), CreatedAt: l.CreatedAt, Size: l.Size, Files: make([]sharedFileJSON, len(l.FileIDs))}
	out.FileIDs = l.FileIDs
	out.QRURL = out.URL + "/qr.svg"
	if l.Remaining >= 0 {
		out.RemainingDownloads = &l.Remaining
	}
	for i, id := range l.FileIDs {
		out.Files[i] = sharedFileJSON{ID: id, Name: l.FileNames[i]}
	}
	return out
}

func (s *Server) getShare(w http.ResponseWriter, r *http.Request, u account.User) {
	l, err := s.Sharing.GetShare(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.listedShareJSON(r, l))
}

// shareEditRequest is a PATCH body; a field left out stays as it is.
type shareEditRequest struct {
	ExpiresIn    *string         `json:"expires_in"`
	MaxDownloads json.RawMessage `json:"max_downloads"` // a number, or null for no limit
	Password     *string         `json:"password"`      // "" removes the password
}

// edit parses the request by ParseEdit's rules.
func (q shareEditRequest) edit(lim share.Limits) (share.Edit, error) {
	var max *string
	if q.MaxDownloads != nil {
		v := string(q.MaxDownloads)
		if v == "null" {
			v = ""
		}
		max = &v
	}
	return share.ParseEdit(q.ExpiresIn, max, q.Password, lim)
}

func (s *Server) patchShare(w http.ResponseWriter, r *http.Request, u account.User) {
	var req shareEditRequest
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := req.edit(s.Settings.Shares)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.Sharing.EditShare(r.Context(), u, r.PathValue("id"), e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.listedShareJSON(r, l))
}

type downloadEventJSON struct {
	At       time.Time `json:"at"`
	FileID   *string   `json:"file_id"` // null: a zip of the share, or a file deleted since
	FileName string    `json:"file_name,omitempty"`
	Bytes    int64     `json:"bytes"`
	Whole    bool      `json:"whole"`
	Client   string    `json:"client"`
}

func (s *Server) shareDownloads(w http.ResponseWriter, r *http.Request, u account.User) {
	events, err := s.Sharing.ShareHistory(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]downloadEventJSON, len(events))
	for i, e := range events {
		out[i] = downloadEventJSON{At: e.At, FileName: e.FileName, Bytes: e.Bytes, Whole: e.Whole, Client: hex.EncodeToString(e.Client)}
		if e.FileID != "" {
			out[i].FileID = &e.FileID
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"downloads": out})
}

// shareSendRequest is the body of POST /api/v1/shares/{id}/send.
type shareSendRequest struct {
	To      []string `json:"to"`
	Message string   `json:"message"`
}

func (s *Server) apiSendShare(w http.ResponseWriter, r *http.Request, u account.User) {
	var req shareSendRequest
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := share.ParseSend(req.To, req.Message)
	if err == nil {
		err = s.sendShare(r, u, r.PathValue("id"), m)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "queued", "to": m.To})
}
