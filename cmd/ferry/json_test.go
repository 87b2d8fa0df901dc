package main

import (
	"encoding/json"
	"testing"
	"time"
)

// fileBody is the part of the API's file JSON the tests read.
type fileBody struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	ThumbnailURL string    `json:"thumbnail_url"`
	Share        shareBody `json:"share"`
}

// shareBody is the part of a file's share the tests read.
type shareBody struct {
	URL         string `json:"url"`
	DownloadURL string `json:"download_url"`
}

// errorBody is the body of every API failure.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// readyBody is what /ready and /health answer.
type readyBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// logLine is the part of a JSON log line the tests read; Time is a
// pointer so a line without one shows.
type logLine struct {
	Time    *time.Time `json:"time"`
	Level   string     `json:"level"`
	Msg     string     `json:"msg"`
	TraceID string     `json:"trace_id"`
	SpanID  string     `json:"span_id"`
}

// decode unmarshals a response body into T, failing the test with the
// body when it does not fit.
func decode[T any](t *testing.T, what string, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v in %s", what, err, body)
	}
	return v
}
