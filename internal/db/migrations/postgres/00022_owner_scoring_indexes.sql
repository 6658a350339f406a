-- +goose Up
-- 车主挖掘 (internal/leadscore) on a million customers (issue 11 item 6):
-- scoring reads each batch of owners' completed repair visits and service
-- ratings by customer id, and the churn evaluation reads who visited in a
-- period. Without these indexes each batch read every appointment row of
-- its customers and every rating before the date. The tables' owners are
-- unchanged. Keep in step with ../sqlite/00022_owner_scoring_indexes.sql
-- and docs/数据字典.md §6.1.
CREATE INDEX appointments_repair_visits ON appointments (customer_id, completed_at)
    WHERE service_kind = 'repair' AND status = 'completed';
CREATE INDEX appointments_repair_days ON appointments (completed_at, customer_id)
    WHERE service_kind = 'repair' AND status = 'completed';
CREATE INDEX work_order_ratings_customer ON work_order_ratings (customer_id, created_at, rating);

-- +goose Down
DROP INDEX work_order_ratings_customer;
DROP INDEX appointments_repair_days;
DROP INDEX appointments_repair_visits;
