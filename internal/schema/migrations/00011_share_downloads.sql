-- Per-link download history: one row per response that sent bytes of a
-- share, written once the response ends. It keeps no address: client is
-- 16 bytes of SHA-256 over the share's id and the client group (an IPv4
-- address or an IPv6 /64), so one link's rows tell repeat visitors apart
-- while the same visitor's rows under two links differ. file_id is null
-- for a zip of the whole share; a file deleted later leaves its rows with
-- a null file_id too.

-- +goose Up
CREATE TABLE share_downloads (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    share_id uuid NOT NULL REFERENCES shares ON DELETE CASCADE,
    file_id  uuid REFERENCES files ON DELETE SET NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    bytes    bigint NOT NULL CHECK (bytes >= 0),
    whole    boolean NOT NULL, -- the response started at byte 0 and sent the last byte
    client   bytea NOT NULL CHECK (octet_length(client) = 16)
);
-- The history of a link, newest first.
CREATE INDEX share_downloads_share_at_idx ON share_downloads (share_id, at DESC, id DESC);
-- Deleting a file sets its rows' file_id to null.
CREATE INDEX share_downloads_file_id_idx ON share_downloads (file_id) WHERE file_id IS NOT NULL;

-- +goose Down
DROP TABLE share_downloads;
