-- +goose Up
-- Support (internal/support): feedback.site_id, the site a feedback row
-- belongs to: its work order's site, else its appointment's site; NULL for
-- feedback linked to neither (the assistant's complaints and suggestions,
-- ticket ratings). A copy kept so that the feedback report filters and
-- groups by an indexed column instead of two correlated subqueries a row.
-- Neither a work order's nor an appointment's site ever changes, so the
-- copy only has to be set when the links are: filled here from the existing
-- rows, then by the triggers below on an insert that gives links but no
-- site (one that gives the site, as the generator does, is left alone) and
-- on any change of the links. Keep in step with
-- ../postgres/00025_feedback_site.sql and docs/数据字典.md.
ALTER TABLE feedback ADD COLUMN site_id INTEGER REFERENCES sites (id);
UPDATE feedback SET site_id = COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = feedback.work_order_id),
    (SELECT ap.site_id FROM appointments ap WHERE ap.id = feedback.appointment_id))
    WHERE work_order_id IS NOT NULL OR appointment_id IS NOT NULL;
CREATE INDEX feedback_site ON feedback (site_id, created_at);
-- +goose StatementBegin
CREATE TRIGGER feedback_site_insert AFTER INSERT ON feedback
WHEN NEW.site_id IS NULL AND (NEW.work_order_id IS NOT NULL OR NEW.appointment_id IS NOT NULL)
BEGIN
    UPDATE feedback SET site_id = COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = NEW.work_order_id),
        (SELECT ap.site_id FROM appointments ap WHERE ap.id = NEW.appointment_id)) WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER feedback_site_update AFTER UPDATE OF work_order_id, appointment_id ON feedback
BEGIN
    UPDATE feedback SET site_id = COALESCE((SELECT wo.site_id FROM work_orders wo WHERE wo.id = NEW.work_order_id),
        (SELECT ap.site_id FROM appointments ap WHERE ap.id = NEW.appointment_id)) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER feedback_site_update;
DROP TRIGGER feedback_site_insert;
DROP INDEX feedback_site;
ALTER TABLE feedback DROP COLUMN site_id;
