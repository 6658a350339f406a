-- +goose Up
-- Support (internal/support): feedback.site_id, the site a feedback row
-- belongs to: its work order's site, else its appointment's site; NULL for
-- feedback linked to neither (the assistant's complaints and suggestions,
-- ticket ratings). A copy kept so that the feedback report filters and
-- groups by an indexed column instead of two correlated subqueries a row.
-- Neither a work order's nor an appointment's site ever changes, so the
-- copy only has to be set when the links are: filled here from the existing
-- rows, then by the trigger below on an insert that gives links but no site
-- (one that gives the site, as the generator does, is left alone) and on
-- any change of the links. Keep in step with
-- ../sqlite/00025_feedback_site.sql and docs/数据字典.md.
ALTER TABLE feedback ADD COLUMN site_id BIGINT REFERENCES sites (id);
UPDATE feedback f SET site_id = COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = f.work_order_id),
    (SELECT ap.site_id FROM appointments ap WHERE ap.id = f.appointment_id))
    WHERE f.work_order_id IS NOT NULL OR f.appointment_id IS NOT NULL;
CREATE INDEX feedback_site ON feedback (site_id, created_at);
-- +goose StatementBegin
CREATE FUNCTION feedback_set_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR NEW.site_id IS NULL THEN
        NEW.site_id := COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = NEW.work_order_id),
            (SELECT ap.site_id FROM appointments ap WHERE ap.id = NEW.appointment_id));
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER feedback_site BEFORE INSERT OR UPDATE OF work_order_id, appointment_id ON feedback
    FOR EACH ROW EXECUTE FUNCTION feedback_set_site();

-- +goose Down
DROP TRIGGER feedback_site ON feedback;
DROP FUNCTION feedback_set_site();
DROP INDEX feedback_site;
ALTER TABLE feedback DROP COLUMN site_id;
