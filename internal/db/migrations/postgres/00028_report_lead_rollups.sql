-- +goose Up
-- Reports (internal/report): 线索漏斗汇总, so that the funnel, lead-source,
-- campaign-ROI and market reports read a few thousand rows instead of every lead
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
-- 市场汇总: report_market_days (per store) and report_market_days_all count,
-- per local day and kind, the leads created that day by the customer's
-- province and city, the model of interest (id, 0: none), the customer's
-- preferred powertrain ('' none) and budget band (-1: no budget), and the
-- orders delivered that day by the buyer's province and city, the model
-- (id) and the price band (index into priceBands of internal/report/
-- market.go: 0 below 15万, 1 15–20万, 2 20–25万, 3 25–30万, 4 30–40万, 5
-- from 40万). The lead side follows report_lead_facts (whose province,
-- city, model, powertrain and budget columns the triggers on leads and
-- customers keep); the delivery side is kept by triggers on vehicle_orders
-- and on customers (province or city changed).
-- The rollups are WITHOUT ROWID on SQLite (stored in primary-key order, so
-- a range of days reads neighbouring rows). Filled from the existing rows here. Keep in step with
-- ../sqlite/00028_report_lead_rollups.sql and
-- docs/数据字典.md.

CREATE TABLE report_lead_facts (
    lead_id      BIGINT PRIMARY KEY,
    store_id     BIGINT NOT NULL,
    day          TEXT NOT NULL CHECK (length(day) = 10),
    created_at   TIMESTAMPTZ NOT NULL,
    source       TEXT NOT NULL,
    campaign_id  BIGINT NOT NULL,
    td_flag      BOOLEAN NOT NULL DEFAULT FALSE,
    td_at        TIMESTAMPTZ,
    opp_at       TIMESTAMPTZ,
    order_at     TIMESTAMPTZ,
    deliv_at     TIMESTAMPTZ,
    orders       BIGINT NOT NULL DEFAULT 0,
    revenue_fen  BIGINT NOT NULL DEFAULT 0,
    province     TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    model_id     BIGINT NOT NULL DEFAULT 0,
    powertrain   TEXT NOT NULL DEFAULT '',
    budget_fen   BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE report_lead_days (
    store_id     BIGINT NOT NULL,
    day          TEXT NOT NULL CHECK (length(day) = 10),
    source       TEXT NOT NULL,
    campaign_id  BIGINT NOT NULL,
    leads        BIGINT NOT NULL DEFAULT 0,
    td           BIGINT NOT NULL DEFAULT 0,
    td_n         BIGINT NOT NULL DEFAULT 0,
    td_ms        BIGINT NOT NULL DEFAULT 0,
    opp          BIGINT NOT NULL DEFAULT 0,
    opp_both     BIGINT NOT NULL DEFAULT 0,
    opp_ms       BIGINT NOT NULL DEFAULT 0,
    ord          BIGINT NOT NULL DEFAULT 0,
    ord_both     BIGINT NOT NULL DEFAULT 0,
    ord_ms       BIGINT NOT NULL DEFAULT 0,
    deliv        BIGINT NOT NULL DEFAULT 0,
    deliv_both   BIGINT NOT NULL DEFAULT 0,
    deliv_ms     BIGINT NOT NULL DEFAULT 0,
    orders       BIGINT NOT NULL DEFAULT 0,
    revenue_fen  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, day, source, campaign_id)
);
CREATE TABLE report_lead_days_all (
    day          TEXT NOT NULL CHECK (length(day) = 10),
    source       TEXT NOT NULL,
    campaign_id  BIGINT NOT NULL,
    leads        BIGINT NOT NULL DEFAULT 0,
    td           BIGINT NOT NULL DEFAULT 0,
    td_n         BIGINT NOT NULL DEFAULT 0,
    td_ms        BIGINT NOT NULL DEFAULT 0,
    opp          BIGINT NOT NULL DEFAULT 0,
    opp_both     BIGINT NOT NULL DEFAULT 0,
    opp_ms       BIGINT NOT NULL DEFAULT 0,
    ord          BIGINT NOT NULL DEFAULT 0,
    ord_both     BIGINT NOT NULL DEFAULT 0,
    ord_ms       BIGINT NOT NULL DEFAULT 0,
    deliv        BIGINT NOT NULL DEFAULT 0,
    deliv_both   BIGINT NOT NULL DEFAULT 0,
    deliv_ms     BIGINT NOT NULL DEFAULT 0,
    orders       BIGINT NOT NULL DEFAULT 0,
    revenue_fen  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, source, campaign_id)
);
CREATE INDEX report_lead_days_all_campaign ON report_lead_days_all (campaign_id, leads, orders, revenue_fen);
CREATE TABLE report_market_days (
    store_id  BIGINT NOT NULL,
    day       TEXT NOT NULL CHECK (length(day) = 10),
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    n         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, day, kind, key)
);
CREATE TABLE report_market_days_all (
    day       TEXT NOT NULL CHECK (length(day) = 10),
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    n         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, kind, key)
);
INSERT INTO report_lead_facts (lead_id, store_id, day, created_at, source, campaign_id, td_flag, province, city, model_id, powertrain, budget_fen)
    SELECT l.id, COALESCE(l.store_id, 0), to_char(l.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), l.created_at, l.source, COALESCE(l.campaign_id, 0), l.test_drive,
        COALESCE(c.province, ''), COALESCE(c.city, ''), COALESCE(l.interested_model_id, 0), COALESCE(c.preferred_powertrain, ''), COALESCE(l.budget_fen, c.budget_fen, 0)
    FROM leads l LEFT JOIN customers c ON c.id = l.customer_id;
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
    SELECT f.store_id, f.day, f.source, f.campaign_id, SUM(1), SUM(CASE WHEN (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.td_at - f.created_at)) * 1000) AS BIGINT)) ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL AND (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.opp_at - COALESCE(f.td_at, f.created_at))) * 1000) AS BIGINT)) ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL AND f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.order_at - COALESCE(f.opp_at, f.td_at, f.created_at))) * 1000) AS BIGINT)) ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL AND f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.deliv_at - COALESCE(f.order_at, f.opp_at, f.td_at, f.created_at))) * 1000) AS BIGINT)) ELSE 0 END), SUM(f.orders), SUM(f.revenue_fen)
    FROM report_lead_facts f GROUP BY f.store_id, f.day, f.source, f.campaign_id;
INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
    SELECT f.day, f.source, f.campaign_id, SUM(1), SUM(CASE WHEN (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.td_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.td_at - f.created_at)) * 1000) AS BIGINT)) ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL AND (f.td_at IS NOT NULL OR f.td_flag) THEN 1 ELSE 0 END), SUM(CASE WHEN f.opp_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.opp_at - COALESCE(f.td_at, f.created_at))) * 1000) AS BIGINT)) ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL AND f.opp_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.order_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.order_at - COALESCE(f.opp_at, f.td_at, f.created_at))) * 1000) AS BIGINT)) ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL AND f.order_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN f.deliv_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (f.deliv_at - COALESCE(f.order_at, f.opp_at, f.td_at, f.created_at))) * 1000) AS BIGINT)) ELSE 0 END), SUM(f.orders), SUM(f.revenue_fen)
    FROM report_lead_facts f GROUP BY f.day, f.source, f.campaign_id;
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT f.store_id, f.day, 'lead_province', f.province, COUNT(*) FROM report_lead_facts f GROUP BY f.store_id, f.day, f.province;
INSERT INTO report_market_days_all (day, kind, key, n) SELECT f.day, 'lead_province', f.province, COUNT(*) FROM report_lead_facts f GROUP BY f.day, f.province;
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT f.store_id, f.day, 'lead_city', f.city, COUNT(*) FROM report_lead_facts f GROUP BY f.store_id, f.day, f.city;
INSERT INTO report_market_days_all (day, kind, key, n) SELECT f.day, 'lead_city', f.city, COUNT(*) FROM report_lead_facts f GROUP BY f.day, f.city;
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT f.store_id, f.day, 'lead_model', CAST(f.model_id AS TEXT), COUNT(*) FROM report_lead_facts f GROUP BY f.store_id, f.day, CAST(f.model_id AS TEXT);
INSERT INTO report_market_days_all (day, kind, key, n) SELECT f.day, 'lead_model', CAST(f.model_id AS TEXT), COUNT(*) FROM report_lead_facts f GROUP BY f.day, CAST(f.model_id AS TEXT);
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT f.store_id, f.day, 'lead_powertrain', f.powertrain, COUNT(*) FROM report_lead_facts f GROUP BY f.store_id, f.day, f.powertrain;
INSERT INTO report_market_days_all (day, kind, key, n) SELECT f.day, 'lead_powertrain', f.powertrain, COUNT(*) FROM report_lead_facts f GROUP BY f.day, f.powertrain;
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT f.store_id, f.day, 'lead_band', CAST(CASE WHEN f.budget_fen > 0 THEN CASE WHEN f.budget_fen >= 40000000 THEN 5 WHEN f.budget_fen >= 30000000 THEN 4 WHEN f.budget_fen >= 25000000 THEN 3 WHEN f.budget_fen >= 20000000 THEN 2 WHEN f.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT), COUNT(*) FROM report_lead_facts f GROUP BY f.store_id, f.day, CAST(CASE WHEN f.budget_fen > 0 THEN CASE WHEN f.budget_fen >= 40000000 THEN 5 WHEN f.budget_fen >= 30000000 THEN 4 WHEN f.budget_fen >= 25000000 THEN 3 WHEN f.budget_fen >= 20000000 THEN 2 WHEN f.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT);
INSERT INTO report_market_days_all (day, kind, key, n) SELECT f.day, 'lead_band', CAST(CASE WHEN f.budget_fen > 0 THEN CASE WHEN f.budget_fen >= 40000000 THEN 5 WHEN f.budget_fen >= 30000000 THEN 4 WHEN f.budget_fen >= 25000000 THEN 3 WHEN f.budget_fen >= 20000000 THEN 2 WHEN f.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT), COUNT(*) FROM report_lead_facts f GROUP BY f.day, CAST(CASE WHEN f.budget_fen > 0 THEN CASE WHEN f.budget_fen >= 40000000 THEN 5 WHEN f.budget_fen >= 30000000 THEN 4 WHEN f.budget_fen >= 25000000 THEN 3 WHEN f.budget_fen >= 20000000 THEN 2 WHEN f.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT);
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', c.province, COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.province;
INSERT INTO report_market_days_all (day, kind, key, n) SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', c.province, COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.province;
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', c.city, COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.city;
INSERT INTO report_market_days_all (day, kind, key, n) SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', c.city, COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), c.city;
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_model', CAST(v.model_id AS TEXT), COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), CAST(v.model_id AS TEXT);
INSERT INTO report_market_days_all (day, kind, key, n) SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_model', CAST(v.model_id AS TEXT), COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), CAST(v.model_id AS TEXT);
INSERT INTO report_market_days (store_id, day, kind, key, n) SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_band', CAST(CASE WHEN (v.price_fen - v.discount_fen) >= 40000000 THEN 5 WHEN (v.price_fen - v.discount_fen) >= 30000000 THEN 4 WHEN (v.price_fen - v.discount_fen) >= 25000000 THEN 3 WHEN (v.price_fen - v.discount_fen) >= 20000000 THEN 2 WHEN (v.price_fen - v.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT), COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), CAST(CASE WHEN (v.price_fen - v.discount_fen) >= 40000000 THEN 5 WHEN (v.price_fen - v.discount_fen) >= 30000000 THEN 4 WHEN (v.price_fen - v.discount_fen) >= 25000000 THEN 3 WHEN (v.price_fen - v.discount_fen) >= 20000000 THEN 2 WHEN (v.price_fen - v.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT);
INSERT INTO report_market_days_all (day, kind, key, n) SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_band', CAST(CASE WHEN (v.price_fen - v.discount_fen) >= 40000000 THEN 5 WHEN (v.price_fen - v.discount_fen) >= 30000000 THEN 4 WHEN (v.price_fen - v.discount_fen) >= 25000000 THEN 3 WHEN (v.price_fen - v.discount_fen) >= 20000000 THEN 2 WHEN (v.price_fen - v.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT), COUNT(*)
    FROM vehicle_orders v JOIN customers c ON c.id = v.customer_id WHERE v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), CAST(CASE WHEN (v.price_fen - v.discount_fen) >= 40000000 THEN 5 WHEN (v.price_fen - v.discount_fen) >= 30000000 THEN 4 WHEN (v.price_fen - v.discount_fen) >= 25000000 THEN 3 WHEN (v.price_fen - v.discount_fen) >= 20000000 THEN 2 WHEN (v.price_fen - v.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT);
-- +goose StatementBegin
CREATE FUNCTION report_lead_facts_lead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_lead_facts (lead_id, store_id, day, created_at, source, campaign_id, td_flag, td_at, opp_at, order_at, deliv_at, orders, revenue_fen, province, city, model_id, powertrain, budget_fen)
        VALUES (NEW.id, COALESCE(NEW.store_id, 0), to_char(NEW.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), NEW.created_at, NEW.source, COALESCE(NEW.campaign_id, 0), NEW.test_drive, (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = NEW.id AND td.status = 'done'), (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = NEW.id), (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status <> 'cancelled'), (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status = 'delivered'), (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status <> 'cancelled'), (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = NEW.id AND v.status = 'delivered'), COALESCE((SELECT c.province FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = NEW.id), ''), COALESCE((SELECT c.city FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = NEW.id), ''), COALESCE((SELECT l.interested_model_id FROM leads l WHERE l.id = NEW.id), 0), COALESCE((SELECT c.preferred_powertrain FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = NEW.id), ''), COALESCE((SELECT COALESCE(l.budget_fen, c.budget_fen) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = NEW.id), 0));
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM report_lead_facts WHERE lead_id = OLD.id;
    ELSE
        UPDATE report_lead_facts SET store_id = COALESCE(NEW.store_id, 0), day = to_char(NEW.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), created_at = NEW.created_at,
        source = NEW.source, campaign_id = COALESCE(NEW.campaign_id, 0), td_flag = NEW.test_drive WHERE lead_id = NEW.id;
        UPDATE report_lead_facts SET province = COALESCE((SELECT c.province FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), ''),
        city = COALESCE((SELECT c.city FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), ''),
        model_id = COALESCE((SELECT l.interested_model_id FROM leads l WHERE l.id = report_lead_facts.lead_id), 0),
        powertrain = COALESCE((SELECT c.preferred_powertrain FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), ''),
        budget_fen = COALESCE((SELECT COALESCE(l.budget_fen, c.budget_fen) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), 0)
        WHERE lead_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER leads_report_facts AFTER INSERT OR DELETE OR UPDATE OF store_id, created_at, source, campaign_id, test_drive, customer_id, interested_model_id, budget_fen ON leads
    FOR EACH ROW EXECUTE FUNCTION report_lead_facts_lead();
-- +goose StatementBegin
CREATE FUNCTION report_market_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_lead_facts SET province = COALESCE((SELECT c.province FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), ''),
        city = COALESCE((SELECT c.city FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), ''),
        model_id = COALESCE((SELECT l.interested_model_id FROM leads l WHERE l.id = report_lead_facts.lead_id), 0),
        powertrain = COALESCE((SELECT c.preferred_powertrain FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), ''),
        budget_fen = COALESCE((SELECT COALESCE(l.budget_fen, c.budget_fen) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE l.id = report_lead_facts.lead_id), 0)
        WHERE lead_id IN (SELECT l.id FROM leads l WHERE l.customer_id = NEW.id);
    IF OLD.province IS DISTINCT FROM NEW.province OR OLD.city IS DISTINCT FROM NEW.city THEN
        INSERT INTO report_market_days (store_id, day, kind, key, n)
        SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', OLD.province, -COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n)
        SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', OLD.province, -COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
        INSERT INTO report_market_days (store_id, day, kind, key, n)
        SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', NEW.province, COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n)
        SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', NEW.province, COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
        INSERT INTO report_market_days (store_id, day, kind, key, n)
        SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', OLD.city, -COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n)
        SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', OLD.city, -COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
        INSERT INTO report_market_days (store_id, day, kind, key, n)
        SELECT v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', NEW.city, COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY v.store_id, to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n)
        SELECT to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', NEW.city, COUNT(*) FROM vehicle_orders v
        WHERE v.customer_id = NEW.id AND v.status = 'delivered' AND v.delivered_at IS NOT NULL GROUP BY to_char(v.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER customers_report_market AFTER UPDATE OF province, city, preferred_powertrain, budget_fen ON customers
    FOR EACH ROW EXECUTE FUNCTION report_market_customer();
-- +goose StatementBegin
CREATE FUNCTION report_market_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'delivered' AND OLD.delivered_at IS NOT NULL THEN
        INSERT INTO report_market_days (store_id, day, kind, key, n) VALUES
            (OLD.store_id, to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', COALESCE((SELECT c.province FROM customers c WHERE c.id = OLD.customer_id), ''), -1),
            (OLD.store_id, to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', COALESCE((SELECT c.city FROM customers c WHERE c.id = OLD.customer_id), ''), -1),
            (OLD.store_id, to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_model', CAST(OLD.model_id AS TEXT), -1),
            (OLD.store_id, to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_band', CAST(CASE WHEN (OLD.price_fen - OLD.discount_fen) >= 40000000 THEN 5 WHEN (OLD.price_fen - OLD.discount_fen) >= 30000000 THEN 4 WHEN (OLD.price_fen - OLD.discount_fen) >= 25000000 THEN 3 WHEN (OLD.price_fen - OLD.discount_fen) >= 20000000 THEN 2 WHEN (OLD.price_fen - OLD.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT), -1)
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n) VALUES
            (to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', COALESCE((SELECT c.province FROM customers c WHERE c.id = OLD.customer_id), ''), -1),
            (to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', COALESCE((SELECT c.city FROM customers c WHERE c.id = OLD.customer_id), ''), -1),
            (to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_model', CAST(OLD.model_id AS TEXT), -1),
            (to_char(OLD.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_band', CAST(CASE WHEN (OLD.price_fen - OLD.discount_fen) >= 40000000 THEN 5 WHEN (OLD.price_fen - OLD.discount_fen) >= 30000000 THEN 4 WHEN (OLD.price_fen - OLD.discount_fen) >= 25000000 THEN 3 WHEN (OLD.price_fen - OLD.discount_fen) >= 20000000 THEN 2 WHEN (OLD.price_fen - OLD.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT), -1)
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'delivered' AND NEW.delivered_at IS NOT NULL THEN
        INSERT INTO report_market_days (store_id, day, kind, key, n) VALUES
            (NEW.store_id, to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', COALESCE((SELECT c.province FROM customers c WHERE c.id = NEW.customer_id), ''), 1),
            (NEW.store_id, to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', COALESCE((SELECT c.city FROM customers c WHERE c.id = NEW.customer_id), ''), 1),
            (NEW.store_id, to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_model', CAST(NEW.model_id AS TEXT), 1),
            (NEW.store_id, to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_band', CAST(CASE WHEN (NEW.price_fen - NEW.discount_fen) >= 40000000 THEN 5 WHEN (NEW.price_fen - NEW.discount_fen) >= 30000000 THEN 4 WHEN (NEW.price_fen - NEW.discount_fen) >= 25000000 THEN 3 WHEN (NEW.price_fen - NEW.discount_fen) >= 20000000 THEN 2 WHEN (NEW.price_fen - NEW.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT), 1)
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n) VALUES
            (to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_province', COALESCE((SELECT c.province FROM customers c WHERE c.id = NEW.customer_id), ''), 1),
            (to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_city', COALESCE((SELECT c.city FROM customers c WHERE c.id = NEW.customer_id), ''), 1),
            (to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_model', CAST(NEW.model_id AS TEXT), 1),
            (to_char(NEW.delivered_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'deliv_band', CAST(CASE WHEN (NEW.price_fen - NEW.discount_fen) >= 40000000 THEN 5 WHEN (NEW.price_fen - NEW.discount_fen) >= 30000000 THEN 4 WHEN (NEW.price_fen - NEW.discount_fen) >= 25000000 THEN 3 WHEN (NEW.price_fen - NEW.discount_fen) >= 20000000 THEN 2 WHEN (NEW.price_fen - NEW.discount_fen) >= 15000000 THEN 1 ELSE 0 END AS TEXT), 1)
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER vehicle_orders_report_market AFTER INSERT OR DELETE OR UPDATE OF status, delivered_at, store_id, customer_id, model_id, price_fen, discount_fen ON vehicle_orders
    FOR EACH ROW EXECUTE FUNCTION report_market_order();
-- +goose StatementBegin
CREATE FUNCTION report_lead_facts_test_drive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE report_lead_facts SET td_at = (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = report_lead_facts.lead_id AND td.status = 'done')
        WHERE lead_id = NEW.lead_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE report_lead_facts SET td_at = (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = report_lead_facts.lead_id AND td.status = 'done')
        WHERE lead_id = OLD.lead_id;
    ELSE
        UPDATE report_lead_facts SET td_at = (SELECT MIN(td.scheduled_at) FROM test_drives td WHERE td.lead_id = report_lead_facts.lead_id AND td.status = 'done')
        WHERE lead_id IN (OLD.lead_id, NEW.lead_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER test_drives_report_facts AFTER INSERT OR DELETE OR UPDATE OF lead_id, status, scheduled_at ON test_drives
    FOR EACH ROW EXECUTE FUNCTION report_lead_facts_test_drive();
-- +goose StatementBegin
CREATE FUNCTION report_lead_facts_opportunity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE report_lead_facts SET opp_at = (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = report_lead_facts.lead_id),
        order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id = NEW.lead_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE report_lead_facts SET opp_at = (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = report_lead_facts.lead_id),
        order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id = OLD.lead_id;
    ELSE
        UPDATE report_lead_facts SET opp_at = (SELECT MIN(o.created_at) FROM opportunities o WHERE o.lead_id = report_lead_facts.lead_id),
        order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (OLD.lead_id, NEW.lead_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER opportunities_report_facts AFTER INSERT OR DELETE OR UPDATE OF lead_id, created_at ON opportunities
    FOR EACH ROW EXECUTE FUNCTION report_lead_facts_opportunity();
-- +goose StatementBegin
CREATE FUNCTION report_lead_facts_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE report_lead_facts SET order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (SELECT o.lead_id FROM opportunities o WHERE o.id IN (NEW.opportunity_id));
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE report_lead_facts SET order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (SELECT o.lead_id FROM opportunities o WHERE o.id IN (OLD.opportunity_id));
    ELSE
        UPDATE report_lead_facts SET order_at = (SELECT MIN(v.ordered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        deliv_at = (SELECT MIN(v.delivered_at) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered'),
        orders = (SELECT COUNT(*) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status <> 'cancelled'),
        revenue_fen = (SELECT COALESCE(SUM(v.price_fen - v.discount_fen), 0) FROM opportunities o JOIN vehicle_orders v ON v.opportunity_id = o.id WHERE o.lead_id = report_lead_facts.lead_id AND v.status = 'delivered')
        WHERE lead_id IN (SELECT o.lead_id FROM opportunities o WHERE o.id IN (OLD.opportunity_id, NEW.opportunity_id));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER vehicle_orders_report_facts AFTER INSERT OR DELETE OR UPDATE OF opportunity_id, status, ordered_at, delivered_at, price_fen, discount_fen ON vehicle_orders
    FOR EACH ROW EXECUTE FUNCTION report_lead_facts_order();
-- +goose StatementBegin
CREATE FUNCTION report_lead_days_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (OLD.store_id, OLD.day, OLD.source, OLD.campaign_id, -(1), -(CASE WHEN (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.td_at - OLD.created_at)) * 1000) AS BIGINT)) ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL AND (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.opp_at - COALESCE(OLD.td_at, OLD.created_at))) * 1000) AS BIGINT)) ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL AND OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.order_at - COALESCE(OLD.opp_at, OLD.td_at, OLD.created_at))) * 1000) AS BIGINT)) ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL AND OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.deliv_at - COALESCE(OLD.order_at, OLD.opp_at, OLD.td_at, OLD.created_at))) * 1000) AS BIGINT)) ELSE 0 END), -(OLD.orders), -(OLD.revenue_fen))
        ON CONFLICT (store_id, day, source, campaign_id) DO UPDATE SET leads = report_lead_days.leads + excluded.leads, td = report_lead_days.td + excluded.td, td_n = report_lead_days.td_n + excluded.td_n, td_ms = report_lead_days.td_ms + excluded.td_ms, opp = report_lead_days.opp + excluded.opp, opp_both = report_lead_days.opp_both + excluded.opp_both, opp_ms = report_lead_days.opp_ms + excluded.opp_ms, ord = report_lead_days.ord + excluded.ord, ord_both = report_lead_days.ord_both + excluded.ord_both, ord_ms = report_lead_days.ord_ms + excluded.ord_ms, deliv = report_lead_days.deliv + excluded.deliv, deliv_both = report_lead_days.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days.deliv_ms + excluded.deliv_ms, orders = report_lead_days.orders + excluded.orders, revenue_fen = report_lead_days.revenue_fen + excluded.revenue_fen;
        INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (OLD.day, OLD.source, OLD.campaign_id, -(1), -(CASE WHEN (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.td_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.td_at - OLD.created_at)) * 1000) AS BIGINT)) ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL AND (OLD.td_at IS NOT NULL OR OLD.td_flag) THEN 1 ELSE 0 END), -(CASE WHEN OLD.opp_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.opp_at - COALESCE(OLD.td_at, OLD.created_at))) * 1000) AS BIGINT)) ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL AND OLD.opp_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.order_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.order_at - COALESCE(OLD.opp_at, OLD.td_at, OLD.created_at))) * 1000) AS BIGINT)) ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL AND OLD.order_at IS NOT NULL THEN 1 ELSE 0 END), -(CASE WHEN OLD.deliv_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (OLD.deliv_at - COALESCE(OLD.order_at, OLD.opp_at, OLD.td_at, OLD.created_at))) * 1000) AS BIGINT)) ELSE 0 END), -(OLD.orders), -(OLD.revenue_fen))
        ON CONFLICT (day, source, campaign_id) DO UPDATE SET leads = report_lead_days_all.leads + excluded.leads, td = report_lead_days_all.td + excluded.td, td_n = report_lead_days_all.td_n + excluded.td_n, td_ms = report_lead_days_all.td_ms + excluded.td_ms, opp = report_lead_days_all.opp + excluded.opp, opp_both = report_lead_days_all.opp_both + excluded.opp_both, opp_ms = report_lead_days_all.opp_ms + excluded.opp_ms, ord = report_lead_days_all.ord + excluded.ord, ord_both = report_lead_days_all.ord_both + excluded.ord_both, ord_ms = report_lead_days_all.ord_ms + excluded.ord_ms, deliv = report_lead_days_all.deliv + excluded.deliv, deliv_both = report_lead_days_all.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days_all.deliv_ms + excluded.deliv_ms, orders = report_lead_days_all.orders + excluded.orders, revenue_fen = report_lead_days_all.revenue_fen + excluded.revenue_fen;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_lead_days (store_id, day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (NEW.store_id, NEW.day, NEW.source, NEW.campaign_id, 1, CASE WHEN (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.td_at - NEW.created_at)) * 1000) AS BIGINT)) ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL AND (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.opp_at - COALESCE(NEW.td_at, NEW.created_at))) * 1000) AS BIGINT)) ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL AND NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.order_at - COALESCE(NEW.opp_at, NEW.td_at, NEW.created_at))) * 1000) AS BIGINT)) ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL AND NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.deliv_at - COALESCE(NEW.order_at, NEW.opp_at, NEW.td_at, NEW.created_at))) * 1000) AS BIGINT)) ELSE 0 END, NEW.orders, NEW.revenue_fen)
        ON CONFLICT (store_id, day, source, campaign_id) DO UPDATE SET leads = report_lead_days.leads + excluded.leads, td = report_lead_days.td + excluded.td, td_n = report_lead_days.td_n + excluded.td_n, td_ms = report_lead_days.td_ms + excluded.td_ms, opp = report_lead_days.opp + excluded.opp, opp_both = report_lead_days.opp_both + excluded.opp_both, opp_ms = report_lead_days.opp_ms + excluded.opp_ms, ord = report_lead_days.ord + excluded.ord, ord_both = report_lead_days.ord_both + excluded.ord_both, ord_ms = report_lead_days.ord_ms + excluded.ord_ms, deliv = report_lead_days.deliv + excluded.deliv, deliv_both = report_lead_days.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days.deliv_ms + excluded.deliv_ms, orders = report_lead_days.orders + excluded.orders, revenue_fen = report_lead_days.revenue_fen + excluded.revenue_fen;
        INSERT INTO report_lead_days_all (day, source, campaign_id, leads, td, td_n, td_ms, opp, opp_both, opp_ms, ord, ord_both, ord_ms, deliv, deliv_both, deliv_ms, orders, revenue_fen)
        VALUES (NEW.day, NEW.source, NEW.campaign_id, 1, CASE WHEN (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.td_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.td_at - NEW.created_at)) * 1000) AS BIGINT)) ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL AND (NEW.td_at IS NOT NULL OR NEW.td_flag) THEN 1 ELSE 0 END, CASE WHEN NEW.opp_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.opp_at - COALESCE(NEW.td_at, NEW.created_at))) * 1000) AS BIGINT)) ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL AND NEW.opp_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.order_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.order_at - COALESCE(NEW.opp_at, NEW.td_at, NEW.created_at))) * 1000) AS BIGINT)) ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL AND NEW.order_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.deliv_at IS NOT NULL THEN GREATEST(0, CAST(round(EXTRACT(EPOCH FROM (NEW.deliv_at - COALESCE(NEW.order_at, NEW.opp_at, NEW.td_at, NEW.created_at))) * 1000) AS BIGINT)) ELSE 0 END, NEW.orders, NEW.revenue_fen)
        ON CONFLICT (day, source, campaign_id) DO UPDATE SET leads = report_lead_days_all.leads + excluded.leads, td = report_lead_days_all.td + excluded.td, td_n = report_lead_days_all.td_n + excluded.td_n, td_ms = report_lead_days_all.td_ms + excluded.td_ms, opp = report_lead_days_all.opp + excluded.opp, opp_both = report_lead_days_all.opp_both + excluded.opp_both, opp_ms = report_lead_days_all.opp_ms + excluded.opp_ms, ord = report_lead_days_all.ord + excluded.ord, ord_both = report_lead_days_all.ord_both + excluded.ord_both, ord_ms = report_lead_days_all.ord_ms + excluded.ord_ms, deliv = report_lead_days_all.deliv + excluded.deliv, deliv_both = report_lead_days_all.deliv_both + excluded.deliv_both, deliv_ms = report_lead_days_all.deliv_ms + excluded.deliv_ms, orders = report_lead_days_all.orders + excluded.orders, revenue_fen = report_lead_days_all.revenue_fen + excluded.revenue_fen;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER report_lead_facts_days AFTER INSERT OR DELETE OR UPDATE ON report_lead_facts
    FOR EACH ROW EXECUTE FUNCTION report_lead_days_count();
