-- My files at scale: keyset pages of a user's files by name, size or
-- date (files.Page), each an index scan however many files the user has,
-- and a search by part of a name.
--
-- The search is a trigram GIN index (pg_trgm, a contrib extension shipped
-- with every Postgres install and trusted since Postgres 13, so a
-- database owner may create it), which serves ILIKE '%part%' at any
-- position, not only prefixes.
-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX files_owner_name_idx ON files (owner_id, lower(name), id);
CREATE INDEX files_owner_size_idx ON files (owner_id, size, id);
CREATE INDEX files_owner_created_idx ON files (owner_id, created_at, id);
CREATE INDEX files_name_trgm_idx ON files USING gin (lower(name) gin_trgm_ops);
DROP INDEX files_owner_id_idx; -- each of the three above leads with owner_id

-- +goose Down
CREATE INDEX files_owner_id_idx ON files (owner_id);
DROP INDEX files_name_trgm_idx;
DROP INDEX files_owner_created_idx;
DROP INDEX files_owner_size_idx;
DROP INDEX files_owner_name_idx;
-- pg_trgm stays: other objects may use it.
