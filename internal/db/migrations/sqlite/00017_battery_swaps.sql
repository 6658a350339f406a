-- +goose Up
-- Swap-station batteries (internal/inventory): a pack's movement names the
-- swap appointment that consumed it (one pack per appointment), and the
-- movements are append-only. Keep in step with ../postgres/00017_battery_swaps.sql.
ALTER TABLE battery_pack_movements ADD COLUMN appointment_id INTEGER REFERENCES appointments (id);
CREATE UNIQUE INDEX battery_pack_movements_appointment ON battery_pack_movements (appointment_id) WHERE appointment_id IS NOT NULL;

-- +goose StatementBegin
CREATE TRIGGER battery_pack_movements_no_update BEFORE UPDATE ON battery_pack_movements
BEGIN
    SELECT RAISE(ABORT, 'battery_pack_movements is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER battery_pack_movements_no_delete BEFORE DELETE ON battery_pack_movements
BEGIN
    SELECT RAISE(ABORT, 'battery_pack_movements is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER battery_pack_movements_no_delete;
DROP TRIGGER battery_pack_movements_no_update;
DROP INDEX battery_pack_movements_appointment;
ALTER TABLE battery_pack_movements DROP COLUMN appointment_id;
