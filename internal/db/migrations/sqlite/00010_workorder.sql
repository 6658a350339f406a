-- +goose Up
-- 工单 (internal/workorder): the work order columns the service pages need,
-- the catalogue of standard operations, the centers' hourly labour rates,
-- the warranty terms, ratings after hand-over and their follow-up cases.
-- Keep in step with ../postgres/00010_workorder.sql and docs/数据字典.md.

-- 标准作业目录: labour lines are taken from it (standard minutes × the center's hourly rate).
CREATE TABLE service_operations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL CHECK (category IN ('maintenance', 'diagnosis', 'repair', 'battery', 'body')),
    standard_minutes  INTEGER NOT NULL CHECK (standard_minutes > 0),
    warranty_scope    TEXT NOT NULL CHECK (warranty_scope IN ('vehicle', 'battery', 'none')),
    active            BOOLEAN NOT NULL DEFAULT 1
);

-- 工时单价: each service center's hourly labour rate.
CREATE TABLE labour_rates (
    site_id          INTEGER PRIMARY KEY REFERENCES sites (id),
    hourly_rate_fen  INTEGER NOT NULL CHECK (hourly_rate_fen > 0),
    updated_at       DATETIME NOT NULL
);

-- 质保条款: whole-vehicle and battery warranty of a model, from delivery.
CREATE TABLE warranty_terms (
    model_id       INTEGER PRIMARY KEY REFERENCES vehicle_models (id),
    vehicle_years  INTEGER NOT NULL CHECK (vehicle_years >= 0),
    vehicle_km     INTEGER NOT NULL CHECK (vehicle_km >= 0),
    battery_years  INTEGER NOT NULL CHECK (battery_years >= 0),
    battery_km     INTEGER NOT NULL CHECK (battery_km >= 0)
);

-- 备件类别质保范围: which warranty covers a part category (none: wear and maintenance items).
CREATE TABLE warranty_part_categories (
    category  TEXT PRIMARY KEY,
    scope     TEXT NOT NULL CHECK (scope IN ('vehicle', 'battery', 'none'))
);

ALTER TABLE work_orders ADD COLUMN bay TEXT NOT NULL DEFAULT '';
ALTER TABLE work_orders ADD COLUMN fault_codes TEXT NOT NULL DEFAULT '';
ALTER TABLE work_orders ADD COLUMN fault_cause TEXT NOT NULL DEFAULT 'quality' CHECK (fault_cause IN ('quality', 'wear', 'accident', 'maintenance'));
ALTER TABLE work_orders ADD COLUMN warranty_fen INTEGER NOT NULL DEFAULT 0 CHECK (warranty_fen >= 0);
ALTER TABLE work_orders ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE work_orders ADD COLUMN cancelled_at DATETIME;
ALTER TABLE work_orders ADD COLUMN updated_at DATETIME;
-- One live work order per appointment (a cancelled one may be replaced).
CREATE UNIQUE INDEX work_orders_appointment_live ON work_orders (appointment_id) WHERE appointment_id IS NOT NULL AND status <> 'cancelled';
-- The work-order list: a center's newest first (keyset on opened_at, id), and every center's for admins.
CREATE INDEX work_orders_site_opened ON work_orders (site_id, opened_at, id);
CREATE INDEX work_orders_opened ON work_orders (opened_at, id);

ALTER TABLE work_order_labour ADD COLUMN operation_id INTEGER REFERENCES service_operations (id);
ALTER TABLE work_order_labour ADD COLUMN payer TEXT NOT NULL DEFAULT 'owner' CHECK (payer IN ('owner', 'warranty'));
ALTER TABLE work_order_labour ADD COLUMN payer_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE work_order_labour ADD COLUMN payer_override BOOLEAN NOT NULL DEFAULT 0;

ALTER TABLE work_order_parts ADD COLUMN payer TEXT NOT NULL DEFAULT 'owner' CHECK (payer IN ('owner', 'warranty'));
ALTER TABLE work_order_parts ADD COLUMN payer_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE work_order_parts ADD COLUMN payer_override BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE work_order_parts ADD COLUMN returned BOOLEAN NOT NULL DEFAULT 0;

-- 工单评价: the owner's rating after hand-over, one per work order.
CREATE TABLE work_order_ratings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id  INTEGER NOT NULL UNIQUE REFERENCES work_orders (id),
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    site_id        INTEGER NOT NULL REFERENCES sites (id),
    rating         INTEGER NOT NULL CHECK (rating >= 1 AND rating <= 5),
    tags           TEXT NOT NULL DEFAULT '',
    comment        TEXT NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL
);
CREATE INDEX work_order_ratings_site ON work_order_ratings (site_id, created_at);

-- 回访工单: a rating of 2 or lower opens one for the center's staff, due within a set time.
CREATE TABLE service_followups (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    work_order_id  INTEGER NOT NULL REFERENCES work_orders (id),
    rating_id      INTEGER NOT NULL UNIQUE REFERENCES work_order_ratings (id),
    site_id        INTEGER NOT NULL REFERENCES sites (id),
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    due_at         DATETIME NOT NULL,
    resolution     TEXT NOT NULL DEFAULT '',
    closed_by      INTEGER REFERENCES users (id),
    created_at     DATETIME NOT NULL,
    closed_at      DATETIME
);
CREATE INDEX service_followups_site_status ON service_followups (site_id, status, due_at);

-- The default catalogue and part categories are written by workorder.EnsureDefaults
-- (at start and before data generation) into empty tables, not here: a database
-- copied into a freshly migrated one (nevcrm copy-to-postgres) starts empty.

-- +goose Down
DROP TABLE service_followups;
DROP TABLE work_order_ratings;
ALTER TABLE work_order_parts DROP COLUMN returned;
ALTER TABLE work_order_parts DROP COLUMN payer_override;
ALTER TABLE work_order_parts DROP COLUMN payer_reason;
ALTER TABLE work_order_parts DROP COLUMN payer;
ALTER TABLE work_order_labour DROP COLUMN payer_override;
ALTER TABLE work_order_labour DROP COLUMN payer_reason;
ALTER TABLE work_order_labour DROP COLUMN payer;
ALTER TABLE work_order_labour DROP COLUMN operation_id;
DROP INDEX work_orders_opened;
DROP INDEX work_orders_site_opened;
DROP INDEX work_orders_appointment_live;
ALTER TABLE work_orders DROP COLUMN updated_at;
ALTER TABLE work_orders DROP COLUMN cancelled_at;
ALTER TABLE work_orders DROP COLUMN cancel_reason;
ALTER TABLE work_orders DROP COLUMN warranty_fen;
ALTER TABLE work_orders DROP COLUMN fault_cause;
ALTER TABLE work_orders DROP COLUMN fault_codes;
ALTER TABLE work_orders DROP COLUMN bay;
DROP TABLE warranty_part_categories;
DROP TABLE warranty_terms;
DROP TABLE labour_rates;
DROP TABLE service_operations;
