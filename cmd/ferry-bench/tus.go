package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// tusChunk is the PATCH size of the tus row: under a Cloudflare-style
// 100 MB body limit, as the issue asks.
const tusChunk = 50 << 20

// tusPut uploads size bytes of the stream through /api/v1/uploads in
// tusChunk PATCHes, one after another as a tus client sends them, timed
// from the POST until the upload's file and share can be read.
func (b *bench) tusPut(ctx context.Context, client *http.Client, name string, size int64) (uploaded, transfer, error) {
	start := time.Now()
	loc, err := b.tusCreate(ctx, client, name, size)
	if err != nil {
		return uploaded{}, transfer{}, err
	}
	body := newStream(size)
	for off := int64(0); off < size; {
		n := min(tusChunk, size-off)
		if off, err = b.tusPatch(ctx, client, loc, off, io.LimitReader(body, n), n); err != nil {
			return uploaded{}, transfer{}, err
		}
	}
	sent := time.Since(start)
	up, err := b.tusFile(ctx, client, loc)
	if err != nil {
		return uploaded{}, transfer{}, err
	}
	if up.Size != size {
		return up, transfer{}, fmt.Errorf("tus: stored %d bytes of %d", up.Size, size)
	}
	return up, transfer{bytes: size, elapsed: time.Since(start), sent: sent}, nil
}

// tusRequest is a request of the tus protocol with the bench's token.
func (b *bench) tusRequest(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err == nil {
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+b.stack.token)
	}
	return req, err
}

// tusCreate starts the upload and returns its absolute URL.
func (b *bench) tusCreate(ctx context.Context, client *http.Client, name string, size int64) (string, error) {
	req, err := b.tusRequest(ctx, http.MethodPost, b.stack.webURL+"/api/v1/uploads", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(name)))
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("tus POST: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", statusError("tus POST", resp)
	}
	base, _ := url.Parse(b.stack.webURL)
	loc, err := base.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", fmt.Errorf("tus POST: Location %q: %w", resp.Header.Get("Location"), err)
	}
	return loc.String(), nil
}

// tusPatch sends n bytes at off and returns the server's new offset.
func (b *bench) tusPatch(ctx context.Context, client *http.Client, loc string, off int64, body io.Reader, n int64) (int64, error) {
	req, err := b.tusRequest(ctx, http.MethodPatch, loc, body)
	if err != nil {
		return off, err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	resp, err := client.Do(req)
	if err != nil {
		return off, fmt.Errorf("tus PATCH at %d: %w", off, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return off, statusError(fmt.Sprintf("tus PATCH at %d", off), resp)
	}
	next, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || next != off+n {
		return off, fmt.Errorf("tus PATCH at %d: Upload-Offset %q, want %d", off, resp.Header.Get("Upload-Offset"), off+n)
	}
	return next, nil
}

// tusFile reads the file the finished upload became.
func (b *bench) tusFile(ctx context.Context, client *http.Client, loc string) (uploaded, error) {
	req, err := b.tusRequest(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return uploaded{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return uploaded{}, fmt.Errorf("tus status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return uploaded{}, statusError("tus status", resp)
	}
	var st struct {
		File *uploaded `json:"file"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.File == nil {
		return uploaded{}, fmt.Errorf("tus status: no file in the answer (%v)", err)
	}
	return *st.File, nil
}

// measureTus uploads the big object through tus, watching the web
// process's memory, and checks it hashed as the single PUT did.
func (b *bench) measureTus(ctx context.Context, r *results) error {
	client := streamingClient()
	defer client.CloseIdleConnections()
	b.logf("through Ferry: tus upload of %s in %d MiB PATCHes", b.opts.size, tusChunk>>20)
	var up uploaded
	cpu := b.watchCPU()
	var err error
	r.tusMemory, err = whileSampling(b.stack.web.pid(), func() (err error) {
		up, r.tusPut, err = b.tusPut(ctx, client, "big-tus.bin", int64(b.opts.size))
		return err
	})
	r.tusCPU = cpu.used()
	b.logf("  %v", cpu)
	if err != nil {
		return err
	}
	if up.SHA256 != r.directGet.sha256 {
		return fmt.Errorf("tus: sha256 %s, but the bytes sent hash to %s", up.SHA256, r.directGet.sha256)
	}
	return nil
}
