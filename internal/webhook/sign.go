package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// SecretPrefix starts the secret a user is shown, as Standard Webhooks
// libraries expect: the rest is the key in standard base64.
const SecretPrefix = "whsec_"

// secretSize is the key's length in bytes.
const secretSize = 32

// newKey makes a random signing key.
func newKey() ([]byte, error) {
	key := make([]byte, secretSize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	return key, nil
}

// Secret is the whsec_ form of key, the one a user copies.
func Secret(key []byte) string { return SecretPrefix + base64.StdEncoding.EncodeToString(key) }

// NewMessageID makes a webhook-id: "msg_" and 128 random bits. Every
// attempt of one event sends the same one, so a receiver can drop
// duplicates.
func NewMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "msg_" + base64.RawURLEncoding.EncodeToString(b)
}

// Headers are the three Standard Webhooks headers of one attempt.
type Headers struct {
	ID, Timestamp, Signature string
}

// Sign signs body for one attempt at time at: the signature is
// v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed with key.
func Sign(key []byte, id string, at time.Time, body []byte) Headers {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return Headers{ID: id, Timestamp: ts, Signature: "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))}
}
