// Package transfer holds what the command-line clients (ferry send and
// ferry get) share: an HTTP client fit for long transfers, and the
// folder where they remember unfinished ones.
package transfer

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// HTTPClient returns hc, or without one a client with no overall timeout
// (a big file over a slow link takes as long as it takes) that cuts off a
// server which never answers.
func HTTPClient(hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 2 * time.Minute
	return &http.Client{Transport: t}
}

// StateDir returns dir, or without one the folder kind (uploads,
// downloads) under the user's cache folder.
func StateDir(dir, kind string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no folder to remember %s in: %w", kind, err)
	}
	return filepath.Join(cache, "ferry", kind), nil
}
