package dev

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/goleak"
)

// TestMain doubles as a fake ferry binary: run with FERRY_FAKE_DIR set, the
// test binary plays the subcommand in its arguments, and dev's tests pass
// it as Options.Exe.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FERRY_FAKE_DIR"); dir != "" && len(os.Args) > 1 {
		os.Exit(fakeFerry(dir, os.Args[1:]))
	}
	goleak.VerifyTestMain(m)
}

// fakeFerry behaves as the real subcommands do, as far as dev can see:
// JSON lines on stdout, migrate touching the database, create-user reading
// the password from stdin and failing on a second call, and the process
// types running until SIGTERM, then exiting 0.
func fakeFerry(dir string, args []string) int {
	var err error
	switch args[0] {
	case "migrate":
		err = fakeMigrate()
	case "admin":
		err = fakeCreateUser(dir, args)
	case "web", "worker", "clock":
		err = fakeProcess(dir, args[0])
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferry: %v\n", err)
		return 1
	}
	return 0
}

func fakeMigrate() error {
	if os.Getenv("FAKE_MIGRATE_FAIL") != "" {
		return errors.New("migration 3: boom")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS fake_users (email text PRIMARY KEY)"); err != nil {
		return err
	}
	fmt.Println(`{"level":"INFO","msg":"migrated"}`)
	return nil
}

func fakeCreateUser(dir string, args []string) error {
	want := []string{"admin", "create-user", "--email", DevEmail, "--password-stdin"}
	if strings.Join(args, " ") != strings.Join(want, " ") {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	password, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var pgErr *pgconn.PgError
	if _, err := conn.Exec(ctx, "INSERT INTO fake_users VALUES ($1)", DevEmail); errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("user %s already exists", DevEmail)
	} else if err != nil {
		return err
	}
	fmt.Printf("created user %s\n", DevEmail)
	return os.WriteFile(filepath.Join(dir, "password"), []byte(strings.TrimSpace(password)), 0o600)
}

// seen is what a fake process type reports about itself.
type seen struct {
	Pid int
	Env map[string]string
}

func fakeProcess(dir, name string) error {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	env := map[string]string{}
	for _, k := range []string{"DATABASE_URL", "REDIS_URL", "BLOB_URL", "APP_ENV", "PORT", "PUBLIC_URL", "SIGNUP_ENABLED", "METRICS_PORT"} {
		env[k] = os.Getenv(k)
	}
	if err := writeJSON(filepath.Join(dir, name+".json"), seen{Pid: os.Getpid(), Env: env}); err != nil {
		return err
	}
	fmt.Printf(`{"level":"INFO","msg":"starting","process":%q}`+"\n", name)
	if os.Getenv("FAKE_EXIT") == name {
		return errors.New("cannot go on")
	}
	<-term
	fmt.Print(`{"level":"INFO","msg":"stopped"}`) // no newline: dev must still print it
	return nil
}

// writeJSON writes through a rename, so a reader never sees half a file.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
