package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
)

// sweepWait bounds the wait for the orphan sweep to clear what a scenario
// left: a few SWEEP_INTERVALs past ORPHAN_GRACE.
const sweepWait = 20 * time.Second

// earlierSample is how many uploads of earlier scenarios are downloaded
// again after each scenario; rows and objects are checked for all.
const earlierSample = 40

// verification is the state of the data after a scenario.
type verification struct {
	downloads    int      // stored uploads downloaded and hashed
	badDownloads int      // of those, not 200 or not the bytes uploaded
	lostRows     int      // uploads that answered 201 whose row is gone
	rows         int      // file rows
	objects      int      // objects under files/ and thumbs/
	missing      int      // row keys with no object
	orphans      int      // objects with no row, after the sweep had its chance
	orphanKeys   []string // up to five of them, for the notes
	tusObjects   int      // objects without a row kept for a live tus upload
	multipart    int      // incomplete multipart uploads in the bucket
	// newMissing and newMultipart are those not there after the scenario
	// before: what this scenario did.
	newMissing, newMultipart int
	brokenIDs                []string     // the uploads found broken now
	missingRows              []missingRow // rows without an object not reported before, a few
}

// missingRow is a file row whose object is gone.
type missingRow struct{ id, name, key string }

// problems names what the verification found wrong.
func (v verification) problems() []string {
	var out []string
	add := func(n int, what string) {
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(v.badDownloads, "uploads that answered 201 do not download with their SHA-256")
	add(v.lostRows, "uploads that answered 201 have lost their row")
	add(v.newMissing, "rows have lost their object")
	add(v.orphans, "objects have no row after the sweep")
	add(v.newMultipart, "incomplete multipart uploads remain")
	return out
}

// verify waits for the sweep, then checks rows against objects, the
// uploads of this scenario (and a sample of earlier ones) byte for byte,
// and the bucket's multipart uploads. What an earlier scenario broke is
// reported there, not again.
func (s *suite) verify(ctx context.Context, firstNew int) (verification, error) {
	var v verification
	keys, objects, tus, err := s.waitForSweep(ctx)
	if err != nil {
		return v, err
	}
	v.rows, v.objects = len(keys), len(objects)
	protected := union(keys, tus)
	v.missing, v.orphans = countMissing(keys, objects), countMissing(objects, protected)
	v.orphanKeys = firstMissing(objects, protected, 5)
	v.tusObjects = countMissing(objects, keys) - v.orphans
	files := s.toCheck(firstNew)
	v.downloads = len(files)
	bad := s.downloadAll(ctx, files)
	lost, err := s.lostRows(ctx, s.toCheck(0))
	if err != nil {
		return v, err
	}
	v.badDownloads, v.lostRows = s.markBroken(bad), s.markBroken(lost)
	v.brokenIDs = append(bad, lost...)
	if v.multipart, err = s.countMultipart(ctx); err != nil {
		return v, err
	}
	v.newMissing, v.newMultipart = max(v.missing-s.last.missing, 0), max(v.multipart-s.last.multipart, 0)
	if v.missingRows, err = s.newMissingRows(ctx, keys, objects); err != nil {
		return v, err
	}
	s.last = v
	return v, nil
}

// newMissingRows names up to ten rows whose object is gone, leaving out
// those an earlier scenario named.
func (s *suite) newMissingRows(ctx context.Context, keys, objects map[string]bool) ([]missingRow, error) {
	var gone []string
	for k := range keys {
		if !objects[k] && !s.broken["key:"+k] && len(gone) < 10 {
			gone = append(gone, k)
			s.broken["key:"+k] = true
		}
	}
	if len(gone) == 0 {
		return nil, nil
	}
	conn, err := connect(ctx, s.stack.pg.ferryURL())
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT id::text, name, blob_key FROM files WHERE blob_key = ANY($1) OR thumbnail_key = ANY($1)`, gone)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (missingRow, error) {
		var m missingRow
		err := r.Scan(&m.id, &m.name, &m.key)
		return m, err
	})
}

// markBroken remembers files found broken, so that later scenarios
// neither check nor count them again, and returns how many there are.
func (s *suite) markBroken(ids []string) int {
	for _, id := range ids {
		s.broken[id] = true
	}
	return len(ids)
}

// waitForSweep lists rows and objects until no object lacks a row, or
// sweepWait has passed, and returns the last lists, with the object keys
// of live tus uploads: an unfinished upload, before its expiry, keeps its
// object whole (the sweep leaves it alone, as files.Unreferenced says)
// while a client may still resume it, say after its web was killed
// between the object's completion and the commit.
func (s *suite) waitForSweep(ctx context.Context) (keys, objects, tus map[string]bool, err error) {
	deadline := time.Now().Add(sweepWait)
	for {
		if keys, err = s.rowKeys(ctx); err != nil {
			return nil, nil, nil, err
		}
		if objects, err = s.objectKeys(ctx); err != nil {
			return nil, nil, nil, err
		}
		if tus, err = s.liveTusKeys(ctx); err != nil {
			return nil, nil, nil, err
		}
		if countMissing(objects, union(keys, tus)) == 0 || time.Now().After(deadline) {
			return keys, objects, tus, nil
		}
		if !sleepCtx(ctx, time.Second) {
			return nil, nil, nil, ctx.Err()
		}
	}
}

// union is a new set of the keys of a and b.
func union(a, b map[string]bool) map[string]bool {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// countMissing is how many keys of have are not in in.
func countMissing(have, in map[string]bool) int {
	n := 0
	for k := range have {
		if !in[k] {
			n++
		}
	}
	return n
}

// firstMissing is up to n keys of have that are not in in, sorted.
func firstMissing(have, in map[string]bool, n int) []string {
	var out []string
	for k := range have {
		if !in[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out[:min(n, len(out))]
}

// rowKeys is every object key the files table points to.
func (s *suite) rowKeys(ctx context.Context) (map[string]bool, error) {
	conn, err := connect(ctx, s.stack.pg.ferryURL())
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT blob_key FROM files UNION ALL SELECT thumbnail_key FROM files WHERE thumbnail_key IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return setOf(list), nil
}

// objectKeys is every object under Ferry's prefixes.
func (s *suite) objectKeys(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	for _, prefix := range []string{"files/", "thumbs/"} {
		keys, err := listKeys(ctx, s.stack.s3.client, prefix)
		if err != nil {
			return nil, fmt.Errorf("verify: list %s: %w", prefix, err)
		}
		for _, k := range keys {
			out[k] = true
		}
	}
	return out, nil
}

// listKeys lists the keys under prefix, a bounded number of pages.
func listKeys(ctx context.Context, c *s3.Client, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for page := 0; p.HasMorePages() && page < 1000; page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, k := range list {
		m[k] = true
	}
	return m
}

// toCheck is every upload stored since index firstNew, and a random
// sample of the earlier ones; none found broken before. With firstNew 0
// it is every upload not known broken.
func (s *suite) toCheck(firstNew int) []storedFile {
	var earlier, recent []storedFile
	for i, f := range s.uploads.all() {
		switch {
		case s.broken[f.id]:
		case i < firstNew:
			earlier = append(earlier, f)
		default:
			recent = append(recent, f)
		}
	}
	rand.Shuffle(len(earlier), func(i, j int) { earlier[i], earlier[j] = earlier[j], earlier[i] })
	if firstNew > 0 {
		earlier = earlier[:min(len(earlier), earlierSample)]
	}
	return append(recent, earlier...)
}

// downloadAll fetches each file through nginx, four at a time, and
// returns the ids of those that do not come back whole.
func (s *suite) downloadAll(ctx context.Context, files []storedFile) []string {
	c := newClient(s.stack, s.uploads, 4)
	work := make(chan storedFile)
	var bad []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if c.download(ctx, f).kind != kindOK {
					mu.Lock()
					bad = append(bad, f.id)
					mu.Unlock()
				}
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	return bad
}

// lostRows returns the ids of stored uploads whose row is gone.
func (s *suite) lostRows(ctx context.Context, files []storedFile) ([]string, error) {
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = f.id
	}
	conn, err := connect(ctx, s.stack.pg.ferryURL())
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT u.id FROM unnest($1::text[]) AS u(id) WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.id::text = u.id)`, ids)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	lost, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return lost, nil
}

// countMultipart counts the bucket's incomplete multipart uploads, but
// for those of tus uploads still live (unfinished, before their expiry):
// a client may still resume those, and the tus cleanup removes them at
// their expiry. The load leaves some when it stops in the middle of one.
func (s *suite) countMultipart(ctx context.Context) (int, error) {
	live, err := s.liveTusKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)}
	for page := 0; page < 100; page++ {
		out, err := s.stack.s3.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("verify: list multipart uploads: %w", err)
		}
		for _, u := range out.Uploads {
			if !live[aws.ToString(u.Key)] {
				n++
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return n, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	return n, nil
}

// liveTusKeys are the object keys of tus uploads not finished and not
// expired.
func (s *suite) liveTusKeys(ctx context.Context) (map[string]bool, error) {
	conn, err := connect(ctx, s.stack.pg.ferryURL())
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT 'files/' || id FROM uploads WHERE finished_at IS NULL AND expires_at > now()`)
	if err != nil {
		return nil, fmt.Errorf("verify: live tus uploads: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("verify: live tus uploads: %w", err)
	}
	return setOf(keys), nil
}
