package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/account"
)

// SignupMailArgs mails the answer to a sign-up that waits for its address
// to be confirmed: the link to a new address (SignupID), or a notice to
// an address that has an account (UserID). The args hold ids only; the
// link's secret is made when the mail is sent and never stored.
type SignupMailArgs struct {
	SignupID string `json:"signup_id,omitempty"`
	UserID   string `json:"user_id,omitempty"`
	// Address (a hash, account.SignupMail) makes the job unique per
	// address and SignupMailInterval.
	Address string `json:"address,omitempty" river:"unique"`
}

// Kind names the job in the queue.
func (SignupMailArgs) Kind() string { return "signup_mail" }

// InsertOpts retries for about as long as the link works, and queues one
// mail per address and period: a second sign-up with the address in the
// same period is answered alike but mails nothing.
func (SignupMailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 15, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: account.SignupMailInterval}}
}

// SignupMails queues sign-up mail through a River client; it is the
// account.MailQueue the web process's accounts use.
type SignupMails struct{ Client *Client }

// QueueSignupMail inserts the job in tx, beside the sign-up's row.
func (q SignupMails) QueueSignupMail(ctx context.Context, tx pgx.Tx, m account.SignupMail) error {
	if _, err := q.Client.InsertTx(ctx, tx, SignupMailArgs(m), From(ctx)); err != nil {
		return fmt.Errorf("enqueue signup_mail: %w", err)
	}
	return nil
}

type signupMailWorker struct {
	river.WorkerDefaults[SignupMailArgs]
	d *Deps
}

// signupLetter is one sign-up mail, filled in.
type signupLetter struct {
	To, Subject, Link, Login string
}

// Work sends the mail. A sign-up confirmed, expired or purged by now, or
// an account deleted, leaves no one to write to.
func (w *signupMailWorker) Work(ctx context.Context, job *river.Job[SignupMailArgs]) error {
	if w.d.Mail == nil {
		w.d.Log.WarnContext(ctx, "signup mail not sent: SMTP_URL is not set on the worker, but is on web",
			"signup_id", job.Args.SignupID, "user_id", job.Args.UserID)
		return nil
	}
	letter, tmpl, err := w.letter(ctx, job.Args)
	if errors.Is(err, account.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	text, html, err := tmpl.render(letter)
	if err != nil {
		return err
	}
	if err := w.d.Mail.Send(ctx, letter.To, letter.Subject, text, html); err != nil {
		return fmt.Errorf("signup mail: %w", err)
	}
	return nil
}

// letter is the mail args calls for, and its templates.
func (w *signupMailWorker) letter(ctx context.Context, a SignupMailArgs) (signupLetter, letterTemplates, error) {
	base := strings.TrimRight(w.d.Settings.PublicURL, "/")
	l := signupLetter{Login: base + "/login"}
	if a.UserID != "" {
		u, err := account.UserByID(ctx, w.d.DB, a.UserID)
		if err != nil {
			return l, letterTemplates{}, err
		}
		l.To, l.Subject = u.Email, "Someone tried to sign up with your address"
		return l, existingLetter, nil
	}
	email, token, err := account.IssueSignupToken(ctx, w.d.DB, a.SignupID)
	if err != nil {
		return l, letterTemplates{}, err
	}
	l.To, l.Subject = email, "Confirm your address to finish signing up"
	l.Link = base + "/signup/confirm?token=" + url.QueryEscape(token)
	return l, confirmLetter, nil
}

var confirmLetter = letterPair(`Someone, we hope you, asked to open an account with this address.
To finish, open this link within a day:

{{.Link}}

If it was not you, ignore this mail: no account is made without the link.
`, `<!doctype html>
<html><body style="font-family: sans-serif">
<p>Someone, we hope you, asked to open an account with this address. To finish, open this link within a day:</p>
<p><a href="{{.Link}}">{{.Link}}</a></p>
<p style="color: #666">If it was not you, ignore this mail: no account is made without the link.</p>
</body></html>
`)

var existingLetter = letterPair(`Someone asked to open an account with this address, which has one already.
No new account was made and your password is unchanged.

If it was you, sign in instead: {{.Login}}
If you have forgotten your password, ask the operator of this server to set a new one.
If it was not you, you need do nothing.
`, `<!doctype html>
<html><body style="font-family: sans-serif">
<p>Someone asked to open an account with this address, which has one already. No new account was made and your password is unchanged.</p>
<p>If it was you, <a href="{{.Login}}">sign in</a> instead. If you have forgotten your password, ask the operator of this server to set a new one.</p>
<p style="color: #666">If it was not you, you need do nothing.</p>
</body></html>
`)
