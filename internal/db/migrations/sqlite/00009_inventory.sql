-- +goose Up
-- Inventory (internal/inventory): spare-part catalogue, stock per location
-- with moving-average cost, an append-only ledger, transfers in transit and
-- swap-station battery packs. Keep in step with ../postgres/00009_inventory.sql
-- and docs/数据字典.md.

-- Two CHECK constraints gain a value: sites.kind 'warehouse' (the central
-- parts warehouse) and stock_movements.kind 'return' (parts given back from a
-- work order). SQLite cannot alter a CHECK; widening an IN list changes no
-- stored row, so the table definitions are edited in place (the documented
-- writable_schema route for changes that leave the on-disk content valid).
-- The DDL below bumps the schema cookie, so every connection reloads them.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''swap_station''))', '''swap_station'', ''warehouse''))')
 WHERE type = 'table' AND name = 'sites';
UPDATE sqlite_schema SET sql = replace(sql, '''transfer_out''))', '''transfer_out'', ''return''))')
 WHERE type = 'table' AND name = 'stock_movements';
PRAGMA writable_schema = OFF;

-- 适用车型: the models a part fits (none listed: fits every model).
CREATE TABLE part_models (
    part_id   INTEGER NOT NULL REFERENCES parts (id),
    model_id  INTEGER NOT NULL REFERENCES vehicle_models (id),
    PRIMARY KEY (part_id, model_id)
);

-- Moving-average unit cost of the stock on hand at a location.
ALTER TABLE part_stock ADD COLUMN avg_cost_fen INTEGER NOT NULL DEFAULT 0 CHECK (avg_cost_fen >= 0);
UPDATE part_stock SET avg_cost_fen = (SELECT cost_fen FROM parts WHERE parts.id = part_stock.part_id);
CREATE INDEX part_stock_part ON part_stock (part_id, site_id);

-- 调拨单: parts sent from one location to another, in transit until received.
CREATE TABLE stock_transfers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL UNIQUE,
    part_id         INTEGER NOT NULL REFERENCES parts (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    unit_cost_fen   INTEGER NOT NULL CHECK (unit_cost_fen >= 0),
    from_site_id    INTEGER NOT NULL REFERENCES sites (id),
    to_site_id      INTEGER NOT NULL REFERENCES sites (id),
    status          TEXT NOT NULL DEFAULT 'in_transit' CHECK (status IN ('in_transit', 'received')),
    note            TEXT NOT NULL DEFAULT '',
    sent_by         INTEGER REFERENCES users (id),
    sent_at         DATETIME NOT NULL,
    received_by     INTEGER REFERENCES users (id),
    received_at     DATETIME,
    CHECK (from_site_id <> to_site_id)
);
CREATE INDEX stock_transfers_to ON stock_transfers (to_site_id, status, id);
CREATE INDEX stock_transfers_from ON stock_transfers (from_site_id, status, id);

-- Ledger lines carry their unit cost, the reason (stocktake) and the transfer.
ALTER TABLE stock_movements ADD COLUMN unit_cost_fen INTEGER NOT NULL DEFAULT 0 CHECK (unit_cost_fen >= 0);
ALTER TABLE stock_movements ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE stock_movements ADD COLUMN transfer_id INTEGER REFERENCES stock_transfers (id);
UPDATE stock_movements SET unit_cost_fen = (SELECT cost_fen FROM parts WHERE parts.id = stock_movements.part_id);
CREATE INDEX stock_movements_site ON stock_movements (site_id, id);
CREATE INDEX stock_movements_part ON stock_movements (part_id, site_id, id);

-- The ledger is append-only: a correction is a new line, never an edit.
-- +goose StatementBegin
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;
-- +goose StatementEnd

-- 换电电池包: the packs of a swap station and their state.
CREATE TABLE battery_packs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    serial      TEXT NOT NULL UNIQUE,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    state       TEXT NOT NULL CHECK (state IN ('charged', 'charging', 'maintenance')),
    health_pct  INTEGER NOT NULL DEFAULT 100 CHECK (health_pct BETWEEN 0 AND 100),
    updated_at  DATETIME NOT NULL
);
CREATE INDEX battery_packs_site ON battery_packs (site_id, state);

-- 电池包流水: every change of a pack's place or state (append-only).
CREATE TABLE battery_pack_movements (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pack_id     INTEGER NOT NULL REFERENCES battery_packs (id),
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    kind        TEXT NOT NULL CHECK (kind IN ('receive', 'state', 'transfer_out', 'transfer_in')),
    from_state  TEXT NOT NULL DEFAULT '',
    to_state    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    user_id     INTEGER REFERENCES users (id),
    created_at  DATETIME NOT NULL
);
CREATE INDEX battery_pack_movements_pack ON battery_pack_movements (pack_id, id);
CREATE INDEX battery_pack_movements_site ON battery_pack_movements (site_id, id);

-- +goose Down
DROP TABLE battery_pack_movements;
DROP TABLE battery_packs;
DROP TRIGGER stock_movements_no_delete;
DROP TRIGGER stock_movements_no_update;
DROP INDEX stock_movements_part;
DROP INDEX stock_movements_site;
ALTER TABLE stock_movements DROP COLUMN transfer_id;
ALTER TABLE stock_movements DROP COLUMN reason;
ALTER TABLE stock_movements DROP COLUMN unit_cost_fen;
DROP TABLE stock_transfers;
DROP INDEX part_stock_part;
ALTER TABLE part_stock DROP COLUMN avg_cost_fen;
DROP TABLE part_models;
