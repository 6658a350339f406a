-- +goose Up
-- Reports (internal/report): 车辆总数, kept by the trigger below so that
-- the admin overview does not count a million vehicles on every visit.
-- Filled from the existing rows here. Keep in step with
-- ../sqlite/00024_report_vehicle_count.sql and docs/数据字典.md.
CREATE TABLE report_vehicle_count (
    id  BIGINT PRIMARY KEY CHECK (id = 1),
    n   BIGINT NOT NULL
);
INSERT INTO report_vehicle_count (id, n) SELECT 1, COUNT(*) FROM vehicles;
-- +goose StatementBegin
CREATE FUNCTION report_vehicle_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE report_vehicle_count SET n = n + 1 WHERE id = 1;
    ELSE
        UPDATE report_vehicle_count SET n = n - 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER vehicles_report_count AFTER INSERT OR DELETE ON vehicles
    FOR EACH ROW EXECUTE FUNCTION report_vehicle_count_change();

-- +goose Down
DROP TRIGGER vehicles_report_count ON vehicles;
DROP FUNCTION report_vehicle_count_change();
DROP TABLE report_vehicle_count;