-- +goose StatementBegin
CREATE FUNCTION report_market_lead_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.store_id, OLD.day, OLD.province, OLD.city, OLD.model_id, OLD.powertrain, OLD.budget_fen) IS NOT DISTINCT FROM (NEW.store_id, NEW.day, NEW.province, NEW.city, NEW.model_id, NEW.powertrain, NEW.budget_fen) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_market_days (store_id, day, kind, key, n) VALUES
            (OLD.store_id, OLD.day, 'lead_province', OLD.province, -1),
            (OLD.store_id, OLD.day, 'lead_city', OLD.city, -1),
            (OLD.store_id, OLD.day, 'lead_model', CAST(OLD.model_id AS TEXT), -1),
            (OLD.store_id, OLD.day, 'lead_powertrain', OLD.powertrain, -1),
            (OLD.store_id, OLD.day, 'lead_band', CAST(CASE WHEN OLD.budget_fen > 0 THEN CASE WHEN OLD.budget_fen >= 40000000 THEN 5 WHEN OLD.budget_fen >= 30000000 THEN 4 WHEN OLD.budget_fen >= 25000000 THEN 3 WHEN OLD.budget_fen >= 20000000 THEN 2 WHEN OLD.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT), -1)
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n) VALUES
            (OLD.day, 'lead_province', OLD.province, -1),
            (OLD.day, 'lead_city', OLD.city, -1),
            (OLD.day, 'lead_model', CAST(OLD.model_id AS TEXT), -1),
            (OLD.day, 'lead_powertrain', OLD.powertrain, -1),
            (OLD.day, 'lead_band', CAST(CASE WHEN OLD.budget_fen > 0 THEN CASE WHEN OLD.budget_fen >= 40000000 THEN 5 WHEN OLD.budget_fen >= 30000000 THEN 4 WHEN OLD.budget_fen >= 25000000 THEN 3 WHEN OLD.budget_fen >= 20000000 THEN 2 WHEN OLD.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT), -1)
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_market_days (store_id, day, kind, key, n) VALUES
            (NEW.store_id, NEW.day, 'lead_province', NEW.province, 1),
            (NEW.store_id, NEW.day, 'lead_city', NEW.city, 1),
            (NEW.store_id, NEW.day, 'lead_model', CAST(NEW.model_id AS TEXT), 1),
            (NEW.store_id, NEW.day, 'lead_powertrain', NEW.powertrain, 1),
            (NEW.store_id, NEW.day, 'lead_band', CAST(CASE WHEN NEW.budget_fen > 0 THEN CASE WHEN NEW.budget_fen >= 40000000 THEN 5 WHEN NEW.budget_fen >= 30000000 THEN 4 WHEN NEW.budget_fen >= 25000000 THEN 3 WHEN NEW.budget_fen >= 20000000 THEN 2 WHEN NEW.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT), 1)
        ON CONFLICT (store_id, day, kind, key) DO UPDATE SET n = report_market_days.n + excluded.n;
        INSERT INTO report_market_days_all (day, kind, key, n) VALUES
            (NEW.day, 'lead_province', NEW.province, 1),
            (NEW.day, 'lead_city', NEW.city, 1),
            (NEW.day, 'lead_model', CAST(NEW.model_id AS TEXT), 1),
            (NEW.day, 'lead_powertrain', NEW.powertrain, 1),
            (NEW.day, 'lead_band', CAST(CASE WHEN NEW.budget_fen > 0 THEN CASE WHEN NEW.budget_fen >= 40000000 THEN 5 WHEN NEW.budget_fen >= 30000000 THEN 4 WHEN NEW.budget_fen >= 25000000 THEN 3 WHEN NEW.budget_fen >= 20000000 THEN 2 WHEN NEW.budget_fen >= 15000000 THEN 1 ELSE 0 END ELSE -1 END AS TEXT), 1)
        ON CONFLICT (day, kind, key) DO UPDATE SET n = report_market_days_all.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER report_lead_facts_market AFTER INSERT OR DELETE OR UPDATE OF store_id, day, province, city, model_id, powertrain, budget_fen ON report_lead_facts
    FOR EACH ROW EXECUTE FUNCTION report_market_lead_count();
-- +goose Down
DROP TRIGGER report_lead_facts_market ON report_lead_facts;
DROP TRIGGER vehicle_orders_report_market ON vehicle_orders;
DROP TRIGGER customers_report_market ON customers;
DROP FUNCTION report_market_lead_count();
DROP FUNCTION report_market_order();
DROP FUNCTION report_market_customer();
DROP TRIGGER report_lead_facts_days ON report_lead_facts;
DROP TRIGGER vehicle_orders_report_facts ON vehicle_orders;
DROP TRIGGER opportunities_report_facts ON opportunities;
DROP TRIGGER test_drives_report_facts ON test_drives;
DROP TRIGGER leads_report_facts ON leads;
DROP FUNCTION report_lead_days_count();
DROP FUNCTION report_lead_facts_order();
DROP FUNCTION report_lead_facts_opportunity();
DROP FUNCTION report_lead_facts_test_drive();
DROP FUNCTION report_lead_facts_lead();
DROP TABLE report_market_days_all;
DROP TABLE report_market_days;
DROP TABLE report_lead_days_all;
DROP TABLE report_lead_days;
DROP TABLE report_lead_facts;
