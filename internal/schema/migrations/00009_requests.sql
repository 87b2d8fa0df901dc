-- File requests: a link that lets anyone upload to its owner, within the
-- request's own limits and the owner's quota. Received files are the
-- owner's (files.owner_id), carry no share, and are listed under the
-- request (request_files, with the uploader's name and note).
--
-- Limits are exact under concurrent uploads. An upload takes a hold on a
-- slot (and the bytes it announced) before its first byte is stored,
-- under the request row's lock; a hold lives as long as the upload's
-- pending object (pending_objects) or its resumable upload (uploads), so
-- a process that dies mid-upload gives its hold back when those age out.
-- The commit moves the hold into files_received and bytes_received with
-- a conditional UPDATE in the transaction that writes the rows.

-- +goose Up
CREATE TABLE requests (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id       uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    token          text NOT NULL UNIQUE,
    title          text NOT NULL,
    message        text NOT NULL DEFAULT '',
    password_hash  text, -- null: no password; never the password itself
    expires_at     timestamptz NOT NULL,
    max_files      integer CHECK (max_files > 0), -- null: no limit
    max_bytes      bigint CHECK (max_bytes > 0),  -- null: only the owner's quota and MAX_UPLOAD_SIZE
    files_received integer NOT NULL DEFAULT 0 CHECK (files_received >= 0),
    bytes_received bigint NOT NULL DEFAULT 0 CHECK (bytes_received >= 0),
    notify         boolean NOT NULL DEFAULT true, -- a mail to the owner per received upload
    closed_at      timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (max_files IS NULL OR files_received <= max_files),
    CHECK (max_bytes IS NULL OR bytes_received <= max_bytes)
);
CREATE INDEX requests_owner_id_idx ON requests (owner_id);

CREATE TABLE request_files (
    request_id    uuid NOT NULL REFERENCES requests ON DELETE CASCADE,
    file_id       uuid NOT NULL UNIQUE REFERENCES files ON DELETE CASCADE,
    uploader_name text NOT NULL DEFAULT '',
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, file_id)
);

-- A resumable upload to a request: the uploader has no account; the
-- upload's owner is the request's owner.
ALTER TABLE uploads ADD COLUMN request_id uuid REFERENCES requests ON DELETE CASCADE;
ALTER TABLE uploads ADD COLUMN uploader_name text NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN note text NOT NULL DEFAULT '';

-- An upload in flight holds a slot and its announced bytes of a request.
-- Exactly one of pending_key (a streamed upload) and upload_id (a
-- resumable one) is set, and the hold goes when that row goes.
CREATE TABLE request_holds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES requests ON DELETE CASCADE,
    pending_key text UNIQUE REFERENCES pending_objects (key) ON DELETE CASCADE,
    upload_id   text UNIQUE REFERENCES uploads (id) ON DELETE CASCADE,
    bytes       bigint NOT NULL CHECK (bytes >= 0),
    CHECK ((pending_key IS NULL) <> (upload_id IS NULL))
);
CREATE INDEX request_holds_request_id_idx ON request_holds (request_id);

-- +goose Down
DROP TABLE request_holds;
ALTER TABLE uploads DROP COLUMN note;
ALTER TABLE uploads DROP COLUMN uploader_name;
ALTER TABLE uploads DROP COLUMN request_id;
DROP TABLE request_files;
DROP TABLE requests;
