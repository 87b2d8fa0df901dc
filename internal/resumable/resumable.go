// Package resumable is Ferry's tus 1.0.0 endpoint (/api/v1/uploads):
// tusd's handler over tusd's store for the bucket, a lock in Redis shared
// by every replica, and Ferry's row of each upload in Postgres. An upload
// whose last byte arrives becomes a file, with its share and its jobs,
// through sharing.Service.CommitStored, the same Batch.Commit as every
// other upload. HTTP errors of Ferry's own (quota, options, ownership)
// are answered by the web layer's error table, passed in as Fail.
package resumable

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tus/tusd/v2/pkg/handler"
	xslog "golang.org/x/exp/slog"

	"github.com/ferryhq/ferry/internal/account"
	"github.com/ferryhq/ferry/internal/filerequest"
	"github.com/ferryhq/ferry/internal/postgres"
	"github.com/ferryhq/ferry/internal/sharing"
)

// Errors of resumable uploads, mapped to statuses by the web layer.
var (
	ErrNotFound       = errors.New("no such upload")                                              // 404
	ErrExpired        = errors.New("this upload has expired; start it again")                     // 410
	ErrLengthRequired = errors.New("a resumable upload must announce its length (Upload-Length)") // 413
)

// BasePath is where the endpoint is mounted.
const BasePath = "/api/v1/uploads/"

// Config is what New builds the endpoint from.
type Config struct {
	DB          postgres.TxDB
	Redis       *redis.Client
	RedisPrefix string // before the lock keys; "ferry:" unless set
	Sharing     *sharing.Service
	BlobURL     string        // picks the tusd store: s3:// or file://
	Expiry      time.Duration // UPLOAD_EXPIRY: an unfinished upload may be continued this long
	TempDir     string        // s3store's part buffers; os.TempDir() unless set
	PartSize    int64         // S3 part size; 8 MiB unless set
	Log         *slog.Logger
}

// Service serves the tus endpoint.
type Service struct {
	cfg     Config
	db      postgres.TxDB
	backend backend
	store   tusStore // backend.store, hashing
	tus     *handler.UnroutedHandler
	serve   http.Handler // tusd's middleware around the routed methods
	now     func() time.Time
}

// New builds the endpoint. It fails for a bucket tus cannot use.
func New(cfg Config) (*Service, error) {
	if cfg.RedisPrefix == "" {
		cfg.RedisPrefix = "ferry:"
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.PartSize <= 0 {
		cfg.PartSize = 8 << 20
	}
	be, err := newBackend(cfg.BlobURL, cfg.Sharing.Store, cfg.TempDir, cfg.PartSize)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, db: cfg.DB, backend: be, now: time.Now}
	s.store = hashingStore{tusStore: noticingStore{be.store}, db: cfg.DB, objectID: objectID, log: cfg.Log, scratch: cfg.TempDir}
	composer := handler.NewStoreComposer()
	composer.UseCore(s.store)
	composer.UseTerminater(s.store)
	composer.UseLocker(&Locker{Redis: cfg.Redis, Prefix: cfg.RedisPrefix + "tus-lock:"})
	s.tus, err = handler.NewUnroutedHandler(handler.Config{
		StoreComposer:             composer,
		MaxSize:                   cfg.Sharing.Settings.MaxUploadSize,
		BasePath:                  BasePath,
		DisableDownload:           true, // downloads are share links
		DisableConcatenation:      true,
		Cors:                      &handler.CorsConfig{Disable: true}, // same origin only, like the rest of the API
		Logger:                    quiet(),
		RespectForwardedHeaders:   false, // Location is made relative below
		PreUploadCreateCallback:   s.preCreate,
		PreFinishResponseCallback: s.preFinish,
	})
	if err != nil {
		return nil, err
	}
	s.serve = s.tus.Middleware(http.HandlerFunc(s.route))
	return s, nil
}

