-- +goose Up
-- Reports (internal/report): 评论词频日汇总, the indexes the service
-- reports read by and that of the admin's sales dashboard.
-- report_comment_words: per site and local (Asia/Shanghai) day of the
-- comment, how many comments (work-order ratings and feedback with a
-- non-empty comment) contain each dictionary word (internal/report/words.go
-- segments them); site_id 0 holds every comment of the day, including
-- feedback with no site. Written only by the report's word job, which
-- recounts a whole day at a time.
-- report_comment_days: the days whose comments changed since the job last
-- counted them (pending is bumped by every change, so the job clears a day
-- only if nothing changed while it counted). The triggers below mark the
-- day of every comment inserted, deleted or changed (text, time or site);
-- the report counts a marked day's comments itself, so its figures are
-- exact whether or not the job has run. Every day with a comment is marked
-- here, to be counted by the job's first run.
-- Keep in step with ../postgres/00026_report_comment_words.sql and
-- docs/数据字典.md.
CREATE TABLE report_comment_words (
    site_id  INTEGER NOT NULL,
    day      TEXT NOT NULL CHECK (length(day) = 10),
    word     TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (site_id, day, word)
);
CREATE INDEX report_comment_words_day ON report_comment_words (day);
CREATE TABLE report_comment_days (
    day      TEXT PRIMARY KEY CHECK (length(day) = 10),
    pending  INTEGER NOT NULL
);
INSERT INTO report_comment_days (day, pending)
    SELECT strftime('%Y-%m-%d', created_at, '+8 hours'), 1 FROM work_order_ratings WHERE comment <> ''
    UNION SELECT strftime('%Y-%m-%d', created_at, '+8 hours'), 1 FROM feedback WHERE comment <> '';
-- +goose StatementBegin
CREATE TRIGGER work_order_ratings_words_insert AFTER INSERT ON work_order_ratings WHEN NEW.comment <> ''
BEGIN
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', NEW.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER work_order_ratings_words_delete AFTER DELETE ON work_order_ratings WHEN OLD.comment <> ''
BEGIN
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', OLD.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER work_order_ratings_words_update AFTER UPDATE OF comment, created_at, site_id ON work_order_ratings
WHEN OLD.comment <> '' OR NEW.comment <> ''
BEGIN
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', OLD.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', NEW.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feedback_words_insert AFTER INSERT ON feedback WHEN NEW.comment <> ''
BEGIN
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', NEW.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feedback_words_delete AFTER DELETE ON feedback WHEN OLD.comment <> ''
BEGIN
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', OLD.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feedback_words_update AFTER UPDATE OF comment, created_at, site_id ON feedback
WHEN OLD.comment <> '' OR NEW.comment <> ''
BEGIN
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', OLD.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
    INSERT INTO report_comment_days (day, pending) VALUES (strftime('%Y-%m-%d', NEW.created_at, '+8 hours'), 1)
        ON CONFLICT (day) DO UPDATE SET pending = report_comment_days.pending + 1;
END;
-- +goose StatementEnd

-- Covering indexes of the service reports (replacing narrower ones): the
-- ratings, feedback and finished work orders of a period across every site,
-- and the appointment day rollup of a period (the admin overview reads the
-- last 30 days by status).
DROP INDEX work_order_ratings_created;
CREATE INDEX work_order_ratings_report ON work_order_ratings (created_at, site_id, rating);
DROP INDEX feedback_created;
CREATE INDEX feedback_report ON feedback (created_at, site_id, kind, category);
DROP INDEX support_tickets_created;
CREATE INDEX support_tickets_report ON support_tickets (created_at, category);
DROP INDEX work_orders_completed;
CREATE INDEX work_orders_report ON work_orders (completed_at, status, site_id, parts_fen, labour_fen, warranty_fen);
DROP INDEX report_appointment_days_day;
CREATE INDEX report_appointment_days_report ON report_appointment_days (day, status, site_id, service_kind, n, started, on_time, dur_sec, dur_n);
-- The open pipeline of every store (admins' sales dashboard) from the index
-- alone.
DROP INDEX opportunities_stage;
CREATE INDEX opportunities_open ON opportunities (stage, amount_fen, probability);

-- +goose Down
DROP INDEX opportunities_open;
CREATE INDEX opportunities_stage ON opportunities (stage);
DROP INDEX report_appointment_days_report;
CREATE INDEX report_appointment_days_day ON report_appointment_days (day, site_id);
DROP INDEX work_orders_report;
CREATE INDEX work_orders_completed ON work_orders (completed_at);
DROP INDEX support_tickets_report;
CREATE INDEX support_tickets_created ON support_tickets (created_at);
DROP INDEX feedback_report;
CREATE INDEX feedback_created ON feedback (created_at);
DROP INDEX work_order_ratings_report;
CREATE INDEX work_order_ratings_created ON work_order_ratings (created_at);
DROP TRIGGER feedback_words_update;
DROP TRIGGER feedback_words_delete;
DROP TRIGGER feedback_words_insert;
DROP TRIGGER work_order_ratings_words_update;
DROP TRIGGER work_order_ratings_words_delete;
DROP TRIGGER work_order_ratings_words_insert;
DROP TABLE report_comment_days;
DROP TABLE report_comment_words;
