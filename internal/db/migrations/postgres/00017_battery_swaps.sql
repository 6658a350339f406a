-- +goose Up
-- Swap-station batteries (internal/inventory): a pack's movement names the
-- swap appointment that consumed it (one pack per appointment), and the
-- movements are append-only. Keep in step with ../sqlite/00017_battery_swaps.sql.
ALTER TABLE battery_pack_movements ADD COLUMN appointment_id BIGINT REFERENCES appointments (id);
CREATE UNIQUE INDEX battery_pack_movements_appointment ON battery_pack_movements (appointment_id) WHERE appointment_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION battery_pack_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'battery_pack_movements is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER battery_pack_movements_no_update BEFORE UPDATE ON battery_pack_movements
    FOR EACH ROW EXECUTE FUNCTION battery_pack_movements_append_only();
CREATE TRIGGER battery_pack_movements_no_delete BEFORE DELETE ON battery_pack_movements
    FOR EACH ROW EXECUTE FUNCTION battery_pack_movements_append_only();

-- +goose Down
DROP TRIGGER battery_pack_movements_no_delete ON battery_pack_movements;
DROP TRIGGER battery_pack_movements_no_update ON battery_pack_movements;
DROP FUNCTION battery_pack_movements_append_only();
DROP INDEX battery_pack_movements_appointment;
ALTER TABLE battery_pack_movements DROP COLUMN appointment_id;