// quiet keeps tusd's own request log (a line per request and response)
// out of Ferry's, which logs every request already; tusd's warnings and
// errors go to stderr as JSON. tusd logs with golang.org/x/exp/slog, not
// log/slog, so Ferry's handler cannot be shared.
func quiet() *xslog.Logger {
	return xslog.New(xslog.NewJSONHandler(os.Stderr, &xslog.HandlerOptions{Level: xslog.LevelWarn}))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Extensions is what Tus-Extension advertises: tusd's, and expiration and
// checksum, which Ferry adds (tusd has neither).
const Extensions = "creation,creation-with-upload,termination,expiration,checksum"

// Options answers OPTIONS: the protocol's discovery.
func (s *Service) Options(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Tus-Resumable", "1.0.0")
	h.Set("Tus-Version", "1.0.0")
	h.Set("Tus-Extension", Extensions)
	h.Set("Tus-Checksum-Algorithm", ChecksumAlgorithms)
	h.Set("Tus-Max-Size", itoa(s.cfg.Sharing.Settings.MaxUploadSize))
	w.WriteHeader(http.StatusNoContent)
}

// Fail answers a request with Ferry's error table (the web layer's).
type Fail func(w http.ResponseWriter, r *http.Request, err error)

type ctxKey struct{}

// request is what the handler's hooks need of the request they serve.
type request struct {
	owner    account.User
	fail     Fail
	row      upload // for requests on an upload
	header   http.Header
	checksum *checksum      // the chunk's Upload-Checksum; nil: none
	length   int64          // the body's announced length; -1: unknown
	failure  backingFailure // the store's first backing failure, answered 503 (unavailable.go)
	// toRequest, for an upload to a file request, is that request; owner
	// is then the request's owner.
	toRequest *filerequest.Request
}

func from(ctx context.Context) *request {
	r, _ := ctx.Value(ctxKey{}).(*request)
	return r
}

// Create serves POST /api/v1/uploads for owner: a new upload, and with
// creation-with-upload its first bytes. The length must be known (a
// deferred length is refused with 413: Ferry checks size and quota before
// it takes a byte).
func (s *Service) Create(w http.ResponseWriter, r *http.Request, owner account.User, fail Fail) {
	s.createFor(w, r, owner, nil, fail)
}

// createFor checks a creation before tusd sees it and hands it on: for
// owner, or for the owner of the file request q when q is not nil.
func (s *Service) createFor(w http.ResponseWriter, r *http.Request, owner account.User, q *filerequest.Request, fail Fail) {
	if r.Header.Get("Upload-Defer-Length") != "" {
		fail(w, r, ErrLengthRequired)
		return
	}
	// Over MAX_UPLOAD_SIZE is refused here rather than by tusd, so that
	// the answer is Ferry's JSON error, as for every other upload.
	if n, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64); err == nil && n > s.cfg.Sharing.Settings.MaxUploadSize {
		fail(w, r, sharing.ErrTooLarge)
		return
	}
	sum, err := checkedRequest(r)
	if err != nil {
		tusError(w, err)
		return
	}
	req := &request{owner: owner, fail: fail, header: r.Header, checksum: sum, length: r.ContentLength, toRequest: q}
	s.create(w, r, req)
}

func (s *Service) create(w http.ResponseWriter, r *http.Request, req *request) {
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, req))
	s.serve.ServeHTTP(&relativeLocation{ResponseWriter: &failOver{ResponseWriter: w, r: r, req: req}}, r)
}

// Serve serves HEAD, PATCH and DELETE on /api/v1/uploads/{id} for owner.
// Another owner's upload is not found; one past its expiry is gone (410).
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, owner account.User, fail Fail) {
	row, err := getUpload(r.Context(), s.db, owner.ID, objectID(r.PathValue("id")))
	s.serveRow(w, r, owner, row, err, nil, fail)
}

