package web

import (
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
)

type fileJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Size         int64      `json:"size"`
	SHA256       string     `json:"sha256"`
	ContentType  string     `json:"content_type"`
	CreatedAt    time.Time  `json:"created_at"`
	ThumbnailURL string     `json:"thumbnail_url,omitempty"`
	Share        *shareJSON `json:"share"`
}

type shareJSON struct {
	ID           string    `json:"id"`
	Token        string    `json:"token"`
	URL          string    `json:"url"`
	DownloadURL  string    `json:"download_url"`
	ExpiresAt    time.Time `json:"expires_at"`
	MaxDownloads *int      `json:"max_downloads"`
	Downloads    int       `json:"downloads"`
	HasPassword  bool      `json:"has_password"`
	FileIDs      []string  `json:"file_ids,omitempty"`
}

// baseURL is where users reach Ferry: PUBLIC_URL, or outside production
// without one, the address this request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.Settings.PublicURL != "" {
		return strings.TrimRight(s.Settings.PublicURL, "/")
	}
	return "http://" + r.Host
}

func (s *Server) fileJSON(r *http.Request, f files.File, sh *share.Share) fileJSON {
	out := fileJSON{ID: f.ID, Name: f.Name, Size: f.Size, SHA256: hex.EncodeToString(f.SHA256), ContentType: f.ContentType, CreatedAt: f.CreatedAt}
	if sh != nil {
		v := s.shareJSON(r, *sh, f.ID)
		out.Share = &v
		if f.ThumbKey != "" {
			out.ThumbnailURL = v.DownloadURL + "/thumbnail"
		}
	}
	return out
}

// shareJSON describes a share; download_url fetches fileID, or the whole
// share as a zip when fileID is "".
func (s *Server) shareJSON(r *http.Request, sh share.Share, fileID string) shareJSON {
	link := s.baseURL(r) + "/s/" + sh.Token
	download := link + "/zip"
	if fileID != "" {
		download = link + "/files/" + fileID
	}
	out := shareJSON{ID: sh.ID, Token: sh.Token, URL: link, DownloadURL: download, ExpiresAt: sh.ExpiresAt, Downloads: sh.Downloads, HasPassword: sh.HasPassword}
	if sh.MaxDownloads > 0 {
		out.MaxDownloads = &sh.MaxDownloads
	}
	return out
}
