package dev

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// startingNote is the one line dev writes before a start that may take a
// while (initdb on a cold start), naming what it starts and where.
func startingNote(w io.Writer, dir string, env map[string]string) {
	var names []string
	for _, s := range []struct{ name, url string }{{"Postgres", "DATABASE_URL"}, {"Redis", "REDIS_URL"}, {"storage", "BLOB_URL"}} {
		if env[s.url] == "" {
			names = append(names, s.name)
		}
	}
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(w, "ferry dev: starting %s under %s ...\n", and(names), shown(dir))
}

// and joins names as a sentence does: "a", "a and b", "a, b and c".
func and(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// shown is dir as the user would type it: relative to the working folder
// when under it ("./.ferry"), else absolute.
func shown(dir string) string {
	wd, err := os.Getwd()
	if err != nil {
		return dir
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return dir
	}
	return "./" + rel
}

// summary is what a person needs once Ferry is up, on a cold start and a
// warm one alike: where it is, who to sign in as, the way back to a lost
// password and where the data is.
func summary(dir, exe string, env map[string]string) string {
	d := shown(dir)
	lines := []string{
		"Ferry is ready at " + env["PUBLIC_URL"],
		"  sign in as   " + DevEmail + " (its password was shown once, at the first start)",
		"  lost it?     printf '%s\\n' 'a new password' | " + command(exe) + " admin reset-password --email " + DevEmail + " --password-stdin",
		"  data         " + d + " (Postgres, Redis, files); ferry admin and ferry migrate here use " + d + "/" + URLsFile,
		"  stop         Ctrl-C; the next start is warm",
	}
	return "\n" + strings.Join(lines, "\n") + "\n\n"
}

// command is how to call the ferry binary exe from the working folder:
// by its path when it is under it (./bin/ferry), else by name.
func command(exe string) string {
	if p := shown(exe); strings.HasPrefix(p, "./") {
		return p
	}
	return "ferry"
}

// announceReady prints the summary on w once the web answers /ready, or
// gives up silently when ctx ends first or the web never gets there.
func announceReady(ctx context.Context, w io.Writer, dir, exe string, env map[string]string) {
	url := "http://127.0.0.1:" + env["PORT"] + "/ready"
	client := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		res, err := client.Do(req)
		if err != nil {
			continue
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			fmt.Fprint(w, summary(dir, exe, env))
			return
		}
	}
}
