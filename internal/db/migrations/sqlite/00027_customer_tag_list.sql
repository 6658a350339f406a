-- +goose Up
-- 客户列表 by tag on a million customers (issue 8 item 1; docs/测试说明.md §4.0a).
-- Keep in step with ../postgres/00027_customer_tag_list.sql and docs/数据字典.md.

-- One row per customer tag (customer_tags) with the customer's columns that
-- the list filters and sorts by, kept by the triggers below: a tag combined
-- with another filter is then one index range (tag, filter, created_at),
-- read from the index alone, instead of probing customer_tags for every
-- customer of a city or stage (a tag on one customer in ten and a common
-- city: 270 ms; docs/测试说明.md §4.0a). The customer's id is "id", and the
-- columns have the customers' names, so that the list's conditions read the
-- same on either table (internal/customer/list.go).
CREATE TABLE customer_tag_list (
    id                  INTEGER NOT NULL REFERENCES customers (id),
    tag                 TEXT NOT NULL,
    store_id            INTEGER,
    sales_user_id       INTEGER,
    kind                TEXT NOT NULL,
    stage               TEXT NOT NULL,
    city                TEXT NOT NULL,
    source              TEXT NOT NULL,
    preferred_model_id  INTEGER,
    consent_marketing   BOOLEAN NOT NULL,
    last_contact_at     DATETIME,
    merged_into_id      INTEGER,
    name                TEXT NOT NULL,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    PRIMARY KEY (id, tag)
);
-- A consultant's list (one store): every column the list reads.
CREATE INDEX customer_tag_list_store ON customer_tag_list (tag, store_id, created_at, id, merged_into_id, kind, stage, city, source,
    preferred_model_id, sales_user_id, consent_marketing, last_contact_at, updated_at, name);
-- Every store (an admin): the default order, each equality filter and the
-- last contact in the default order, and the other two sorts, each
-- carrying the other filters' columns.
CREATE INDEX customer_tag_list_created ON customer_tag_list (tag, created_at, id, kind, stage, city, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_kind ON customer_tag_list (tag, kind, created_at, id, stage, city, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_stage ON customer_tag_list (tag, stage, created_at, id, kind, city, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_city ON customer_tag_list (tag, city, created_at, id, kind, stage, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_source ON customer_tag_list (tag, source, created_at, id, kind, stage, city, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_model ON customer_tag_list (tag, preferred_model_id, created_at, id, kind, stage, city, source, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_sales ON customer_tag_list (tag, sales_user_id, created_at, id, kind, stage, city, source, preferred_model_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_contact ON customer_tag_list (tag, last_contact_at, created_at, id, kind, stage, city, source, preferred_model_id,
    sales_user_id, consent_marketing) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_name ON customer_tag_list (tag, name, id, kind, stage, city, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
CREATE INDEX customer_tag_list_updated ON customer_tag_list (tag, updated_at, id, kind, stage, city, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at) WHERE merged_into_id IS NULL;
-- A name prefix with a tag (LIKE '王%', as customers_list_name).
CREATE INDEX customer_tag_list_name_prefix ON customer_tag_list (tag, name COLLATE NOCASE, kind, stage, city, source, preferred_model_id, sales_user_id,
    consent_marketing, last_contact_at, created_at) WHERE merged_into_id IS NULL;

INSERT INTO customer_tag_list (id, tag, store_id, sales_user_id, kind, stage, city, source, preferred_model_id, consent_marketing,
        last_contact_at, merged_into_id, name, created_at, updated_at)
    SELECT c.id, t.tag, c.store_id, c.sales_user_id, c.kind, c.stage, c.city, c.source, c.preferred_model_id, c.consent_marketing,
        c.last_contact_at, c.merged_into_id, c.name, c.created_at, c.updated_at
    FROM customer_tags t JOIN customers c ON c.id = t.customer_id;

-- +goose StatementBegin
CREATE TRIGGER customer_tags_list_insert AFTER INSERT ON customer_tags
BEGIN
    INSERT INTO customer_tag_list (id, tag, store_id, sales_user_id, kind, stage, city, source, preferred_model_id, consent_marketing,
            last_contact_at, merged_into_id, name, created_at, updated_at)
        SELECT c.id, NEW.tag, c.store_id, c.sales_user_id, c.kind, c.stage, c.city, c.source, c.preferred_model_id, c.consent_marketing,
            c.last_contact_at, c.merged_into_id, c.name, c.created_at, c.updated_at
        FROM customers c WHERE c.id = NEW.customer_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customer_tags_list_delete AFTER DELETE ON customer_tags
BEGIN
    DELETE FROM customer_tag_list WHERE id = OLD.customer_id AND tag = OLD.tag;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customer_tags_list_update AFTER UPDATE OF customer_id, tag ON customer_tags
BEGIN
    DELETE FROM customer_tag_list WHERE id = OLD.customer_id AND tag = OLD.tag;
    INSERT INTO customer_tag_list (id, tag, store_id, sales_user_id, kind, stage, city, source, preferred_model_id, consent_marketing,
            last_contact_at, merged_into_id, name, created_at, updated_at)
        SELECT c.id, NEW.tag, c.store_id, c.sales_user_id, c.kind, c.stage, c.city, c.source, c.preferred_model_id, c.consent_marketing,
            c.last_contact_at, c.merged_into_id, c.name, c.created_at, c.updated_at
        FROM customers c WHERE c.id = NEW.customer_id;
END;
-- +goose StatementEnd
-- A customer without tags costs one probe of the primary key here.
-- +goose StatementBegin
CREATE TRIGGER customers_tag_list_update AFTER UPDATE OF store_id, sales_user_id, kind, stage, city, source, preferred_model_id,
        consent_marketing, last_contact_at, merged_into_id, name, created_at, updated_at ON customers
BEGIN
    UPDATE customer_tag_list SET store_id = NEW.store_id, sales_user_id = NEW.sales_user_id, kind = NEW.kind, stage = NEW.stage,
        city = NEW.city, source = NEW.source, preferred_model_id = NEW.preferred_model_id, consent_marketing = NEW.consent_marketing,
        last_contact_at = NEW.last_contact_at, merged_into_id = NEW.merged_into_id, name = NEW.name, created_at = NEW.created_at,
        updated_at = NEW.updated_at
    WHERE id = NEW.id;
END;
-- +goose StatementEnd

ANALYZE customer_tag_list;

-- +goose Down
DROP TRIGGER customers_tag_list_update;
DROP TRIGGER customer_tags_list_update;
DROP TRIGGER customer_tags_list_delete;
DROP TRIGGER customer_tags_list_insert;
DROP TABLE customer_tag_list;
