package web

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/audit"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/files"
	"github.com/ferryhq/ferry/internal/share"
	"github.com/ferryhq/ferry/internal/units"
)

// pageSamples is data for every page as its handler passes it, with the
// optional parts filled in so that every branch is rendered.
func pageSamples() map[string]any {
	when := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	limit := 5
	big := int64(1 << 30)
	open := shareJSON{URL: "http://x/s/tok", ExpiresAt: when, Downloads: 2, MaxDownloads: &limit}
	sh := share.Share{Token: "tok", ExpiresAt: when, MaxDownloads: 3, Downloads: 1}
	expiry := expiryChoices(share.Limits{DefaultExpiresIn: 7 * units.Day, MaxExpiresIn: 30 * units.Day})
	return map[string]any{
		"signin":  loginView{SignupEnabled: true, Email: "a@example.com", Next: "/files", Message: "No."},
		"signup":  loginView{Signup: true, SignupEnabled: true, Next: "/files", Message: "No."},
		"confirm": map[string]any{"Token": "tok"},
		"files": map[string]any{
			"Files": []fileRow{
				{File: files.File{ID: "a", Name: "a.txt", Size: 10, CreatedAt: when}, Share: &open},
				{File: files.File{ID: "b", Name: "b.txt", CreatedAt: when}, Share: &shareJSON{URL: "http://x/s/t2"}, Ended: true},
				{File: files.File{ID: "c", Name: "c.txt", CreatedAt: when}},
			},
			"NewLink": "http://x/s/tok",
			"Expiry":  expiryChoices(share.Limits{DefaultExpiresIn: 7 * units.Day, MaxExpiresIn: 30 * units.Day}),
		},
		"tokens": tokensView{
			Tokens: []account.Token{
				{ID: "a", Name: "laptop", CreatedAt: when, LastUsedAt: &when, ExpiresAt: &when},
				{ID: "b", Name: "ci", Scopes: account.Scopes{account.ScopeFilesRead, account.ScopeFilesWrite}},
				{ID: "c", Name: "old", Scopes: nil},
			},
			New: &account.Token{Name: "laptop"}, Secret: "secret", Base: "http://x",
			Scopes: scopeChoices(account.Scopes{account.ScopeFilesRead}), Expiry: tokenExpiryChoices(), Problem: "No.",
		},
		"account": map[string]any{
			"User": account.User{Email: "a@example.com", UsageBytes: 1 << 20}, "Quota": int64(1 << 30),
			"Problem": "That is not your password.", "Done": "Your password is changed.",
		},
		"share": map[string]any{"Share": sh, "Token": "tok", "Files": []files.File{
			{ID: "a", Name: "a.txt", Size: 1000}, {ID: "b", Name: "b.png", Size: 5 << 20, ThumbKey: "k"},
		}},
		"shares": sharesView{
			Shares: []shareItem{
				{listedShareJSON: listedShareJSON{shareJSON: open, State: "live", RemainingDownloads: &limit, QRURL: "http://x/s/tok/qr.svg",
					Files: []sharedFileJSON{{ID: "a", Name: "a.txt"}, {ID: "b", Name: "b.txt"}}}, Live: true, Limit: "5", Expiry: expiry},
				{listedShareJSON: listedShareJSON{shareJSON: shareJSON{URL: "http://x/s/t2", HasPassword: true}, State: "spent",
					Files: []sharedFileJSON{{ID: "c", Name: "c.txt"}}}, Ended: "ran out", Expiry: expiry},
			},
			NewLink: "http://x/s/tok", Problem: "No.",
		},
		"admin": adminView{
			Me: "me", Q: "x", NextUsers: "c", Actor: "me", Type: "login", NextEvents: "9",
			Users: []adminUserJSON{
				{ID: "me", Email: "me@x.example", Role: account.RoleAdmin, CreatedAt: when, LastLogin: &when},
				{ID: "u", Email: "u@x.example", Role: account.RoleUser, Disabled: true, UsageBytes: 10, QuotaBytes: big, CreatedAt: when},
				{ID: "a", Email: "a@x.example", Role: account.RoleAdmin, CreatedAt: when},
			},
			Events: []audit.Event{
				{ID: 10, At: when, ActorID: "me-0123456789", Type: "admin_user_disabled", SubjectID: "u", Client: "192.0.2.1", RequestID: "req"},
				{ID: 9, At: when, Type: "login_failed"},
			},
		},
		"invite": inviteView{Token: "t", Email: "a@x.example", Message: "too short", Retry: true},
		"history": historyView{
			Share: listedShareJSON{shareJSON: open, Files: []sharedFileJSON{{ID: "a", Name: "a.txt"}}},
			Events: []historyRow{
				{Event: share.Event{At: when, FileID: "a", FileName: "a.txt", Bytes: 10, Whole: true}, Client: "0123abcd"},
				{Event: share.Event{At: when, FileID: "b", Bytes: 3}, Client: "0123abcd"},
				{Event: share.Event{At: when, Bytes: 30, Whole: true}, Client: "89abcdef"},
			},
			Limit: share.HistoryLimit,
		},
		"locked": map[string]any{"Token": "tok", "Message": "That is not the password.", "Action": "/r/tok/unlock"},
		"requests": requestsView{
			Requests: []requestJSON{
				{ID: "a", Title: "Scans", URL: "http://x/r/tok", ExpiresAt: when, MaxFiles: &limit, MaxBytes: &big, FilesReceived: 2, BytesReceived: 10, Open: true},
				{ID: "b", Title: "Old", URL: "http://x/r/t2", ExpiresAt: when, ClosedAt: &when},
			},
			Expiry:  expiryChoices(share.Limits{DefaultExpiresIn: 7 * units.Day, MaxExpiresIn: 30 * units.Day}),
			NewLink: "http://x/r/tok", Problem: "No.",
		},
		"request": map[string]any{
			"Request": requestJSON{ID: "a", Title: "Scans", Message: "the tax ones", URL: "http://x/r/tok", ExpiresAt: when, MaxFiles: &limit, Open: true},
			"Files": []filerequest.Received{
				{File: files.File{ID: "f", Name: "scan.pdf", Size: 1000}, From: filerequest.Uploader{Name: "Ann", Note: "as asked"}, ReceivedAt: when},
				{File: files.File{ID: "g", Name: "anon.pdf"}, ReceivedAt: when},
			},
		},
		"inbox": map[string]any{
			"Request": publicRequestJSON{Title: "Scans", Message: "the tax ones", ExpiresAt: when, MaxFiles: &limit, MaxBytes: &big},
			"Token":   "tok", "Tus": true, "ChunkSize": int64(1 << 20), "Sent": true,
		},
		"error": map[string]string{"Title": "Link not found", "Message": "no such link"},
	}
}

