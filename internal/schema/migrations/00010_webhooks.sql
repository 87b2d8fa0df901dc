-- Webhooks: a user's endpoints, each subscribed to some event types, and
-- the log of every attempt to deliver an event to one.
--
-- secret is the signing key whose whsec_ form the owner was shown once;
-- it is needed in the clear to sign, so it is stored as it is and never
-- returned by the API again. failing_since is when the current run of
-- failed attempts began (NULL: the last attempt succeeded); an endpoint
-- failing for WEBHOOK_DISABLE_AFTER is disabled (disabled_at) and its
-- owner mailed. The log keeps status and latency, never response bodies.

-- +goose Up
CREATE TABLE webhooks (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    url           text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events        text[] NOT NULL CHECK (cardinality(events) > 0),
    secret        bytea NOT NULL CHECK (octet_length(secret) = 32),
    failing_since timestamptz,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_user_id_idx ON webhooks (user_id);

CREATE TABLE webhook_deliveries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id uuid NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    message_id text NOT NULL,    -- webhook-id: the same for every attempt of one event
    event      text NOT NULL,
    attempt    integer NOT NULL CHECK (attempt > 0),
    status     integer,          -- the HTTP status answered; NULL: no answer (refused, timed out, unreachable)
    error      text NOT NULL DEFAULT '', -- why there was no answer, or ''
    latency_ms integer NOT NULL CHECK (latency_ms >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- The log is read newest first per endpoint; the purge trims it by age.
CREATE INDEX webhook_deliveries_webhook_id_idx ON webhook_deliveries (webhook_id, id DESC);
CREATE INDEX webhook_deliveries_created_at_idx ON webhook_deliveries (created_at);

-- share.expired is sent once per share: the purge marks the shares whose
-- expiry it has told of. Shares that expired before webhooks existed are
-- marked told already.
ALTER TABLE shares ADD COLUMN expiry_told boolean NOT NULL DEFAULT false;
UPDATE shares SET expiry_told = true WHERE expires_at <= now();
CREATE INDEX shares_expiry_untold_idx ON shares (expires_at) WHERE NOT expiry_told AND owner_id IS NOT NULL;

-- +goose Down
DROP INDEX shares_expiry_untold_idx;
ALTER TABLE shares DROP COLUMN expiry_told;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
