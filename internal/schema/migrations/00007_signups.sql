-- Sign-ups waiting for their address to be confirmed (SMTP_URL set). A
-- pending sign-up is not an account: no users row exists until the link
-- mailed to the address is used, so an unconfirmed address can never sign
-- in, and an attacker who signs up with someone else's address gets no
-- account. Each sign-up keeps its own password hash, so a later sign-up
-- with the same address cannot change the password of an earlier one.
-- token_hash is the SHA-256 of the link's secret, set by the worker that
-- mails it (the plaintext is never stored); NULL until then.

-- +goose Up
CREATE TABLE signups (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    password_hash text NOT NULL,
    token_hash    bytea UNIQUE CHECK (octet_length(token_hash) = 32),
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signups_email_lower_idx ON signups (lower(email));
CREATE INDEX signups_expires_at_idx ON signups (expires_at);

-- +goose Down
DROP TABLE signups;
