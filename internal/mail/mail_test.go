package mail

import (
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string
	}{
		{"smtp://mail.example.com", ""},
		{"smtp://user:s3cret@mail.example.com:2525", ""},
		{"smtps://user:s3cret@mail.example.com", ""},
		{"smtp://127.0.0.1:1025?insecure_skip_verify=true", ""},
		{"http://mail.example.com", "scheme"},
		{"smtp://user:s3cret@mail.example.com:99999", "port"},
		{"smtp://user:s3cret@:25", "valid"},
		{"::not a url s3cret", "valid"},
	}
	for _, tt := range tests {
		_, err := New(tt.url, "Ferry <ferry@example.com>")
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("New(%q) = %v, want error with %q", tt.url, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if _, err := New("smtp://mail.example.com", "not an address"); err == nil {
		t.Errorf("a bad MAIL_FROM was accepted")
	}
}
