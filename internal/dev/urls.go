package dev

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// URLsFile is where dev records the URLs of the services it runs, in its
// state folder, so that one-off commands run in the same folder find them.
const URLsFile = "urls.json"

// stackVars are the settings dev records: what a one-off command needs to
// reach the stack.
var stackVars = []string{"DATABASE_URL", "REDIS_URL", "BLOB_URL", "PUBLIC_URL"}

// writeURLs records env's service URLs in dir/urls.json, readable by this
// user only (the URLs may hold passwords).
func writeURLs(dir string, env map[string]string) error {
	urls := map[string]string{}
	for _, k := range stackVars {
		if env[k] != "" {
			urls[k] = env[k]
		}
	}
	b, err := json.MarshalIndent(urls, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", URLsFile, err)
	}
	path := filepath.Join(dir, URLsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("record the service URLs: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // whatever the umask or an older file
		return fmt.Errorf("record the service URLs: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("record the service URLs: %w", err)
	}
	return nil
}

// StackEnviron is environ with the URLs a `ferry dev` in folder dir
// recorded, for the settings environ leaves unset; it also returns the
// names it filled. Outside a dev folder, and with APP_ENV=production, it
// is environ unchanged: a production one-off never reads a file.
func StackEnviron(dir string, environ []string) ([]string, []string, error) {
	env := toMap(environ)
	if strings.EqualFold(env["APP_ENV"], "production") {
		return environ, nil, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, URLsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return environ, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", URLsFile, err)
	}
	var urls map[string]string
	if err := json.Unmarshal(b, &urls); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", filepath.Join(dir, URLsFile), err)
	}
	out := slices.Clone(environ)
	var used []string
	for _, k := range stackVars {
		if env[k] == "" && urls[k] != "" {
			out = append(out, k+"="+urls[k])
			used = append(used, k)
		}
	}
	return out, used, nil
}
