-- Objects being written whose file rows are not committed yet. An upload
-- names its key here before its first byte, touches it when the object is
-- complete and removes it in the transaction that writes the file's row,
-- so the orphan sweep never deletes an object whose upload is still on its
-- way to a commit (internal/files/pending.go). A row left by a process
-- that died ages out after ORPHAN_GRACE and its object is swept like any
-- orphan.

-- +goose Up
CREATE TABLE pending_objects (
    key        text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE pending_objects;
