package files

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// names returns the names of fs.
func names(fs []File) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func TestPageOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t)
	alice, bob := insertUser(t, db, "alice@example.com"), insertUser(t, db, "bob@example.com")
	for i, n := range []string{"b.txt", "A.txt", "c_d.txt", "docs/e.txt", "100%.txt"} {
		if _, err := Insert(ctx, db, alice, n, received(int64(10*(i+1)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Insert(ctx, db, bob, "a-bob.txt", received(1)); err != nil {
		t.Fatal(err)
	}
	// created_at is now() for all in one transaction: the id breaks ties.
	tests := []struct {
		name string
		l    Listing
		want string
	}{
		{"by name", Listing{Sort: ByName, Limit: 10}, "100%.txt A.txt b.txt c_d.txt docs/e.txt"},
		{"by name desc", Listing{Sort: ByName, Desc: true, Limit: 10}, "docs/e.txt c_d.txt b.txt A.txt 100%.txt"},
		{"by size", Listing{Sort: BySize, Limit: 10}, "b.txt A.txt c_d.txt docs/e.txt 100%.txt"},
		{"search any case", Listing{Search: "a", Sort: ByName, Limit: 10}, "A.txt"},
		{"search folder", Listing{Search: "DOCS/", Sort: ByName, Limit: 10}, "docs/e.txt"},
		{"percent is literal", Listing{Search: "%", Sort: ByName, Limit: 10}, "100%.txt"},
		{"underscore is literal", Listing{Search: "_", Sort: ByName, Limit: 10}, "c_d.txt"},
		{"no match", Listing{Search: "zzz", Sort: ByName, Limit: 10}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PageOf(ctx, db, alice, tt.l)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(names(p.Files), " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if p.Next != "" || p.Prev != "" {
				t.Errorf("one page has neighbours: %+v", p)
			}
		})
	}

	for _, sort := range []Sort{ByName, BySize, ByCreated} {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("walk %s desc=%v", sort, desc), func(t *testing.T) {
				all, err := PageOf(ctx, db, alice, Listing{Sort: sort, Desc: desc, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				var walked []string
				var pages []Page
				l := Listing{Sort: sort, Desc: desc, Limit: 2}
				for {
					p, err := PageOf(ctx, db, alice, l)
					if err != nil {
						t.Fatal(err)
					}
					walked, pages = append(walked, names(p.Files)...), append(pages, p)
					if (len(pages) == 1) != (p.Prev == "") {
						t.Errorf("page %d: prev %q", len(pages), p.Prev)
					}
					if p.Next == "" {
						break
					}
					l.Cursor = p.Next
				}
				if got, want := strings.Join(walked, " "), strings.Join(names(all.Files), " "); got != want || len(pages) != 3 {
					t.Fatalf("walked %q in %d pages, want %q in 3", got, len(pages), want)
				}
				// Back from the last page gives the middle one, with both neighbours.
				l.Cursor = pages[2].Prev
				back, err := PageOf(ctx, db, alice, l)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := names(back.Files), names(pages[1].Files); strings.Join(got, " ") != strings.Join(want, " ") || back.Next == "" || back.Prev == "" {
					t.Errorf("back gave %q (next %q, prev %q), want %q", got, back.Next, back.Prev, want)
				}
				l.Cursor = back.Prev
				first, err := PageOf(ctx, db, alice, l)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := names(first.Files), names(pages[0].Files); strings.Join(got, " ") != strings.Join(want, " ") || first.Prev != "" || first.Next == "" {
					t.Errorf("back to the first gave %q (next %q, prev %q), want %q", got, first.Next, first.Prev, want)
				}
			})
		}
	}

	t.Run("bad listings", func(t *testing.T) {
		p, err := PageOf(ctx, db, alice, Listing{Sort: ByName, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		bad := []struct {
			name string
			l    Listing
			want error
		}{
			{"unknown sort", Listing{Sort: "owner", Limit: 1}, ErrBadListing},
			{"zero limit", Listing{Sort: ByName}, ErrBadListing},
			{"huge limit", Listing{Sort: ByName, Limit: MaxPage + 1}, ErrBadListing},
			{"long search", Listing{Sort: ByName, Limit: 1, Search: strings.Repeat("x", MaxSearch+1)}, ErrBadListing},
			{"garbage cursor", Listing{Sort: ByName, Limit: 1, Cursor: "!!"}, ErrBadCursor},
			{"cursor of another sort", Listing{Sort: BySize, Limit: 1, Cursor: p.Next}, ErrBadCursor},
			{"cursor of another order", Listing{Sort: ByName, Desc: true, Limit: 1, Cursor: p.Next}, ErrBadCursor},
			{"forged size", Listing{Sort: BySize, Limit: 1, Cursor: cursor{Sort: BySize, Value: "x", ID: "00000000-0000-0000-0000-000000000000"}.String()}, ErrBadCursor},
			{"forged date", Listing{Sort: ByCreated, Limit: 1, Cursor: cursor{Sort: ByCreated, Value: "yesterday", ID: "00000000-0000-0000-0000-000000000000"}.String()}, ErrBadCursor},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := PageOf(ctx, db, alice, tt.l); !errors.Is(err, tt.want) {
					t.Errorf("got %v, want %v", err, tt.want)
				}
			})
		}
	})
	t.Run("another owner's cursor shows only yours", func(t *testing.T) {
		p, err := PageOf(ctx, db, alice, Listing{Sort: ByName, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, err := PageOf(ctx, db, bob, Listing{Sort: ByName, Limit: 10, Cursor: p.Next})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range got.Files {
			if f.OwnerID != bob {
				t.Fatalf("bob's page holds %q of %s", f.Name, f.OwnerID)
			}
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add(cursor{Sort: ByName, Value: "a.txt", ID: "00000000-0000-0000-0000-000000000000"}.String())
	f.Add(cursor{Sort: ByCreated, Back: true, Value: "2026-01-02T03:04:05.123456Z", ID: "00000000-0000-0000-0000-000000000000"}.String())
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		if _, ok := sortKey[c.Sort]; !ok || strings.ContainsRune(c.Value, 0) {
			t.Fatalf("parseCursor(%q) = %+v", s, c)
		}
		if again, err := parseCursor(c.String()); err != nil || again != c {
			t.Fatalf("cursor %+v does not survive a round trip: %+v, %v", c, again, err)
		}
	})
}

// TestPageAtScale seeds 100,000 files for one user (and some of another's)
// and checks that the first page and one deep in the list, in every
// order, are read through an index: EXPLAIN shows no Seq Scan on files.
// It logs how long each page took; timings are never asserted.
func TestPageAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 files")
	}
	ctx := context.Background()
	db := dbtest.Tx(t)
	alice, bob := insertUser(t, db, "alice@example.com"), insertUser(t, db, "bob@example.com")
	start := time.Now()
	_, err := db.Exec(ctx, `
		INSERT INTO files (owner_id, name, size, sha256, content_type, blob_key, created_at)
		SELECT CASE WHEN i % 10 = 0 THEN $2::uuid ELSE $1::uuid END,
		       'folder-' || (i % 97) || '/file-' || i || '.txt', (i * 7919) % 1000003, decode(repeat('00', 32), 'hex'),
		       'text/plain', 'files/seed-' || i, now() - i * interval '1 second'
		FROM generate_series(1, 111111) AS i`, alice, bob)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE files`); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded 111,111 files (100,000 alice's) in %v", time.Since(start).Round(time.Millisecond))
	for _, sort := range []Sort{ByCreated, ByName, BySize} {
		for _, search := range []string{"", "file-4242"} {
			l := Listing{Sort: sort, Desc: sort == ByCreated, Limit: 50, Search: search}
			began := time.Now()
			first, err := PageOf(ctx, db, alice, l)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("PageOf first page by %s (q=%q): %v round trip", sort, search, time.Since(began).Round(time.Microsecond))
			// A cursor deep in the list: the row 90,000 rows in.
			deep := first
			if search == "" {
				sql, args := pageSQL(alice, Listing{Sort: sort, Desc: l.Desc, Limit: 0}, nil) // LIMIT 1
				rows, err := db.Query(ctx, sql+" OFFSET 89999", args...)                      // OFFSET only to find a deep row for the test
				if err != nil {
					t.Fatal(err)
				}
				var key, id string
				for rows.Next() {
					f, err := Scan(rows, &key)
					if err != nil {
						t.Fatal(err)
					}
					id = f.ID
				}
				rows.Close()
				if id == "" {
					t.Fatal("no row 90,000 rows in")
				}
				l.Cursor = cursor{Sort: sort, Desc: l.Desc, Value: key, ID: id}.String()
				began = time.Now()
				if deep, err = PageOf(ctx, db, alice, l); err != nil || len(deep.Files) != 50 {
					t.Fatalf("deep page: %d files, %v", len(deep.Files), err)
				}
				t.Logf("PageOf page 90,000 rows in by %s: %v round trip", sort, time.Since(began).Round(time.Microsecond))
			}
			for _, p := range []struct {
				name string
				l    Listing
			}{{"first", Listing{Sort: sort, Desc: l.Desc, Limit: 50, Search: search}}, {"deep", l}} {
				if p.name == "deep" && search != "" {
					continue
				}
				var at *cursor
				if p.l.Cursor != "" {
					c, _ := parseCursor(p.l.Cursor)
					at = &c
				}
				sql, args := pageSQL(alice, p.l, at)
				plan := explain(t, db, sql, args)
				if strings.Contains(plan, "Seq Scan on files") {
					t.Errorf("%s page by %s (q=%q) scans the table:\n%s", p.name, sort, search, plan)
				}
				t.Logf("%s page by %s (q=%q): %s", p.name, sort, search, lastLine(plan))
			}
		}
	}
}

// explain runs EXPLAIN ANALYZE of sql and returns its plan.
func explain(t *testing.T, db DB, sql string, args []any) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "EXPLAIN (ANALYZE, COSTS OFF) "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestUniqueInShare: files joined to a share whose other files have their
// paths are renamed, and each other; files of other shares do not count.
func TestUniqueInShare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Tx(t)
	alice := insertUser(t, db, "alice@example.com")
	newShare := func(token string) string {
		var id string
		if err := db.QueryRow(ctx, `INSERT INTO shares (owner_id, token, expires_at) VALUES ($1, $2, now() + interval '1 day') RETURNING id`, alice, token).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	add := func(share, name string, pos int) File {
		f, err := Insert(ctx, db, alice, name, received(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO share_files (share_id, file_id, position) VALUES ($1, $2, $3)`, share, f.ID, pos); err != nil {
			t.Fatal(err)
		}
		return f
	}
	one, other := newShare("tok-one"), newShare("tok-other")
	add(one, "d/a.txt", 1)
	add(other, "d/b.txt", 1)
	j1, j2, j3 := add(one, "d/a.txt", 2), add(one, "d/a.txt", 3), add(one, "d/b.txt", 4)
	renamed, err := UniqueInShare(ctx, db, one, []string{j1.ID, j2.ID, j3.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{j1.ID: "d/a (2).txt", j2.ID: "d/a (3).txt"}
	if len(renamed) != len(want) || renamed[j1.ID] != want[j1.ID] || renamed[j2.ID] != want[j2.ID] {
		t.Errorf("renamed %v, want %v (d/b.txt is free in this share)", renamed, want)
	}
	for id, name := range want {
		if f, err := Get(ctx, db, alice, id); err != nil || f.Name != name {
			t.Errorf("file %s is %q, %v; want %q", id, f.Name, err, name)
		}
	}
}
