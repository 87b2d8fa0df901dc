package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

type mailWorker struct {
	river.WorkerDefaults[DownloadMailArgs]
	d *Deps
}

// download is what a download mail says, and to whom.
type download struct {
	To, UserID, Name, Size, When, Link string
	Downloads, MaxDownloads            int // MaxDownloads 0: no limit
}

// Work mails the share's owner about one download. A share or file gone
// by now, a file no longer in the share, an anonymous share or one whose
// owner turned notices off means there is no one to tell.
//
// A retried job may send the mail twice when the server took it but the
// connection broke before it said so: a duplicate notice beats a lost one.
func (w *mailWorker) Work(ctx context.Context, job *river.Job[DownloadMailArgs]) error {
	at := job.Args.At
	if at.IsZero() {
		at = job.CreatedAt
	}
	dl, err := w.load(ctx, job.Args, at)
	if errors.Is(err, share.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load download mail: %w", err)
	}
	if w.d.Mail == nil {
		w.d.Log.InfoContext(ctx, "download mail not sent: SMTP_URL is not set",
			"share_id", job.Args.ShareID, "file_id", job.Args.FileID, "user_id", dl.UserID)
		return nil
	}
	text, html, err := downloadLetter.render(dl)
	if err != nil {
		return err
	}
	if err := w.d.Mail.Send(ctx, dl.To, "Downloaded: "+dl.Name, text, html); err != nil {
		return fmt.Errorf("download mail: %w", err)
	}
	return nil
}

// load reads what the mail says; share.ErrNotFound when there is no one
// to tell.
func (w *mailWorker) load(ctx context.Context, a DownloadMailArgs, at time.Time) (download, error) {
	n, err := share.NoticeOf(ctx, w.d.DB, a.ShareID, a.FileID)
	if err != nil {
		return download{}, err
	}
	return download{
		To: n.OwnerEmail, UserID: n.OwnerID, Name: oneLine(n.FileName), Size: units.Bytes(n.FileSize).Human(),
		When:      at.UTC().Format("Monday 2 January 2006, 15:04:05 UTC"),
		Link:      strings.TrimRight(w.d.Settings.PublicURL, "/") + "/s/" + n.Token,
		Downloads: n.Downloads, MaxDownloads: n.MaxDownloads,
	}, nil
}

// oneLine turns control characters into spaces: a file name, which any
// uploader chooses, must not start a header in the subject or a line of
// its own in the text.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

const mailText = `{{.Name}} ({{.Size}}) was downloaded on {{.When}}.
{{if .MaxDownloads}}{{.Downloads}} of {{.MaxDownloads}} downloads are used.
{{else}}It has been downloaded {{.Downloads}} times; the link has no download limit.
{{end}}
The link: {{.Link}}

You get this mail because you asked to be told about downloads of this link.
`

const mailHTML = `<!doctype html>
<html><body style="font-family: sans-serif">
<p><strong>{{.Name}}</strong> ({{.Size}}) was downloaded on {{.When}}.</p>
<p>{{if .MaxDownloads}}{{.Downloads}} of {{.MaxDownloads}} downloads are used.{{else}}It has been downloaded {{.Downloads}} times; the link has no download limit.{{end}}</p>
<p>The link: <a href="{{.Link}}">{{.Link}}</a></p>
<p style="color: #666">You get this mail because you asked to be told about downloads of this link.</p>
</body></html>
`

// downloadLetter is the mail of a counted download; html/template
// escapes the file name in its HTML part.
var downloadLetter = letterPair(mailText, mailHTML)
