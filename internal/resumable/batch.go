package resumable

import "github.com/ferryhq/ferry/internal/share"

// Batch ids: several tus uploads that carry the same "batch" in their
// Upload-Metadata end under one share (see sharing.Stored.Batch). The id
// is the client's, chosen at random for each set of files it sends
// together; it is scoped to the owner, so another user's equal id never
// joins their uploads.
const (
	minBatch = 16
	maxBatch = 64
)

var errBadBatch = &share.FieldError{Field: "batch", Message: "must be 16 to 64 letters, digits, _ or -"}

// ParseBatch reads a batch id from tus metadata: "" when there is none,
// else 16 to 64 characters of A-Z, a-z, 0-9, _ and -.
func ParseBatch(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) < minBatch || len(v) > maxBatch {
		return "", errBadBatch
	}
	for i := range len(v) {
		if !batchByte(v[i]) {
			return "", errBadBatch
		}
	}
	return v, nil
}

func batchByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
