-- +goose Up
-- Reports (internal/report): 月汇总, so that a report over whole months reads a
-- row per site and month instead of every day or every row. The report
-- reads the whole local (Asia/Shanghai) months of its period from these
-- tables and the days before and after them from the day rollups or the
-- source rows (scope.plan in internal/report).
-- report_appointment_months and report_energy_months are the sums of the
-- day rollups report_appointment_days and report_energy_days (migration
-- 00021) by month, kept by triggers on those tables (an insert adds, a
-- delete subtracts, an update adds the difference).
-- report_work_order_months: per site and local month of completion, the
-- completed or closed work orders (count, parts, labour, warranty in fen).
-- report_rating_months: per site, local month and star, the work-order
-- ratings. report_feedback_months: per site (0: none), local month, kind
-- and category, the feedback rows. Kept by triggers on work_orders,
-- work_order_ratings and feedback.
-- Filled from the existing rows here. Keep in step with
-- ../sqlite/00029_report_month_rollups.sql and docs/数据字典.md.

CREATE TABLE report_appointment_months (
    month        TEXT NOT NULL CHECK (length(month) = 7),
    site_id      BIGINT NOT NULL,
    service_kind TEXT NOT NULL,
    status       TEXT NOT NULL,
    n            BIGINT NOT NULL DEFAULT 0,
    started      BIGINT NOT NULL DEFAULT 0,
    on_time      BIGINT NOT NULL DEFAULT 0,
    dur_sec      BIGINT NOT NULL DEFAULT 0,
    dur_n        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, site_id, service_kind, status)
);
CREATE TABLE report_energy_months (
    month        TEXT NOT NULL CHECK (length(month) = 7),
    site_id      BIGINT NOT NULL,
    charges      BIGINT NOT NULL DEFAULT 0,
    fast         BIGINT NOT NULL DEFAULT 0,
    energy_wh    BIGINT NOT NULL DEFAULT 0,
    charge_fen   BIGINT NOT NULL DEFAULT 0,
    swaps        BIGINT NOT NULL DEFAULT 0,
    swap_sec     BIGINT NOT NULL DEFAULT 0,
    swap_fen     BIGINT NOT NULL DEFAULT 0,
    c00          BIGINT NOT NULL DEFAULT 0,
    c01          BIGINT NOT NULL DEFAULT 0,
    c02          BIGINT NOT NULL DEFAULT 0,
    c03          BIGINT NOT NULL DEFAULT 0,
    c04          BIGINT NOT NULL DEFAULT 0,
    c05          BIGINT NOT NULL DEFAULT 0,
    c06          BIGINT NOT NULL DEFAULT 0,
    c07          BIGINT NOT NULL DEFAULT 0,
    c08          BIGINT NOT NULL DEFAULT 0,
    c09          BIGINT NOT NULL DEFAULT 0,
    c10          BIGINT NOT NULL DEFAULT 0,
    c11          BIGINT NOT NULL DEFAULT 0,
    c12          BIGINT NOT NULL DEFAULT 0,
    c13          BIGINT NOT NULL DEFAULT 0,
    c14          BIGINT NOT NULL DEFAULT 0,
    c15          BIGINT NOT NULL DEFAULT 0,
    c16          BIGINT NOT NULL DEFAULT 0,
    c17          BIGINT NOT NULL DEFAULT 0,
    c18          BIGINT NOT NULL DEFAULT 0,
    c19          BIGINT NOT NULL DEFAULT 0,
    c20          BIGINT NOT NULL DEFAULT 0,
    c21          BIGINT NOT NULL DEFAULT 0,
    c22          BIGINT NOT NULL DEFAULT 0,
    c23          BIGINT NOT NULL DEFAULT 0,
    s00          BIGINT NOT NULL DEFAULT 0,
    s01          BIGINT NOT NULL DEFAULT 0,
    s02          BIGINT NOT NULL DEFAULT 0,
    s03          BIGINT NOT NULL DEFAULT 0,
    s04          BIGINT NOT NULL DEFAULT 0,
    s05          BIGINT NOT NULL DEFAULT 0,
    s06          BIGINT NOT NULL DEFAULT 0,
    s07          BIGINT NOT NULL DEFAULT 0,
    s08          BIGINT NOT NULL DEFAULT 0,
    s09          BIGINT NOT NULL DEFAULT 0,
    s10          BIGINT NOT NULL DEFAULT 0,
    s11          BIGINT NOT NULL DEFAULT 0,
    s12          BIGINT NOT NULL DEFAULT 0,
    s13          BIGINT NOT NULL DEFAULT 0,
    s14          BIGINT NOT NULL DEFAULT 0,
    s15          BIGINT NOT NULL DEFAULT 0,
    s16          BIGINT NOT NULL DEFAULT 0,
    s17          BIGINT NOT NULL DEFAULT 0,
    s18          BIGINT NOT NULL DEFAULT 0,
    s19          BIGINT NOT NULL DEFAULT 0,
    s20          BIGINT NOT NULL DEFAULT 0,
    s21          BIGINT NOT NULL DEFAULT 0,
    s22          BIGINT NOT NULL DEFAULT 0,
    s23          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, site_id)
);
CREATE TABLE report_work_order_months (
    month        TEXT NOT NULL CHECK (length(month) = 7),
    site_id      BIGINT NOT NULL,
    n            BIGINT NOT NULL DEFAULT 0,
    parts_fen    BIGINT NOT NULL DEFAULT 0,
    labour_fen   BIGINT NOT NULL DEFAULT 0,
    warranty_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, site_id)
);
CREATE TABLE report_rating_months (
    month        TEXT NOT NULL CHECK (length(month) = 7),
    site_id      BIGINT NOT NULL,
    rating       BIGINT NOT NULL,
    n            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, site_id, rating)
);
CREATE TABLE report_feedback_months (
    month        TEXT NOT NULL CHECK (length(month) = 7),
    site_id      BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    category     TEXT NOT NULL,
    n            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, site_id, kind, category)
);
INSERT INTO report_appointment_months (month, site_id, service_kind, status, n, started, on_time, dur_sec, dur_n)
    SELECT substr(day, 1, 7), site_id, service_kind, status, SUM(n), SUM(started), SUM(on_time), SUM(dur_sec), SUM(dur_n)
    FROM report_appointment_days GROUP BY substr(day, 1, 7), site_id, service_kind, status;