// serveRow serves a request on the upload row (or its lookup's error).
func (s *Service) serveRow(w http.ResponseWriter, r *http.Request, owner account.User, row upload, err error, q *filerequest.Request, fail Fail) {
	if err == nil && row.expired(s.now()) {
		err = ErrExpired
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	if !row.Finished {
		w.Header().Set("Upload-Expires", row.ExpiresAt.UTC().Format(http.TimeFormat))
	}
	sum, err := checkedRequest(r)
	if err != nil {
		tusError(w, err)
		return
	}
	req := &request{owner: owner, fail: fail, row: row, header: r.Header, checksum: sum, length: r.ContentLength, toRequest: q}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, req))
	// tusd answers on the writer its middleware was given, so the status
	// of a termination is read here, outside it; failOver turns a 500
	// caused by a backing failure into its 503.
	sw := &status{ResponseWriter: &failOver{ResponseWriter: w, r: r, req: req}}
	s.serve.ServeHTTP(sw, r)
	if r.Method == http.MethodDelete && !row.Finished && sw.code == http.StatusNoContent {
		s.dropRow(r.Context(), row.ID)
	}
}

// route sends a request that passed tusd's middleware (protocol version,
// method override) to tusd, or answers it for an upload that is a file
// already, whose tusd state is gone.
func (s *Service) route(w http.ResponseWriter, r *http.Request) {
	req := from(r.Context())
	if r.Method == http.MethodPost {
		s.tus.PostFile(w, r)
		return
	}
	if r.Method == http.MethodPatch && r.Header.Get("Content-Type") != "application/offset+octet-stream" {
		w.WriteHeader(http.StatusUnsupportedMediaType) // as tus says; tusd would answer 400
		return
	}
	if req.row.Finished {
		s.finished(w, r, req)
		return
	}
	// tusd's unrouted handler reads the id from a path its router has
	// stripped of the base path.
	r = r.Clone(r.Context())
	r.URL.Path, r.URL.RawPath = r.PathValue("id"), ""
	switch r.Method {
	case http.MethodHead:
		s.tus.HeadFile(w, r)
	case http.MethodPatch:
		s.tus.PatchFile(w, r)
	case http.MethodDelete:
		s.tus.DelFile(w, r) // Serve drops the row once it answered 204
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// finished answers for an upload that is already a file, as tus would
// for a complete upload: HEAD tells the full offset, a PATCH of no bytes
// at that offset succeeds (a client retrying the last one), anything
// more is refused, and DELETE forgets the upload (the file stays; it is
// deleted as a file).
func (s *Service) finished(w http.ResponseWriter, r *http.Request, req *request) {
	length := itoa(req.row.Length)
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodHead:
		w.Header().Set("Upload-Offset", length)
		w.Header().Set("Upload-Length", length)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		switch {
		case r.Header.Get("Upload-Offset") != length:
			w.WriteHeader(http.StatusConflict)
		case r.ContentLength != 0:
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		default:
			w.Header().Set("Upload-Offset", length)
			w.WriteHeader(http.StatusNoContent)
		}
	case http.MethodDelete:
		if err := deleteUpload(r.Context(), s.db, req.row.ID); err != nil {
			req.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// tusError answers a tus error of Ferry's own, as tusd answers its own:
// the status, Tus-Resumable, and the message as text.
func tusError(w http.ResponseWriter, err error) {
	var te handler.Error
	if !errors.As(err, &te) {
		te = handler.NewError("ERR_INTERNAL", "internal error", http.StatusInternalServerError)
	}
	w.Header().Set("Tus-Resumable", "1.0.0")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(te.HTTPResponse.StatusCode)
	_, _ = w.Write([]byte(te.Message + "\n"))
}

func (s *Service) dropRow(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := deleteUpload(ctx, s.db, id); err != nil {
		s.cfg.Log.WarnContext(ctx, "delete upload row; the cleanup removes it after its expiry", "upload", id, "error", err.Error())
	}
}

// status remembers the status a handler answered with.
type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController (tusd's read deadlines) reach the
// real writer.
func (s *status) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// relativeLocation makes tusd's absolute Location (built from the Host
// header, which a proxy may have changed) a path: tus clients resolve it
// against the URL they sent to, which is the one they can reach.
type relativeLocation struct{ http.ResponseWriter }

func (l *relativeLocation) WriteHeader(code int) {
	if loc := l.Header().Get("Location"); loc != "" {
		if i := strings.Index(loc, BasePath); i >= 0 {
			l.Header().Set("Location", loc[i:])
		}
	}
	l.ResponseWriter.WriteHeader(code)
}

func (l *relativeLocation) Unwrap() http.ResponseWriter { return l.ResponseWriter }
