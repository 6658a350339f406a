-- +goose Up
-- The live audience count of a campaign segment (campaign.CountSegment) on a
-- million customers (issue 12 item 2; docs/测试说明.md). Keep in step with
-- ../postgres/00020_segment_indexes.sql and docs/数据字典.md.

-- City rules: the live customers of a city with the columns the other
-- rules and the count read, so that a city's count reads index pages only
-- (customers_segment starts with kind; the city index of the customer list
-- holds neither erased_at nor the consent).
CREATE INDEX customers_segment_city ON customers (city, kind, stage, consent_marketing, preferred_model_id, erased_at, merged_into_id)
    WHERE erased_at IS NULL AND merged_into_id IS NULL;
-- Journey-stage rules (prospects at a stage): the same, by stage.
CREATE INDEX customers_segment_stage ON customers (stage, kind, consent_marketing, city, preferred_model_id, erased_at, merged_into_id)
    WHERE erased_at IS NULL AND merged_into_id IS NULL;
-- Model rules: the owners of a model without reading vehicle rows.
CREATE INDEX vehicles_model_customer ON vehicles (model_id, customer_id);
-- Last-service rules: the customers with a work order since a day, from
-- index pages only.
CREATE INDEX work_orders_segment ON work_orders (opened_at, status, customer_id);

-- +goose Down
DROP INDEX work_orders_segment;
DROP INDEX vehicles_model_customer;
DROP INDEX customers_segment_stage;
DROP INDEX customers_segment_city;
