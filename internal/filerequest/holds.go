package filerequest

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ferryhq/ferry/internal/postgres"
)

// A hold is an upload in flight to a request: one slot of max_files and
// the bytes it announced of max_bytes. It is taken before the upload's
// first byte is stored, under the request row's lock, so that two
// uploaders racing for the last slot cannot both start: the second is
// refused at once. It goes with the upload's pending object or resumable
// upload row (ON DELETE CASCADE), so an upload that fails or whose
// process died gives it back, and the commit turns it into the request's
// counters (Receive).

// Beginner is a pool or a transaction, which Take runs a transaction in.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Hold is what an upload holds: its pending object's key, or its
// resumable upload's id.
type Hold struct {
	PendingKey string
	UploadID   string
	Bytes      int64 // announced; 0 when unknown (the commit checks the real size)
}

// Take holds a slot and h.Bytes of requestID for an upload, or refuses:
// ErrGone for a closed or expired request, ErrTooManyFiles when every
// slot is received or held, ErrFull when the bytes do not fit. It runs
// a transaction of its own (a savepoint in a transaction).
func Take(ctx context.Context, db Beginner, requestID string, h Hold) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		q, err := lock(ctx, tx, requestID)
		if err != nil {
			return err
		}
		// A statement of its own, after the lock: it sees every hold
		// committed by the uploads that held the lock before.
		n, bytes, err := held(ctx, tx, requestID)
		if err != nil {
			return err
		}
		if q.MaxFiles > 0 && q.FilesReceived+n+1 > q.MaxFiles {
			return ErrTooManyFiles
		}
		if q.MaxBytes > 0 && q.BytesReceived+bytes+h.Bytes > q.MaxBytes {
			return ErrFull
		}
		_, err = tx.Exec(ctx, `INSERT INTO request_holds (request_id, pending_key, upload_id, bytes) VALUES ($1, NULLIF($2, ''), NULLIF($3, ''), $4)`,
			requestID, h.PendingKey, h.UploadID, h.Bytes)
		if err != nil {
			return fmt.Errorf("hold request slot: %w", postgres.Classify(err))
		}
		return nil
	})
}

// lock reads requestID and locks its row until the transaction ends; a
// request that no longer takes uploads is ErrGone.
func lock(ctx context.Context, tx DB, requestID string) (Request, error) {
	q, err := one(ctx, tx, "lock request", `SELECT `+columns+` FROM requests q WHERE q.id = $1 FOR UPDATE`, requestID)
	if err != nil {
		return Request{}, err
	}
	if !q.Open() {
		return Request{}, ErrGone
	}
	return q, nil
}

func held(ctx context.Context, db DB, requestID string) (n int, bytes int64, err error) {
	err = db.QueryRow(ctx, `SELECT count(*), COALESCE(sum(bytes), 0) FROM request_holds WHERE request_id = $1`, requestID).Scan(&n, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("read request holds: %w", err)
	}
	return n, bytes, nil
}

// Room is how many bytes an upload to requestID may still hold beyond
// what it announced: max_bytes less what was received and what the
// other uploads in flight hold (-1: no limit of the request's own).
func Room(ctx context.Context, db DB, requestID string) (int64, error) {
	var room int64
	err := db.QueryRow(ctx, `
		SELECT CASE WHEN q.max_bytes IS NULL THEN -1 ELSE GREATEST(q.max_bytes - q.bytes_received
		       - COALESCE((SELECT sum(bytes) FROM request_holds h WHERE h.request_id = q.id), 0), 0) END
		FROM requests q WHERE q.id = $1`, requestID).Scan(&room)
	if err != nil {
		return 0, fmt.Errorf("read request room: %w", postgres.Classify(err))
	}
	return room, nil
}

// Release gives back the holds of uploads that will not commit, as far as
// their pending rows or upload rows are not deleted anyway.
func Release(ctx context.Context, db DB, holds []Hold) error {
	keys, uploads := split(holds)
	_, err := db.Exec(ctx, `DELETE FROM request_holds WHERE pending_key = ANY($1::text[]) OR upload_id = ANY($2::text[])`, keys, uploads)
	if err != nil {
		return fmt.Errorf("release request holds: %w", err)
	}
	return nil
}

func split(holds []Hold) (keys, uploads []string) {
	keys, uploads = []string{}, []string{}
	for _, h := range holds {
		if h.PendingKey != "" {
			keys = append(keys, h.PendingKey)
		}
		if h.UploadID != "" {
			uploads = append(uploads, h.UploadID)
		}
	}
	return keys, uploads
}

// Receive counts files received files of bytes in all into requestID, in
// the commit's transaction: their holds become the request's counters,
// with one conditional UPDATE that also checks the request is still open.
// So a request closed or expired while the bytes streamed refuses them
// (ErrGone), and no mix of concurrent commits passes max_files
// (ErrTooManyFiles) or max_bytes (ErrFull), whatever the holds said.
func Receive(ctx context.Context, tx DB, requestID string, holds []Hold, files int, bytes int64) error {
	if err := Release(ctx, tx, holds); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `
		UPDATE requests q SET files_received = q.files_received + $2, bytes_received = q.bytes_received + $3
		WHERE q.id = $1 AND `+openSQL+`
		  AND (q.max_files IS NULL OR q.files_received + $2 <= q.max_files)
		  AND (q.max_bytes IS NULL OR q.bytes_received + $3 <= q.max_bytes)`, requestID, files, bytes)
	if err != nil {
		return fmt.Errorf("count received files: %w", postgres.Classify(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	q, err := one(ctx, tx, "request", `SELECT `+columns+` FROM requests q WHERE q.id = $1`, requestID)
	switch {
	case err != nil:
		return err
	case !q.Open():
		return ErrGone
	case q.MaxFiles > 0 && q.FilesReceived+files > q.MaxFiles:
		return ErrTooManyFiles
	}
	return ErrFull
}
