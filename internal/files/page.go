package files

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/filename"
	"github.com/ferryhq/ferry/internal/ids"
)

// Sort orders a page of files (files_owner_*_idx in 00012).
type Sort string

// The orders Page knows.
const (
	ByCreated Sort = "created"
	ByName    Sort = "name" // case-insensitively
	BySize    Sort = "size"
)

// MaxPage bounds a page; MaxSearch bounds a search string in bytes.
const (
	MaxPage   = 200
	MaxSearch = 255
)

var (
	// ErrBadCursor reports a cursor Page did not make, or one made for
	// another order.
	ErrBadCursor = errors.New("cursor is not one this listing gave, or was made for another sort or order")
	// ErrBadListing reports an unknown sort or order, a limit outside 1 to
	// MaxPage or a search longer than MaxSearch.
	ErrBadListing = errors.New("sort must be name, size or created, order asc or desc, limit 1 to 200 and q at most 255 bytes")
)

// Listing asks for one page of an owner's files.
type Listing struct {
	Search string // part of a name, any case; "" for all
	Sort   Sort
	Desc   bool
	Limit  int
	Cursor string // "" for the first page, else a Page's Next or Prev
}

// Page is one page of files and the cursors of its neighbours ("" when
// there is none).
type Page struct {
	Files      []File
	Next, Prev string
}

// cursor is where a page starts: the sort key and id of the row before
// it in the direction of travel. Back means travelling towards the start.
type cursor struct {
	Sort  Sort   `json:"s"`
	Desc  bool   `json:"d,omitempty"`
	Back  bool   `json:"b,omitempty"`
	Value string `json:"v"`
	ID    string `json:"i"`
}

// sortKey is, for each sort, the SQL of its key (as the indexes of 00012
// hold it), that key as the text a cursor keeps, and the type that text is
// cast back to.
var sortKey = map[Sort][3]string{
	ByCreated: {"f.created_at", `to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, "timestamptz"},
	ByName:    {"lower(f.name)", "lower(f.name)", "text"},
	BySize:    {"f.size", "f.size::text", "bigint"},
}

// Check reports ErrBadListing for a listing Page would refuse.
func (l Listing) Check() error {
	if _, ok := sortKey[l.Sort]; !ok || l.Limit < 1 || l.Limit > MaxPage || len(l.Search) > MaxSearch {
		return ErrBadListing
	}
	return nil
}

// PageOf returns one page of ownerID's files in l's order, by keyset (the
// row after the cursor's, never an OFFSET), so a page deep in a long list
// is found through the index as fast as the first.
func PageOf(ctx context.Context, db DB, ownerID string, l Listing) (Page, error) {
	if err := l.Check(); err != nil {
		return Page{}, err
	}
	var at *cursor
	if l.Cursor != "" {
		c, err := parseCursor(l.Cursor)
		if err != nil || c.Sort != l.Sort || c.Desc != l.Desc {
			return Page{}, ErrBadCursor
		}
		at = &c
	}
	sql, args := pageSQL(ownerID, l, at)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, fmt.Errorf("page of files: %w", err)
	}
	type keyed struct {
		File
		key string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (keyed, error) {
		var k keyed
		var err error
		k.File, err = Scan(r, &k.key)
		return k, err
	})
	if err != nil {
		return Page{}, fmt.Errorf("page of files: %w", err)
	}
	back := at != nil && at.Back
	more := len(list) > l.Limit
	list = list[:min(len(list), l.Limit)]
	if back {
		slices.Reverse(list)
	}
	var p Page
	for _, k := range list {
		p.Files = append(p.Files, k.File)
	}
	if len(list) == 0 {
		return p, nil
	}
	first, last := list[0], list[len(list)-1]
	if (!back && more) || back { // travelling back, the page we came from lies ahead
		p.Next = cursor{Sort: l.Sort, Desc: l.Desc, Value: last.key, ID: last.ID}.String()
	}
	if (back && more) || (!back && at != nil) {
		p.Prev = cursor{Sort: l.Sort, Desc: l.Desc, Back: true, Value: first.key, ID: first.ID}.String()
	}
	return p, nil
}

// pageSQL is PageOf's statement: the owner's files past the cursor, in
// the direction of travel, one more than the limit to tell whether more
// follow. Its key column comes after Columns, as text.
func pageSQL(ownerID string, l Listing, at *cursor) (string, []any) {
	key := sortKey[l.Sort]
	desc := l.Desc != (at != nil && at.Back)
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	args := []any{ownerID}
	var b strings.Builder
	b.WriteString(`SELECT ` + Columns + `, ` + key[1] + ` FROM files f WHERE f.owner_id = $1`)
	if l.Search != "" {
		args = append(args, "%"+likeEscape(strings.ToLower(l.Search))+"%")
		fmt.Fprintf(&b, ` AND lower(f.name) LIKE $%d`, len(args))
	}
	if at != nil {
		args = append(args, at.Value, at.ID)
		fmt.Fprintf(&b, ` AND (%s, f.id) %s ($%d::%s, $%d::uuid)`, key[0], cmp, len(args)-1, key[2], len(args))
	}
	args = append(args, l.Limit+1)
	fmt.Fprintf(&b, ` ORDER BY %s %s, f.id %s LIMIT $%d`, key[0], dir, dir, len(args))
	return b.String(), args
}

// likeEscape makes s match itself in a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// String is the cursor as clients hold it: opaque, URL-safe.
func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseCursor reads a cursor a client sent back, refusing anything String
// could not have made.
func parseCursor(s string) (cursor, error) {
	if len(s) > 1024 {
		return cursor{}, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || !ids.Valid(c.ID) {
		return cursor{}, ErrBadCursor
	}
	switch c.Sort {
	case ByCreated:
		_, err = time.Parse(time.RFC3339Nano, c.Value)
	case BySize:
		_, err = strconv.ParseInt(c.Value, 10, 64)
	case ByName:
		if len(c.Value) > 4*filename.MaxPathBytes || strings.ContainsRune(c.Value, 0) {
			err = ErrBadCursor
		}
	default:
		err = ErrBadCursor
	}
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	return c, nil
}
