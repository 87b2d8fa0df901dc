package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/units"
)

// scopeChoice is one checkbox of the new-token form.
type scopeChoice struct {
	Value   account.Scope
	Label   string // what it lets a token do
	Checked bool
}

// scopeLabels say what each scope lets a token do, for the form.
var scopeLabels = map[account.Scope]string{
	account.ScopeFilesRead:     "list files and links",
	account.ScopeFilesWrite:    "upload",
	account.ScopeFilesDelete:   "delete files",
	account.ScopeSharesWrite:   "make and end links",
	account.ScopeRequestsWrite: "make and end file requests",
	account.ScopeAccount:       "tokens, password and sessions",
}

// scopeChoices lists every scope, checked when picked holds it.
func scopeChoices(picked account.Scopes) []scopeChoice {
	out := make([]scopeChoice, len(account.AllScopes))
	for i, sc := range account.AllScopes {
		out[i] = scopeChoice{Value: sc, Label: scopeLabels[sc], Checked: picked.Has(sc)}
	}
	return out
}

// tokenLifetimes are what the form offers besides never, the default.
var tokenLifetimes = []time.Duration{units.Day, 7 * units.Day, 30 * units.Day, 90 * units.Day, 365 * units.Day}

// tokenExpiryChoices lists "Never" and then tokenLifetimes.
func tokenExpiryChoices() []expiryChoice {
	out := []expiryChoice{{Value: "", Label: "Never", Selected: true}}
	for _, d := range tokenLifetimes {
		out = append(out, expiryChoice{Value: expiryValue(d), Label: expiryLabel(d)})
	}
	return out
}

// tokensView is what the tokens page shows; New and Secret only just
// after a token is made.
type tokensView struct {
	Tokens  []account.Token
	New     *account.Token
	Secret  string
	Base    string
	Scopes  []scopeChoice
	Expiry  []expiryChoice
	Problem string
	// AdminPicked says the refused form had the admin scope ticked.
	AdminPicked bool
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showTokens(w, r, u, http.StatusOK, tokensView{Scopes: scopeChoices(nil)})
}

// showTokens renders the tokens page with u's tokens and the form.
func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, u account.User, status int, v tokensView) {
	list, err := s.Accounts.Tokens(r.Context(), u.ID)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	v.Tokens, v.Base, v.Expiry = list, s.baseURL(r), tokenExpiryChoices()
	if u.IsAdmin() { // only an admin may give a token the admin scope, never ticked unasked
		v.Scopes = append(v.Scopes, scopeChoice{Value: account.ScopeAdmin, Label: "the admin API and page",
			Checked: v.AdminPicked})
	}
	s.render(w, r, status, "tokens", v)
}

// createTokenForm makes a token and shows its secret this once. A form
// with no scope ticked asks for none, which is refused, never every one.
func (s *Server) createTokenForm(w http.ResponseWriter, r *http.Request, u account.User) {
	name := r.PostFormValue("name")
	scopes := r.PostForm["scopes"]
	if scopes == nil {
		scopes = []string{}
	}
	t, secret, err := s.newToken(r, u, name, scopes, r.PostFormValue("expires_in"))
	if e := toHTTP(err); err != nil && e != nil && e.Status < 500 {
		picked := make(account.Scopes, 0, len(scopes))
		for _, sc := range scopes {
			if slices.Contains(account.AllScopes, account.Scope(sc)) {
				picked = append(picked, account.Scope(sc))
			}
		}
		s.showTokens(w, r, u, http.StatusBadRequest, tokensView{Scopes: scopeChoices(picked), Problem: sentence(e.Message),
			AdminPicked: slices.Contains(scopes, string(account.ScopeAdmin))})
		return
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.showTokens(w, r, u, http.StatusOK, tokensView{New: &t, Secret: secret, Scopes: scopeChoices(nil)})
}

func (s *Server) revokeTokenForm(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.dropToken(r, u, r.PathValue("id")); err != nil {
		s.failPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}
