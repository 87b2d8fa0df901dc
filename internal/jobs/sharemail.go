package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// ShareMailArgs mails one of a share's links to one recipient its owner
// named, with the owner's message. The share's password is not in it:
// only its hash is stored, and the mail says to ask the sender for it.
type ShareMailArgs struct {
	ShareID string `json:"share_id"`
	OwnerID string `json:"owner_id"`
	To      string `json:"to"`
	Message string `json:"message,omitempty"`
}

// Kind names the job in the queue.
func (ShareMailArgs) Kind() string { return "share_mail" }

// InsertOpts gives a mail server that is down a day of retries.
func (ShareMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

type shareMailWorker struct {
	river.WorkerDefaults[ShareMailArgs]
	d *Deps
}

// sentLink is what a mailed link says, and to whom.
type sentLink struct {
	To, From, Message, Link, Expires, Size string
	Files                                  []string
	Password                               bool
}

// Work mails the link. A share ended or deleted by now, or an owner gone,
// leaves nothing worth sending: a link that no longer works is not
// mailed. As for other mails, a retry may send a duplicate.
func (w *shareMailWorker) Work(ctx context.Context, job *river.Job[ShareMailArgs]) error {
	a := job.Args
	l, err := share.Get(ctx, w.d.DB, a.OwnerID, a.ShareID)
	if errors.Is(err, share.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load share mail: %w", err)
	}
	if !l.Live() {
		w.d.Log.InfoContext(ctx, "share mail not sent: the link ended before it went out", "share_id", a.ShareID, "user_id", a.OwnerID)
		return nil
	}
	owner, err := account.UserByID(ctx, w.d.DB, a.OwnerID)
	if errors.Is(err, account.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load share mail: %w", err)
	}
	if w.d.Mail == nil {
		w.d.Log.InfoContext(ctx, "share mail not sent: SMTP_URL is not set", "share_id", a.ShareID, "user_id", a.OwnerID)
		return nil
	}
	m := sentLink{
		To: a.To, From: oneLine(owner.Email), Message: a.Message,
		Link:    strings.TrimRight(w.d.Settings.PublicURL, "/") + "/s/" + l.Token,
		Expires: l.ExpiresAt.UTC().Format("Monday 2 January 2006, 15:04 UTC"), Size: units.Bytes(l.Size).Human(),
		Password: l.HasPassword,
	}
	for _, n := range l.FileNames {
		m.Files = append(m.Files, oneLine(n))
	}
	text, html, err := sentLetter.render(m)
	if err != nil {
		return err
	}
	if err := w.d.Mail.Send(ctx, m.To, shareSubject(m), text, html); err != nil {
		return fmt.Errorf("share mail: %w", err)
	}
	return nil
}

// subjectMessage is how much of the message the subject repeats.
const subjectMessage = 60

// shareSubject names the sender and the start of their message, on one
// line: a line break in the message must not start a header.
func shareSubject(m sentLink) string {
	s := fmt.Sprintf("%s sent you %d file(s)", m.From, len(m.Files))
	msg := []rune(strings.Join(strings.Fields(oneLine(m.Message)), " "))
	if len(msg) == 0 {
		return s
	}
	if len(msg) > subjectMessage {
		msg = append(msg[:subjectMessage], '…')
	}
	return s + ": " + string(msg)
}

const sentText = `{{.From}} sent you a link to {{len .Files}} file(s) ({{.Size}}) on Ferry:
{{range .Files}}- {{.}}
{{end}}{{if .Message}}
Their message:
{{.Message}}
{{end}}
Download: {{.Link}}
The link works until {{.Expires}}.{{if .Password}}
It needs a password, which this mail does not hold: ask {{.From}} for it.{{end}}

You get this mail because {{.From}} typed your address; nothing else was shared with you.
`

const sentHTML = `<!doctype html>
<html><body style="font-family: sans-serif">
<p><strong>{{.From}}</strong> sent you a link to {{len .Files}} file(s) ({{.Size}}) on Ferry:</p>
<ul>{{range .Files}}<li>{{.}}</li>{{end}}</ul>
{{if .Message}}<p>Their message:</p><blockquote style="white-space: pre-wrap">{{.Message}}</blockquote>{{end}}
<p><a href="{{.Link}}">Download</a>: {{.Link}}</p>
<p>The link works until {{.Expires}}.{{if .Password}} It needs a password, which this mail does not hold: ask {{.From}} for it.{{end}}</p>
<p style="color: #666">You get this mail because {{.From}} typed your address; nothing else was shared with you.</p>
</body></html>
`

// sentLetter is the mail of a link sent to a recipient; html/template
// escapes the message and the file names in its HTML part.
var sentLetter = letterPair(sentText, sentHTML)
