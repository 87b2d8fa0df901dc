package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// load is what hammering one URL gave.
type load struct {
	clients   int
	elapsed   time.Duration
	latencies []time.Duration // of the successful requests, sorted
	failures  int
	firstErr  error
}

// rate is successful requests a second.
func (l load) rate() float64 { return float64(len(l.latencies)) / l.elapsed.Seconds() }

// percentile is the nearest-rank p-th latency, p in (0, 1].
func (l load) percentile(p float64) time.Duration {
	if len(l.latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(l.latencies)))) - 1
	return l.latencies[max(i, 0)]
}

// hammer fetches url from clients keep-alive clients, each one request
// after another, for d.
func hammer(ctx context.Context, url string, clients int, d time.Duration) load {
	client := keepAliveClient(clients)
	defer client.CloseIdleConnections()
	tallies := make([]tally, clients)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range tallies {
		wg.Go(func() { tallies[i] = fetchUntil(ctx, client, url, deadline) })
	}
	wg.Wait()
	return merge(tallies, time.Since(start))
}

// keepAliveClient keeps a connection open for each of n clients.
func keepAliveClient(n int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = n, n, n
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// tally is one client's share of a load.
type tally struct {
	latencies []time.Duration
	failures  int
	firstErr  error
}

func fetchUntil(ctx context.Context, client *http.Client, url string, deadline time.Time) tally {
	var t tally
	for ctx.Err() == nil && time.Now().Before(deadline) {
		start := time.Now()
		if err := fetch(ctx, client, url); err != nil {
			t.failures++
			t.firstErr = firstOf(t.firstErr, err)
			continue
		}
		t.latencies = append(t.latencies, time.Since(start))
	}
	return t
}

// firstOf keeps the first non-nil error.
func firstOf(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

func merge(tallies []tally, elapsed time.Duration) load {
	l := load{clients: len(tallies), elapsed: elapsed}
	for _, t := range tallies {
		l.latencies = append(l.latencies, t.latencies...)
		l.failures += t.failures
		l.firstErr = firstOf(l.firstErr, t.firstErr)
	}
	slices.Sort(l.latencies)
	return l
}

// fetch downloads url whole, keeping none of it, and wants a 200.
func fetch(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s", resp.Status)
	}
	return err
}
