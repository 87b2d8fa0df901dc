package devstack

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// FindPostgresBin finds the folder that holds initdb and postgres: the one
// pg_config names, else the newest /usr/lib/postgresql/*/bin (Debian and
// Ubuntu keep the server off PATH), else wherever initdb is on PATH.
func FindPostgresBin() (string, error) {
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		out, err := exec.Command(pgConfig, "--bindir").Output()
		if dir := strings.TrimSpace(string(out)); err == nil && hasServer(dir) {
			return dir, nil
		}
	}
	if dir := newestDebianBin(); dir != "" {
		return dir, nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil && hasServer(filepath.Dir(initdb)) {
		return filepath.Dir(initdb), nil
	}
	return "", errors.New("no Postgres server binaries: looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH; install them (apt-get install postgresql) or set DATABASE_URL")
}

func newestDebianBin() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) > versionOf(found[j]) })
	for _, dir := range found {
		if hasServer(dir) {
			return dir
		}
	}
	return ""
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// versionOf reads 15 from /usr/lib/postgresql/15/bin; 9.6 sorts as 9.
func versionOf(binDir string) int {
	major, _, _ := strings.Cut(filepath.Base(filepath.Dir(binDir)), ".")
	v, _ := strconv.Atoi(major)
	return v
}
