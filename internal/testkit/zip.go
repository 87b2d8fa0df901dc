package testkit

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// ZipEntries reads a zip held in body into its entries' names and
// contents, failing t if it is not a zip.
func ZipEntries(t testing.TB, body []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("zip entry %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("zip entry %s: %v", f.Name, err)
		}
		got[f.Name] = string(b)
	}
	return got
}
