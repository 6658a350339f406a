-- +goose Up
-- Reports (internal/report): monthly sales targets set by admins, the
-- indexes the reports read by (time ranges across every store, the funnel's
-- links from a lead to its test drives, opportunities and orders), the
-- index of the all-centers appointment queue, and two counters kept by
-- triggers so that the sales dashboard counts customers by stage and leads
-- by status without reading a million rows. Keep in step with
-- ../postgres/00016_reports.sql and docs/数据字典.md.

-- 月度销售目标: a store's (user_id NULL) or a consultant's target for a
-- local (Asia/Shanghai) month.
CREATE TABLE sales_targets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    month        TEXT NOT NULL CHECK (length(month) = 7),
    store_id     INTEGER NOT NULL REFERENCES sites (id),
    user_id      INTEGER REFERENCES users (id),
    orders       INTEGER NOT NULL DEFAULT 0 CHECK (orders >= 0),
    deliveries   INTEGER NOT NULL DEFAULT 0 CHECK (deliveries >= 0),
    revenue_fen  INTEGER NOT NULL DEFAULT 0 CHECK (revenue_fen >= 0),
    set_by       INTEGER REFERENCES users (id),
    updated_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX sales_targets_store ON sales_targets (month, store_id) WHERE user_id IS NULL;
CREATE UNIQUE INDEX sales_targets_user ON sales_targets (month, store_id, user_id) WHERE user_id IS NOT NULL;

-- Report indexes.
CREATE INDEX vehicle_orders_ordered ON vehicle_orders (ordered_at);
CREATE INDEX vehicle_orders_delivered ON vehicle_orders (delivered_at);
CREATE INDEX vehicle_orders_opportunity ON vehicle_orders (opportunity_id);
CREATE INDEX opportunities_lead ON opportunities (lead_id);
CREATE INDEX test_drives_lead ON test_drives (lead_id);
CREATE INDEX work_order_ratings_created ON work_order_ratings (created_at);
CREATE INDEX feedback_created ON feedback (created_at);
CREATE INDEX work_orders_completed ON work_orders (completed_at);
CREATE INDEX charging_sessions_started ON charging_sessions (started_at, site_id);
CREATE INDEX battery_swaps_swapped ON battery_swaps (swapped_at);
CREATE INDEX support_tickets_created ON support_tickets (created_at);
-- The all-centers queue of one day (admins).
CREATE INDEX appointments_day ON appointments (slot_date, slot_minute);
-- The open pipeline of every store (admins' sales dashboard).
CREATE INDEX opportunities_stage ON opportunities (stage);

-- 报表计数: customers by store (0: none) and stage, leads by store and
-- status, kept by the triggers below.
CREATE TABLE report_customer_stages (
    store_id  INTEGER NOT NULL,
    stage     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (store_id, stage)
);
INSERT INTO report_customer_stages (store_id, stage, n) SELECT COALESCE(store_id, 0), stage, COUNT(*) FROM customers GROUP BY COALESCE(store_id, 0), stage;
CREATE TABLE report_lead_statuses (
    store_id  INTEGER NOT NULL,
    status    TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (store_id, status)
);
INSERT INTO report_lead_statuses (store_id, status, n) SELECT COALESCE(store_id, 0), status, COUNT(*) FROM leads GROUP BY COALESCE(store_id, 0), status;

-- +goose StatementBegin
CREATE TRIGGER customers_report_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO report_customer_stages (store_id, stage, n) VALUES (COALESCE(NEW.store_id, 0), NEW.stage, 1)
        ON CONFLICT (store_id, stage) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_report_delete AFTER DELETE ON customers
BEGIN
    UPDATE report_customer_stages SET n = n - 1 WHERE store_id = COALESCE(OLD.store_id, 0) AND stage = OLD.stage;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_report_update AFTER UPDATE OF store_id, stage ON customers
    WHEN COALESCE(OLD.store_id, 0) <> COALESCE(NEW.store_id, 0) OR OLD.stage <> NEW.stage
BEGIN
    UPDATE report_customer_stages SET n = n - 1 WHERE store_id = COALESCE(OLD.store_id, 0) AND stage = OLD.stage;
    INSERT INTO report_customer_stages (store_id, stage, n) VALUES (COALESCE(NEW.store_id, 0), NEW.stage, 1)
        ON CONFLICT (store_id, stage) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER leads_report_insert AFTER INSERT ON leads
BEGIN
    INSERT INTO report_lead_statuses (store_id, status, n) VALUES (COALESCE(NEW.store_id, 0), NEW.status, 1)
        ON CONFLICT (store_id, status) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER leads_report_delete AFTER DELETE ON leads
BEGIN
    UPDATE report_lead_statuses SET n = n - 1 WHERE store_id = COALESCE(OLD.store_id, 0) AND status = OLD.status;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER leads_report_update AFTER UPDATE OF store_id, status ON leads
    WHEN COALESCE(OLD.store_id, 0) <> COALESCE(NEW.store_id, 0) OR OLD.status <> NEW.status
BEGIN
    UPDATE report_lead_statuses SET n = n - 1 WHERE store_id = COALESCE(OLD.store_id, 0) AND status = OLD.status;
    INSERT INTO report_lead_statuses (store_id, status, n) VALUES (COALESCE(NEW.store_id, 0), NEW.status, 1)
        ON CONFLICT (store_id, status) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER leads_report_update;
DROP TRIGGER leads_report_delete;
DROP TRIGGER leads_report_insert;
DROP TRIGGER customers_report_update;
DROP TRIGGER customers_report_delete;
DROP TRIGGER customers_report_insert;
DROP TABLE report_lead_statuses;
DROP TABLE report_customer_stages;
DROP INDEX opportunities_stage;
DROP INDEX appointments_day;
DROP INDEX support_tickets_created;
DROP INDEX battery_swaps_swapped;
DROP INDEX charging_sessions_started;
DROP INDEX work_orders_completed;
DROP INDEX feedback_created;
DROP INDEX work_order_ratings_created;
DROP INDEX test_drives_lead;
DROP INDEX opportunities_lead;
DROP INDEX vehicle_orders_opportunity;
DROP INDEX vehicle_orders_delivered;
DROP INDEX vehicle_orders_ordered;
DROP TABLE sales_targets;
