-- +goose Up
-- 车主个人中心 (internal/vehicle, internal/privacy, internal/customer): the
-- owner's nickname, bind codes and the ownership history of vehicles, the
-- monthly battery-health and mileage history, and personal-data deletion
-- requests. Keep in step with ../postgres/00011_owner_center.sql and
-- docs/数据字典.md.

ALTER TABLE customers ADD COLUMN nickname TEXT NOT NULL DEFAULT '';

-- 车辆绑定码: the code printed on a delivery record (or made by the owner for a
-- transfer) with which an owner binds the car; only its SHA-256 is kept.
CREATE TABLE vehicle_bind_codes (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    vehicle_id           INTEGER NOT NULL REFERENCES vehicles (id),
    code_hash            TEXT NOT NULL UNIQUE,
    purpose              TEXT NOT NULL CHECK (purpose IN ('delivery', 'transfer')),
    issued_by_user_id    INTEGER REFERENCES users (id),
    issued_at            DATETIME NOT NULL,
    expires_at           DATETIME NOT NULL,
    used_at              DATETIME,
    used_by_customer_id  INTEGER REFERENCES customers (id),
    revoked_at           DATETIME,
    CHECK (expires_at > issued_at)
);
CREATE INDEX vehicle_bind_codes_vehicle ON vehicle_bind_codes (vehicle_id, issued_at);

-- 车辆归属历史: who owned a vehicle when; the open row (ended_at empty) is the current owner.
CREATE TABLE vehicle_ownerships (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    vehicle_id   INTEGER NOT NULL REFERENCES vehicles (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    via          TEXT NOT NULL CHECK (via IN ('delivery', 'bind', 'transfer')),
    started_at   DATETIME NOT NULL,
    ended_at     DATETIME,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX vehicle_ownerships_vehicle ON vehicle_ownerships (vehicle_id, started_at);
CREATE INDEX vehicle_ownerships_customer ON vehicle_ownerships (customer_id);
CREATE UNIQUE INDEX vehicle_ownerships_open ON vehicle_ownerships (vehicle_id) WHERE ended_at IS NULL;

-- 绑定失败计数: throttles wrong bind codes per owner and per VIN.
CREATE TABLE vehicle_bind_failures (
    bind_key         TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL CHECK (failures >= 0),
    first_failed_at  DATETIME NOT NULL,
    locked_until     DATETIME
);

-- 车辆月度状态: battery state of health, odometer and fast-charge share at the end of each month.
CREATE TABLE vehicle_health_history (
    vehicle_id         INTEGER NOT NULL REFERENCES vehicles (id),
    month              DATE NOT NULL,
    battery_soh        REAL NOT NULL CHECK (battery_soh > 0 AND battery_soh <= 100),
    mileage_km         INTEGER NOT NULL CHECK (mileage_km >= 0),
    fast_charge_share  REAL NOT NULL DEFAULT 0 CHECK (fast_charge_share >= 0 AND fast_charge_share <= 1),
    PRIMARY KEY (vehicle_id, month)
);

-- 个人信息删除申请: an owner's request to erase their personal data, decided by staff.
CREATE TABLE privacy_requests (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id          INTEGER NOT NULL REFERENCES customers (id),
    user_id              INTEGER REFERENCES users (id),
    kind                 TEXT NOT NULL DEFAULT 'erase' CHECK (kind IN ('erase')),
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'rejected', 'withdrawn')),
    reason               TEXT NOT NULL DEFAULT '',
    requested_at         DATETIME NOT NULL,
    due_at               DATETIME NOT NULL,
    decided_at           DATETIME,
    decided_by_user_id   INTEGER REFERENCES users (id),
    decision_note        TEXT NOT NULL DEFAULT '',
    CHECK (due_at > requested_at)
);
CREATE INDEX privacy_requests_status_due ON privacy_requests (status, due_at);
CREATE UNIQUE INDEX privacy_requests_open ON privacy_requests (customer_id) WHERE status = 'pending';

-- +goose Down
DROP TABLE privacy_requests;
DROP TABLE vehicle_health_history;
DROP TABLE vehicle_bind_failures;
DROP TABLE vehicle_ownerships;
DROP TABLE vehicle_bind_codes;
ALTER TABLE customers DROP COLUMN nickname;
