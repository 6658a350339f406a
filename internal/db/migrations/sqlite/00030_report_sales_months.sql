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
-- with ../postgres/00030_report_sales_months.sql and docs/数据字典.md.
CREATE TABLE report_sales_months (
    month          TEXT NOT NULL CHECK (length(month) = 7),
    store_id       INTEGER NOT NULL,
    sales_user_id  INTEGER NOT NULL,
    orders         INTEGER NOT NULL DEFAULT 0,
    deliveries     INTEGER NOT NULL DEFAULT 0,
    revenue_fen    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, store_id, sales_user_id)
) WITHOUT ROWID;
INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
    SELECT strftime('%Y-%m', ordered_at, '+8 hours'), store_id, COALESCE(sales_user_id, 0), COUNT(*), 0, 0 FROM vehicle_orders
    WHERE status <> 'cancelled' GROUP BY strftime('%Y-%m', ordered_at, '+8 hours'), store_id, COALESCE(sales_user_id, 0);
INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
    SELECT strftime('%Y-%m', delivered_at, '+8 hours'), store_id, COALESCE(sales_user_id, 0), 0, COUNT(*), SUM(price_fen - discount_fen) FROM vehicle_orders
    WHERE status = 'delivered' AND delivered_at IS NOT NULL GROUP BY strftime('%Y-%m', delivered_at, '+8 hours'), store_id, COALESCE(sales_user_id, 0)
    ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
-- +goose StatementBegin
CREATE TRIGGER vehicle_orders_sales_month_insert AFTER INSERT ON vehicle_orders
BEGIN
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', NEW.ordered_at, '+8 hours'), NEW.store_id, COALESCE(NEW.sales_user_id, 0), 1, 0, 0
        WHERE NEW.status <> 'cancelled'
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', NEW.delivered_at, '+8 hours'), NEW.store_id, COALESCE(NEW.sales_user_id, 0), 0, 1, (NEW.price_fen - NEW.discount_fen)
        WHERE NEW.status = 'delivered' AND NEW.delivered_at IS NOT NULL
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER vehicle_orders_sales_month_delete AFTER DELETE ON vehicle_orders
BEGIN
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', OLD.ordered_at, '+8 hours'), OLD.store_id, COALESCE(OLD.sales_user_id, 0), -1, 0, 0
        WHERE OLD.status <> 'cancelled'
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', OLD.delivered_at, '+8 hours'), OLD.store_id, COALESCE(OLD.sales_user_id, 0), 0, -1, -(OLD.price_fen - OLD.discount_fen)
        WHERE OLD.status = 'delivered' AND OLD.delivered_at IS NOT NULL
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER vehicle_orders_sales_month_update AFTER UPDATE OF status, ordered_at, delivered_at, store_id, sales_user_id, price_fen, discount_fen ON vehicle_orders
BEGIN
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', OLD.ordered_at, '+8 hours'), OLD.store_id, COALESCE(OLD.sales_user_id, 0), -1, 0, 0
        WHERE OLD.status <> 'cancelled'
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', OLD.delivered_at, '+8 hours'), OLD.store_id, COALESCE(OLD.sales_user_id, 0), 0, -1, -(OLD.price_fen - OLD.discount_fen)
        WHERE OLD.status = 'delivered' AND OLD.delivered_at IS NOT NULL
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', NEW.ordered_at, '+8 hours'), NEW.store_id, COALESCE(NEW.sales_user_id, 0), 1, 0, 0
        WHERE NEW.status <> 'cancelled'
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_sales_months (month, store_id, sales_user_id, orders, deliveries, revenue_fen)
        SELECT strftime('%Y-%m', NEW.delivered_at, '+8 hours'), NEW.store_id, COALESCE(NEW.sales_user_id, 0), 0, 1, (NEW.price_fen - NEW.discount_fen)
        WHERE NEW.status = 'delivered' AND NEW.delivered_at IS NOT NULL
        ON CONFLICT (month, store_id, sales_user_id) DO UPDATE SET orders = report_sales_months.orders + excluded.orders, deliveries = report_sales_months.deliveries + excluded.deliveries, revenue_fen = report_sales_months.revenue_fen + excluded.revenue_fen;
END;
-- +goose StatementEnd
-- +goose Down
DROP TRIGGER vehicle_orders_sales_month_update;
DROP TRIGGER vehicle_orders_sales_month_delete;
DROP TRIGGER vehicle_orders_sales_month_insert;
DROP TABLE report_sales_months;
