package web

import (
	"errors"
	"net/http"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/logging"
)

// signupSent is the one answer to a sign-up by mail, whether the address
// is new or has an account: the mail differs, the answer does not.
const signupSent = "If this address can take a new account, a link to finish signing up is on its way; otherwise the mail says why. Open it within a day."

// signupAccepted is the JSON body of that answer.
type signupAccepted struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// signupByMail answers POST /api/v1/signup when sign-up waits for a mailed
// link: 202 for a new address and for a known one alike.
func (s *Server) signupByMail(w http.ResponseWriter, r *http.Request, c credentials) {
	if err := s.Accounts.Register(r.Context(), c.Email, c.Password); err != nil {
		s.fail(w, r, err)
		return
	}
	s.securityEvent(r, eventSignupRequested, "email_sha256", emailHash(c.Email))
	writeJSON(w, http.StatusAccepted, signupAccepted{Status: "confirmation_sent", Message: signupSent})
}

// signupByMailForm is signupByMail for the sign-up page.
func (s *Server) signupByMailForm(w http.ResponseWriter, r *http.Request, email string) {
	if err := s.Accounts.Register(r.Context(), email, r.PostFormValue("password")); err != nil {
		s.failSignupForm(w, r, email, err)
		return
	}
	s.securityEvent(r, eventSignupRequested, "email_sha256", emailHash(email))
	s.render(w, r, http.StatusAccepted, "login", loginView{Signup: true, SignupEnabled: true, Sent: true, Message: signupSent})
}

// failSignupForm answers a sign-up form that failed: a mistake of the
// visitor's (a taken address, a weak password) shows the form again with
// the reason; a refusal to retry later (429) or a failure of ours or of a
// backing service is the error page, with its own status and Retry-After.
func (s *Server) failSignupForm(w http.ResponseWriter, r *http.Request, email string, err error) {
	if e := toHTTP(err); e != nil && e.Status < 500 && e.Status != http.StatusTooManyRequests {
		s.render(w, r, http.StatusBadRequest, "login", loginView{Signup: true, SignupEnabled: true, Email: email, Next: "/files", Message: e.Message})
		return
	}
	s.failPage(w, r, err)
}

// confirmSignup answers POST /api/v1/signup/confirm {token, password}:
// the account is made, 201 with its JSON; the link works once, and only
// with the password chosen at sign-up.
func (s *Server) confirmSignup(w http.ResponseWriter, r *http.Request) {
	if err := s.limitConfirm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	err := readJSON(w, r, &body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Accounts.ConfirmSignup(r.Context(), body.Token, body.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	logging.SetUserID(r.Context(), u.ID)
	s.securityEvent(r, eventSignup)
	w.Header().Set("Location", "/api/v1/me")
	writeJSON(w, http.StatusCreated, s.userJSON(u))
}

// confirmPage shows the mailed link's page: a form that asks for the
// password chosen at sign-up, not the confirmation itself, so a mail
// scanner that fetches every link does not use it up.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "confirm", map[string]any{"Token": r.URL.Query().Get("token")})
}

// confirmForm makes the account from the page's button and signs the
// browser in.
func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	err := s.limitConfirm(r)
	var u account.User
	if err == nil {
		u, err = s.Accounts.ConfirmSignup(r.Context(), token, r.PostFormValue("password"))
	}
	if e := toHTTP(err); err != nil && e != nil && e.Status < 500 {
		// A wrong password leaves the link usable: the form again.
		view := map[string]any{"Message": e.Message}
		if errors.Is(err, account.ErrSignupPassword) || e.Status == http.StatusTooManyRequests {
			view["Token"], view["Retry"] = token, true
		}
		s.render(w, r, e.Status, "confirm", view)
		return
	}
	if err == nil {
		err = s.signIn(r, u)
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	s.securityEvent(r, eventSignup)
	http.Redirect(w, r, "/files", http.StatusSeeOther)
}
