-- +goose Up
-- Reports (internal/report): 车辆总数, kept by the triggers below so that
-- the admin overview does not count a million vehicles on every visit.
-- Filled from the existing rows here. Keep in step with
-- ../postgres/00024_report_vehicle_count.sql and docs/数据字典.md.
CREATE TABLE report_vehicle_count (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO report_vehicle_count (id, n) SELECT 1, COUNT(*) FROM vehicles;
-- +goose StatementBegin
CREATE TRIGGER vehicles_report_insert AFTER INSERT ON vehicles
BEGIN
    UPDATE report_vehicle_count SET n = n + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER vehicles_report_delete AFTER DELETE ON vehicles
BEGIN
    UPDATE report_vehicle_count SET n = n - 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER vehicles_report_delete;
DROP TRIGGER vehicles_report_insert;
DROP TABLE report_vehicle_count;
