-- +goose Up
-- 客户管理: the customer list, 360° view, duplicates and import (internal/customer).
-- Keep in step with ../postgres/00007_customers.sql and docs/数据字典.md.

-- Preferences shown and edited on the 360° page, the last contact for the
-- list's filter, and the survivor of a merge.
ALTER TABLE customers ADD COLUMN usage_purpose TEXT NOT NULL DEFAULT ''
    CHECK (usage_purpose IN ('', 'commute', 'family', 'business', 'ride_hailing', 'other'));
ALTER TABLE customers ADD COLUMN home_charging TEXT NOT NULL DEFAULT 'unknown'
    CHECK (home_charging IN ('yes', 'no', 'planned', 'unknown'));
ALTER TABLE customers ADD COLUMN family_size INTEGER CHECK (family_size IS NULL OR (family_size >= 1 AND family_size <= 20));
ALTER TABLE customers ADD COLUMN last_contact_at DATETIME;
ALTER TABLE customers ADD COLUMN merged_into_id INTEGER REFERENCES customers (id);

-- Keyset sorts of the list, store-wide (sales) and over every store (admin).
CREATE INDEX customers_created_id ON customers (created_at, id);
CREATE INDEX customers_store_created ON customers (store_id, created_at, id);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_store_updated ON customers (store_id, updated_at, id);
CREATE INDEX customers_name_id ON customers (name, id);
CREATE INDEX customers_store_name ON customers (store_id, name, id);
-- Search: name prefix (LIKE '王%'), the last four digits of the mobile.
CREATE INDEX customers_name_prefix ON customers (name COLLATE NOCASE);
CREATE INDEX customers_mobile_last4 ON customers (substr(mobile, 8, 4));
-- Filters that select few rows over the whole table.
CREATE INDEX customers_contact ON customers (last_contact_at);
CREATE INDEX customers_store_contact ON customers (store_id, last_contact_at);
CREATE INDEX customers_sales_created ON customers (sales_user_id, created_at, id);
CREATE INDEX customers_merged ON customers (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- 客户标签
CREATE TABLE customer_tags (
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    tag          TEXT NOT NULL CHECK (length(tag) >= 1 AND length(tag) <= 40),
    created_by   INTEGER REFERENCES users (id),
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);

-- 客户备注: notes written on the 360° page; part of the timeline.
CREATE TABLE customer_notes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    user_id      INTEGER REFERENCES users (id),
    body         TEXT NOT NULL CHECK (length(body) >= 1),
    created_at   DATETIME NOT NULL
);
CREATE INDEX customer_notes_customer ON customer_notes (customer_id, created_at);

-- 客户列表视图: a user's saved filters of the customer list.
CREATE TABLE customer_views (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    UNIQUE (user_id, name)
);

-- 导入任务: an uploaded file, its column mapping and its outcome.
CREATE TABLE customer_imports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER REFERENCES users (id),
    target         TEXT NOT NULL CHECK (target IN ('customers', 'leads')),
    file_name      TEXT NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
    size_bytes     INTEGER NOT NULL CHECK (size_bytes >= 0),
    headers        TEXT NOT NULL DEFAULT '',
    mapping        TEXT NOT NULL DEFAULT '',
    policy         TEXT NOT NULL DEFAULT 'skip' CHECK (policy IN ('skip', 'update', 'create')),
    store_id       INTEGER REFERENCES sites (id),
    status         TEXT NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'checked', 'queued', 'done', 'failed')),
    job_id         INTEGER,
    total_rows     INTEGER NOT NULL DEFAULT 0,
    created_rows   INTEGER NOT NULL DEFAULT 0,
    updated_rows   INTEGER NOT NULL DEFAULT 0,
    skipped_rows   INTEGER NOT NULL DEFAULT 0,
    error_rows     INTEGER NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE INDEX customer_imports_user ON customer_imports (user_id, id);

-- 导入文件块: the uploaded file, in chunks of 1 MiB.
CREATE TABLE customer_import_chunks (
    import_id  INTEGER NOT NULL REFERENCES customer_imports (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    data       BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- 导入列映射: the mapping a user last used for a file with these columns.
CREATE TABLE customer_import_mappings (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target      TEXT NOT NULL,
    signature   TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (user_id, target, signature)
);

-- +goose Down
DROP TABLE customer_import_mappings;
DROP TABLE customer_import_chunks;
DROP TABLE customer_imports;
DROP TABLE customer_views;
DROP TABLE customer_notes;
DROP TABLE customer_tags;
DROP INDEX customers_merged;
DROP INDEX customers_sales_created;
DROP INDEX customers_store_contact;
DROP INDEX customers_contact;
DROP INDEX customers_mobile_last4;
DROP INDEX customers_name_prefix;
DROP INDEX customers_store_name;
DROP INDEX customers_name_id;
DROP INDEX customers_store_updated;
DROP INDEX customers_updated;
DROP INDEX customers_store_created;
DROP INDEX customers_created_id;
ALTER TABLE customers DROP COLUMN merged_into_id;
ALTER TABLE customers DROP COLUMN last_contact_at;
ALTER TABLE customers DROP COLUMN family_size;
ALTER TABLE customers DROP COLUMN home_charging;
ALTER TABLE customers DROP COLUMN usage_purpose;
