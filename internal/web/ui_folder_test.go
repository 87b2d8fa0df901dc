package web

import (
	"context"
	"maps"
	"net/http"
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
			if res.StatusCode != http.StatusOK {
				t.Fatalf("zip: %d", res.StatusCode)
			}
			if got := testkit.ZipEntries(t, []byte(out["_raw"].(string))); !maps.Equal(got, want) {
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

// TestBrowserFilesSearchAndPages: among 5,000 files, My files finds one
// by part of its name with the search form, sorts by a column head's
// link and walks to the next page and back, all without script.
func TestBrowserFilesSearchAndPages(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	_, err := st.services.DB.Exec(context.Background(), `
		INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key, created_at)
		SELECT $1, 'folder-' || (i % 7) || '/file-' || i || '.txt', i, decode(repeat('00', 32), 'hex'), 'text/plain',
		       'files/seed-' || i, now() - i * interval '1 minute'
		FROM generate_series(1, 5000) AS i`, st.userID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	signIn(t, ctx, st.url)
	names := `[...document.querySelectorAll("#file-list tbody td.name")].map(td => td.textContent)`
	if got := eval[[]string](t, ctx, names); len(got) != 50 || got[0] != "folder-1/file-1.txt" {
		t.Fatalf("first page, newest first: %d rows from %v", len(got), got[:min(len(got), 1)])
	}
	// Each step waits for what only the page it leads to has.
	do(t, ctx, "search", chromedp.SendKeys("#q", "FILE-4242."), chromedp.Click(`form.search button`),
		chromedp.WaitVisible(`#q[value="FILE-4242."]`))
	if got := eval[[]string](t, ctx, names); len(got) != 1 || got[0] != "folder-0/file-4242.txt" {
		t.Errorf("search found %v", got)
	}
	screenshot(t, ctx, "files-search")

	do(t, ctx, "sort by size", chromedp.Navigate(st.url+"/files"), chromedp.WaitVisible("#file-list"),
		chromedp.Click(`#file-list th a[href*="sort=size"]`), chromedp.WaitVisible(`th[aria-sort] a[href*="sort=size"]`))
	first := eval[[]string](t, ctx, names)
	if len(first) != 50 || first[0] != "folder-1/file-1.txt" || first[49] != "folder-1/file-50.txt" {
		t.Fatalf("by size: %v", first)
	}
	if s := eval[string](t, ctx, `document.querySelector('#file-list th[aria-sort]').textContent`); !strings.HasPrefix(s, "Size") {
		t.Errorf("the sorted column head is %q", s)
	}
	do(t, ctx, "next page", chromedp.Click(`a[rel=next]`), chromedp.WaitVisible(`a[rel=prev]`))
	if got := eval[[]string](t, ctx, names); len(got) != 50 || got[0] != "folder-2/file-51.txt" {
		t.Errorf("second page by size starts %v", got[:min(len(got), 1)])
	}
	do(t, ctx, "previous page", chromedp.Click(`a[rel=prev]`), chromedp.WaitNotPresent(`a[rel=prev]`), chromedp.WaitVisible(`a[rel=next]`))
	if got := eval[[]string](t, ctx, names); !slices.Equal(got, first) {
		t.Errorf("back on the first page: %v", got[:min(len(got), 1)])
	}
}

// TestBrowserFolderUploadWithoutJavaScript: the plain form sends a picked
// folder's files under their relative paths too (Chromium puts them in
// the parts' filenames). The files input stays required without script,
// so a file goes with the folder.
func TestBrowserFolderUploadWithoutJavaScript(t *testing.T) {
	testkit.SkipShort(t, "drives Chromium")
	st := newStack(t, nil)
	ctx := newBrowser(t)
	withoutJS(t, ctx)
	signIn(t, ctx, st.url)
	dir, want := folderTree(t)
	want["one.txt"] = "1"
	do(t, ctx, "upload a folder by form",
		chromedp.SetUploadFiles("#file-input", writeFiles(t, map[string][]byte{"one.txt": []byte("1")}), chromedp.NodeReady),
		chromedp.SetUploadFiles("#folder-input", []string{dir}, chromedp.NodeReady))
	// Chromium lists a folder's files after the call returns (and Poll
	// needs script, which is off).
	for deadline := time.Now().Add(10 * time.Second); eval[int](t, ctx, `document.getElementById("folder-input").files.length`) != 4; {
		if time.Now().After(deadline) {
			t.Fatal("the folder's files never showed in the input")
		}
		time.Sleep(50 * time.Millisecond)
	}
	do(t, ctx, "send the form", chromedp.Click("#send"), chromedp.WaitVisible("#share-link"))
	link := eval[string](t, ctx, `document.getElementById("share-link").value`)
	got := map[string]string{}
	for name, body := range linkFiles(t, st, link) {
		got[name] = string(body)
	}
	if !maps.Equal(got, want) {
		t.Errorf("the link holds %v, want %v", got, want)
	}
}
