-- +goose Up
-- Indexes for the admin account list (internal/account ListUsers, keyset
-- pages over a million accounts). Keep in step with ../sqlite/00004_users_list.sql
-- and the users section of docs/数据字典.md.

-- Keyset sorts: (key, id) in the list's order, with and without a role filter.
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_role_created ON users (role, created_at, id);
CREATE INDEX users_name ON users (display_name, id);
CREATE INDEX users_role_name ON users (role, display_name, id);
-- Prefix search (LIKE 'abc%'): text_pattern_ops serves LIKE whatever the
-- database's collation is.
CREATE INDEX users_username_prefix ON users (username text_pattern_ops);
CREATE INDEX users_name_prefix ON users (display_name text_pattern_ops);
-- The few disabled accounts (filter 已停用).
CREATE INDEX users_inactive ON users (created_at, id) WHERE active = FALSE;

-- +goose Down
DROP INDEX users_inactive;
DROP INDEX users_name_prefix;
DROP INDEX users_username_prefix;
DROP INDEX users_role_name;
DROP INDEX users_name;
DROP INDEX users_role_created;
DROP INDEX users_created;
