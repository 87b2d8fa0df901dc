package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// results are every figure of a run and what they were taken on.
type results struct {
	opts                 options
	stack                []string // the backing services, for the header
	directPut, directGet transfer
	ferryPut, ferryGet   transfer
	putMemory, getMemory memory
	tusPut               transfer // the big object through tus, in tusChunk PATCHes
	tusMemory            memory
	directPutCPU         cpuSpent
	ferryPutCPU          cpuSpent
	tusCPU               cpuSpent
	small                load
	smallURL             string
	traced               load  // small downloads with tracing on
	traceExports         int64 // OTLP requests the traced web sent
	traceBytes           int64
	trips                perDownload
}

// measure takes the figures in order: direct S3, Ferry's big transfers
// (a PUT, a GET, a tus upload), then, unless -only big, small downloads
// and round trips.
func (b *bench) measure(ctx context.Context) (*results, error) {
	st := b.stack
	r := &results{opts: b.opts, stack: []string{st.postgres, st.redis, st.versitygw}}
	steps := []func(context.Context, *results) error{b.measureDirect, b.measureFerry, b.measureTus}
	if b.opts.only != onlyBig {
		steps = append(steps, b.measureSmall, b.measureTraced, b.measureRoundTrips)
	}
	for _, m := range steps {
		if err := m(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// measureDirect is the baseline: the S3 server through the AWS SDK.
func (b *bench) measureDirect(ctx context.Context, r *results) error {
	size := int64(b.opts.size)
	b.logf("direct S3: PUT and GET of %s", b.opts.size)
	var err error
	cpu := b.watchCPU()
	if r.directPut, err = directPut(ctx, b.stack.s3, size); err != nil {
		return err
	}
	r.directPutCPU = cpu.used()
	b.logf("  PUT %v", cpu)
	cpu = b.watchCPU()
	if r.directGet, err = directGet(ctx, b.stack.s3); err != nil {
		return err
	}
	b.logf("  GET %v", cpu)
	if r.directGet.bytes != size {
		return fmt.Errorf("direct S3 GET: read %d bytes of %d", r.directGet.bytes, size)
	}
	_, err = b.stack.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(directKey)})
	if err != nil {
		return fmt.Errorf("direct S3 DELETE: %w", err)
	}
	return nil
}

// measureFerry uploads and downloads the same bytes through Ferry,
// watching the web process's memory, and checks they came back whole.
func (b *bench) measureFerry(ctx context.Context, r *results) error {
	client := streamingClient()
	defer client.CloseIdleConnections()
	up, err := b.ferryBigPut(ctx, client, r)
	if err == nil {
		err = b.ferryBigGet(ctx, client, r, up.Share.DownloadURL)
	}
	if err != nil {
		return err
	}
	return checkSame(up, r.ferryGet, r.directGet, int64(b.opts.size))
}

// ferryBigPut uploads the big object through Ferry's API.
func (b *bench) ferryBigPut(ctx context.Context, client *http.Client, r *results) (uploaded, error) {
	b.logf("through Ferry: PUT of %s", b.opts.size)
	var up uploaded
	var err error
	cpu := b.watchCPU()
	r.putMemory, err = whileSampling(b.stack.web.pid(), func() (err error) {
		up, r.ferryPut, err = b.ferryPut(ctx, client, "big.bin", int64(b.opts.size))
		return err
	})
	r.ferryPutCPU = cpu.used()
	b.logf("  %v; last byte sent at %.2fs", cpu, r.ferryPut.sent.Seconds())
	return up, err
}

// ferryBigGet downloads it from its share link.
func (b *bench) ferryBigGet(ctx context.Context, client *http.Client, r *results, url string) error {
	b.logf("through Ferry: GET of %s", b.opts.size)
	var err error
	cpu := b.watchCPU()
	r.getMemory, err = whileSampling(b.stack.web.pid(), func() (err error) {
		r.ferryGet, err = ferryGet(ctx, client, url)
		return err
	})
	b.logf("  %v", cpu)
	return err
}

// checkSame wants Ferry to have given back, whole, the bytes it was sent.
func checkSame(up uploaded, got, direct transfer, size int64) error {
	switch {
	case got.bytes != size:
		return fmt.Errorf("ferry GET: read %d bytes of %d", got.bytes, size)
	case got.sha256 != up.SHA256:
		return fmt.Errorf("ferry GET: the bytes hash to %s, the upload's sha256 is %s", got.sha256, up.SHA256)
	case up.SHA256 != direct.sha256:
		return fmt.Errorf("ferry PUT: sha256 %s, but the bytes sent hash to %s", up.SHA256, direct.sha256)
	}
	return nil
}

// measureSmall uploads a small file with no download limit, warms up for
// a second, then hammers its download link.
func (b *bench) measureSmall(ctx context.Context, r *results) error {
	client := streamingClient()
	defer client.CloseIdleConnections()
	up, _, err := b.ferryPut(ctx, client, "small.bin", smallSize)
	if err != nil {
		return err
	}
	r.smallURL = up.Share.DownloadURL
	b.logf("small downloads: %d clients for %v, after a 1s warm-up", b.opts.concurrency, b.opts.duration)
	hammer(ctx, r.smallURL, b.opts.concurrency, time.Second)
	cpu := b.watchCPU()
	r.small = hammer(ctx, r.smallURL, b.opts.concurrency, b.opts.duration)
	b.logf("  %v", cpu)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case len(r.small.latencies) == 0:
		return fmt.Errorf("small downloads: every one failed: %w", r.small.firstErr)
	case r.small.failures > 0:
		b.logf("warning: %d small downloads failed, the first with: %v", r.small.failures, r.small.firstErr)
	}
	return nil
}

// measureRoundTrips counts what one small download costs Postgres and Redis.
func (b *bench) measureRoundTrips(ctx context.Context, r *results) error {
	n := b.opts.roundTrips
	b.logf("round trips: %d sequential small downloads; Postgres statistics need ~%v of quiet before and after", n, statsQuiet)
	var err error
	r.trips, err = b.countRoundTrips(ctx, r.smallURL, n)
	return err
}
