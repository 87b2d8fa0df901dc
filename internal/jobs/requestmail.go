package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/units"
)

type requestMailWorker struct {
	river.WorkerDefaults[RequestMailArgs]
	d *Deps
}

// arrival is what a request mail says, and to whom.
type arrival struct {
	To, UserID, Title, From, Note, When, Link string
	Files                                     []arrivedFile
}

type arrivedFile struct{ Name, Size string }

// Work mails the request's owner about one upload through it. A request
// gone by now, one whose owner turned mail off, or files all deleted
// meanwhile mean there is nothing to tell. As for download mails, a
// retry may send a duplicate rather than lose one.
func (w *requestMailWorker) Work(ctx context.Context, job *river.Job[RequestMailArgs]) error {
	n, err := filerequest.NoticeOf(ctx, w.d.DB, job.Args.RequestID, job.Args.FileIDs)
	if errors.Is(err, filerequest.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load request mail: %w", err)
	}
	if w.d.Mail == nil {
		w.d.Log.InfoContext(ctx, "request mail not sent: SMTP_URL is not set", "request_id", n.RequestID, "user_id", n.OwnerID)
		return nil
	}
	m := arrival{
		To: n.OwnerEmail, UserID: n.OwnerID, Title: oneLine(n.Title), From: oneLine(n.Name), Note: n.Note,
		When: job.CreatedAt.UTC().Format("Monday 2 January 2006, 15:04:05 UTC"),
		Link: strings.TrimRight(w.d.Settings.PublicURL, "/") + "/requests/" + n.RequestID,
	}
	for _, f := range n.Files {
		m.Files = append(m.Files, arrivedFile{Name: oneLine(f.Name), Size: units.Bytes(f.Size).Human()})
	}
	text, html, err := receivedLetter.render(m)
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("Received %d file(s): %s", len(m.Files), m.Title)
	if err := w.d.Mail.Send(ctx, m.To, subject, text, html); err != nil {
		return fmt.Errorf("request mail: %w", err)
	}
	return nil
}

const receivedText = `{{len .Files}} file(s) arrived through your request "{{.Title}}" on {{.When}}{{if .From}}, from {{.From}}{{end}}:
{{range .Files}}- {{.Name}} ({{.Size}})
{{end}}{{if .Note}}
Their note:
{{.Note}}
{{end}}
See them: {{.Link}}

You get this mail because the request asks for one per upload; you can turn that off when you make a request.
`

const receivedHTML = `<!doctype html>
<html><body style="font-family: sans-serif">
<p>{{len .Files}} file(s) arrived through your request <strong>{{.Title}}</strong> on {{.When}}{{if .From}}, from {{.From}}{{end}}:</p>
<ul>{{range .Files}}<li>{{.Name}} ({{.Size}})</li>{{end}}</ul>
{{if .Note}}<p>Their note:</p><blockquote style="white-space: pre-wrap">{{.Note}}</blockquote>{{end}}
<p>See them: <a href="{{.Link}}">{{.Link}}</a></p>
<p style="color: #666">You get this mail because the request asks for one per upload; you can turn that off when you make a request.</p>
</body></html>
`

// receivedLetter is the mail of an upload through a request;
// html/template escapes the uploader's words in its HTML part.
var receivedLetter = letterPair(receivedText, receivedHTML)
