-- Scoped, expiring API tokens. The tokens made before this keep every
-- right and never expire: NULL scopes is every scope, NULL expires_at is
-- never. New tokens name their scopes.

-- +goose Up
ALTER TABLE api_tokens ADD COLUMN scopes text[];
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE api_tokens DROP COLUMN scopes;
