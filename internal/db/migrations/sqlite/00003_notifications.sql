-- +goose Up
-- 站内通知: one row per recipient and event, written by internal/notify in
-- the transaction of the event that causes it. Keep in step with
-- ../postgres/00003_notifications.sql and docs/数据字典.md.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    read_at     DATETIME
);
-- The unread count and the unread list, newest first. Partial, so it holds
-- only unread rows, and so that PostgreSQL also reads it in id order: an
-- index on (user_id, read_at, id) would need a sort, as PostgreSQL does not
-- treat "read_at IS NULL" as fixing read_at for ordering.
CREATE INDEX notifications_user_unread ON notifications (user_id, id) WHERE read_at IS NULL;
-- The full list, newest first, without sorting a user's rows.
CREATE INDEX notifications_user ON notifications (user_id, id);

-- +goose Down
DROP TABLE notifications;
