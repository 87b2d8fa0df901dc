package devstack

import (
	"fmt"
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
	return nil, fmt.Errorf("running as root, and there is no postgres or nobody user to run Postgres as")
}

// procAttr runs a child as this account. A server child gets its own
// process group, so a terminal's Ctrl-C reaches us first and we stop it in
// order, and dies with us if we are killed (Pdeathsig fires when the
// thread that started it ends, which for Go's long-lived threads is when
// the process does).
func (a *account) procAttr(server bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if a.switched {
		attr.Credential = &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
	}
	if server {
		attr.Setpgid = true
		attr.Pdeathsig = syscall.SIGINT
	}
	return attr
}

// mkdirOwned makes dir (0700, as Postgres demands) owned by the account,
// and its missing parents world-traversable.
func mkdirOwned(dir string, a *account) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if a.switched {
		if err := os.Chown(dir, a.uid, a.gid); err != nil {
			return fmt.Errorf("hand %s to user %s: %w", dir, a.name, err)
		}
	}
	return nil
}

// canReach checks the account may pass through every parent of dir.
func (a *account) canReach(dir string) error {
	if !a.switched {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("postgres runs as user %s, which cannot enter %s: make it world-executable (chmod o+x) or set DATABASE_URL", a.name, p)
		}
		if p == "/" {
			return nil
		}
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
