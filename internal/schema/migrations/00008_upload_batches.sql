-- Several resumable uploads under one link. A client that sends files
-- together gives each tus upload the same batch id (Upload-Metadata
-- "batch", 16 to 64 of A-Z a-z 0-9 _ -); the first of an owner's uploads
-- with that id to complete makes the share, and the others join it. The
-- batch is kept on the upload (so later uploads of it take the first
-- one's share options) and on the share (so the commit finds the share to
-- join, under a transaction-scoped advisory lock on owner and batch).

-- +goose Up
ALTER TABLE uploads ADD COLUMN batch text CHECK (batch ~ '^[A-Za-z0-9_-]{16,64}$');
CREATE INDEX uploads_owner_batch_idx ON uploads (owner_id, batch) WHERE batch IS NOT NULL;
ALTER TABLE shares ADD COLUMN batch text CHECK (batch ~ '^[A-Za-z0-9_-]{16,64}$');
CREATE INDEX shares_owner_batch_idx ON shares (owner_id, batch) WHERE batch IS NOT NULL;

-- +goose Down
DROP INDEX shares_owner_batch_idx;
ALTER TABLE shares DROP COLUMN batch;
DROP INDEX uploads_owner_batch_idx;
ALTER TABLE uploads DROP COLUMN batch;
