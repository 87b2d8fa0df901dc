package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/sharing"
)

// home sends a signed-in browser to its files and anyone else to sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, err := s.user(r); err == nil {
		http.Redirect(w, r, "/files", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// page wraps a page handler that needs a signed-in user; anyone else is
// sent to sign in and brought back afterwards.
func (s *Server) page(h func(http.ResponseWriter, *http.Request, account.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.user(r)
		if errors.Is(err, errUnauthorized) {
			next := "/files"
			if r.Method == http.MethodGet {
				next = r.URL.Path
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		h(w, r, u)
	}
}

// failPage shows an error as a page.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, err error) {
	s.errorPage(w, r, s.answerFor(r, err), "That did not work")
}

// safeNext is where to go after signing in: a path on this site, never
// another origin ("//evil", "/\evil", "https://evil").
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/files"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/files"
	}
	return next
}

type loginView struct {
	Signup, SignupEnabled bool
	Email, Next, Message  string
	Sent                  bool // a sign-up by mail was taken: the page says to look for the mail
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", loginView{SignupEnabled: s.Settings.SignupEnabled, Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	if !s.Settings.SignupEnabled {
		s.failPage(w, r, errSignupClosed)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginView{Signup: true, SignupEnabled: true, Next: "/files"})
}

// loginForm signs a browser in from the form and sends it on.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	email, next := r.PostFormValue("email"), safeNext(r.PostFormValue("next"))
	u, err := s.checkLogin(r, email, r.PostFormValue("password"))
	if errors.Is(err, account.ErrWrongPassword) {
		s.loginEvent(r, email, err)
		s.render(w, r, http.StatusUnauthorized, "login", loginView{SignupEnabled: s.Settings.SignupEnabled, Email: email, Next: next, Message: "That email and password do not match."})
		return
	}
	if err == nil {
		err = s.signIn(r, u)
	}
	s.loginEvent(r, email, err)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signupForm(w http.ResponseWriter, r *http.Request) {
	if !s.Settings.SignupEnabled {
		s.failPage(w, r, errSignupClosed)
		return
	}
	if err := s.limitSignup(r); err != nil {
		s.failPage(w, r, err)
		return
	}
	email := r.PostFormValue("email")
	if s.Accounts.Confirms() {
		s.signupByMailForm(w, r, email)
		return
	}
	u, err := s.Accounts.SignUp(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		s.failSignupForm(w, r, email, err)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.failPage(w, r, err)
		return
	}
	s.securityEvent(r, eventSignup)
	http.Redirect(w, r, "/files", http.StatusSeeOther)
}

func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// fileRow is one line of the My files table.
type fileRow struct {
	files.File
	Share *shareJSON
	Ended bool
}

// filesPage is the upload form and one page of the user's files, found
// and ordered as the query asks (listingOf), with links to the pages
// beside it and to each order.
func (s *Server) filesPage(w http.ResponseWriter, r *http.Request, u account.User) {
	l, err := listingOf(r.URL.Query())
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	p, err := s.Sharing.FilePage(r.Context(), u, l)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	rows := make([]fileRow, 0, len(p.Files))
	for _, f := range p.Files {
		row := fileRow{File: f.File}
		if f.Share != nil {
			v := s.shareJSON(r, *f.Share, f.ID)
			row.Share, row.Ended = &v, !f.Share.Live()
		}
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "files", map[string]any{
		"Files": rows, "NewLink": s.newLink(r), "Expiry": expiryChoices(s.Settings.Shares), "Mail": s.Sharing.MailsLinks(),
		"Tus": s.Uploads != nil, "ChunkSize": s.chunkSize(), "List": listLinks(l, p),
	})
}

// listView is what the My files page shows of its listing: the search,
// a link for each sort column (its order flipped when it is the current
// one) and the links to the next and previous pages ("" for none).
type listView struct {
	Search     string
	Sort       files.Sort
	Desc       bool
	SortLinks  map[string]string
	Next, Prev string
}

func listLinks(l files.Listing, p sharing.FilesPage) listView {
	link := func(sort files.Sort, desc bool, cursor string) string {
		q := url.Values{"sort": {string(sort)}, "order": {"asc"}}
		if desc {
			q.Set("order", "desc")
		}
		if l.Search != "" {
			q.Set("q", l.Search)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		return "/files?" + q.Encode()
	}
	v := listView{Search: l.Search, Sort: l.Sort, Desc: l.Desc, SortLinks: map[string]string{}}
	for _, sort := range []files.Sort{files.ByName, files.BySize, files.ByCreated} {
		desc := sort == files.ByCreated // each column's first click
		if sort == l.Sort {
			desc = !l.Desc
		}
		v.SortLinks[string(sort)] = link(sort, desc, "")
	}
	if p.Next != "" {
		v.Next = link(l.Sort, l.Desc, p.Next)
	}
	if p.Prev != "" {
		v.Prev = link(l.Sort, l.Desc, p.Prev)
	}
	return v
}

// chunkSize is the size of each tus PATCH the upload page sends.
func (s *Server) chunkSize() int64 {
	if s.Settings.UploadChunkSize > 0 {
		return s.Settings.UploadChunkSize
	}
	return 50 << 20
}

func (s *Server) deleteFileForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Sharing.DeleteFile(r.Context(), u, r.PathValue("id")); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/files", http.StatusSeeOther)
}

// sortHead is a sortable column head of the My files table.
type sortHead struct {
	Label, Link   string
	Current, Desc bool
}

// sortHeadOf makes the head of column sort for the page's listView; with
// no listView (a partial render) the head is a plain label.
func sortHeadOf(v any, sort, label string) sortHead {
	lv, ok := v.(listView)
	if !ok {
		return sortHead{Label: label}
	}
	return sortHead{Label: label, Link: lv.SortLinks[sort], Current: string(lv.Sort) == sort, Desc: lv.Desc}
}
