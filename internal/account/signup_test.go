package account

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

// queued records the sign-up mails Register asks for, in the order of the
// transactions that commit them: a row written in tx by the queue is
// rolled back with it, as a River job is.
type queued struct {
	mu   sync.Mutex
	mail []SignupMail
}

func (q *queued) QueueSignupMail(ctx context.Context, tx pgx.Tx, m SignupMail) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.mail = append(q.mail, m)
	return nil
}

func (q *queued) last(t *testing.T) SignupMail {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.mail) == 0 {
		t.Fatal("no mail queued")
	}
	return q.mail[len(q.mail)-1]
}

func TestRegisterAndConfirm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Pool(t)
	q := &queued{}
	s := &Service{DB: db, Params: fast, Mails: q}
	known, err := CreateUserWithParams(ctx, db, "known@example.com", "long enough pw", fast)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("known address: a notice, no sign-up", func(t *testing.T) {
		if err := s.Register(ctx, "KNOWN@example.com", "another password"); err != nil {
			t.Fatal(err)
		}
		if m := q.last(t); m.UserID != known.ID || m.SignupID != "" || m.Address != addressKey("known@example.com") {
			t.Errorf("queued %+v, want the notice to %s keyed by its address", m, known.ID)
		}
		if _, err := s.SignIn(ctx, "known@example.com", "long enough pw"); err != nil {
			t.Errorf("the known password stopped working: %v", err)
		}
	})

	t.Run("bad input is refused before anything is kept", func(t *testing.T) {
		for _, tc := range []struct {
			email, password string
			want            error
		}{
			{"not an address", "long enough pw", ErrInvalidEmail},
			{"new@example.com", "short", ErrWeakPassword},
		} {
			if err := s.Register(ctx, tc.email, tc.password); !errors.Is(err, tc.want) {
				t.Errorf("Register(%q) = %v, want %v", tc.email, err, tc.want)
			}
		}
	})

	t.Run("new address: no account until the link is used, once", func(t *testing.T) {
		if err := s.Register(ctx, "new@example.com", "attacker password"); err != nil {
			t.Fatal(err)
		}
		first := q.last(t)
		if err := s.Register(ctx, "new@example.com", "owner password!"); err != nil {
			t.Fatal(err)
		}
		second := q.last(t)
		if first.SignupID == "" || second.SignupID == first.SignupID {
			t.Fatalf("sign-ups %+v and %+v: want two pending ones", first, second)
		}
		if first.Address == "" || first.Address != second.Address {
			t.Errorf("sign-ups of one address keyed %q and %q: want one key, for the queue's one mail a while", first.Address, second.Address)
		}
		if _, err := s.SignIn(ctx, "new@example.com", "owner password!"); !errors.Is(err, ErrNotFound) {
			t.Errorf("sign-in before confirming: %v, want not found", err)
		}
		email, token, err := IssueSignupToken(ctx, db, second.SignupID)
		if err != nil || email != "new@example.com" {
			t.Fatalf("IssueSignupToken = %q, %v", email, err)
		}
		for _, bad := range []string{"", "x", token[:len(token)-1], token + "A"} {
			if _, err := s.ConfirmSignup(ctx, bad, "owner password!"); !errors.Is(err, ErrBadSignupToken) {
				t.Errorf("ConfirmSignup(%q) = %v, want ErrBadSignupToken", bad, err)
			}
		}
		// The link alone is not enough: with another sign-up's password,
		// or none, it makes nothing and keeps working.
		for _, wrong := range []string{"attacker password", "", "owner password"} {
			if _, err := s.ConfirmSignup(ctx, token, wrong); !errors.Is(err, ErrSignupPassword) {
				t.Errorf("ConfirmSignup with %q = %v, want ErrSignupPassword", wrong, err)
			}
		}
		u, err := s.ConfirmSignup(ctx, token, "owner password!")
		if err != nil || u.Email != "new@example.com" {
			t.Fatalf("ConfirmSignup = %+v, %v", u, err)
		}
		if _, err := s.ConfirmSignup(ctx, token, "owner password!"); !errors.Is(err, ErrBadSignupToken) {
			t.Errorf("second use of the link: %v, want ErrBadSignupToken", err)
		}
		if _, err := s.SignIn(ctx, "new@example.com", "owner password!"); err != nil {
			t.Errorf("sign-in with the confirmed sign-up's password: %v", err)
		}
		if _, err := s.SignIn(ctx, "new@example.com", "attacker password"); err == nil {
			t.Error("the other pending sign-up's password signs in")
		}
		if _, _, err := IssueSignupToken(ctx, db, first.SignupID); !errors.Is(err, ErrNotFound) {
			t.Errorf("the other pending sign-up outlived the account: %v", err)
		}
	})

	t.Run("an expired link and the purge", func(t *testing.T) {
		if err := s.Register(ctx, "late@example.com", "long enough pw"); err != nil {
			t.Fatal(err)
		}
		id := q.last(t).SignupID
		_, token, err := IssueSignupToken(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "UPDATE signups SET expires_at = now() - interval '1 second' WHERE id = $1", id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConfirmSignup(ctx, token, "long enough pw"); !errors.Is(err, ErrBadSignupToken) {
			t.Errorf("expired link: %v, want ErrBadSignupToken", err)
		}
		if n, err := PurgeSignups(ctx, db); err != nil || n != 1 {
			t.Errorf("PurgeSignups = %d, %v; want 1", n, err)
		}
	})
}
