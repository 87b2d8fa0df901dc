-- Download limits as a byte budget: a share with max_downloads = n may
-- serve n times each file's size of that file, over any mix of whole and
-- partial responses, so no spelling of Range gets more than n copies.
-- bytes_served is what the responses reserved, less what they gave back
-- unsent. spent_at is now set when every file's budget is used up.

-- +goose Up
ALTER TABLE share_files ADD COLUMN bytes_served bigint NOT NULL DEFAULT 0 CHECK (bytes_served >= 0);
-- Shares spent under the old rule (downloads reached max_downloads) stay
-- spent: their files' budgets are used up.
UPDATE share_files sf SET bytes_served = s.max_downloads::bigint * f.size
FROM shares s, files f
WHERE sf.share_id = s.id AND f.id = sf.file_id AND s.spent_at IS NOT NULL;

-- +goose Down
ALTER TABLE share_files DROP COLUMN bytes_served;
