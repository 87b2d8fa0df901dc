package web

import (
	"errors"
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
)

// adminView is what the admin page shows.
type adminView struct {
	Me           string
	Q, NextUsers string
	Users        []adminUserJSON
	Actor, Type  string
	Events       []audit.Event
	NextEvents   string
}

// adminPage lists the users and the audit log, for admins only.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, u account.User) {
	if !u.IsAdmin() {
		s.failPage(w, r, errForbidden)
		return
	}
	q := r.URL.Query()
	v := adminView{Me: u.ID, Q: q.Get("q"), Actor: q.Get("actor"), Type: q.Get("type")}
	users, err := s.Accounts.Users(r.Context(), v.Q, q.Get("cursor"), adminPageSize)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	for _, x := range users.Users {
		v.Users = append(v.Users, s.adminUserJSON(x))
	}
	v.NextUsers = users.Next
	events, err := s.Audit.List(r.Context(), audit.Filter{Actor: v.Actor, Type: v.Type, Before: q.Get("before"), Limit: adminPageSize})
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	v.Events, v.NextEvents = events.Events, events.Next
	s.render(w, r, http.StatusOK, "admin", v)
}

// adminActions are the admin page's buttons as patches.
var adminActions = map[string]func() userPatch{
	"disable":    func() userPatch { yes := true; return userPatch{Disabled: &yes} },
	"enable":     func() userPatch { no := false; return userPatch{Disabled: &no} },
	"make-admin": func() userPatch { r := string(account.RoleAdmin); return userPatch{Role: &r} },
	"make-user":  func() userPatch { r := string(account.RoleUser); return userPatch{Role: &r} },
}

// adminUserForm applies one button of the admin page, then shows the
// page again.
func (s *Server) adminUserForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if !u.IsAdmin() {
		s.failPage(w, r, errForbidden)
		return
	}
	patch, ok := adminActions[r.PostFormValue("action")]
	if !ok {
		s.failPage(w, r, account.ErrUnknownRole)
		return
	}
	if _, err := s.updateUser(r, u, r.PathValue("id"), patch()); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// inviteView is what the invitation page shows.
type inviteView struct {
	Token, Email, Message string
	Retry                 bool
}

func (s *Server) invitePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "invite", inviteView{Token: r.URL.Query().Get("token")})
}

// inviteForm makes the invited account and signs the browser in. A
// mistake the visitor can fix shows the form again; a bad link says so.
func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) {
	v := inviteView{Token: r.PostFormValue("token"), Email: r.PostFormValue("email")}
	err := s.limitConfirm(r)
	var u account.User
	if err == nil {
		u, err = s.signUpInvited(r, v.Token, v.Email, r.PostFormValue("password"))
	}
	if e := toHTTP(err); err != nil && e != nil && e.Status < 500 {
		v.Message, v.Retry = e.Message, !errors.Is(err, account.ErrBadInvite)
		s.render(w, r, e.Status, "invite", v)
		return
	}
	if err == nil {
		err = s.signIn(r, u)
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/files", http.StatusSeeOther)
}
