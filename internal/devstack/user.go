package devstack

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the user a server runs as: ourselves, or when we are root an
// unprivileged user, since Postgres refuses to run as root.
type account struct {
	name     string
	uid, gid int
	switched bool
}

func serverUser() (*account, error) {
	if os.Geteuid() != 0 {
		return &account{name: "current user", uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &account{name: name, uid: uid, gid: gid, switched: true}, nil
	}
	return nil, errors.New("running as root, and there is no postgres or nobody user to run Postgres as")
}

// procAttr runs a child as this account. A server child also gets its own
// process group (see ChildAttr).
func (a *account) procAttr(server bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if server {
		attr = ChildAttr(syscall.SIGINT)
	}
	if a.switched {
		// Groups stay empty: the child has the primary group only, which
		// is what canReach assumes.
		attr.Credential = &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
	}
	return attr
}

// mkdirOwned makes dir (0700, as Postgres demands) owned by the account.
// Parents it has to create are made 0755 whatever the umask, so that the
// account can pass through them.
func mkdirOwned(dir string, a *account) error {
	if err := mkdirTraversable(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	if a.switched {
		if err := os.Chown(dir, a.uid, a.gid); err != nil {
			return fmt.Errorf("hand %s to user %s: %w", dir, a.name, err)
		}
	}
	return nil
}

// mkdirTraversable is os.MkdirAll with mode 0755 set on each folder it
// creates; folders that exist are left as they are.
func mkdirTraversable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirTraversable(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	return nil
}

// canReach checks the account may pass through every parent of dir, by
// the same owner, group, other rule the kernel applies.
func (a *account) canReach(dir string) error {
	if !a.switched {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		if !a.mayEnter(info) {
			return fmt.Errorf("postgres runs as user %s, which cannot reach %s: make it world-executable (chmod o+x %s) or set DATABASE_URL", a.name, p, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func (a *account) mayEnter(info fs.FileInfo) bool {
	perm := info.Mode().Perm()
	st, ok := info.Sys().(*syscall.Stat_t)
	switch {
	case !ok:
		return perm&0o001 != 0
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case int(st.Gid) == a.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
