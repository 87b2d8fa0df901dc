package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/ferryhq/ferry/internal/ids"
	"github.com/ferryhq/ferry/internal/units"
)

type mailWorker struct {
	river.WorkerDefaults[DownloadMailArgs]
	d *Deps
}

// download is what a download mail says.
type download struct {
	To, UserID, Name, Size, When, Link string
	Downloads, MaxDownloads            int
}

// Work mails the share's owner about one download. A share or file gone
// by now, or an anonymous share, means there is no one to tell. A retried
// job may send the mail twice when the server took it but the connection
// broke before it said so; a duplicate notice beats a lost one.
func (w *mailWorker) Work(ctx context.Context, job *river.Job[DownloadMailArgs]) error {
	dl, err := w.load(ctx, job.Args)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if w.d.Mail == nil {
		w.d.Log.Info("download mail not sent: SMTP_URL is not set", "share_id", job.Args.ShareID, "user_id", dl.UserID)
		return nil
	}
	text, html, err := render(dl)
	if err != nil {
		return err
	}
	subject := "Downloaded: " + strings.NewReplacer("\r", " ", "\n", " ").Replace(dl.Name)
	return w.d.Mail.Send(ctx, dl.To, subject, text, html)
}

func (w *mailWorker) load(ctx context.Context, a DownloadMailArgs) (download, error) {
	if !ids.Valid(a.ShareID) || !ids.Valid(a.FileID) {
		return download{}, pgx.ErrNoRows
	}
	var dl download
	var size int64
	var token string
	err := w.d.DB.QueryRow(ctx, `
		SELECT u.email, u.id, f.name, f.size, s.token, s.downloads, COALESCE(s.max_downloads, 0)
		FROM shares s JOIN users u ON u.id = s.owner_id
		JOIN share_files sf ON sf.share_id = s.id JOIN files f ON f.id = sf.file_id
		WHERE s.id = $1 AND f.id = $2`, a.ShareID, a.FileID,
	).Scan(&dl.To, &dl.UserID, &dl.Name, &size, &token, &dl.Downloads, &dl.MaxDownloads)
	if err != nil {
		return download{}, err
	}
	dl.Size = units.Bytes(size).Human()
	dl.When = a.At.UTC().Format(time.RFC1123)
	dl.Link = strings.TrimRight(w.d.Settings.PublicURL, "/") + "/s/" + token
	return dl, nil
}

const mailText = `{{.Name}} ({{.Size}}) was downloaded on {{.When}}.
{{if .MaxDownloads}}{{.Downloads}} of {{.MaxDownloads}} downloads are used.
{{else}}It has been downloaded {{.Downloads}} times.
{{end}}
The link: {{.Link}}

You get this mail because you asked to be told about downloads of this link.
`

const mailHTML = `<!doctype html><html><body style="font-family: sans-serif">
<p><strong>{{.Name}}</strong> ({{.Size}}) was downloaded on {{.When}}.</p>
<p>{{if .MaxDownloads}}{{.Downloads}} of {{.MaxDownloads}} downloads are used.{{else}}It has been downloaded {{.Downloads}} times.{{end}}</p>
<p><a href="{{.Link}}">Open the link</a></p>
<p style="color:#666">You get this mail because you asked to be told about downloads of this link.</p>
</body></html>`

var (
	textMail = texttemplate.Must(texttemplate.New("text").Parse(mailText))
	htmlMail = htmltemplate.Must(htmltemplate.New("html").Parse(mailHTML))
)

// render fills both parts; the HTML one escapes the file name, which
// anyone who uploads may choose.
func render(dl download) (string, string, error) {
	var text, html bytes.Buffer
	if err := textMail.Execute(&text, dl); err != nil {
		return "", "", fmt.Errorf("mail text: %w", err)
	}
	if err := htmlMail.Execute(&html, dl); err != nil {
		return "", "", fmt.Errorf("mail html: %w", err)
	}
	return text.String(), html.String(), nil
}
