package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// describe says what the run ran on, for the report's first line.
func describe() string {
	commit := "unknown commit"
	// twelve-factor:ignore TF2-SHELL-OUT a development tool naming the commit it measured, not part of the app
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = "commit " + strings.TrimSpace(string(out))
	}
	// twelve-factor:ignore TF2-SHELL-OUT as above: whether the checkout had uncommitted changes
	if out, err := exec.Command("git", "status", "--porcelain").Output(); err == nil && len(out) > 0 {
		commit += " (with uncommitted changes)"
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("Ferry at %s, %s, %d CPUs (%s), %s", commit, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), host, runtime.Version())
}

// columns are the report table's headings.
var columns = []string{"scenario", "requests", "ok", "500", "503", "conn errors", "other", "interrupted",
	"first 503", "recovered", "rows / objects", "downloads verified", "orphans", "multipart", "dup jobs", "result"}

// writeReport prints one Markdown table line per scenario, then what
// failed and why, and the notes.
func writeReport(w io.Writer, about string, results []result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", about)
	b.WriteString("| " + strings.Join(columns, " | ") + " |\n")
	b.WriteString("|---" + strings.Repeat("|--:", len(columns)-2) + "|---|\n")
	for _, r := range results {
		b.WriteString("| " + strings.Join(row(r), " | ") + " |\n")
	}
	for _, r := range results {
		for _, p := range r.problems {
			fmt.Fprintf(&b, "\n- %s: %s", r.name, p)
		}
		for _, n := range r.notes {
			fmt.Fprintf(&b, "\n- %s (note): %s", r.name, n)
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// row is a result's cells, in the order of columns.
func row(r result) []string {
	st, v := r.stats, r.verified
	k := st.byKind
	return []string{
		r.name,
		fmt.Sprint(st.requests),
		fmt.Sprint(k[kindOK]),
		fmt.Sprint(k[kind500]),
		count503(k[kind503], k[kind503NoRetry]),
		fmt.Sprint(k[kindConn]),
		fmt.Sprint(k[kindOther] + k[kindCorrupt]),
		fmt.Sprint(k[kindInterrupted]),
		duration(st.firstUnavailable),
		duration(st.recovery),
		fmt.Sprintf("%d / %d", v.rows, v.objects),
		fmt.Sprintf("%d of %d", v.downloads-v.badDownloads, v.downloads),
		fmt.Sprint(v.orphans),
		newOfTotal(v.newMultipart, v.multipart),
		dupJobs(r.dupJobs),
		passFail(r.passed()),
	}
}

// count503 shows the 503s, and apart those without Retry-After.
func count503(withRetry, without int) string {
	if without == 0 {
		return fmt.Sprint(withRetry)
	}
	return fmt.Sprintf("%d (+%d without Retry-After)", withRetry, without)
}

// duration shows a measured time, or a dash when there was none.
func duration(d time.Duration) string {
	if d < 0 {
		return "—"
	}
	return seconds(d)
}

// newOfTotal shows what a scenario added, and the total when earlier
// scenarios left some too.
func newOfTotal(added, total int) string {
	if added == total {
		return fmt.Sprint(total)
	}
	return fmt.Sprintf("%d (%d in all)", added, total)
}

func dupJobs(n int) string {
	if n < 0 {
		return "—"
	}
	return fmt.Sprint(n)
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}
