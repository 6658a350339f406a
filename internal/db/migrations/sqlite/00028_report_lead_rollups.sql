-- +goose Up
-- Reports (internal/report): 线索漏斗汇总, so that the funnel, lead-source
-- and campaign-ROI reports read a few thousand rows instead of every lead
-- of the period with four correlated subqueries each.
-- report_lead_facts: one row per lead: its store (0: none), local
-- (Asia/Shanghai) creation day, source, campaign (0: none), the test-drive
-- flag and when it first reached each stage (the earliest done test drive,
-- opportunity, uncancelled order, delivery), its uncancelled orders and the
-- revenue of its delivered ones. Triggers on leads, test_drives,
-- opportunities and vehicle_orders recompute the columns a change can move
-- for the lead(s) concerned from the source rows (so deleting or cancelling
-- the earliest test drive or order gives the next one, exactly).
-- report_lead_days (per store) and report_lead_days_all (every lead,
-- stores or none): per creation day, source and campaign, the sums of the
-- facts' contributions (leads; reached test drive, opportunity, order,
-- delivery; reached a stage and the one before it; milliseconds from the
-- previous reached stage, as the funnel report defines them), kept by the
-- triggers on report_lead_facts (an insert adds, a delete subtracts, an
-- update does both).
-- Filled from the existing rows here. Keep in step with
-- ../postgres/00028_report_lead_rollups.sql (generated together) and
-- docs/数据字典.md.

CREATE TABLE report_lead_facts (
    lead_id      INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL,
    day          TEXT NOT NULL CHECK (length(day) = 10),
    created_at   DATETIME NOT NULL,
    source       TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL,
    td_flag      BOOLEAN NOT NULL DEFAULT 0,
    td_at        DATETIME,
    opp_at       DATETIME,
    order_at     DATETIME,
    deliv_at     DATETIME,
    orders       INTEGER NOT NULL DEFAULT 0,
    revenue_fen  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE report_lead_days (
    store_id     INTEGER NOT NULL,
    day          TEXT NOT NULL CHECK (length(day) = 10),
    source       TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL,
    leads        INTEGER NOT NULL DEFAULT 0,
    td           INTEGER NOT NULL DEFAULT 0,
    td_n         INTEGER NOT NULL DEFAULT 0,
    td_ms        INTEGER NOT NULL DEFAULT 0,
    opp          INTEGER NOT NULL DEFAULT 0,
    opp_both     INTEGER NOT NULL DEFAULT 0,
    opp_ms       INTEGER NOT NULL DEFAULT 0,
    ord          INTEGER NOT NULL DEFAULT 0,
    ord_both     INTEGER NOT NULL DEFAULT 0,
    ord_ms       INTEGER NOT NULL DEFAULT 0,
    deliv        INTEGER NOT NULL DEFAULT 0,
    deliv_both   INTEGER NOT NULL DEFAULT 0,
    deliv_ms     INTEGER NOT NULL DEFAULT 0,
    orders       INTEGER NOT NULL DEFAULT 0,
    revenue_fen  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, day, source, campaign_id)
);
CREATE TABLE report_lead_days_all (
    day          TEXT NOT NULL CHECK (length(day) = 10),
    source       TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL,
    leads        INTEGER NOT NULL DEFAULT 0,
    td           INTEGER NOT NULL DEFAULT 0,
    td_n         INTEGER NOT NULL DEFAULT 0,
    td_ms        INTEGER NOT NULL DEFAULT 0,
    opp          INTEGER NOT NULL DEFAULT 0,
    opp_both     INTEGER NOT NULL DEFAULT 0,
    opp_ms       INTEGER NOT NULL DEFAULT 0,
    ord          INTEGER NOT NULL DEFAULT 0,
    ord_both     INTEGER NOT NULL DEFAULT 0,
    ord_ms       INTEGER NOT NULL DEFAULT 0,
    deliv        INTEGER NOT NULL DEFAULT 0,
    deliv_both   INTEGER NOT NULL DEFAULT 0,
    deliv_ms     INTEGER NOT NULL DEFAULT 0,
    orders       INTEGER NOT NULL DEFAULT 0,
    revenue_fen  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, source, campaign_id)
);
CREATE INDEX report_lead_days_all_campaign ON report_lead_days_all (campaign_id, leads, orders, revenue_fen);
INSERT INTO report_lead_facts (lead_id, store_id, day, created_at, source, campaign_id, td_flag)
    SELECT id, COALESCE(store_id, 0), strftime('%Y-%m-%d', created_at, '+8 hours'), created_at, source, COALESCE(campaign_id, 0), test_drive FROM leads;