INSERT INTO report_energy_months (month, site_id, charges, fast, energy_wh, charge_fen, swaps, swap_sec, swap_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
    SELECT substr(day, 1, 7), site_id, SUM(charges), SUM(fast), SUM(energy_wh), SUM(charge_fen), SUM(swaps), SUM(swap_sec), SUM(swap_fen), SUM(c00), SUM(c01), SUM(c02), SUM(c03), SUM(c04), SUM(c05), SUM(c06), SUM(c07), SUM(c08), SUM(c09), SUM(c10), SUM(c11), SUM(c12), SUM(c13), SUM(c14), SUM(c15), SUM(c16), SUM(c17), SUM(c18), SUM(c19), SUM(c20), SUM(c21), SUM(c22), SUM(c23), SUM(s00), SUM(s01), SUM(s02), SUM(s03), SUM(s04), SUM(s05), SUM(s06), SUM(s07), SUM(s08), SUM(s09), SUM(s10), SUM(s11), SUM(s12), SUM(s13), SUM(s14), SUM(s15), SUM(s16), SUM(s17), SUM(s18), SUM(s19), SUM(s20), SUM(s21), SUM(s22), SUM(s23)
    FROM report_energy_days GROUP BY substr(day, 1, 7), site_id;
INSERT INTO report_work_order_months (month, site_id, n, parts_fen, labour_fen, warranty_fen)
    SELECT to_char(completed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), site_id, COUNT(*), SUM(parts_fen), SUM(labour_fen), SUM(warranty_fen)
    FROM work_orders WHERE status IN ('completed', 'closed') AND completed_at IS NOT NULL GROUP BY to_char(completed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), site_id;
INSERT INTO report_rating_months (month, site_id, rating, n)
    SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), site_id, rating, COUNT(*) FROM work_order_ratings GROUP BY to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), site_id, rating;
INSERT INTO report_feedback_months (month, site_id, kind, category, n)
    SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), COALESCE(site_id, 0), kind, category, COUNT(*) FROM feedback GROUP BY to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), COALESCE(site_id, 0), kind, category;
