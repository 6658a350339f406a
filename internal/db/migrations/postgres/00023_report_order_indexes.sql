-- +goose Up
-- Reports (internal/report): the sales reports of every store read the
-- orders of a period by order time and the deliveries by delivery time,
-- grouped by store, consultant or model; these indexes hold every column
-- those queries read, so a quarter's 35,000 orders are read from the index
-- alone instead of one table row each. They replace the single-column
-- indexes of 00016. Keep in step with ../sqlite/00023_report_order_indexes.sql.
DROP INDEX vehicle_orders_ordered;
DROP INDEX vehicle_orders_delivered;
CREATE INDEX vehicle_orders_ordered ON vehicle_orders (ordered_at, status, store_id, sales_user_id, model_id, price_fen, discount_fen);
CREATE INDEX vehicle_orders_delivered ON vehicle_orders (delivered_at, status, store_id, sales_user_id, model_id, price_fen, discount_fen);

-- +goose Down
DROP INDEX vehicle_orders_delivered;
DROP INDEX vehicle_orders_ordered;
CREATE INDEX vehicle_orders_ordered ON vehicle_orders (ordered_at);
CREATE INDEX vehicle_orders_delivered ON vehicle_orders (delivered_at);
