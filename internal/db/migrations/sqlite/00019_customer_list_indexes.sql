-- +goose Up
-- 客户列表 on a million customers (issue 8 item 1; docs/测试说明.md §4.0a).
-- Keep in step with ../postgres/00019_customer_list_indexes.sql and docs/数据字典.md.

-- A consultant's list is one store (a few thousand customers): one index
-- that holds every column the filters, sorts and searches read, so that the
-- capped count and the choice of the page's 20 rows read index pages only,
-- never the table rows of the whole store. It replaces the per-store
-- indexes of 00001 and 00007 (their columns are its prefix or inside it).
CREATE INDEX customers_store_list ON customers (store_id, created_at, id, merged_into_id, kind, stage, city, source,
    preferred_model_id, sales_user_id, consent_marketing, last_contact_at, updated_at, name, mobile);
DROP INDEX customers_store_created;
DROP INDEX customers_store_updated;
DROP INDEX customers_store_name;
DROP INDEX customers_store_contact;
DROP INDEX customers_store_stage;

-- An admin's list is every store: one index per low-cardinality filter,
-- in the default order, over the customers the list shows (not merged),
-- carrying the other such filters, so that a count of a filter or a pair
-- of filters reads index pages only; and the default order itself with
-- them, walked when many customers match.
CREATE INDEX customers_list_created ON customers (created_at, id, kind, stage, city, source, preferred_model_id, consent_marketing, last_contact_at)
    WHERE merged_into_id IS NULL;
CREATE INDEX customers_list_stage ON customers (stage, created_at, id, kind, city, source, preferred_model_id, consent_marketing, last_contact_at)
    WHERE merged_into_id IS NULL;
CREATE INDEX customers_list_source ON customers (source, created_at, id, kind, stage, city, preferred_model_id, consent_marketing, last_contact_at)
    WHERE merged_into_id IS NULL;
CREATE INDEX customers_list_model ON customers (preferred_model_id, created_at, id, kind, stage, city, source, consent_marketing, last_contact_at)
    WHERE merged_into_id IS NULL;
CREATE INDEX customers_list_city ON customers (city, created_at, id, kind, stage, source, preferred_model_id, consent_marketing, last_contact_at)
    WHERE merged_into_id IS NULL;
CREATE INDEX customers_list_kind ON customers (kind, created_at, id, stage, city, source, preferred_model_id, consent_marketing, last_contact_at)
    WHERE merged_into_id IS NULL;
-- Last contact: a range or "never" (NULL), in the default order.
CREATE INDEX customers_list_contact ON customers (last_contact_at, created_at, id, kind, stage, city, source, preferred_model_id,
    consent_marketing) WHERE merged_into_id IS NULL;
-- A name prefix (LIKE '王%', case-insensitive as SQLite's LIKE).
CREATE INDEX customers_list_name ON customers (name COLLATE NOCASE, kind, stage, city, source, preferred_model_id, consent_marketing, last_contact_at,
    created_at)
    WHERE merged_into_id IS NULL;
DROP INDEX customers_city_created;
DROP INDEX customers_contact;
DROP INDEX customers_name_prefix;
-- customers_list_created serves the list's default order (and carries
-- the filters' columns, so that walking it checks them without reading
-- table rows); customers_created and customers_sales_user are prefixes of
-- other indexes.
DROP INDEX customers_created_id;
DROP INDEX customers_created;
DROP INDEX customers_sales_user;

-- Statistics for the planner on a database that already holds customers
-- (nothing is written for empty tables).
ANALYZE customers;
ANALYZE customer_tags;

-- +goose Down
CREATE INDEX customers_name_prefix ON customers (name COLLATE NOCASE);
CREATE INDEX customers_contact ON customers (last_contact_at);
DROP INDEX customers_list_name;
DROP INDEX customers_list_contact;
DROP INDEX customers_list_kind;
CREATE INDEX customers_sales_user ON customers (sales_user_id);
CREATE INDEX customers_created ON customers (created_at);
CREATE INDEX customers_created_id ON customers (created_at, id);
CREATE INDEX customers_city_created ON customers (city, created_at);
DROP INDEX customers_list_city;
DROP INDEX customers_list_model;
DROP INDEX customers_list_source;
DROP INDEX customers_list_stage;
DROP INDEX customers_list_created;
CREATE INDEX customers_store_stage ON customers (store_id, stage);
CREATE INDEX customers_store_contact ON customers (store_id, last_contact_at);
CREATE INDEX customers_store_name ON customers (store_id, name, id);
CREATE INDEX customers_store_updated ON customers (store_id, updated_at, id);
CREATE INDEX customers_store_created ON customers (store_id, created_at, id);
DROP INDEX customers_store_list;