-- +goose StatementBegin
CREATE FUNCTION report_appointment_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.day = NEW.day AND OLD.site_id = NEW.site_id AND OLD.service_kind = NEW.service_kind AND OLD.status = NEW.status THEN
        INSERT INTO report_appointment_months (month, site_id, service_kind, status, n, started, on_time, dur_sec, dur_n)
        VALUES (substr(NEW.day, 1, 7), NEW.site_id, NEW.service_kind, NEW.status, NEW.n - OLD.n, NEW.started - OLD.started, NEW.on_time - OLD.on_time, NEW.dur_sec - OLD.dur_sec, NEW.dur_n - OLD.dur_n)
        ON CONFLICT (month, site_id, service_kind, status) DO UPDATE SET n = report_appointment_months.n + excluded.n, started = report_appointment_months.started + excluded.started, on_time = report_appointment_months.on_time + excluded.on_time, dur_sec = report_appointment_months.dur_sec + excluded.dur_sec, dur_n = report_appointment_months.dur_n + excluded.dur_n;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_appointment_months (month, site_id, service_kind, status, n, started, on_time, dur_sec, dur_n)
        VALUES (substr(OLD.day, 1, 7), OLD.site_id, OLD.service_kind, OLD.status, -OLD.n, -OLD.started, -OLD.on_time, -OLD.dur_sec, -OLD.dur_n)
        ON CONFLICT (month, site_id, service_kind, status) DO UPDATE SET n = report_appointment_months.n + excluded.n, started = report_appointment_months.started + excluded.started, on_time = report_appointment_months.on_time + excluded.on_time, dur_sec = report_appointment_months.dur_sec + excluded.dur_sec, dur_n = report_appointment_months.dur_n + excluded.dur_n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_appointment_months (month, site_id, service_kind, status, n, started, on_time, dur_sec, dur_n)
        VALUES (substr(NEW.day, 1, 7), NEW.site_id, NEW.service_kind, NEW.status, NEW.n, NEW.started, NEW.on_time, NEW.dur_sec, NEW.dur_n)
        ON CONFLICT (month, site_id, service_kind, status) DO UPDATE SET n = report_appointment_months.n + excluded.n, started = report_appointment_months.started + excluded.started, on_time = report_appointment_months.on_time + excluded.on_time, dur_sec = report_appointment_months.dur_sec + excluded.dur_sec, dur_n = report_appointment_months.dur_n + excluded.dur_n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER report_appointment_days_month AFTER INSERT OR DELETE OR UPDATE ON report_appointment_days
    FOR EACH ROW EXECUTE FUNCTION report_appointment_month();
