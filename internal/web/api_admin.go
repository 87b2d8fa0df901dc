package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/sharing"
	"github.com/ferryhq/ferry/internal/units"
)

// adminPageSize is how many users or events one page holds.
const adminPageSize = 100

type adminUserJSON struct {
	ID         string       `json:"id"`
	Email      string       `json:"email"`
	Role       account.Role `json:"role"`
	Disabled   bool         `json:"disabled"`
	UsageBytes int64        `json:"usage_bytes"`
	QuotaBytes int64        `json:"quota_bytes"` // 0: no limit
	OwnQuota   bool         `json:"own_quota"`   // false: USER_QUOTA applies
	CreatedAt  time.Time    `json:"created_at"`
	LastLogin  *time.Time   `json:"last_login_at"` // null: never signed in
}

func (s *Server) adminUserJSON(u account.User) adminUserJSON {
	j := s.userJSON(u)
	return adminUserJSON{ID: u.ID, Email: u.Email, Role: u.Role, Disabled: u.Disabled(), UsageBytes: j.UsageBytes,
		QuotaBytes: j.QuotaBytes, OwnQuota: u.QuotaBytes != nil, CreatedAt: u.CreatedAt, LastLogin: u.LastLogin}
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, _ account.User) {
	p, err := s.Accounts.Users(r.Context(), r.URL.Query().Get("q"), r.URL.Query().Get("cursor"), adminPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Users []adminUserJSON `json:"users"`
		Next  string          `json:"next_cursor,omitempty"`
	}{Users: []adminUserJSON{}, Next: p.Next}
	for _, u := range p.Users {
		out.Users = append(out.Users, s.adminUserJSON(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// userPatch is the body of PATCH /api/v1/admin/users/{id}; a field left
// out stays, quota_bytes null is back to USER_QUOTA.
type userPatch struct {
	Disabled   *bool           `json:"disabled"`
	Role       *string         `json:"role"`
	QuotaBytes json.RawMessage `json:"quota_bytes"`
}

// change reads the patch as an account change.
func (p userPatch) change() (account.UserChange, error) {
	var c account.UserChange
	c.Disabled = p.Disabled
	if p.Role != nil {
		role, err := account.ParseRole(*p.Role)
		if err != nil {
			return c, err
		}
		c.Role = &role
	}
	if p.QuotaBytes != nil {
		var q *int64
		if !bytes.Equal(p.QuotaBytes, []byte("null")) {
			var n int64
			if err := json.Unmarshal(p.QuotaBytes, &n); err != nil || n < 0 {
				return c, account.ErrInvalidQuota
			}
			q = &n
		}
		c.QuotaBytes = &q
	}
	return c, nil
}

func (s *Server) adminPatchUser(w http.ResponseWriter, r *http.Request, admin account.User) {
	var p userPatch
	if err := readJSON(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.updateUser(r, admin, r.PathValue("id"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.adminUserJSON(u))
}

// updateUser applies an admin's patch and, for a disabled account, ends
// its browser sessions for good (every request refuses it already).
func (s *Server) updateUser(r *http.Request, admin account.User, id string, p userPatch) (account.User, error) {
	c, err := p.change()
	if err != nil {
		return account.User{}, err
	}
	by := sharing.Actor{UserID: admin.ID, Client: clientKey(r, s.Settings.TrustedProxies)}
	u, err := s.Sharing.UpdateUser(r.Context(), by, id, c)
	if err == nil && u.Disabled() && s.sessions != nil {
		err = s.epochs.Raise(r.Context(), u.ID)
	}
	return u, err
}

type auditPageJSON struct {
	Events []audit.Event `json:"events"`
	Next   string        `json:"next_before,omitempty"`
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, f audit.Filter) {
	if s.Audit == nil {
		s.fail(w, r, errUnavailable)
		return
	}
	f.Before, f.Limit = r.URL.Query().Get("before"), adminPageSize
	p, err := s.Audit.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Events == nil {
		p.Events = []audit.Event{}
	}
	writeJSON(w, http.StatusOK, auditPageJSON{Events: p.Events, Next: p.Next})
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request, _ account.User) {
	q := r.URL.Query()
	s.auditPage(w, r, audit.Filter{Actor: q.Get("actor"), Type: q.Get("type")})
}

func (s *Server) myAudit(w http.ResponseWriter, r *http.Request, u account.User) {
	s.auditPage(w, r, audit.Filter{Actor: u.ID, Type: r.URL.Query().Get("type")})
}

func (s *Server) adminStats(w http.ResponseWriter, r *http.Request, _ account.User) {
	t, err := s.Accounts.Stats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"users": t.Users, "files": t.Files, "bytes": t.Bytes, "downloads_today": t.DownloadsToday})
}

// defaultInviteLifetime is an invitation's lifetime when expires_in is
// left out.
const defaultInviteLifetime = 7 * units.Day

func (s *Server) adminInvite(w http.ResponseWriter, r *http.Request, admin account.User) {
	var body struct {
		Email     string `json:"email"`
		ExpiresIn string `json:"expires_in"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	ttl := defaultInviteLifetime
	if body.ExpiresIn != "" {
		d, err := units.ParseDuration(body.ExpiresIn)
		if err != nil {
			s.fail(w, r, account.ErrInviteExpiresIn)
			return
		}
		ttl = d
	}
	by := sharing.Actor{UserID: admin.ID, Client: clientKey(r, s.Settings.TrustedProxies)}
	inv, secret, err := s.Sharing.Invite(r.Context(), by, body.Email, ttl)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": inv.ID, "url": s.baseURL(r) + "/invite?token=" + secret, "expires_at": inv.ExpiresAt, "email": inv.Email,
	})
}

// acceptInvite answers POST /api/v1/invites/accept {token, email,
// password}: the account is made, 201, whether or not sign-up is open.
func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request) {
	if err := s.limitConfirm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Token    string `json:"token"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.signUpInvited(r, body.Token, body.Email, body.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me")
	writeJSON(w, http.StatusCreated, s.userJSON(u))
}

// signUpInvited makes the account an invitation was for and records it.
func (s *Server) signUpInvited(r *http.Request, token, email, password string) (account.User, error) {
	u, inv, err := s.Accounts.AcceptInvite(r.Context(), token, email, password)
	if err != nil {
		return account.User{}, err
	}
	logging.SetUserID(r.Context(), u.ID)
	s.securityEvent(r, eventSignup, "invite_id", inv.ID)
	return u, nil
}
