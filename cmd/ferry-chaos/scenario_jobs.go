package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"time"
)

// pngCount and pngSide make the thumbnail jobs: enough images, big
// enough, that some jobs are surely running when the worker dies.
const (
	pngCount = 24
	pngSide  = 1200
)

// jobsWait bounds the wait for the rescued jobs: River rescues a job
// JOB_RESCUE_AFTER after it began, on its rescuer's next round.
const jobsWait = 150 * time.Second

// killWorker uploads PNGs, kills the worker with SIGKILL as soon as one of
// their jobs runs, starts a new worker, and waits for every job to
// complete, each file with one job and one thumbnail.
func (s *suite) killWorker(ctx context.Context) (scenarioRun, error) {
	run := scenarioRun{dupJobs: -1}
	ids, outs := s.uploadPNGs(ctx)
	run.outcomes = outs
	if len(ids) == 0 {
		run.problems = append(run.problems, "no PNG upload succeeded")
		return run, nil
	}
	running, err := s.killWorkerMidJob(ctx, ids)
	if err != nil {
		return run, err
	}
	run.notes = append(run.notes, fmt.Sprintf("the worker was killed with %d thumbnail jobs running", running))
	start := time.Now()
	left, err := s.waitJobsDone(ctx, ids)
	if err != nil {
		return run, err
	}
	run.notes = append(run.notes, fmt.Sprintf("jobs done %s after the new worker started", seconds(time.Since(start))))
	if left > 0 {
		run.problems = append(run.problems, fmt.Sprintf("%d of %d thumbnail jobs not completed after %v", left, len(ids), jobsWait))
	}
	return s.checkThumbnails(ctx, ids, run)
}

// uploadPNGs uploads pngCount images and returns the ids of those stored.
func (s *suite) uploadPNGs(ctx context.Context) ([]string, []outcome) {
	s.logf("uploading %d PNGs", pngCount)
	c := newClient(s.stack, s.uploads, 1)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	var ids []string
	var outs []outcome
	for i := range pngCount {
		img := makePNG(rng)
		o := c.upload(ctx, s.stack.baseURL, fmt.Sprintf("image-%d.png", i), bytes.NewReader(img), int64(len(img)), false)
		outs = append(outs, o)
		if o.kind == kindOK {
			ids = append(ids, o.fileID)
		}
	}
	return ids, outs
}

// makePNG draws a noisy gradient: it compresses a little, and takes the
// worker a moment to decode and scale.
func makePNG(rng *rand.Rand) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, pngSide, pngSide))
	for y := range pngSide {
		for x := range pngSide {
			n := uint8(rng.UintN(32))
			img.SetNRGBA(x, y, color.NRGBA{uint8(x) + n, uint8(y) + n, uint8(x+y) + n, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // an in-memory image always encodes
	return buf.Bytes()
}

// killWorkerMidJob waits (bounded) for one of the files' jobs to run,
// kills the worker, starts a new one, and says how many were running.
func (s *suite) killWorkerMidJob(ctx context.Context, ids []string) (int, error) {
	deadline := time.Now().Add(30 * time.Second)
	running := 0
	for running == 0 && time.Now().Before(deadline) && sleepCtx(ctx, 20*time.Millisecond) {
		n, err := s.countJobs(ctx, ids, "state = 'running'")
		if err != nil {
			return 0, err
		}
		running = n
	}
	s.logf("kill -9 worker with %d thumbnail jobs running", running)
	s.stack.worker.proc.kill()
	return running, s.startFerry(ctx, s.stack.worker)
}

// waitJobsDone waits until every file's job has completed, and returns
// how many have not when jobsWait runs out.
func (s *suite) waitJobsDone(ctx context.Context, ids []string) (int, error) {
	deadline := time.Now().Add(jobsWait)
	for {
		done, err := s.countJobs(ctx, ids, "state = 'completed'")
		if err != nil || done >= len(ids) || time.Now().After(deadline) {
			return len(ids) - done, err
		}
		if !sleepCtx(ctx, time.Second) {
			return len(ids) - done, ctx.Err()
		}
	}
}

// countJobs counts the files' process_file jobs in a state.
func (s *suite) countJobs(ctx context.Context, ids []string, where string) (int, error) {
	return s.queryInt(ctx, `SELECT count(*) FROM river_job WHERE kind = 'process_file' AND args->>'file_id' = ANY($1) AND `+where, ids)
}

// checkThumbnails counts the files' jobs and thumbnails: one of each per
// file, extra jobs being duplicates.
func (s *suite) checkThumbnails(ctx context.Context, ids []string, run scenarioRun) (scenarioRun, error) {
	jobs, err := s.countJobs(ctx, ids, "true")
	if err != nil {
		return run, err
	}
	run.dupJobs = max(jobs-len(ids), 0)
	thumbs, err := s.queryInt(ctx, `SELECT count(*) FROM files WHERE id::text = ANY($1) AND thumbnail_key = 'thumbs/' || id::text`, ids)
	if err != nil {
		return run, err
	}
	objects, err := listKeys(ctx, s.stack.s3.client, "thumbs/")
	if err != nil {
		return run, err
	}
	mine := countPrefixed(objects, "thumbs/", ids)
	run.notes = append(run.notes, fmt.Sprintf("%d files, %d jobs, %d rows with a thumbnail, %d thumbnail objects", len(ids), jobs, thumbs, mine))
	if thumbs != len(ids) || mine != len(ids) {
		run.problems = append(run.problems, fmt.Sprintf("%d files but %d rows with a thumbnail and %d thumbnail objects", len(ids), thumbs, mine))
	}
	return run, nil
}

// countPrefixed counts the keys under prefix that begin with one of the
// ids: a second thumbnail of one file, under any name, would show here.
func countPrefixed(keys []string, prefix string, ids []string) int {
	set := setOf(ids)
	n := 0
	for _, k := range keys {
		if rest := strings.TrimPrefix(k, prefix); len(rest) >= uuidLen && set[rest[:uuidLen]] {
			n++
		}
	}
	return n
}

// uuidLen is the length of a file id as text.
const uuidLen = 36

// queryInt runs a count on its own short-lived connection.
func (s *suite) queryInt(ctx context.Context, sql string, args ...any) (int, error) {
	conn, err := connect(ctx, s.stack.pg.ferryURL())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}
