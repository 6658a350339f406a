-- +goose Up
-- Reports (internal/report): 充换电日汇总. Per site and local
-- (Asia/Shanghai) day: charging sessions at the site (count, fast ones,
-- energy in Wh, revenue) and battery swaps (count, seconds, revenue), with
-- the count of each by local hour of the day (c00..c23, s00..s23), so that
-- the energy report reads a row per site and day instead of every session.
-- 预约日汇总: per site, local day of the slot, service kind and status:
-- appointments, started, started on time (within 15 minutes of the slot),
-- seconds from start to completion of the completed ones, for the service
-- KPI report.
-- Filled from the existing rows here, then kept by the triggers below
-- (an insert adds, a delete subtracts, an update of a counted column does
-- both). Keep in step with ../sqlite/00021_report_rollups.sql and
-- docs/数据字典.md.

CREATE TABLE report_energy_days (
    site_id     BIGINT NOT NULL,
    day         TEXT NOT NULL CHECK (length(day) = 10),
    charges     BIGINT NOT NULL DEFAULT 0,
    fast        BIGINT NOT NULL DEFAULT 0,
    energy_wh   BIGINT NOT NULL DEFAULT 0,
    charge_fen  BIGINT NOT NULL DEFAULT 0,
    swaps       BIGINT NOT NULL DEFAULT 0,
    swap_sec    BIGINT NOT NULL DEFAULT 0,
    swap_fen    BIGINT NOT NULL DEFAULT 0,
    c00         BIGINT NOT NULL DEFAULT 0,
    c01         BIGINT NOT NULL DEFAULT 0,
    c02         BIGINT NOT NULL DEFAULT 0,
    c03         BIGINT NOT NULL DEFAULT 0,
    c04         BIGINT NOT NULL DEFAULT 0,
    c05         BIGINT NOT NULL DEFAULT 0,
    c06         BIGINT NOT NULL DEFAULT 0,
    c07         BIGINT NOT NULL DEFAULT 0,
    c08         BIGINT NOT NULL DEFAULT 0,
    c09         BIGINT NOT NULL DEFAULT 0,
    c10         BIGINT NOT NULL DEFAULT 0,
    c11         BIGINT NOT NULL DEFAULT 0,
    c12         BIGINT NOT NULL DEFAULT 0,
    c13         BIGINT NOT NULL DEFAULT 0,
    c14         BIGINT NOT NULL DEFAULT 0,
    c15         BIGINT NOT NULL DEFAULT 0,
    c16         BIGINT NOT NULL DEFAULT 0,
    c17         BIGINT NOT NULL DEFAULT 0,
    c18         BIGINT NOT NULL DEFAULT 0,
    c19         BIGINT NOT NULL DEFAULT 0,
    c20         BIGINT NOT NULL DEFAULT 0,
    c21         BIGINT NOT NULL DEFAULT 0,
    c22         BIGINT NOT NULL DEFAULT 0,
    c23         BIGINT NOT NULL DEFAULT 0,
    s00         BIGINT NOT NULL DEFAULT 0,
    s01         BIGINT NOT NULL DEFAULT 0,
    s02         BIGINT NOT NULL DEFAULT 0,
    s03         BIGINT NOT NULL DEFAULT 0,
    s04         BIGINT NOT NULL DEFAULT 0,
    s05         BIGINT NOT NULL DEFAULT 0,
    s06         BIGINT NOT NULL DEFAULT 0,
    s07         BIGINT NOT NULL DEFAULT 0,
    s08         BIGINT NOT NULL DEFAULT 0,
    s09         BIGINT NOT NULL DEFAULT 0,
    s10         BIGINT NOT NULL DEFAULT 0,
    s11         BIGINT NOT NULL DEFAULT 0,
    s12         BIGINT NOT NULL DEFAULT 0,
    s13         BIGINT NOT NULL DEFAULT 0,
    s14         BIGINT NOT NULL DEFAULT 0,
    s15         BIGINT NOT NULL DEFAULT 0,
    s16         BIGINT NOT NULL DEFAULT 0,
    s17         BIGINT NOT NULL DEFAULT 0,
    s18         BIGINT NOT NULL DEFAULT 0,
    s19         BIGINT NOT NULL DEFAULT 0,
    s20         BIGINT NOT NULL DEFAULT 0,
    s21         BIGINT NOT NULL DEFAULT 0,
    s22         BIGINT NOT NULL DEFAULT 0,
    s23         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day)
);
CREATE INDEX report_energy_days_day ON report_energy_days (day, site_id);
INSERT INTO report_energy_days (site_id, day, charges, fast, energy_wh, charge_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23)
    SELECT site_id, to_char(started_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), COUNT(*), SUM(CASE WHEN fast THEN 1 ELSE 0 END), SUM(CAST(round(energy_kwh * 1000) AS BIGINT)), SUM(cost_fen),
    SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 5 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 6 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 7 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 8 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 9 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 10 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 11 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 12 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 13 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 14 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 15 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 16 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 17 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 18 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 19 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 20 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 21 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 22 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 23 THEN 1 ELSE 0 END)
    FROM charging_sessions WHERE site_id IS NOT NULL GROUP BY site_id, to_char(started_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD');
INSERT INTO report_energy_days (site_id, day, swaps, swap_sec, swap_fen, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
    SELECT site_id, to_char(swapped_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), COUNT(*), SUM(duration_sec), SUM(cost_fen),
    SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 5 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 6 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 7 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 8 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 9 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 10 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 11 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 12 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 13 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 14 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 15 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 16 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 17 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 18 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 19 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 20 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 21 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 22 THEN 1 ELSE 0 END), SUM(CASE WHEN CAST(EXTRACT(HOUR FROM swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 23 THEN 1 ELSE 0 END)
    FROM battery_swaps WHERE 1 = 1 GROUP BY site_id, to_char(swapped_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
    ON CONFLICT (site_id, day) DO UPDATE SET swaps = report_energy_days.swaps + excluded.swaps, swap_sec = report_energy_days.swap_sec + excluded.swap_sec, swap_fen = report_energy_days.swap_fen + excluded.swap_fen, s00 = report_energy_days.s00 + excluded.s00, s01 = report_energy_days.s01 + excluded.s01, s02 = report_energy_days.s02 + excluded.s02, s03 = report_energy_days.s03 + excluded.s03, s04 = report_energy_days.s04 + excluded.s04, s05 = report_energy_days.s05 + excluded.s05, s06 = report_energy_days.s06 + excluded.s06, s07 = report_energy_days.s07 + excluded.s07, s08 = report_energy_days.s08 + excluded.s08, s09 = report_energy_days.s09 + excluded.s09, s10 = report_energy_days.s10 + excluded.s10, s11 = report_energy_days.s11 + excluded.s11, s12 = report_energy_days.s12 + excluded.s12, s13 = report_energy_days.s13 + excluded.s13, s14 = report_energy_days.s14 + excluded.s14, s15 = report_energy_days.s15 + excluded.s15, s16 = report_energy_days.s16 + excluded.s16, s17 = report_energy_days.s17 + excluded.s17, s18 = report_energy_days.s18 + excluded.s18, s19 = report_energy_days.s19 + excluded.s19, s20 = report_energy_days.s20 + excluded.s20, s21 = report_energy_days.s21 + excluded.s21, s22 = report_energy_days.s22 + excluded.s22, s23 = report_energy_days.s23 + excluded.s23;
-- +goose StatementBegin
CREATE FUNCTION report_energy_charge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.site_id IS NOT NULL THEN
        INSERT INTO report_energy_days (site_id, day, charges, fast, energy_wh, charge_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23)
        VALUES (OLD.site_id, to_char(OLD.started_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
            -1, -(CASE WHEN OLD.fast THEN 1 ELSE 0 END), -CAST(round(OLD.energy_kwh * 1000) AS BIGINT), -OLD.cost_fen, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 0 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 1 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 2 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 3 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 4 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 5 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 6 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 7 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 8 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 9 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 10 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 11 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 12 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 13 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 14 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 15 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 16 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 17 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 18 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 19 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 20 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 21 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 22 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 23 THEN -1 ELSE 0 END)
        ON CONFLICT (site_id, day) DO UPDATE SET charges = report_energy_days.charges + excluded.charges, fast = report_energy_days.fast + excluded.fast, energy_wh = report_energy_days.energy_wh + excluded.energy_wh, charge_fen = report_energy_days.charge_fen + excluded.charge_fen, c00 = report_energy_days.c00 + excluded.c00, c01 = report_energy_days.c01 + excluded.c01, c02 = report_energy_days.c02 + excluded.c02, c03 = report_energy_days.c03 + excluded.c03, c04 = report_energy_days.c04 + excluded.c04, c05 = report_energy_days.c05 + excluded.c05, c06 = report_energy_days.c06 + excluded.c06, c07 = report_energy_days.c07 + excluded.c07, c08 = report_energy_days.c08 + excluded.c08, c09 = report_energy_days.c09 + excluded.c09, c10 = report_energy_days.c10 + excluded.c10, c11 = report_energy_days.c11 + excluded.c11, c12 = report_energy_days.c12 + excluded.c12, c13 = report_energy_days.c13 + excluded.c13, c14 = report_energy_days.c14 + excluded.c14, c15 = report_energy_days.c15 + excluded.c15, c16 = report_energy_days.c16 + excluded.c16, c17 = report_energy_days.c17 + excluded.c17, c18 = report_energy_days.c18 + excluded.c18, c19 = report_energy_days.c19 + excluded.c19, c20 = report_energy_days.c20 + excluded.c20, c21 = report_energy_days.c21 + excluded.c21, c22 = report_energy_days.c22 + excluded.c22, c23 = report_energy_days.c23 + excluded.c23;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.site_id IS NOT NULL THEN
        INSERT INTO report_energy_days (site_id, day, charges, fast, energy_wh, charge_fen, c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23)
        VALUES (NEW.site_id, to_char(NEW.started_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
            1, (CASE WHEN NEW.fast THEN 1 ELSE 0 END), CAST(round(NEW.energy_kwh * 1000) AS BIGINT), NEW.cost_fen, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 0 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 1 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 2 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 3 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 4 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 5 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 6 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 7 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 8 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 9 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 10 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 11 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 12 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 13 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 14 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 15 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 16 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 17 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 18 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 19 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 20 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 21 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 22 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.started_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 23 THEN 1 ELSE 0 END)
        ON CONFLICT (site_id, day) DO UPDATE SET charges = report_energy_days.charges + excluded.charges, fast = report_energy_days.fast + excluded.fast, energy_wh = report_energy_days.energy_wh + excluded.energy_wh, charge_fen = report_energy_days.charge_fen + excluded.charge_fen, c00 = report_energy_days.c00 + excluded.c00, c01 = report_energy_days.c01 + excluded.c01, c02 = report_energy_days.c02 + excluded.c02, c03 = report_energy_days.c03 + excluded.c03, c04 = report_energy_days.c04 + excluded.c04, c05 = report_energy_days.c05 + excluded.c05, c06 = report_energy_days.c06 + excluded.c06, c07 = report_energy_days.c07 + excluded.c07, c08 = report_energy_days.c08 + excluded.c08, c09 = report_energy_days.c09 + excluded.c09, c10 = report_energy_days.c10 + excluded.c10, c11 = report_energy_days.c11 + excluded.c11, c12 = report_energy_days.c12 + excluded.c12, c13 = report_energy_days.c13 + excluded.c13, c14 = report_energy_days.c14 + excluded.c14, c15 = report_energy_days.c15 + excluded.c15, c16 = report_energy_days.c16 + excluded.c16, c17 = report_energy_days.c17 + excluded.c17, c18 = report_energy_days.c18 + excluded.c18, c19 = report_energy_days.c19 + excluded.c19, c20 = report_energy_days.c20 + excluded.c20, c21 = report_energy_days.c21 + excluded.c21, c22 = report_energy_days.c22 + excluded.c22, c23 = report_energy_days.c23 + excluded.c23;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER charging_sessions_report_energy AFTER INSERT OR DELETE OR UPDATE OF site_id, started_at, fast, energy_kwh, cost_fen ON charging_sessions
    FOR EACH ROW EXECUTE FUNCTION report_energy_charge();
-- +goose StatementBegin
CREATE FUNCTION report_energy_swap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_energy_days (site_id, day, swaps, swap_sec, swap_fen, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
        VALUES (OLD.site_id, to_char(OLD.swapped_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
            -1, -OLD.duration_sec, -OLD.cost_fen, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 0 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 1 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 2 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 3 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 4 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 5 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 6 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 7 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 8 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 9 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 10 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 11 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 12 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 13 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 14 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 15 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 16 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 17 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 18 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 19 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 20 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 21 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 22 THEN -1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM OLD.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 23 THEN -1 ELSE 0 END)
        ON CONFLICT (site_id, day) DO UPDATE SET swaps = report_energy_days.swaps + excluded.swaps, swap_sec = report_energy_days.swap_sec + excluded.swap_sec, swap_fen = report_energy_days.swap_fen + excluded.swap_fen, s00 = report_energy_days.s00 + excluded.s00, s01 = report_energy_days.s01 + excluded.s01, s02 = report_energy_days.s02 + excluded.s02, s03 = report_energy_days.s03 + excluded.s03, s04 = report_energy_days.s04 + excluded.s04, s05 = report_energy_days.s05 + excluded.s05, s06 = report_energy_days.s06 + excluded.s06, s07 = report_energy_days.s07 + excluded.s07, s08 = report_energy_days.s08 + excluded.s08, s09 = report_energy_days.s09 + excluded.s09, s10 = report_energy_days.s10 + excluded.s10, s11 = report_energy_days.s11 + excluded.s11, s12 = report_energy_days.s12 + excluded.s12, s13 = report_energy_days.s13 + excluded.s13, s14 = report_energy_days.s14 + excluded.s14, s15 = report_energy_days.s15 + excluded.s15, s16 = report_energy_days.s16 + excluded.s16, s17 = report_energy_days.s17 + excluded.s17, s18 = report_energy_days.s18 + excluded.s18, s19 = report_energy_days.s19 + excluded.s19, s20 = report_energy_days.s20 + excluded.s20, s21 = report_energy_days.s21 + excluded.s21, s22 = report_energy_days.s22 + excluded.s22, s23 = report_energy_days.s23 + excluded.s23;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_energy_days (site_id, day, swaps, swap_sec, swap_fen, s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
        VALUES (NEW.site_id, to_char(NEW.swapped_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
            1, NEW.duration_sec, NEW.cost_fen, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 0 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 1 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 2 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 3 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 4 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 5 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 6 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 7 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 8 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 9 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 10 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 11 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 12 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 13 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 14 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 15 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 16 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 17 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 18 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 19 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 20 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 21 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 22 THEN 1 ELSE 0 END, CASE WHEN CAST(EXTRACT(HOUR FROM NEW.swapped_at AT TIME ZONE 'Asia/Shanghai') AS INTEGER) = 23 THEN 1 ELSE 0 END)
        ON CONFLICT (site_id, day) DO UPDATE SET swaps = report_energy_days.swaps + excluded.swaps, swap_sec = report_energy_days.swap_sec + excluded.swap_sec, swap_fen = report_energy_days.swap_fen + excluded.swap_fen, s00 = report_energy_days.s00 + excluded.s00, s01 = report_energy_days.s01 + excluded.s01, s02 = report_energy_days.s02 + excluded.s02, s03 = report_energy_days.s03 + excluded.s03, s04 = report_energy_days.s04 + excluded.s04, s05 = report_energy_days.s05 + excluded.s05, s06 = report_energy_days.s06 + excluded.s06, s07 = report_energy_days.s07 + excluded.s07, s08 = report_energy_days.s08 + excluded.s08, s09 = report_energy_days.s09 + excluded.s09, s10 = report_energy_days.s10 + excluded.s10, s11 = report_energy_days.s11 + excluded.s11, s12 = report_energy_days.s12 + excluded.s12, s13 = report_energy_days.s13 + excluded.s13, s14 = report_energy_days.s14 + excluded.s14, s15 = report_energy_days.s15 + excluded.s15, s16 = report_energy_days.s16 + excluded.s16, s17 = report_energy_days.s17 + excluded.s17, s18 = report_energy_days.s18 + excluded.s18, s19 = report_energy_days.s19 + excluded.s19, s20 = report_energy_days.s20 + excluded.s20, s21 = report_energy_days.s21 + excluded.s21, s22 = report_energy_days.s22 + excluded.s22, s23 = report_energy_days.s23 + excluded.s23;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER battery_swaps_report_energy AFTER INSERT OR DELETE OR UPDATE OF site_id, swapped_at, duration_sec, cost_fen ON battery_swaps
    FOR EACH ROW EXECUTE FUNCTION report_energy_swap();

CREATE TABLE report_appointment_days (
    site_id       BIGINT NOT NULL,
    day           TEXT NOT NULL CHECK (length(day) = 10),
    service_kind  TEXT NOT NULL,
    status        TEXT NOT NULL,
    n             BIGINT NOT NULL DEFAULT 0,
    started       BIGINT NOT NULL DEFAULT 0,
    on_time       BIGINT NOT NULL DEFAULT 0,
    dur_sec       BIGINT NOT NULL DEFAULT 0,
    dur_n         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, service_kind, status)
);
CREATE INDEX report_appointment_days_day ON report_appointment_days (day, site_id);
INSERT INTO report_appointment_days (site_id, day, service_kind, status, n, started, on_time, dur_sec, dur_n)
    SELECT site_id, to_char(scheduled_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), service_kind, status, COUNT(*), COUNT(started_at),
        SUM(CASE WHEN started_at IS NOT NULL AND (EXTRACT(EPOCH FROM (started_at - scheduled_at)) / 60.0) <= 15 THEN 1 ELSE 0 END),
        SUM(CASE WHEN status = 'completed' AND completed_at IS NOT NULL AND started_at IS NOT NULL THEN CAST(round(EXTRACT(EPOCH FROM (completed_at - started_at))) AS BIGINT) ELSE 0 END),
        SUM(CASE WHEN status = 'completed' AND completed_at IS NOT NULL AND started_at IS NOT NULL THEN 1 ELSE 0 END)
    FROM appointments GROUP BY site_id, to_char(scheduled_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), service_kind, status;
-- +goose StatementBegin
CREATE FUNCTION report_appointment_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_appointment_days (site_id, day, service_kind, status, n, started, on_time, dur_sec, dur_n)
        VALUES (OLD.site_id, to_char(OLD.scheduled_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), OLD.service_kind, OLD.status,
            -1, CASE WHEN OLD.started_at IS NOT NULL THEN -1 ELSE 0 END, CASE WHEN OLD.started_at IS NOT NULL AND (EXTRACT(EPOCH FROM (OLD.started_at - OLD.scheduled_at)) / 60.0) <= 15 THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'completed' AND OLD.completed_at IS NOT NULL AND OLD.started_at IS NOT NULL THEN -CAST(round(EXTRACT(EPOCH FROM (OLD.completed_at - OLD.started_at))) AS BIGINT) ELSE 0 END, CASE WHEN OLD.status = 'completed' AND OLD.completed_at IS NOT NULL AND OLD.started_at IS NOT NULL THEN -1 ELSE 0 END)
        ON CONFLICT (site_id, day, service_kind, status) DO UPDATE SET n = report_appointment_days.n + excluded.n, started = report_appointment_days.started + excluded.started, on_time = report_appointment_days.on_time + excluded.on_time, dur_sec = report_appointment_days.dur_sec + excluded.dur_sec, dur_n = report_appointment_days.dur_n + excluded.dur_n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO report_appointment_days (site_id, day, service_kind, status, n, started, on_time, dur_sec, dur_n)
        VALUES (NEW.site_id, to_char(NEW.scheduled_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), NEW.service_kind, NEW.status,
            1, CASE WHEN NEW.started_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.started_at IS NOT NULL AND (EXTRACT(EPOCH FROM (NEW.started_at - NEW.scheduled_at)) / 60.0) <= 15 THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'completed' AND NEW.completed_at IS NOT NULL AND NEW.started_at IS NOT NULL THEN CAST(round(EXTRACT(EPOCH FROM (NEW.completed_at - NEW.started_at))) AS BIGINT) ELSE 0 END, CASE WHEN NEW.status = 'completed' AND NEW.completed_at IS NOT NULL AND NEW.started_at IS NOT NULL THEN 1 ELSE 0 END)
        ON CONFLICT (site_id, day, service_kind, status) DO UPDATE SET n = report_appointment_days.n + excluded.n, started = report_appointment_days.started + excluded.started, on_time = report_appointment_days.on_time + excluded.on_time, dur_sec = report_appointment_days.dur_sec + excluded.dur_sec, dur_n = report_appointment_days.dur_n + excluded.dur_n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER appointments_report_count AFTER INSERT OR DELETE OR UPDATE OF site_id, service_kind, status, scheduled_at, started_at, completed_at ON appointments
    FOR EACH ROW EXECUTE FUNCTION report_appointment_count();
-- +goose Down
DROP TRIGGER appointments_report_count ON appointments;
DROP FUNCTION report_appointment_count();
DROP TABLE report_appointment_days;
DROP TRIGGER battery_swaps_report_energy ON battery_swaps;
DROP TRIGGER charging_sessions_report_energy ON charging_sessions;
DROP FUNCTION report_energy_swap();
DROP FUNCTION report_energy_charge();
DROP TABLE report_energy_days;
