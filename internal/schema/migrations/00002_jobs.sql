-- What background jobs need: where a file's thumbnail is, when its bytes
-- were last checked, and when a share ran out of downloads, so the purge
-- can keep a spent share for PURGE_AFTER like an expired one.

-- +goose Up
ALTER TABLE files ADD COLUMN thumbnail_key text;
ALTER TABLE files ADD COLUMN verified_at timestamptz;
ALTER TABLE shares ADD COLUMN spent_at timestamptz;
CREATE INDEX shares_spent_at_idx ON shares (spent_at) WHERE spent_at IS NOT NULL;
-- The orphan sweep asks whether any row still points at an object.
CREATE INDEX files_thumbnail_key_idx ON files (thumbnail_key) WHERE thumbnail_key IS NOT NULL;

-- +goose Down
DROP INDEX files_thumbnail_key_idx;
DROP INDEX shares_spent_at_idx;
ALTER TABLE shares DROP COLUMN spent_at;
ALTER TABLE files DROP COLUMN verified_at;
ALTER TABLE files DROP COLUMN thumbnail_key;
