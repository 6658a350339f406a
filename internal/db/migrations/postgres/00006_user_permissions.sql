-- +goose Up
-- Permissions an admin grants to a staff account beyond its role
-- (identity.Perm): comma-separated names, e.g. 'store_manager,moderator'.
-- Keep in step with the other dialect's 00006 and docs/数据字典.md (users).
ALTER TABLE users ADD COLUMN permissions TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN permissions;
