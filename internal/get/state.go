package get

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
)

// stateDir remembers, for each .part file, the ETag of the version its
// bytes are from, so that a later run resumes it only with that version
// (If-Range): one small file per .part, keyed by its absolute path.
type stateDir string

type saved struct {
	ETag string `json:"etag"`
	Part string `json:"part"` // for whoever looks into the folder
}

func (d stateDir) file(part string) string {
	abs, err := filepath.Abs(part)
	if err != nil {
		abs = part
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(string(d), hex.EncodeToString(sum[:16])+".json")
}

// load is the ETag saved for part; "" when none.
func (d stateDir) load(part string) string {
	b, err := os.ReadFile(d.file(part))
	if err != nil {
		return ""
	}
	var s saved
	if json.Unmarshal(b, &s) != nil {
		return ""
	}
	return s.ETag
}

// save remembers part's ETag, through a rename so a run killed while
// saving leaves the old state or the new.
func (d stateDir) save(part, etag string) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	abs, _ := filepath.Abs(part)
	b, _ := json.Marshal(saved{ETag: etag, Part: abs})
	tmp := d.file(part) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.file(part))
}

// drop forgets part; a state left behind only costs a look next time.
func (d stateDir) drop(part string) { _ = os.Remove(d.file(part)) }
