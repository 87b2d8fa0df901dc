package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferryhq/ferry/internal/logging"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestListAndEach(t *testing.T) {
	t.Parallel()
	db := dbtest.Pool(t)
	ctx := WithClient(logging.WithRequest(context.Background(), &logging.Request{ID: "req-1"}), "192.0.2.1")
	alice, bob := "3f1c2a4e-8b9d-4c3e-a1b2-0123456789ab", "4f1c2a4e-8b9d-4c3e-a1b2-0123456789ab"
	for i, e := range []Event{
		{ActorID: alice, Type: "login"},
		{Type: "login_failed", Details: map[string]any{"email_sha256": "ab"}},
		{ActorID: bob, Type: "login"},
		{ActorID: alice, Type: FileUploaded, SubjectID: "f1", Details: map[string]any{"size": 5}},
		{ActorID: alice, Type: "login", Client: "198.51.100.0/24"},
	} {
		if err := Record(ctx, db, e); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	types := func(p Page) string {
		var s []string
		for _, e := range p.Events {
			s = append(s, e.Type)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want string
		more bool
	}{
		{"all, newest first", Filter{}, "login,file_uploaded,login,login_failed,login", false},
		{"one actor", Filter{Actor: alice}, "login,file_uploaded,login", false},
		{"one type", Filter{Type: "login"}, "login,login,login", false},
		{"both", Filter{Actor: bob, Type: "login"}, "login", false},
		{"a page", Filter{Limit: 2}, "login,file_uploaded", true},
		{"nobody's", Filter{Actor: "5f1c2a4e-8b9d-4c3e-a1b2-0123456789ab"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := List(context.Background(), db, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := types(p); got != tc.want || (p.Next != "") != tc.more {
				t.Errorf("%s (next %q), want %s (more %v)", got, p.Next, tc.want, tc.more)
			}
		})
	}
	first, _ := List(context.Background(), db, Filter{Limit: 2})
	second, err := List(context.Background(), db, Filter{Limit: 2, Before: first.Next})
	if err != nil || types(second) != "login,login_failed" {
		t.Errorf("second page %s, %v", types(second), err)
	}
	if e := second.Events[1]; e.ActorID != "" || e.Client != "192.0.2.1" || e.RequestID != "req-1" || e.Details["email_sha256"] != "ab" {
		t.Errorf("event read back as %+v", e)
	}
	for _, bad := range []string{"x", "-1", "0"} {
		if _, err := List(context.Background(), db, Filter{Before: bad}); err != ErrBadCursor {
			t.Errorf("before=%s: %v", bad, err)
		}
	}

	var seen []string
	err = Each(context.Background(), db, time.Now().Add(-time.Hour), "login", func(e Event) error {
		seen = append(seen, e.ActorID+" "+e.Client)
		return nil
	})
	if err != nil || len(seen) != 3 || seen[2] != alice+" 198.51.100.0/24" {
		t.Errorf("Each: %v, %v", seen, err)
	}
	n, err := Purge(context.Background(), db, time.Now().Add(time.Minute))
	if err != nil || n != 5 {
		t.Errorf("Purge: %d, %v", n, err)
	}
}
