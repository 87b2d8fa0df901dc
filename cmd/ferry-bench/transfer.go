package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// transfer is one big PUT or GET.
type transfer struct {
	bytes   int64
	elapsed time.Duration
	sent    time.Duration // when a PUT's last byte left; the rest is the server finishing
	sha256  string        // of the bytes a GET read
}

// mbps is the throughput in MB/s (10⁶ bytes a second).
func (t transfer) mbps() float64 { return float64(t.bytes) / 1e6 / t.elapsed.Seconds() }

// directKey is the object the direct S3 figures write and read.
const directKey = "bench/direct.bin"

// directPut streams size bytes into S3 in one PutObject with a known
// length. Over plain HTTP the SDK would read a body twice to sign it, and
// refuses one it cannot rewind; an unsigned payload and no checksum send
// the bytes once, which is the store's own ingest speed.
func directPut(ctx context.Context, c *s3.Client, size int64) (transfer, error) {
	start := time.Now()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(directKey),
		Body: newStream(size), ContentLength: aws.Int64(size),
	}, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware), func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	if err != nil {
		return transfer{}, fmt.Errorf("direct S3 PUT: %w", err)
	}
	return transfer{bytes: size, elapsed: time.Since(start)}, nil
}

// directGet reads the object back, keeping none of it. The SDK is told
// not to check a stored checksum, so the client does the same work as for
// a GET through Ferry: read and hash.
func directGet(ctx context.Context, c *s3.Client) (transfer, error) {
	start := time.Now()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(directKey)}, func(o *s3.Options) {
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	if err != nil {
		return transfer{}, fmt.Errorf("direct S3 GET: %w", err)
	}
	defer out.Body.Close()
	t, err := drain(out.Body, start)
	if err != nil {
		return t, fmt.Errorf("direct S3 GET: %w", err)
	}
	return t, nil
}

// drain reads body to its end through SHA-256, keeping nothing. Both
// kinds of GET hash, so they pay the same for it.
func drain(body io.Reader, start time.Time) (transfer, error) {
	h := sha256.New()
	n, err := io.CopyBuffer(h, body, make([]byte, 256<<10))
	return transfer{bytes: n, elapsed: time.Since(start), sha256: hex.EncodeToString(h.Sum(nil))}, err
}

// uploaded is the part of Ferry's answer to an upload that we use.
type uploaded struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Share  struct {
		DownloadURL string `json:"download_url"`
	} `json:"share"`
}

// ferryPut uploads size bytes of the stream as name, timed until Ferry's
// answer arrives.
func (b *bench) ferryPut(ctx context.Context, client *http.Client, name string, size int64) (uploaded, transfer, error) {
	var up uploaded
	body := &timedReader{r: newStream(size)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, b.stack.webURL+"/api/v1/files/"+name, body)
	if err != nil {
		return up, transfer{}, err
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+b.stack.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return up, transfer{}, fmt.Errorf("ferry PUT: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return up, transfer{}, statusError("ferry PUT", resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(&up); err != nil {
		return up, transfer{}, fmt.Errorf("ferry PUT: read the answer: %w", err)
	}
	if up.Size != size || up.Share.DownloadURL == "" {
		return up, transfer{}, fmt.Errorf("ferry PUT: stored %d bytes of %d, download_url %q", up.Size, size, up.Share.DownloadURL)
	}
	return up, transfer{bytes: size, elapsed: time.Since(start), sent: body.since(start)}, nil
}

// timedReader notes when its reader ran out. The HTTP transport reads it
// on a goroutine of its own, hence the atomic.
type timedReader struct {
	r   io.Reader
	eof atomic.Int64 // Unix nanoseconds
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF {
		t.eof.CompareAndSwap(0, time.Now().UnixNano())
	}
	return n, err
}

// since is how long after start the reader ran out.
func (t *timedReader) since(start time.Time) time.Duration {
	return time.Unix(0, t.eof.Load()).Sub(start)
}

// ferryGet downloads url, keeping none of it.
func ferryGet(ctx context.Context, client *http.Client, url string) (transfer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return transfer{}, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return transfer{}, fmt.Errorf("ferry GET: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return transfer{}, statusError("ferry GET", resp)
	}
	t, err := drain(resp.Body, start)
	if err != nil {
		return t, fmt.Errorf("ferry GET: %w", err)
	}
	return t, nil
}

// statusError describes an unexpected answer in one line, with the start
// of its body, which for Ferry is a JSON error.
func statusError(what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return fmt.Errorf("%s: %s: %s", what, resp.Status, strings.Join(strings.Fields(string(body)), " "))
}

// streamingClient is an HTTP client for the big transfers.
func streamingClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	return &http.Client{Transport: tr}
}
