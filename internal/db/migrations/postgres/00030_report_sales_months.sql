-- +goose Up
-- Reports (internal/report): 销售月汇总, per local (Asia/Shanghai) month, store
-- and consultant (0: none): the orders placed that month and not cancelled,
-- and the orders delivered that month with their revenue (price less
-- discount), so that the targets report (whole months) and the sales
-- performance by store, region or consultant read a row per store,
-- consultant and month instead of every order (the days around whole
-- months still come from the orders: scope.plan). Filled from the existing
-- orders here, then kept by the triggers on vehicle_orders below (an insert
-- adds, a delete subtracts, a change of status, times, store, consultant or
-- amounts subtracts the old contribution and adds the new). Keep in step
-- with ../sqlite/00030_report_sales_months.sql and docs/数据字典.md.
CREATE TABLE report_sales_months (
    month          TEXT NOT NULL CHECK (length(month) = 7),
    store_id       BIGINT NOT NULL,
    sales_user_id  BIGINT NOT NULL,
    orders         BIGINT NOT NULL DEFAULT 0,
    deliveries     BIGINT NOT NULL DEFAULT 0,
    revenue_fen    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, store_id, sales_user_id)
);
INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
    SELECT to_char(ordered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), store_id, COALESCE(sales_user_id, 0), COUNT(*), 0, 0 FROM vehicle_orders
    WHERE status <> 'cancelled' GROUP BY to_char(ordered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), store_id, COALESCE(sales_user_id, 0);
INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
    SELECT to_char(delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), store_id, COALESCE(sales_user_id, 0), 0, COUNT(*), SUM(price_fen - discount_fen) FROM vehicle_orders
    WHERE status = 'delivered' AND delivered_at IS NOT NULL GROUP BY to_char(delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), store_id, COALESCE(sales_user_id, 0)
    ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
-- +goose StatementBegin
CREATE FUNCTION report_sales_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'cancelled' THEN
        INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        VALUES (to_char(OLD.ordered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), OLD.store_id, COALESCE(OLD.sales_user_id, 0), -1, 0, 0)
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'delivered' AND OLD.delivered_at IS NOT NULL THEN
        INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        VALUES (to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), OLD.store_id, COALESCE(OLD.sales_user_id, 0), 0, -1, -(OLD.price_fen - OLD.discount_fen))
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'cancelled' THEN
        INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        VALUES (to_char(NEW.ordered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), NEW.store_id, COALESCE(NEW.sales_user_id, 0), 1, 0, 0)
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'delivered' AND NEW.delivered_at IS NOT NULL THEN
        INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        VALUES (to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), NEW.store_id, COALESCE(NEW.sales_user_id, 0), 0, 1, (NEW.price_fen - NEW.discount_fen))
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER vehicle_orders_sales_month AFTER INSERT OR DELETE OR UPDATE OF status, ordered_at, delivered_at, store_id, sales_user_id, price_fen, discount_fen ON vehicle_orders
    FOR EACH ROW EXECUTE FUNCTION report_sales_month();
-- +goose Down
DROP TRIGGER vehicle_orders_sales_month ON vehicle_orders;
DROP FUNCTION report_sales_month();
DROP TABLE report_sales_months;
