package send

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strconv"
)

// stateDir holds one small file per unfinished upload: its URL on the
// server, so that a later run resumes it. A file that changed (another
// size or modification time) is another key, so it starts again instead
// of splicing new bytes onto old ones.
type stateDir string

// key names the state of one version of one file on one server.
func (d stateDir) key(server string, f local) string {
	h := sha256.New()
	for _, part := range []string{server, f.path, strconv.FormatInt(f.size, 10), strconv.FormatInt(f.mtime.UnixNano(), 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// saved is a state file's content; the path is there for whoever looks
// into the folder.
type saved struct {
	URL  string `json:"url"`
	Path string `json:"path"`
}

func (d stateDir) file(key string) string { return filepath.Join(string(d), key+".json") }

// load returns the upload URL a past run kept for key.
func (d stateDir) load(key string) (string, bool) {
	b, err := os.ReadFile(d.file(key))
	if err != nil {
		return "", false
	}
	var s saved
	if json.Unmarshal(b, &s) != nil || s.URL == "" {
		return "", false
	}
	return s.URL, true
}

// save keeps the upload URL for key. The folder and file are the user's
// alone: the URL with the user's token continues the upload.
func (d stateDir) save(key, url, path string) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(saved{URL: url, Path: path})
	tmp := d.file(key) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	// A rename, so a run killed while saving leaves the old state or the
	// new, never half a file.
	if err := os.Rename(tmp, d.file(key)); err != nil {
		return fmt.Errorf("save upload state: %w", err)
	}
	return nil
}

// drop forgets key's upload; one never saved counts as forgotten.
func (d stateDir) drop(key string) {
	if err := os.Remove(d.file(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return // a stale state costs one HEAD next time, and is dropped then
	}
}

// typeOf is the file's media type from its extension, as a hint: the
// server sniffs the bytes and does not trust it.
func typeOf(path string) string { return mime.TypeByExtension(filepath.Ext(path)) }
