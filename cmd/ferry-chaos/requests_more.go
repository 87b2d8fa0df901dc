package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// fileJSON is the part of Ferry's file JSON the load checks and keeps.
type fileJSON struct {
	ID     string `json:"id"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Share  struct {
		Token       string `json:"token"`
		DownloadURL string `json:"download_url"`
	} `json:"share"`
}

// keep registers f when its SHA-256 and size are what was sent, and
// finishes o with status; a mismatch is corrupt.
func (c *client) keep(o outcome, status int, f fileJSON, name, sum string, size int64) outcome {
	if f.SHA256 != sum || f.Size != size {
		return finish(o, status, false, nil, true)
	}
	c.uploads.add(storedFile{id: f.ID, name: name, downloadURL: f.Share.DownloadURL, shareToken: f.Share.Token, sha256: sum, size: size})
	o.fileID = f.ID
	return finish(o, status, false, nil, false)
}

// formUpload sends body (size bytes) as the one file part of a
// multipart POST /api/v1/files, streamed as it is made.
func (c *client) formUpload(ctx context.Context, base, name string, body io.Reader, size int64) outcome {
	o := outcome{op: opUploadForm, start: time.Now(), name: name}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	h := &hashingReader{r: body, h: newHash()}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(part, h)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/files", pr)
	if err != nil {
		return finish(o, 0, false, err, false)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return finish(o, 0, false, err, false)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return c.drainAnswer(o, resp)
	}
	var answer struct {
		Files []fileJSON `json:"files"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || len(answer.Files) != 1 {
		return finish(o, resp.StatusCode, false, fmt.Errorf("form answer: %d files, %v", len(answer.Files), err), false)
	}
	return c.keep(o, resp.StatusCode, answer.Files[0], name, h.sum(), size)
}

// tusUpload sends body (size bytes) as a tus upload: a creation, two
// PATCH chunks (one when size is 1), then GET of the upload's JSON for
// its file. The first step that fails gives the outcome its status; a
// whole success counts as 201, the status of the file's creation.
func (c *client) tusUpload(ctx context.Context, base, name string, body io.Reader, size int64) outcome {
	o := outcome{op: opUploadTus, start: time.Now(), name: name}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	h := &hashingReader{r: body, h: newHash()}
	create := c.tusRequest(ctx, http.MethodPost, base+"/api/v1/uploads", nil, 0)
	create.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	create.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(name)))
	canResend(create, nil, nil)
	loc, failed := c.tusStep(o, create, http.StatusCreated)
	if failed != nil {
		return *failed
	}
	where, err := url.Parse(base)
	if err == nil {
		where, err = where.Parse(loc)
	}
	if err != nil || loc == "" {
		return finish(o, http.StatusCreated, false, fmt.Errorf("tus Location %q: %v", loc, err), false)
	}
	var offset int64
	for _, n := range []int64{size / 2, size - size/2} {
		if n == 0 {
			continue
		}
		patch := c.tusRequest(ctx, http.MethodPatch, where.String(), io.LimitReader(h, n), n)
		patch.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
		patch.Header.Set("Content-Type", "application/offset+octet-stream")
		if _, failed := c.tusStep(o, patch, http.StatusNoContent); failed != nil {
			return *failed
		}
		offset += n
	}
	return c.tusFile(ctx, o, where.String(), name, h.sum(), size)
}

// tusFile reads the finished upload's JSON and keeps its file.
func (c *client) tusFile(ctx context.Context, o outcome, loc, name, sum string, size int64) outcome {
	req := c.tusRequest(ctx, http.MethodGet, loc, nil, 0)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return finish(o, 0, false, err, false)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.drainAnswer(o, resp)
	}
	var status struct {
		File *fileJSON `json:"file"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil || status.File == nil {
		return finish(o, http.StatusOK, false, fmt.Errorf("tus upload complete without its file: %v", err), false)
	}
	return c.keep(o, http.StatusCreated, *status.File, name, sum, size)
}

// tusRequest makes a tus request with the token; body may be nil.
func (c *client) tusRequest(ctx context.Context, method, url string, body io.Reader, length int64) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, method, url, body)
	req.ContentLength = length
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+c.token)
	return req
}

// tusStep sends one tus request. On the status it wants it returns the
// Location header; otherwise the finished outcome of the whole upload.
func (c *client) tusStep(o outcome, req *http.Request, want int) (string, *outcome) {
	resp, err := c.http.Do(req)
	if err != nil {
		out := finish(o, 0, false, err, false)
		return "", &out
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		out := c.drainAnswer(o, resp)
		return "", &out
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Header.Get("Location"), nil
}