-- +goose StatementBegin
CREATE FUNCTION report_energy_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.day = NEW.day AND OLD.site_id = NEW.site_id THEN
        INSERT INTO report_energy_months (month, site_id, charges, fast, energy_wh, charge_fen, swaps, swap_sec, swap_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
        VALUES (substr(NEW.day, 1, 7), NEW.site_id, NEW.charges - OLD.charges, NEW.fast - OLD.fast, NEW.energy_wh - OLD.energy_wh, NEW.charge_fen - OLD.charge_fen, NEW.swaps - OLD.swaps, NEW.swap_sec - OLD.swap_sec, NEW.swap_fen - OLD.swap_fen, NEW.c00 - OLD.c00, NEW.c01 - OLD.c01, NEW.c02 - OLD.c02, NEW.c03 - OLD.c03, NEW.c04 - OLD.c04, NEW.c05 - OLD.c05, NEW.c06 - OLD.c06, NEW.c07 - OLD.c07, NEW.c08 - OLD.c08, NEW.c09 - OLD.c09, NEW.c10 - OLD.c10, NEW.c11 - OLD.c11, NEW.c12 - OLD.c12, NEW.c13 - OLD.c13, NEW.c14 - OLD.c14, NEW.c15 - OLD.c15, NEW.c16 - OLD.c16, NEW.c17 - OLD.c17, NEW.c18 - OLD.c18, NEW.c19 - OLD.c19, NEW.c20 - OLD.c20, NEW.c21 - OLD.c21, NEW.c22 - OLD.c22, NEW.c23 - OLD.c23, NEW.s00 - OLD.s00, NEW.s01 - OLD.s01, NEW.s02 - OLD.s02, NEW.s03 - OLD.s03, NEW.s04 - OLD.s04, NEW.s05 - OLD.s05, NEW.s06 - OLD.s06, NEW.s07 - OLD.s07, NEW.s08 - OLD.s08, NEW.s09 - OLD.s09, NEW.s10 - OLD.s10, NEW.s11 - OLD.s11, NEW.s12 - OLD.s12, NEW.s13 - OLD.s13, NEW.s14 - OLD.s14, NEW.s15 - OLD.s15, NEW.s16 - OLD.s16, NEW.s17 - OLD.s17, NEW.s18 - OLD.s18, NEW.s19 - OLD.s19, NEW.s20 - OLD.s20, NEW.s21 - OLD.s21, NEW.s22 - OLD.s22, NEW.s23 - OLD.s23)
        ON CONFLICT (month, site_id) DO UPDATE SET charges = report_energy_months.charges + excluded.charges, fast = report_energy_months.fast + excluded.fast, energy_wh = report_energy_months.energy_wh + excluded.energy_wh, charge_fen = report_energy_months.charge_fen + excluded.charge_fen, swaps = report_energy_months.swaps + excluded.swaps, swap_sec = report_energy_months.swap_sec + excluded.swap_sec, swap_fen = report_energy_months.swap_fen + excluded.swap_fen, c00 = report_energy_months.c00 + excluded.c00, c01 = report_energy_months.c01 + excluded.c01, c02 = report_energy_months.c02 + excluded.c02, c03 = report_energy_months.c03 + excluded.c03, c04 = report_energy_months.c04 + excluded.c04, c05 = report_energy_months.c05 + excluded.c05, c06 = report_energy_months.c06 + excluded.c06, c07 = report_energy_months.c07 + excluded.c07, c08 = report_energy_months.c08 + excluded.c08, c09 = report_energy_months.c09 + excluded.c09, c10 = report_energy_months.c10 + excluded.c10, c11 = report_energy_months.c11 + excluded.c11, c12 = report_energy_months.c12 + excluded.c12, c13 = report_energy_months.c13 + excluded.c13, c14 = report_energy_months.c14 + excluded.c14, c15 = report_energy_months.c15 + excluded.c15, c16 = report_energy_months.c16 + excluded.c16, c17 = report_energy_months.c17 + excluded.c17, c18 = report_energy_months.c18 + excluded.c18, c19 = report_energy_months.c19 + excluded.c19, c20 = report_energy_months.c20 + excluded.c20, c21 = report_energy_months.c21 + excluded.c21, c22 = report_energy_months.c22 + excluded.c22, c23 = report_energy_months.c23 + excluded.c23, s00 = report_energy_months.s00 + excluded.s00, s01 = report_energy_months.s01 + excluded.s01, s02 = report_energy_months.s02 + excluded.s02, s03 = report_energy_months.s03 + excluded.s03, s04 = report_energy_months.s04 + excluded.s04, s05 = report_energy_months.s05 + excluded.s05, s06 = report_energy_months.s06 + excluded.s06, s07 = report_energy_months.s07 + excluded.s07, s08 = report_energy_months.s08 + excluded.s08, s09 = report_energy_months.s09 + excluded.s09, s10 = report_energy_months.s10 + excluded.s10, s11 = report_energy_months.s11 + excluded.s11, s12 = report_energy_months.s12 + excluded.s12, s13 = report_energy_months.s13 + excluded.s13, s14 = report_energy_months.s14 + excluded.s14, s15 = report_energy_months.s15 + excluded.s15, s16 = report_energy_months.s16 + excluded.s16, s17 = report_energy_months.s17 + excluded.s17, s18 = report_energy_months.s18 + excluded.s18, s19 = report_energy_months.s19 + excluded.s19, s20 = report_energy_months.s20 + excluded.s20, s21 = report_energy_months.s21 + excluded.s21, s22 = report_energy_months.s22 + excluded.s22, s23 = report_energy_months.s23 + excluded.s23;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_energy_months (month, site_id, charges, fast, energy_wh, charge_fen, swaps, swap_sec, swap_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
        VALUES (substr(OLD.day, 1, 7), OLD.site_id, -OLD.charges, -OLD.fast, -OLD.energy_wh, -OLD.charge_fen, -OLD.swaps, -OLD.swap_sec, -OLD.swap_fen, -OLD.c00, -OLD.c01, -OLD.c02, -OLD.c03, -OLD.c04, -OLD.c05, -OLD.c06, -OLD.c07, -OLD.c08, -OLD.c09, -OLD.c10, -OLD.c11, -OLD.c12, -OLD.c13, -OLD.c14, -OLD.c15, -OLD.c16, -OLD.c17, -OLD.c18, -OLD.c19, -OLD.c20, -OLD.c21, -OLD.c22, -OLD.c23, -OLD.s00, -OLD.s01, -OLD.s02, -OLD.s03, -OLD.s04, -OLD.s05, -OLD.s06, -OLD.s07, -OLD.s08, -OLD.s09, -OLD.s10, -OLD.s11, -OLD.s12, -OLD.s13, -OLD.s14, -OLD.s15, -OLD.s16, -OLD.s17, -OLD.s18, -OLD.s19, -OLD.s20, -OLD.s21, -OLD.s22, -OLD.s23)
        ON CONFLICT (month, site_id) DO UPDATE SET charges = report_energy_months.charges + excluded.charges, fast = report_energy_months.fast + excluded.fast, energy_wh = report_energy_months.energy_wh + excluded.energy_wh, charge_fen = report_energy_months.charge_fen + excluded.charge_fen, swaps = report_energy_months.swaps + excluded.swaps, swap_sec = report_energy_months.swap_sec + excluded.swap_sec, swap_fen = report_energy_months.swap_fen + excluded.swap_fen, c00 = report_energy_months.c00 + excluded.c00, c01 = report_energy_months.c01 + excluded.c01, c02 = report_energy_months.c02 + excluded.c02, c03 = report_energy_months.c03 + excluded.c03, c04 = report_energy_months.c04 + excluded.c04, c05 = report_energy_months.c05 + excluded.c05, c06 = report_energy_months.c06 + excluded.c06, c07 = report_energy_months.c07 + excluded.c07, c08 = report_energy_months.c08 + excluded.c08, c09 = report_energy_months.c09 + excluded.c09, c10 = report_energy_months.c10 + excluded.c10, c11 = report_energy_months.c11 + excluded.c11, c12 = report_energy_months.c12 + excluded.c12, c13 = report_energy_months.c13 + excluded.c13, c14 = report_energy_months.c14 + excluded.c14, c15 = report_energy_months.c15 + excluded.c15, c16 = report_energy_months.c16 + excluded.c16, c17 = report_energy_months.c17 + excluded.c17, c18 = report_energy_months.c18 + excluded.c18, c19 = report_energy_months.c19 + excluded.c19, c20 = report_energy_months.c20 + excluded.c20, c21 = report_energy_months.c21 + excluded.c21, c22 = report_energy_months.c22 + excluded.c22, c23 = report_energy_months.c23 + excluded.c23, s00 = report_energy_months.s00 + excluded.s00, s01 = report_energy_months.s01 + excluded.s01, s02 = report_energy_months.s02 + excluded.s02, s03 = report_energy_months.s03 + excluded.s03, s04 = report_energy_months.s04 + excluded.s04, s05 = report_energy_months.s05 + excluded.s05, s06 = report_energy_months.s06 + excluded.s06, s07 = report_energy_months.s07 + excluded.s07, s08 = report_energy_months.s08 + excluded.s08, s09 = report_energy_months.s09 + excluded.s09, s10 = report_energy_months.s10 + excluded.s10, s11 = report_energy_months.s11 + excluded.s11, s12 = report_energy_months.s12 + excluded.s12, s13 = report_energy_months.s13 + excluded.s13, s14 = report_energy_months.s14 + excluded.s14, s15 = report_energy_months.s15 + excluded.s15, s16 = report_energy_months.s16 + excluded.s16, s17 = report_energy_months.s17 + excluded.s17, s18 = report_energy_months.s18 + excluded.s18, s19 = report_energy_months.s19 + excluded.s19, s20 = report_energy_months.s20 + excluded.s20, s21 = report_energy_months.s21 + excluded.s21, s22 = report_energy_months.s22 + excluded.s22, s23 = report_energy_months.s23 + excluded.s23;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_energy_months (month, site_id, charges, fast, energy_wh, charge_fen, swaps, swap_sec, swap_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
        VALUES (substr(NEW.day, 1, 7), NEW.site_id, NEW.charges, NEW.fast, NEW.energy_wh, NEW.charge_fen, NEW.swaps, NEW.swap_sec, NEW.swap_fen, NEW.c00, NEW.c01, NEW.c02, NEW.c03, NEW.c04, NEW.c05, NEW.c06, NEW.c07, NEW.c08, NEW.c09, NEW.c10, NEW.c11, NEW.c12, NEW.c13, NEW.c14, NEW.c15, NEW.c16, NEW.c17, NEW.c18, NEW.c19, NEW.c20, NEW.c21, NEW.c22, NEW.c23, NEW.s00, NEW.s01, NEW.s02, NEW.s03, NEW.s04, NEW.s05, NEW.s06, NEW.s07, NEW.s08, NEW.s09, NEW.s10, NEW.s11, NEW.s12, NEW.s13, NEW.s14, NEW.s15, NEW.s16, NEW.s17, NEW.s18, NEW.s19, NEW.s20, NEW.s21, NEW.s22, NEW.s23)
        ON CONFLICT (month, site_id) DO UPDATE SET charges = report_energy_months.charges + excluded.charges, fast = report_energy_months.fast + excluded.fast, energy_wh = report_energy_months.energy_wh + excluded.energy_wh, charge_fen = report_energy_months.charge_fen + excluded.charge_fen, swaps = report_energy_months.swaps + excluded.swaps, swap_sec = report_energy_months.swap_sec + excluded.swap_sec, swap_fen = report_energy_months.swap_fen + excluded.swap_fen, c00 = report_energy_months.c00 + excluded.c00, c01 = report_energy_months.c01 + excluded.c01, c02 = report_energy_months.c02 + excluded.c02, c03 = report_energy_months.c03 + excluded.c03, c04 = report_energy_months.c04 + excluded.c04, c05 = report_energy_months.c05 + excluded.c05, c06 = report_energy_months.c06 + excluded.c06, c07 = report_energy_months.c07 + excluded.c07, c08 = report_energy_months.c08 + excluded.c08, c09 = report_energy_months.c09 + excluded.c09, c10 = report_energy_months.c10 + excluded.c10, c11 = report_energy_months.c11 + excluded.c11, c12 = report_energy_months.c12 + excluded.c12, c13 = report_energy_months.c13 + excluded.c13, c14 = report_energy_months.c14 + excluded.c14, c15 = report_energy_months.c15 + excluded.c15, c16 = report_energy_months.c16 + excluded.c16, c17 = report_energy_months.c17 + excluded.c17, c18 = report_energy_months.c18 + excluded.c18, c19 = report_energy_months.c19 + excluded.c19, c20 = report_energy_months.c20 + excluded.c20, c21 = report_energy_months.c21 + excluded.c21, c22 = report_energy_months.c22 + excluded.c22, c23 = report_energy_months.c23 + excluded.c23, s00 = report_energy_months.s00 + excluded.s00, s01 = report_energy_months.s01 + excluded.s01, s02 = report_energy_months.s02 + excluded.s02, s03 = report_energy_months.s03 + excluded.s03, s04 = report_energy_months.s04 + excluded.s04, s05 = report_energy_months.s05 + excluded.s05, s06 = report_energy_months.s06 + excluded.s06, s07 = report_energy_months.s07 + excluded.s07, s08 = report_energy_months.s08 + excluded.s08, s09 = report_energy_months.s09 + excluded.s09, s10 = report_energy_months.s10 + excluded.s10, s11 = report_energy_months.s11 + excluded.s11, s12 = report_energy_months.s12 + excluded.s12, s13 = report_energy_months.s13 + excluded.s13, s14 = report_energy_months.s14 + excluded.s14, s15 = report_energy_months.s15 + excluded.s15, s16 = report_energy_months.s16 + excluded.s16, s17 = report_energy_months.s17 + excluded.s17, s18 = report_energy_months.s18 + excluded.s18, s19 = report_energy_months.s19 + excluded.s19, s20 = report_energy_months.s20 + excluded.s20, s21 = report_energy_months.s21 + excluded.s21, s22 = report_energy_months.s22 + excluded.s22, s23 = report_energy_months.s23 + excluded.s23;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER report_energy_days_month AFTER INSERT OR DELETE OR UPDATE ON report_energy_days
    FOR EACH ROW EXECUTE FUNCTION report_energy_month();
-- +goose StatementBegin
CREATE FUNCTION report_work_order_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('completed', 'closed') AND OLD.completed_at IS NOT NULL THEN
        INSERT INTO report_work_order_months (month, site_id, n, parts_fen, labour_fen, warranty_fen)
        VALUES (to_char(OLD.completed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), OLD.site_id, -1, -OLD.parts_fen, -OLD.labour_fen, -OLD.warranty_fen)
        ON CONFLICT (month, site_id) DO UPDATE SET n = report_work_order_months.n + excluded.n, parts_fen = report_work_order_months.parts_fen + excluded.parts_fen, labour_fen = report_work_order_months.labour_fen + excluded.labour_fen, warranty_fen = report_work_order_months.warranty_fen + excluded.warranty_fen;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('completed', 'closed') AND NEW.completed_at IS NOT NULL THEN
        INSERT INTO report_work_order_months (month, site_id, n, parts_fen, labour_fen, warranty_fen)
        VALUES (to_char(NEW.completed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), NEW.site_id, 1, NEW.parts_fen, NEW.labour_fen, NEW.warranty_fen)
        ON CONFLICT (month, site_id) DO UPDATE SET n = report_work_order_months.n + excluded.n, parts_fen = report_work_order_months.parts_fen + excluded.parts_fen, labour_fen = report_work_order_months.labour_fen + excluded.labour_fen, warranty_fen = report_work_order_months.warranty_fen + excluded.warranty_fen;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER work_orders_report_month AFTER INSERT OR DELETE OR UPDATE OF site_id, status, completed_at, parts_fen, labour_fen, warranty_fen ON work_orders
    FOR EACH ROW EXECUTE FUNCTION report_work_order_month();
-- +goose StatementBegin
CREATE FUNCTION report_rating_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_rating_months (month, site_id, rating, n)
        VALUES (to_char(OLD.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), OLD.site_id, OLD.rating, -1)
        ON CONFLICT (month, site_id, rating) DO UPDATE SET n = report_rating_months.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_rating_months (month, site_id, rating, n)
        VALUES (to_char(NEW.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), NEW.site_id, NEW.rating, 1)
        ON CONFLICT (month, site_id, rating) DO UPDATE SET n = report_rating_months.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER work_order_ratings_report_month AFTER INSERT OR DELETE OR UPDATE OF site_id, created_at, rating ON work_order_ratings
    FOR EACH ROW EXECUTE FUNCTION report_rating_month();
-- +goose StatementBegin
CREATE FUNCTION report_feedback_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_feedback_months (month, site_id, kind, category, n)
        VALUES (to_char(OLD.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), COALESCE(OLD.site_id, 0), OLD.kind, OLD.category, -1)
        ON CONFLICT (month, site_id, kind, category) DO UPDATE SET n = report_feedback_months.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_feedback_months (month, site_id, kind, category, n)
        VALUES (to_char(NEW.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), COALESCE(NEW.site_id, 0), NEW.kind, NEW.category, 1)
        ON CONFLICT (month, site_id, kind, category) DO UPDATE SET n = report_feedback_months.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER feedback_report_month AFTER INSERT OR DELETE OR UPDATE OF site_id, work_order_id, appointment_id, created_at, kind, category ON feedback
    FOR EACH ROW EXECUTE FUNCTION report_feedback_month();
-- +goose Down
DROP TRIGGER feedback_report_month ON feedback;
DROP FUNCTION report_feedback_month();
DROP TRIGGER work_order_ratings_report_month ON work_order_ratings;
DROP FUNCTION report_rating_month();
DROP TRIGGER work_orders_report_month ON work_orders;
DROP FUNCTION report_work_order_month();
DROP TRIGGER report_energy_days_month ON report_energy_days;
DROP FUNCTION report_energy_month();
DROP TRIGGER report_appointment_days_month ON report_appointment_days;
DROP FUNCTION report_appointment_month();
DROP TABLE report_feedback_months;
DROP TABLE report_rating_months;
DROP TABLE report_work_order_months;
DROP TABLE report_energy_months;
DROP TABLE report_appointment_months;
