-- Roles, disabled accounts and the audit log.
--
-- role is admin or user (the default). disabled_at set: the account can
-- neither sign in nor use a session or token made before, from the next
-- request on. last_login_at is the last successful sign-in.
--
-- audit_events is append-only: the application inserts rows and the
-- retention job (AUDIT_RETENTION) deletes the old ones; nothing updates
-- them. actor_id is who did it (null: nobody signed in, such as a failed
-- sign-in); it is not a foreign key, so an event outlives its actor.
-- client is the client group as rate limits and security events name it
-- (an IPv4 address or an IPv6 /64). details never holds a password, a
-- token or a plain email.

-- +goose Up
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user'));
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
ALTER TABLE users ADD COLUMN last_login_at timestamptz;
CREATE INDEX users_created_at_id_idx ON users (created_at, id);
-- Today's downloads, for the admin's figures.
CREATE INDEX share_downloads_at_idx ON share_downloads (at);

-- Invitations: single-use sign-up links an admin makes, which work even
-- when SIGNUP_ENABLED=false. token_hash is the SHA-256 of the link's
-- secret (never stored); email, when set, is the only address it takes.
CREATE TABLE invites (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    email      text,
    created_by uuid REFERENCES users ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    used_by    uuid REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   uuid,
    type       text NOT NULL,
    subject_id text,
    client     text NOT NULL DEFAULT '',
    request_id text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_type_idx ON audit_events (type, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE invites;
DROP INDEX share_downloads_at_idx;
DROP INDEX users_created_at_id_idx;
ALTER TABLE users DROP COLUMN last_login_at;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN role;
