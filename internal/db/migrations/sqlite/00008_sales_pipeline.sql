-- +goose Up
-- Sales pipeline (internal/sales): lead assignment rules, follow-up tasks,
-- opportunity stage history, test-drive cars and bookings without double
-- booking, vehicle orders with their delivery. Keep in step with
-- ../postgres/00008_sales_pipeline.sql and docs/数据字典.md.

-- 线索分配规则: round-robin among a store's consultants, or a city to a store
-- (and optionally one consultant).
CREATE TABLE lead_assignment_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('round_robin', 'city')),
    store_id      INTEGER NOT NULL REFERENCES sites (id),
    city          TEXT NOT NULL DEFAULT '',
    user_id       INTEGER REFERENCES users (id),
    last_user_id  INTEGER REFERENCES users (id),
    created_by    INTEGER REFERENCES users (id),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    CHECK ((kind = 'city') = (city <> ''))
);
CREATE UNIQUE INDEX lead_assignment_rules_store_rr ON lead_assignment_rules (store_id) WHERE kind = 'round_robin';
CREATE UNIQUE INDEX lead_assignment_rules_city ON lead_assignment_rules (city) WHERE kind = 'city';

ALTER TABLE leads ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN assigned_at DATETIME;
ALTER TABLE leads ADD COLUMN first_contact_at DATETIME;
CREATE INDEX leads_store_created ON leads (store_id, created_at, id);
CREATE INDEX leads_user_created ON leads (sales_user_id, created_at, id);
CREATE INDEX leads_created ON leads (created_at, id);

-- Follow-up tasks: a follow-up with next_at is a task until done_at.
ALTER TABLE follow_ups ADD COLUMN done_at DATETIME;
ALTER TABLE follow_ups ADD COLUMN reminded_at DATETIME;
CREATE INDEX follow_ups_open_tasks ON follow_ups (user_id, next_at) WHERE next_at IS NOT NULL AND done_at IS NULL;
CREATE INDEX follow_ups_due_reminders ON follow_ups (next_at) WHERE next_at IS NOT NULL AND done_at IS NULL AND reminded_at IS NULL;

CREATE INDEX opportunities_store_updated ON opportunities (store_id, updated_at, id);
CREATE INDEX opportunities_updated ON opportunities (updated_at, id);

-- 商机阶段历史
CREATE TABLE opportunity_stage_history (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id),
    from_stage      TEXT,
    to_stage        TEXT NOT NULL CHECK (to_stage IN ('intent', 'test_drive', 'quote', 'order', 'delivered', 'lost')),
    user_id         INTEGER REFERENCES users (id),
    amount_fen      INTEGER NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    note            TEXT NOT NULL DEFAULT '',
    changed_at      DATETIME NOT NULL
);
CREATE INDEX opportunity_stage_history_opp ON opportunity_stage_history (opportunity_id, changed_at);

-- 试驾车
CREATE TABLE test_drive_cars (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id    INTEGER NOT NULL REFERENCES sites (id),
    model_id    INTEGER NOT NULL REFERENCES vehicle_models (id),
    plate       TEXT NOT NULL UNIQUE,
    color       TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL
);
CREATE INDEX test_drive_cars_store ON test_drive_cars (store_id, active);

ALTER TABLE test_drives ADD COLUMN car_id INTEGER REFERENCES test_drive_cars (id);
ALTER TABLE test_drives ADD COLUMN outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'interested', 'considering', 'not_interested'));
ALTER TABLE test_drives ADD COLUMN finished_at DATETIME;
-- One booking of a car per hour slot: the database refuses a double booking.
CREATE UNIQUE INDEX test_drives_car_slot ON test_drives (car_id, scheduled_at) WHERE car_id IS NOT NULL AND status <> 'cancelled';
CREATE INDEX test_drives_scheduled ON test_drives (scheduled_at, id);

ALTER TABLE vehicle_orders ADD COLUMN configuration TEXT NOT NULL DEFAULT '';
ALTER TABLE vehicle_orders ADD COLUMN color TEXT NOT NULL DEFAULT '';
ALTER TABLE vehicle_orders ADD COLUMN owner_user_id INTEGER REFERENCES users (id);
ALTER TABLE vehicle_orders ADD COLUMN bind_code TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX vehicle_orders_live_opportunity ON vehicle_orders (opportunity_id) WHERE opportunity_id IS NOT NULL AND status <> 'cancelled';

-- +goose Down
DROP INDEX vehicle_orders_live_opportunity;
ALTER TABLE vehicle_orders DROP COLUMN bind_code;
ALTER TABLE vehicle_orders DROP COLUMN owner_user_id;
ALTER TABLE vehicle_orders DROP COLUMN color;
ALTER TABLE vehicle_orders DROP COLUMN configuration;
DROP INDEX test_drives_scheduled;
DROP INDEX test_drives_car_slot;
ALTER TABLE test_drives DROP COLUMN finished_at;
ALTER TABLE test_drives DROP COLUMN outcome;
ALTER TABLE test_drives DROP COLUMN car_id;
DROP TABLE test_drive_cars;
DROP TABLE opportunity_stage_history;
DROP INDEX opportunities_updated;
DROP INDEX opportunities_store_updated;
DROP INDEX follow_ups_due_reminders;
DROP INDEX follow_ups_open_tasks;
ALTER TABLE follow_ups DROP COLUMN reminded_at;
ALTER TABLE follow_ups DROP COLUMN done_at;
DROP INDEX leads_created;
DROP INDEX leads_user_created;
DROP INDEX leads_store_created;
ALTER TABLE leads DROP COLUMN first_contact_at;
ALTER TABLE leads DROP COLUMN assigned_at;
ALTER TABLE leads DROP COLUMN note;
DROP TABLE lead_assignment_rules;
