package web

import (
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
)

// Resumable uploads (tus 1.0.0) are served by internal/resumable; these
// handlers authenticate, as for the rest of the API, and hand Ferry's own
// failures back to the error table (s.fail).

// tusOptions answers the protocol's discovery, with no account needed.
func (s *Server) tusOptions(w http.ResponseWriter, r *http.Request) {
	if s.Uploads == nil {
		s.fail(w, r, errNoResumable)
		return
	}
	s.Uploads.Options(w, r)
}

func (s *Server) tusCreate(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Uploads == nil {
		s.fail(w, r, errNoResumable)
		return
	}
	s.Uploads.Create(w, r, u, s.fail)
}

// tusUpload serves HEAD, PATCH and DELETE of one upload.
func (s *Server) tusUpload(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Uploads == nil {
		s.fail(w, r, errNoResumable)
		return
	}
	s.Uploads.Serve(w, r, u, s.fail)
}

type uploadJSON struct {
	ID     string    `json:"id"`
	Offset int64     `json:"offset"`
	Length int64     `json:"length"`
	File   *fileJSON `json:"file"`
}

// uploadStatus answers GET /api/v1/uploads/{id}: how far the upload is,
// and once it is a file, the file with its share.
func (s *Server) uploadStatus(w http.ResponseWriter, r *http.Request, u account.User) {
	if s.Uploads == nil {
		s.fail(w, r, errNoResumable)
		return
	}
	st, err := s.Uploads.Status(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := uploadJSON{ID: st.ID, Offset: st.Offset, Length: st.Length}
	if st.FileID != "" {
		f, err := s.Sharing.File(r.Context(), u, st.FileID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v := s.fileJSON(r, f.File, f.Share)
		out.File = &v
	}
	writeJSON(w, http.StatusOK, out)
}

var errNoResumable = apiError(http.StatusNotImplemented, "not_implemented", "resumable uploads need an s3:// or file:// BLOB_URL")
