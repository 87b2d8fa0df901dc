package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/backing"
	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

const fuzzBoundary = "ferryfuzzboundary"

// FuzzReceiveParts feeds arbitrary multipart bodies to the upload reader:
// it must never panic, every name it keeps must be a clean file name, and
// a body it refuses must leave no object behind once discarded.
func FuzzReceiveParts(f *testing.F) {
	for _, body := range []string{
		part("file", "a.txt", "alpha") + part("", "", "") + "--" + fuzzBoundary + "--\r\n",
		part("file", "../../etc/passwd", "x") + part("expires_in", "", "2h") + "--" + fuzzBoundary + "--\r\n",
		part("other", "b.bin", "y") + "--" + fuzzBoundary + "--\r\n",
		part("size", "", "5") + part("file", "a.txt", "alpha") + part("size", "", "3") + part("file", "b.txt", "bravo") + "--" + fuzzBoundary + "--\r\n",
		"--" + fuzzBoundary + "--\r\n",
		"garbage",
	} {
		f.Add([]byte(body))
	}
	svc, err := backing.Open(context.Background(), backing.URLs{Blob: "mem://"})
	if err != nil {
		f.Fatal(err)
	}
	svc.DB = dbtest.Pool(f) // uploads record their keys as pending
	sharer := services(svc, slog.New(slog.DiscardHandler), Settings{MaxUploadSize: 1 << 16})
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		mr := multipart.NewReader(bytes.NewReader(body), fuzzBoundary)
		batch, err := sharer.NewBatch(ctx, account.User{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = receiveParts(ctx, mr, batch)
		for _, name := range batch.Names() {
			if strings.ContainsAny(name, "/\\\x00") || name == "" {
				t.Fatalf("kept unsafe name %q", name)
			}
		}
		batch.Discard(ctx)
		if err != nil && objects(t, svc.Bucket) != 0 {
			t.Fatalf("a refused body left objects behind")
		}
	})
}

func part(field, file, content string) string {
	if field == "" {
		return ""
	}
	disp := `form-data; name="` + field + `"`
	if file != "" {
		disp += `; filename="` + file + `"`
	}
	return "--" + fuzzBoundary + "\r\nContent-Disposition: " + disp + "\r\n\r\n" + content + "\r\n"
}

func objects(t *testing.T, b *blob.Bucket) int {
	t.Helper()
	n := 0
	it := b.List(nil)
	for {
		if _, err := it.Next(context.Background()); err == io.EOF {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}
