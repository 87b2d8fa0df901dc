-- Ferry's first schema. Every id is a random uuid so that ids in URLs and
-- API answers cannot be guessed or counted.

-- +goose Up
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    password_hash text NOT NULL,
    quota_bytes   bigint CHECK (quota_bytes >= 0), -- null: the USER_QUOTA default
    usage_bytes   bigint NOT NULL DEFAULT 0 CHECK (usage_bytes >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case; lookups use lower(email) too.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32), -- SHA-256
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE files (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     uuid REFERENCES users ON DELETE CASCADE, -- null: anonymous upload
    name         text NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       bytea NOT NULL CHECK (octet_length(sha256) = 32),
    content_type text NOT NULL,
    blob_key     text NOT NULL UNIQUE,
    status       text NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'damaged')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_owner_id_idx ON files (owner_id);

CREATE TABLE shares (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      uuid REFERENCES users ON DELETE CASCADE, -- null: anonymous upload
    token         text NOT NULL UNIQUE,
    password_hash text,
    expires_at    timestamptz NOT NULL,
    max_downloads integer CHECK (max_downloads > 0),
    downloads     integer NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    notify        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shares_owner_id_idx ON shares (owner_id);
-- The expiry purge scans by expires_at.
CREATE INDEX shares_expires_at_idx ON shares (expires_at);

CREATE TABLE share_files (
    share_id uuid NOT NULL REFERENCES shares ON DELETE CASCADE,
    file_id  uuid NOT NULL REFERENCES files ON DELETE CASCADE,
    position integer NOT NULL,
    PRIMARY KEY (share_id, file_id)
);
-- Deleting a file, and finding the shares of a file, look up by file_id.
CREATE INDEX share_files_file_id_idx ON share_files (file_id);

-- +goose Down
DROP TABLE share_files;
DROP TABLE shares;
DROP TABLE files;
DROP TABLE api_tokens;
DROP TABLE users;
