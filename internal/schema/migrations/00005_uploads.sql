-- Resumable (tus) uploads in progress. The bytes and tusd's own state
-- (.info, the S3 multipart upload) are in the bucket; this row is Ferry's
-- part: whose upload it is, the share it asks for, until when it may be
-- continued, and the SHA-256 state so far, so that any replica can take
-- the next PATCH and the file's hash is known when its last byte arrives.

-- +goose Up
CREATE TABLE uploads (
    id            text PRIMARY KEY, -- the object id: the file's key is 'files/' || id
    owner_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    name          text NOT NULL,
    length        bigint NOT NULL CHECK (length >= 0),
    expires_in    bigint NOT NULL CHECK (expires_in > 0), -- the share's lifetime, in seconds
    max_downloads integer CHECK (max_downloads > 0),
    notify        boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL DEFAULT '', -- '': no password; never the password itself
    sha256_state  bytea,                    -- a marshalled crypto/sha256 digest of bytes [0, sha256_at)
    sha256_at     bigint NOT NULL DEFAULT 0, -- -1: the state was lost; hashed again at the end
    file_id       uuid REFERENCES files ON DELETE SET NULL,
    share_id      uuid REFERENCES shares ON DELETE SET NULL,
    finished_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX uploads_owner_id_idx ON uploads (owner_id);
-- The cleanup scans by expires_at.
CREATE INDEX uploads_expires_at_idx ON uploads (expires_at);

-- +goose Down
DROP TABLE uploads;
