package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit"
	"github.com/ferryhq/ferry/internal/testkit/syncbuf"
)

// readmeMarker comes just before each README block this test runs.
const readmeMarker = "<!-- readme-test -->"

// readmeBlocks are the commands of the README's marked ```sh blocks, in
// order, a line ending in a backslash joined to the next; comment lines
// and blank ones are left out.
func readmeBlocks(readme string) [][]string {
	var blocks [][]string
	for _, part := range strings.Split(readme, readmeMarker)[1:] {
		body, ok := strings.CutPrefix(strings.TrimLeft(part, "\n"), "```sh\n")
		if !ok {
			continue
		}
		body, _, _ = strings.Cut(body, "\n```")
		var cmds []string
		pending := ""
		for _, line := range strings.Split(body, "\n") {
			if strings.HasSuffix(line, "\\") {
				pending += strings.TrimSuffix(line, "\\") + " "
				continue
			}
			line = pending + line
			pending = ""
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				cmds = append(cmds, t)
			}
		}
		blocks = append(blocks, cmds)
	}
	return blocks
}

func TestReadmeBlocks(t *testing.T) {
	t.Parallel()
	got := readmeBlocks("x\n" + readmeMarker + "\n```sh\na # c\n# only a comment\n\nb \\\n  c\n```\n" + readmeMarker + "\ntext\n" + readmeMarker + "\n\n```sh\nd\n```\n")
	want := [][]string{{"a # c", "b    c"}, {"d"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

var (
	shareLink = regexp.MustCompile(`http://localhost:\d+/s/([A-Za-z0-9_-]+)`)
	fileID    = regexp.MustCompile(`"id":"([0-9a-f-]{36})"`)
)

// TestReadme follows the README word for word, as a newcomer would: in
// an empty folder with bin/ferry, it starts `ferry dev` where the README
// does and runs every other command of the marked blocks in one bash, in
// order, filling <token> and <id> from the answers before them. The
// README's port, 3000, becomes a free one; `make build` is the binary the
// tests built, and `make test` is this suite.
func TestReadme(t *testing.T) {
	testkit.SkipShort(t, realProcess)
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(readme))
	if len(blocks) < 3 {
		t.Fatalf("%d marked blocks in README.md, want the quick start and the curl ones", len(blocks))
	}
	dir := devFolder(t)
	port := strconv.Itoa(freePort(t))
	sh := startBash(t, dir)
	vals := map[string]string{}
	printedLink := false
	for _, block := range blocks {
		for _, cmd := range block {
			cmd = strings.ReplaceAll(cmd, "localhost:3000", "localhost:"+port)
			cmd = strings.TrimPrefix(cmd, "make build && ")
			switch {
			case strings.HasPrefix(cmd, "make test"), cmd == "make build":
				continue
			case strings.HasPrefix(cmd, "./bin/ferry dev"):
				dev := startBin(t, "./bin/ferry", dir, baseEnv("PORT="+port), "dev")
				took := waitFor(t, dev, "http://127.0.0.1:"+port+"/ready", 200, "", 90*time.Second)
				waitForText(t, dev, "Ferry is ready at http://localhost:"+port, 10*time.Second)
				if talk := dev.stderr.String(); !strings.Contains(talk, "| ./bin/ferry admin reset-password") {
					t.Errorf("the summary does not show the binary the README runs:\n%s", talk)
				}
				t.Logf("ferry dev cold start to ready: %v", took)
				continue
			}
			for k, v := range vals {
				cmd = strings.ReplaceAll(cmd, k, v)
			}
			if strings.Contains(cmd, "<") && regexp.MustCompile(`<[a-z]+>`).MatchString(cmd) {
				t.Fatalf("a placeholder no answer filled: %s", cmd)
			}
			out := sh.run(t, cmd)
			if strings.Contains(cmd, "format=url") {
				if !regexp.MustCompile(`^http://localhost:` + port + `/s/[A-Za-z0-9_-]+\n$`).MatchString(out) {
					t.Errorf("?format=url printed %q, want the link alone on one line", out)
				}
				printedLink = true
			}
			if m := shareLink.FindStringSubmatch(out); m != nil {
				vals["<token>"] = m[1]
			}
			if m := fileID.FindStringSubmatch(out); m != nil {
				vals["<id>"] = m[1]
			}
		}
	}
	if !printedLink {
		t.Error("no marked block prints a link with ?format=url")
	}
	sent, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "copy.txt"))
	if err != nil || !bytes.Equal(got, sent) {
		t.Errorf("the download gave %q (%v), want the uploaded %q", got, err, sent)
	}
}

// devFolder is an empty folder holding a copy of bin/ferry, open to the Postgres
// user as ferry dev needs when run as root.
func devFolder(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ferry-readme-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A copy, not a link: ferry dev names the binary it runs as, which
	// the kernel gives with links resolved.
	bin, err := os.ReadFile(ferryBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "ferry"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// bash is one shell the README's commands run in, so that a variable one
// sets (TOKEN) is there for the next.
type bash struct {
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *syncbuf.Buffer // written by exec's copying goroutine
}

const doneMark = "__readme_done__"

func startBash(t *testing.T, dir string) *bash {
	t.Helper()
	cmd := exec.Command("bash", "--noprofile", "--norc")
	cmd.Dir, cmd.Env = dir, baseEnv()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &bash{in: in, out: bufio.NewReader(out), stderr: &syncbuf.Buffer{}}
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return b
}

// run runs one command and returns its stdout; a non-zero exit fails the
// test.
func (b *bash) run(t *testing.T, cmd string) string {
	t.Helper()
	before := len(b.stderr.String())
	if _, err := fmt.Fprintf(b.in, "%s\nprintf '\\n%s %%d\\n' $?\n", cmd, doneMark); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out  string
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var out strings.Builder
		for {
			line, err := b.out.ReadString('\n')
			if err != nil {
				done <- result{out.String(), -1, err}
				return
			}
			if code, ok := strings.CutPrefix(line, doneMark+" "); ok {
				n, _ := strconv.Atoi(strings.TrimSpace(code))
				done <- result{strings.TrimSuffix(out.String(), "\n"), n, nil}
				return
			}
			out.WriteString(line)
		}
	}()
	select {
	case r := <-done:
		if r.err != nil || r.code != 0 {
			t.Fatalf("%s\nexit %d (%v)\nstdout: %s\nstderr: %s", cmd, r.code, r.err, r.out, b.stderr.String()[before:])
		}
		t.Logf("$ %s\n%s", cmd, r.out)
		return r.out
	case <-time.After(time.Minute):
		t.Fatalf("%s: no end within a minute", cmd)
		return ""
	}
}
