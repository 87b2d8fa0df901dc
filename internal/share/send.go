package share

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Limits of one sending of a link by mail.
const (
	// MaxRecipients is the most addresses one sending names.
	MaxRecipients = 10
	// MaxSendMessage is the most characters of the sender's message.
	MaxSendMessage = 1000
)

// Send is a link to be mailed: the addresses, checked and distinct, and
// the owner's message, which may be empty.
type Send struct {
	To      []string
	Message string
}

// ParseSend checks what an owner asks to mail: one to MaxRecipients bare
// addresses ("a@b.example", not "Name <a@b.example>"), each once whatever
// its case, and a message of at most MaxSendMessage characters of valid
// UTF-8. A refusal is a *FieldError naming the field.
func ParseSend(to []string, message string) (Send, error) {
	if len(to) == 0 {
		return Send{}, &FieldError{"to", "list at least one address"}
	}
	if len(to) > MaxRecipients {
		return Send{}, &FieldError{"to", "may list at most 10 addresses"}
	}
	out := Send{To: make([]string, 0, len(to))}
	seen := map[string]bool{}
	for _, a := range to {
		a = strings.TrimSpace(a)
		p, err := mail.ParseAddress(a)
		if err != nil || p.Name != "" || p.Address != a || len(a) > 254 || strings.ContainsAny(a, "\r\n") {
			return Send{}, &FieldError{"to", "must be bare email addresses such as ann@example.com"}
		}
		key := strings.ToLower(a)
		if seen[key] {
			return Send{}, &FieldError{"to", "lists " + a + " twice"}
		}
		seen[key] = true
		out.To = append(out.To, a)
	}
	message = strings.TrimSpace(message)
	if !utf8.ValidString(message) {
		return Send{}, &FieldError{"message", "must be UTF-8 text"}
	}
	if utf8.RuneCountInString(message) > MaxSendMessage {
		return Send{}, &FieldError{"message", "may be at most 1000 characters"}
	}
	out.Message = message
	return out, nil
}