UPDATE report_lead_facts SET td_at = t.at
    FROM (SELECT lead_id, MIN(scheduled_at) AS at FROM test_drives WHERE status = 'done' AND lead_id IS NOT NULL GROUP BY lead_id) t
    WHERE report_lead_facts.lead_id = t.lead_id;
UPDATE report_lead_facts SET opp_at = t.at
    FROM (SELECT lead_id, MIN(created_at) AS at FROM opportunities WHERE lead_id IS NOT NULL GROUP BY lead_id) t
    WHERE report_lead_facts.lead_id = t.lead_id;
UPDATE report_lead_facts SET order_at = t.ordered, deliv_at = t.delivered, orders = t.n, revenue_fen = t.fen
    FROM (SELECT o.lead_id, MIN(CASE WHEN v.status <> 'cancelled' THEN v.ordered_at END) AS ordered,
        MIN(CASE WHEN v.status = 'delivered' THEN v.delivered_at END) AS delivered,
        SUM(CASE WHEN v.status <> 'cancelled' THEN 1 ELSE 0 END) AS n,
        SUM(CASE WHEN v.status = 'delivered' THEN v.price_fen - v.discount_fen ELSE 0 END) AS fen
        FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id IS NOT NULL GROUP BY o.lead_id) t
    WHERE report_lead_facts.lead_id = t.lead_id;
INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
    SELECT f.store_id, f.day, f.source, f.campaign_id, SUM(1), SUM(CASE WHEN (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN max(0, CAST(round((julianday(f.td_at) - julianday(f.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL AND (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(f.opp_at) - julianday(COALESCE(f.td_at, f.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL AND f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN max(0, CAST(round((julianday(f.order_at) - julianday(COALESCE(f.opp_at, f.td_at, f.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL AND f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(f.deliv_at) - julianday(COALESCE(f.order_at, f.opp_at, f.td_at, f.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(f.orders), SUM(f.revenue_fen)
    FROM report_lead_facts f GROUP BY f.store_id, f.day, f.source, f.campaign_id;
INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
    SELECT f.day, f.source, f.campaign_id, SUM(1), SUM(CASE WHEN (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN max(0, CAST(round((julianday(f.td_at) - julianday(f.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL AND (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(f.opp_at) - julianday(COALESCE(f.td_at, f.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL AND f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN max(0, CAST(round((julianday(f.order_at) - julianday(COALESCE(f.opp_at, f.td_at, f.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL AND f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(f.deliv_at) - julianday(COALESCE(f.order_at, f.opp_at, f.td_at, f.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), SUM(f.orders), SUM(f.revenue_fen)
    FROM report_lead_facts f GROUP BY f.day, f.source, f.campaign_id;
-- +goose StatementBegin
CREATE TRIGGER leads_report_facts_insert AFTER INSERT ON leads
BEGIN
    INSERT INTO report_lead_facts (lead_id, store_id, day, created_at, source, campaign_id, td_flag, td_at, opp_at, order_at, deliv_at, orders, revenue_fen)
        VALUES (NEW.id, COALESCE(NEW.store_id, 0), strftime('%Y-%m-%d', NEW.created_at, '+8 hours'), NEW.created_at, NEW.source, COALESCE(NEW.campaign_id, 0), NEW.test_drive, (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = NEW.id AND td.status = 'done'), (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = NEW.id), (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status <> 'cancelled'), (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status = 'delivered'), (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status <> 'cancelled'), (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status = 'delivered'));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER leads_report_facts_update AFTER UPDATE OF store_id, created_at, source, campaign_id, test_drive ON leads
BEGIN
    UPDATE report_lead_facts SET store_id = COALESCE(NEW.store_id, 0), day = strftime('%Y-%m-%d', NEW.created_at, '+8 hours'), created_at = NEW.created_at,
        source = NEW.source, campaign_id = COALESCE(NEW.campaign_id, 0), td_flag = NEW.test_drive WHERE lead_id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER leads_report_facts_delete AFTER DELETE ON leads
BEGIN
    DELETE FROM report_lead_facts WHERE lead_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER test_drives_report_facts_insert AFTER INSERT ON test_drives WHEN NEW.lead_id IS NOT NULL
BEGIN
    UPDATE report_lead_facts SET td_at = (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = report_lead_facts.lead_id AND td.status = 'done')
        WHERE lead_id = NEW.lead_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER test_drives_report_facts_update AFTER UPDATE OF lead_id, status, scheduled_at ON test_drives
BEGIN
    UPDATE report_lead_facts SET td_at = (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = report_lead_facts.lead_id AND td.status = 'done')
        WHERE lead_id IN (OLD.lead_id, NEW.lead_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER test_drives_report_facts_delete AFTER DELETE ON test_drives WHEN OLD.lead_id IS NOT NULL
BEGIN
    UPDATE report_lead_facts SET td_at = (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = report_lead_facts.lead_id AND td.status = 'done')
        WHERE lead_id = OLD.lead_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER opportunities_report_facts_insert AFTER INSERT ON opportunities WHEN NEW.lead_id IS NOT NULL
BEGIN
    UPDATE report_lead_facts SET opp_at = (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = report_lead_facts.lead_id),
        order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id = NEW.lead_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER opportunities_report_facts_update AFTER UPDATE OF lead_id, created_at ON opportunities
BEGIN
    UPDATE report_lead_facts SET opp_at = (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = report_lead_facts.lead_id),
        order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (OLD.lead_id, NEW.lead_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER opportunities_report_facts_delete AFTER DELETE ON opportunities WHEN OLD.lead_id IS NOT NULL
BEGIN
    UPDATE report_lead_facts SET opp_at = (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = report_lead_facts.lead_id),
        order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id = OLD.lead_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER vehicle_orders_report_facts_insert AFTER INSERT ON vehicle_orders WHEN NEW.opportunity_id IS NOT NULL
BEGIN
    UPDATE report_lead_facts SET order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (SELECT o.lead_id FROM opportunities o WHERE o.id IN (NEW.opportunity_id));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER vehicle_orders_report_facts_update AFTER UPDATE OF opportunity_id, status, ordered_at, delivered_at, price_fen, discount_fen ON vehicle_orders
BEGIN
    UPDATE report_lead_facts SET order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (SELECT o.lead_id FROM opportunities o WHERE o.id IN (OLD.opportunity_id, NEW.opportunity_id));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER vehicle_orders_report_facts_delete AFTER DELETE ON vehicle_orders WHEN OLD.opportunity_id IS NOT NULL
BEGIN
    UPDATE report_lead_facts SET order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (SELECT o.lead_id FROM opportunities o WHERE o.id IN (OLD.opportunity_id));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_lead_facts_insert AFTER INSERT ON report_lead_facts
BEGIN
    INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (NEW.store_id, NEW.day, NEW.source, NEW.campaign_id, 1, CASE WHEN (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.td_at) - julianday(NEW.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL AND (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.opp_at) - julianday(COALESCE(NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL AND NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.order_at) - julianday(COALESCE(NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL AND NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.deliv_at) - julianday(COALESCE(NEW.order_at, NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, NEW.orders, NEW.revenue_fen)
        ON CONFLICT (store_id, day, source, campaign_id) DO UPDATE SET leads = report_lead_days.leads + excluded.leads, td = report_lead_days.td + excluded.td, td_n = report_lead_days.td_n + excluded.td_n, td_ms = report_lead_days.td_ms + excluded.td_ms, opp = report_lead_days.opp + excluded.opp, opp_both = report_lead_days.opp_both + excluded.opp_both, opp_ms = report_lead_days.opp_ms + excluded.opp_ms, ord = report_lead_days.ord + excluded.ord, ord_both = report_lead_days.ord_both + excluded.ord_both, ord_ms = report_lead_days.ord_ms + excluded.ord_ms, deliv = report_lead_days.deliv + excluded.deliv, deliv_both = report_lead_days.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days.deliv_ms + excluded.deliv_ms, orders = report_lead_days.orders + excluded.orders, revenue_fen = report_lead_days.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (NEW.day, NEW.source, NEW.campaign_id, 1, CASE WHEN (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.td_at) - julianday(NEW.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL AND (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.opp_at) - julianday(COALESCE(NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL AND NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.order_at) - julianday(COALESCE(NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL AND NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.deliv_at) - julianday(COALESCE(NEW.order_at, NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, NEW.orders, NEW.revenue_fen)
        ON CONFLICT (day, source, campaign_id) DO UPDATE SET leads = report_lead_days_all.leads + excluded.leads, td = report_lead_days_all.td + excluded.td, td_n = report_lead_days_all.td_n + excluded.td_n, td_ms = report_lead_days_all.td_ms + excluded.td_ms, opp = report_lead_days_all.opp + excluded.opp, opp_both = report_lead_days_all.opp_both + excluded.opp_both, opp_ms = report_lead_days_all.opp_ms + excluded.opp_ms, ord = report_lead_days_all.ord + excluded.ord, ord_both = report_lead_days_all.ord_both + excluded.ord_both, ord_ms = report_lead_days_all.ord_ms + excluded.ord_ms, deliv = report_lead_days_all.deliv + excluded.deliv, deliv_both = report_lead_days_all.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days_all.deliv_ms + excluded.deliv_ms, orders = report_lead_days_all.orders + excluded.orders, revenue_fen = report_lead_days_all.revenue_fen + excluded.revenue_fen;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_lead_facts_delete AFTER DELETE ON report_lead_facts
BEGIN
    INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (OLD.store_id, OLD.day, OLD.source, OLD.campaign_id, -(1), -(CASE WHEN (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.td_at) - julianday(OLD.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL AND (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.opp_at) - julianday(COALESCE(OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL AND OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.order_at) - julianday(COALESCE(OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL AND OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.deliv_at) - julianday(COALESCE(OLD.order_at, OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(OLD.orders), -(OLD.revenue_fen))
        ON CONFLICT (store_id, day, source, campaign_id) DO UPDATE SET leads = report_lead_days.leads + excluded.leads, td = report_lead_days.td + excluded.td, td_n = report_lead_days.td_n + excluded.td_n, td_ms = report_lead_days.td_ms + excluded.td_ms, opp = report_lead_days.opp + excluded.opp, opp_both = report_lead_days.opp_both + excluded.opp_both, opp_ms = report_lead_days.opp_ms + excluded.opp_ms, ord = report_lead_days.ord + excluded.ord, ord_both = report_lead_days.ord_both + excluded.ord_both, ord_ms = report_lead_days.ord_ms + excluded.ord_ms, deliv = report_lead_days.deliv + excluded.deliv, deliv_both = report_lead_days.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days.deliv_ms + excluded.deliv_ms, orders = report_lead_days.orders + excluded.orders, revenue_fen = report_lead_days.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (OLD.day, OLD.source, OLD.campaign_id, -(1), -(CASE WHEN (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.td_at) - julianday(OLD.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL AND (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.opp_at) - julianday(COALESCE(OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL AND OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.order_at) - julianday(COALESCE(OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL AND OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.deliv_at) - julianday(COALESCE(OLD.order_at, OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(OLD.orders), -(OLD.revenue_fen))
        ON CONFLICT (day, source, campaign_id) DO UPDATE SET leads = report_lead_days_all.leads + excluded.leads, td = report_lead_days_all.td + excluded.td, td_n = report_lead_days_all.td_n + excluded.td_n, td_ms = report_lead_days_all.td_ms + excluded.td_ms, opp = report_lead_days_all.opp + excluded.opp, opp_both = report_lead_days_all.opp_both + excluded.opp_both, opp_ms = report_lead_days_all.opp_ms + excluded.opp_ms, ord = report_lead_days_all.ord + excluded.ord, ord_both = report_lead_days_all.ord_both + excluded.ord_both, ord_ms = report_lead_days_all.ord_ms + excluded.ord_ms, deliv = report_lead_days_all.deliv + excluded.deliv, deliv_both = report_lead_days_all.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days_all.deliv_ms + excluded.deliv_ms, orders = report_lead_days_all.orders + excluded.orders, revenue_fen = report_lead_days_all.revenue_fen + excluded.revenue_fen;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_lead_facts_update AFTER UPDATE ON report_lead_facts WHEN OLD.store_id IS NOT NEW.store_id OR OLD.day IS NOT NEW.day OR OLD.created_at IS NOT NEW.created_at OR OLD.source IS NOT NEW.source OR OLD.campaign_id IS NOT NEW.campaign_id OR OLD.td_flag IS NOT NEW.td_flag OR OLD.td_at IS NOT NEW.td_at OR OLD.opp_at IS NOT NEW.opp_at OR OLD.order_at IS NOT NEW.order_at OR OLD.deliv_at IS NOT NEW.deliv_at OR OLD.orders IS NOT NEW.orders OR OLD.revenue_fen IS NOT NEW.revenue_fen
BEGIN
    INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (OLD.store_id, OLD.day, OLD.source, OLD.campaign_id, -(1), -(CASE WHEN (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.td_at) - julianday(OLD.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL AND (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.opp_at) - julianday(COALESCE(OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL AND OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.order_at) - julianday(COALESCE(OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL AND OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.deliv_at) - julianday(COALESCE(OLD.order_at, OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(OLD.orders), -(OLD.revenue_fen))
        ON CONFLICT (store_id, day, source, campaign_id) DO UPDATE SET leads = report_lead_days.leads + excluded.leads, td = report_lead_days.td + excluded.td, td_n = report_lead_days.td_n + excluded.td_n, td_ms = report_lead_days.td_ms + excluded.td_ms, opp = report_lead_days.opp + excluded.opp, opp_both = report_lead_days.opp_both + excluded.opp_both, opp_ms = report_lead_days.opp_ms + excluded.opp_ms, ord = report_lead_days.ord + excluded.ord, ord_both = report_lead_days.ord_both + excluded.ord_both, ord_ms = report_lead_days.ord_ms + excluded.ord_ms, deliv = report_lead_days.deliv + excluded.deliv, deliv_both = report_lead_days.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days.deliv_ms + excluded.deliv_ms, orders = report_lead_days.orders + excluded.orders, revenue_fen = report_lead_days.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (OLD.day, OLD.source, OLD.campaign_id, -(1), -(CASE WHEN (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.td_at) - julianday(OLD.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL AND (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.opp_at) - julianday(COALESCE(OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL AND OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.order_at) - julianday(COALESCE(OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL AND OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(OLD.deliv_at) - julianday(COALESCE(OLD.order_at, OLD.opp_at, OLD.td_at, OLD.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END), -(OLD.orders), -(OLD.revenue_fen))
        ON CONFLICT (day, source, campaign_id) DO UPDATE SET leads = report_lead_days_all.leads + excluded.leads, td = report_lead_days_all.td + excluded.td, td_n = report_lead_days_all.td_n + excluded.td_n, td_ms = report_lead_days_all.td_ms + excluded.td_ms, opp = report_lead_days_all.opp + excluded.opp, opp_both = report_lead_days_all.opp_both + excluded.opp_both, opp_ms = report_lead_days_all.opp_ms + excluded.opp_ms, ord = report_lead_days_all.ord + excluded.ord, ord_both = report_lead_days_all.ord_both + excluded.ord_both, ord_ms = report_lead_days_all.ord_ms + excluded.ord_ms, deliv = report_lead_days_all.deliv + excluded.deliv, deliv_both = report_lead_days_all.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days_all.deliv_ms + excluded.deliv_ms, orders = report_lead_days_all.orders + excluded.orders, revenue_fen = report_lead_days_all.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (NEW.store_id, NEW.day, NEW.source, NEW.campaign_id, 1, CASE WHEN (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.td_at) - julianday(NEW.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL AND (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.opp_at) - julianday(COALESCE(NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL AND NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.order_at) - julianday(COALESCE(NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL AND NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.deliv_at) - julianday(COALESCE(NEW.order_at, NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, NEW.orders, NEW.revenue_fen)
        ON CONFLICT (store_id, day, source, campaign_id) DO UPDATE SET leads = report_lead_days.leads + excluded.leads, td = report_lead_days.td + excluded.td, td_n = report_lead_days.td_n + excluded.td_n, td_ms = report_lead_days.td_ms + excluded.td_ms, opp = report_lead_days.opp + excluded.opp, opp_both = report_lead_days.opp_both + excluded.opp_both, opp_ms = report_lead_days.opp_ms + excluded.opp_ms, ord = report_lead_days.ord + excluded.ord, ord_both = report_lead_days.ord_both + excluded.ord_both, ord_ms = report_lead_days.ord_ms + excluded.ord_ms, deliv = report_lead_days.deliv + excluded.deliv, deliv_both = report_lead_days.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days.deliv_ms + excluded.deliv_ms, orders = report_lead_days.orders + excluded.orders, revenue_fen = report_lead_days.revenue_fen + excluded.revenue_fen;
    INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (NEW.day, NEW.source, NEW.campaign_id, 1, CASE WHEN (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.td_at) - julianday(NEW.created_at)) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL AND (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.opp_at) - julianday(COALESCE(NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL AND NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.order_at) - julianday(COALESCE(NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL AND NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN max(0, CAST(round((julianday(NEW.deliv_at) - julianday(COALESCE(NEW.order_at, NEW.opp_at, NEW.td_at, NEW.created_at))) * 86400000.0) AS INTEGER)) ELSE 0 END, NEW.orders, NEW.revenue_fen)
        ON CONFLICT (day, source, campaign_id) DO UPDATE SET leads = report_lead_days_all.leads + excluded.leads, td = report_lead_days_all.td + excluded.td, td_n = report_lead_days_all.td_n + excluded.td_n, td_ms = report_lead_days_all.td_ms + excluded.td_ms, opp = report_lead_days_all.opp + excluded.opp, opp_both = report_lead_days_all.opp_both + excluded.opp_both, opp_ms = report_lead_days_all.opp_ms + excluded.opp_ms, ord = report_lead_days_all.ord + excluded.ord, ord_both = report_lead_days_all.ord_both + excluded.ord_both, ord_ms = report_lead_days_all.ord_ms + excluded.ord_ms, deliv = report_lead_days_all.deliv + excluded.deliv, deliv_both = report_lead_days_all.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days_all.deliv_ms + excluded.deliv_ms, orders = report_lead_days_all.orders + excluded.orders, revenue_fen = report_lead_days_all.revenue_fen + excluded.revenue_fen;
END;
-- +goose StatementEnd
-- +goose Down
DROP TRIGGER report_lead_facts_update;
DROP TRIGGER report_lead_facts_delete;
DROP TRIGGER report_lead_facts_insert;
DROP TRIGGER vehicle_orders_report_facts_delete;
DROP TRIGGER vehicle_orders_report_facts_update;
DROP TRIGGER vehicle_orders_report_facts_insert;
DROP TRIGGER opportunities_report_facts_delete;
DROP TRIGGER opportunities_report_facts_update;
DROP TRIGGER opportunities_report_facts_insert;
DROP TRIGGER test_drives_report_facts_delete;
DROP TRIGGER test_drives_report_facts_update;
DROP TRIGGER test_drives_report_facts_insert;
DROP TRIGGER leads_report_facts_delete;
DROP TRIGGER leads_report_facts_update;
DROP TRIGGER leads_report_facts_insert;
DROP TABLE report_lead_days_all;
DROP TABLE report_lead_days;
DROP TABLE report_lead_facts;
