package web

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/share"
)

// shareItem is one link of the Shares page.
type shareItem struct {
	listedShareJSON
	Live   bool
	Ended  string         // how it ended, in words: "expired", "ran out"; "" while live
	Limit  string         // the limit form field's value: the limit, or "" for none
	Expiry []expiryChoice // the forms' expiry choices, the default selected
	Mail   bool           // the server mails links (SMTP_URL), so the send form shows
}

// sharesView is what the Shares page shows; NewLink only just after a
// link was made, Problem when a form was refused.
type sharesView struct {
	Shares  []shareItem
	NewLink string
	Problem string
	Sent    []string // the addresses a link was just sent to
}

var endedWords = map[string]string{"expired": "expired", "spent": "ran out"}

func (s *Server) sharesPage(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showShares(w, r, u, http.StatusOK, sharesView{NewLink: s.newLink(r)})
}

// showShares renders the Shares page with u's links.
func (s *Server) showShares(w http.ResponseWriter, r *http.Request, u account.User, status int, v sharesView) {
	list, err := s.Sharing.Shares(r.Context(), u)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	expiry := expiryChoices(s.Settings.Shares)
	v.Shares = make([]shareItem, len(list))
	for i, l := range list {
		it := shareItem{listedShareJSON: s.listedShareJSON(r, l), Live: l.Live(), Ended: endedWords[l.State()], Expiry: expiry, Mail: s.Sharing.MailsLinks()}
		if l.MaxDownloads > 0 {
			it.Limit = strconv.Itoa(l.MaxDownloads)
		}
		v.Shares[i] = it
	}
	s.render(w, r, status, "shares", v)
}

// refused answers a form the service turned down: the page again with
// the reason when it is the person's to fix, else an error page.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, u account.User, err error) {
	if e := toHTTP(err); e != nil && e.Status < 500 && e.Status != http.StatusNotFound {
		s.showShares(w, r, u, e.Status, sharesView{Problem: sentence(e.Message)})
		return
	}
	s.failPage(w, r, err)
}

// editShareForm changes a live link. An empty expiry keeps it; the limit
// field holds the limit, empty for none; an empty password keeps it,
// unless "remove password" is ticked.
func (s *Server) editShareForm(w http.ResponseWriter, r *http.Request, u account.User) {
	expires, limit := r.PostFormValue("expires_in"), r.PostFormValue("max_downloads")
	var password *string
	if r.PostFormValue("remove_password") != "" {
		password = new(string)
	} else if p := r.PostFormValue("password"); p != "" {
		password = &p
	}
	e, err := share.ParseEdit(&expires, &limit, password, s.Settings.Shares)
	if err == nil {
		_, err = s.Sharing.EditShare(r.Context(), u, r.PathValue("id"), e)
	}
	if err != nil {
		s.refused(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/shares", http.StatusSeeOther)
}

// endShareForm ends a link now.
func (s *Server) endShareForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.EndShare(r.Context(), u, r.PathValue("id")); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/shares", http.StatusSeeOther)
}

// againShareForm makes another link to the same files with the form's
// options, and shows it once after the redirect.
func (s *Server) againShareForm(w http.ResponseWriter, r *http.Request, u account.User) {
	opts, err := share.ParseOptions(r.PostFormValue, r.PostFormValue("password"), s.Settings.Shares)
	var sh share.Share
	if err == nil {
		sh, err = s.Sharing.ShareAgain(r.Context(), u, r.PathValue("id"), opts)
	}
	if err != nil {
		s.refused(w, r, u, err)
		return
	}
	if s.sessions != nil {
		s.sessions.Put(r.Context(), newLinkKey, s.shareJSON(r, sh, "").URL)
	}
	http.Redirect(w, r, "/shares", http.StatusSeeOther)
}

// historyView is the download history page of one link.
type historyView struct {
	Share  listedShareJSON
	Events []historyRow
	Limit  int // the most events shown
}

// historyRow is one download of the history page.
type historyRow struct {
	share.Event
	Client string // the first characters of the client's hash, enough to tell clients apart
}

func (s *Server) historyPage(w http.ResponseWriter, r *http.Request, u account.User) {
	id := r.PathValue("id")
	l, err := s.Sharing.GetShare(r.Context(), u, id)
	var events []share.Event
	if err == nil {
		events, err = s.Sharing.ShareHistory(r.Context(), u, id)
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	v := historyView{Share: s.listedShareJSON(r, l), Events: make([]historyRow, len(events)), Limit: share.HistoryLimit}
	for i, e := range events {
		v.Events[i] = historyRow{Event: e, Client: hex.EncodeToString(e.Client)[:8]}
	}
	s.render(w, r, http.StatusOK, "history", v)
}

// sendShareForm mails a live link to the form's addresses, separated by
// commas, spaces or lines, with its message, by sendShare's rules.
func (s *Server) sendShareForm(w http.ResponseWriter, r *http.Request, u account.User) {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	to := strings.FieldsFunc(r.PostFormValue("to"), func(c rune) bool { return c == ',' || c == ';' || unicode.IsSpace(c) })
	m, err := share.ParseSend(to, r.PostFormValue("message"))
	if err == nil {
		err = s.sendShare(r, u, r.PathValue("id"), m)
	}
	if err != nil {
		s.refused(w, r, u, err)
		return
	}
	s.showShares(w, r, u, http.StatusOK, sharesView{Sent: m.To})
}