// TestEveryPageRenders renders each page file's page with its sample: a
// page that fails to render, or a new page without a sample, fails here
// rather than in front of a user.
func TestEveryPageRenders(t *testing.T) {
	names, err := pageNames(templateFS)
	if err != nil || len(names) < 8 {
		t.Fatalf("pages %v, %v", names, err)
	}
	samples := pageSamples()
	for _, name := range names {
		data, ok := samples[name]
		if !ok {
			t.Errorf("templates/pages/%s.html has no sample in pageSamples", name)
			continue
		}
		var buf bytes.Buffer
		if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		out := buf.String()
		if !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, `<main id="main"`) || !strings.HasSuffix(out, "</html>\n") {
			t.Errorf("%s is not a whole page:\n%s", name, out)
		}
	}
}

// TestLoginPage: the sign-in handlers' page is sign-up when asked.
func TestLoginPage(t *testing.T) {
	for signup, title := range map[bool]string{false: "<title>Sign in · Ferry</title>", true: "<title>Create an account · Ferry</title>"} {
		var buf bytes.Buffer
		if err := pages.ExecuteTemplate(&buf, "login", loginView{Signup: signup}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), title) {
			t.Errorf("signup %v: no %s", signup, title)
		}
	}
}

// TestParsePagesFailsFast: a broken template stops the program at start.
func TestParsePagesFailsFast(t *testing.T) {
	layout := `{{define "head"}}<html>{{end}}`
	tests := []struct {
		name, page, wantErr string
	}{
		{"good", `{{define "p"}}{{template "head"}}<a href="/{{.}}">x</a>{{end}}`, ""},
		{"syntax error", `{{define "p"}}{{if .}}{{end}}`, "unexpected EOF"},
		{"misnamed page", `{{define "q"}}{{end}}`, `does not define the page "p"`},
		{"unescapable", `{{define "p"}}<a href="{{.}}{{end}}`, "ends in a non-text context"},
		{"missing partial", `{{define "p"}}{{template "nav"}}{{end}}`, `no such template "nav"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"templates/layout.html":  {Data: []byte(layout)},
				"templates/pages/p.html": {Data: []byte(tt.page)},
			}
			_, err := parsePages(fsys)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("parsePages: %v; want an error with %q", err, tt.wantErr)
			}
		})
	}
}
