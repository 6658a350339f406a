package campaign

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// coverImage is an uploaded cover, re-encoded.
type coverImage struct {
	full, thumb   []byte
	width, height int
}

// prepareCover re-encodes the input's uploaded cover (nil without one)
// the way the community re-encodes post photos; a bad picture is Invalid
// on cover_image.
func prepareCover(in *Input) (*coverImage, error) {
	if len(in.CoverImage) == 0 {
		return nil, nil
	}
	full, thumb, w, h, err := community.ProcessUpload(community.Upload{Data: in.CoverImage})
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		msg := e.Fields["photos"]
		if msg == "" {
			msg = e.Message
		}
		return nil, apperr.Field("cover_image", msg)
	}
	if err != nil {
		return nil, err
	}
	return &coverImage{full: full, thumb: thumb, width: w, height: h}, nil
}

// saveCover stores campaign id's cover picture in tx: the new upload, or
// when the cover stays CoverUpload without one, checks that a picture is
// there.
func saveCover(ctx context.Context, tx *sql.Tx, id int64, cover string, img *coverImage, by int64, now time.Time) error {
	if img == nil {
		if cover != CoverUpload {
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_cover_images WHERE campaign_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("cover_image", "请上传封面图片，或选择内置封面")
		}
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO campaign_cover_images (campaign_id, width, height, image, thumb, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (campaign_id) DO UPDATE SET width = excluded.width, height = excluded.height, image = excluded.image, thumb = excluded.thumb,
			created_by = excluded.created_by, created_at = excluded.created_at`,
		id, img.width, img.height, img.full, img.thumb, nullID(by), now)
	return err
}

// HasCoverImage reports whether campaign id has an uploaded picture (the
// form offers it as a choice). Permissions as for Get.
func (s *Service) HasCoverImage(ctx context.Context, actor *identity.User, id int64) (bool, error) {
	if _, err := s.visible(ctx, s.db, actor, id); err != nil {
		return false, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_cover_images WHERE campaign_id = $1`, id).Scan(&n)
	return n > 0, err
}

// CoverImage returns the JPEG of campaign id's uploaded cover (its
// thumbnail when thumb) and when it was uploaded, for viewer (nil: an
// anonymous visitor, which is why the viewer does not come first as an
// acting user does). Anyone may read the cover of a campaign that has been
// published (owners' pages and the public referral page show it); a
// draft's only staff who see it. NotFound otherwise, and when the campaign
// shows a built-in cover.
func (s *Service) CoverImage(ctx context.Context, id int64, viewer *identity.User, thumb bool) ([]byte, time.Time, error) {
	actor := viewer
	notFound := apperr.New(apperr.NotFound, "图片不存在")
	c, err := get(ctx, s.db, id)
	if err != nil {
		return nil, time.Time{}, notFound
	}
	if c.Status == "draft" {
		if actor == nil || staff(actor) != nil || !sees(actor, c) {
			return nil, time.Time{}, notFound
		}
	}
	if c.Cover != CoverUpload {
		return nil, time.Time{}, notFound
	}
	col := "image"
	if thumb {
		col = "thumb"
	}
	var data []byte
	var at time.Time
	err = s.db.QueryRowContext(ctx, `SELECT `+col+`, created_at FROM campaign_cover_images WHERE campaign_id = $1`, id).Scan(&data, &at)
	if db.NoRows(err) {
		return nil, time.Time{}, notFound
	}
	return data, at.UTC(), err
}
