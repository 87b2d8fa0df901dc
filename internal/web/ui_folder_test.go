package web

import (
	"archive/zip"
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ferryhq/ferry/internal/testkit"
)

// folderTree writes files under a new folder "album" and returns the
// folder and each file's content by its path from the folder's parent.
func folderTree(t *testing.T) (string, map[string]string) {
	t.Helper()
	root := t.TempDir()
	want := map[string]string{
		"album/cover.txt":             "cover",
		"album/2024/summer/beach.txt": "sand",
		"album/2024/notes.txt":        "notes",
		"album/2025/notes.txt":        "other notes",
	}
	for p, body := range want {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "album"), want
}

// TestBrowserFolderUpload picks a folder on the upload page (the
// webkitdirectory input), over the multipart form and over tus, then, as
// a guest, sees the tree on the share page and downloads the zip, whose
// entries keep the folders.
func TestBrowserFolderUpload(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	for _, engine := range []string{"multipart", "tus"} {
		t.Run(engine, func(t *testing.T) {
			var st *stack
			var ctx context.Context
			if engine == "tus" {
				st, ctx = newTusBrowserStack(t, 0, nil)
			} else {
				st = newStack(t, nil)
				ctx = newBrowser(t)
				signIn(t, ctx, st.url)
			}
			dir, want := folderTree(t)
			do(t, ctx, "pick a folder and upload it",
				chromedp.SetUploadFiles("#folder-input", []string{dir}, chromedp.NodeReady),
				chromedp.Poll[chromedp.Void](`document.querySelector(".drop p strong").textContent === "4 files chosen"`),
				chromedp.Click("#send"),
				chromedp.Poll[chromedp.Void](uploadDone, chromedp.WithPollingTimeout(20*time.Second)),
			)
			if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#bars .nm")].map(n => n.textContent).sort()`); strings.Join(got, " ") != strings.Join(sortedKeys(want), " ") {
				t.Errorf("the bars name %q, want the paths %q", got, sortedKeys(want))
			}
			link := eval[string](t, ctx, `document.getElementById("share-link").value`)
			if !strings.HasPrefix(link, st.url+"/s/") {
				t.Fatalf("link %q", link)
			}

			guest, _ := guestBrowser(t)
			do(t, guest, "open the share page", chromedp.Navigate(link), chromedp.WaitVisible(".files"))
			screenshot(t, guest, "share-folder-"+engine)
			// The tree: album/ holds 2024/ and 2025/ and cover.txt; 2024/ holds summer/.
			tree := eval[string](t, guest, `(function walk(ul, depth) {
				return [...ul.children].map(li => li.classList.contains("folder")
					? "  ".repeat(depth) + li.querySelector(".dname").textContent + "\n" + walk(li.querySelector("ul"), depth + 1)
					: "  ".repeat(depth) + li.querySelector(".name").textContent + "\n").join("");
			})(document.querySelector("main ul.files"), 0)`)
			wantTree := "album/\n  2024/\n    summer/\n      beach.txt\n    notes.txt\n  2025/\n    notes.txt\n  cover.txt\n"
			if !sameLines(tree, wantTree) {
				t.Errorf("share page tree:\n%s\nwant (in any order):\n%s", tree, wantTree)
			}

			res, out := st.call(t, "GET", pathOf(t, link)+"/zip", "", nil)
			raw := out["_raw"].(string)
			zr, err := zip.NewReader(strings.NewReader(raw), int64(len(raw)))
			if err != nil {
				t.Fatalf("zip: %d %v", res.StatusCode, err)
			}
			got := map[string]string{}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				_ = rc.Close()
				got[f.Name] = string(b)
			}
			if !maps.Equal(got, want) {
				t.Errorf("the zip holds %v, want %v", got, want)
			}
		})
	}
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// sameLines reports whether a and b hold the same lines, in any order.
func sameLines(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	slices.Sort(la)
	slices.Sort(lb)
	return slices.Equal(la, lb)
}
