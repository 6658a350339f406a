package campaign_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestCoverUpload: an uploaded PNG is checked and re-encoded as the
// community's photos are (a JPEG no larger than 1600 px with a thumbnail)
// and becomes the cover; a file that is not a picture is refused on
// cover_image and stores nothing; a draft's cover is the staff's only, a
// published one anyone's; choosing a built-in cover again keeps the six
// pictures available; "upload" without a picture is refused.
func TestCoverUpload(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		img := image.NewRGBA(image.Rect(0, 0, 2000, 750))
		for x := range 2000 {
			img.Set(x, x%750, color.RGBA{200, 30, 30, 255})
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		_, err := f.Svc.Create(f.ctx, f.Seller, campaign.Input{Name: "坏图片", Kind: "launch", Channel: "online", StartsAt: start, EndsAt: start.Add(3600e9),
			CoverImage: []byte("<script>alert(1)</script>")})
		wantCode(t, err, apperr.Invalid)
		if e := apperr.As(err); e == nil || e.Fields["cover_image"] == "" {
			t.Fatalf("want the error on cover_image, got %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM campaign_cover_images`); n != 0 {
			t.Fatalf("%d pictures stored for a refused upload", n)
		}
		_, err = f.Svc.Create(f.ctx, f.Seller, campaign.Input{Name: "没有图片", Kind: "launch", Channel: "online", StartsAt: start, EndsAt: start.Add(3600e9),
			Cover: campaign.CoverUpload})
		wantCode(t, err, apperr.Invalid)

		c := f.draft(0, func(in *campaign.Input) { in.CoverImage = buf.Bytes() })
		if c.Cover != campaign.CoverUpload || c.CoverURL() == "" {
			t.Fatalf("cover %q url %q", c.Cover, c.CoverURL())
		}
		full, _, err := f.Svc.CoverImage(f.ctx, c.ID, f.Seller, false)
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(full))
		if err != nil || format != "jpeg" || cfg.Width != 1600 || cfg.Height != 600 {
			t.Fatalf("stored %s %dx%d %v", format, cfg.Width, cfg.Height, err)
		}
		thumb, _, err := f.Svc.CoverImage(f.ctx, c.ID, f.Seller, true)
		if err != nil || len(thumb) >= len(full) {
			t.Fatalf("thumb %d bytes (full %d) %v", len(thumb), len(full), err)
		}
		_, u := f.customer("上海", "owner", true, true)
		_, _, err = f.Svc.CoverImage(f.ctx, c.ID, u, false)
		wantCode(t, err, apperr.NotFound)
		_, _, err = f.Svc.CoverImage(f.ctx, c.ID, nil, false)
		wantCode(t, err, apperr.NotFound)
		if _, err := f.Svc.Publish(f.ctx, f.Seller, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Svc.CoverImage(f.ctx, c.ID, nil, false); err != nil {
			t.Fatalf("published cover for a visitor: %v", err)
		}
		// Back to a built-in picture, then to the kept upload.
		in := inputOf(c)
		in.Cover = "party"
		if c, err = f.Svc.Update(f.ctx, f.Seller, c.ID, in); err != nil || c.CoverName() != "party" || c.CoverURL() != "" {
			t.Fatalf("built-in again: %v %q", err, c.CoverName())
		}
		in.Cover = campaign.CoverUpload
		if c, err = f.Svc.Update(f.ctx, f.Seller, c.ID, in); err != nil || c.CoverURL() == "" {
			t.Fatalf("kept upload: %v", err)
		}
	})
}

// inputOf is the input that would save c unchanged.
func inputOf(c *campaign.Campaign) campaign.Input {
	return campaign.Input{Name: c.Name, Kind: c.Kind, Channel: c.Channel, StoreID: c.StoreID, City: c.City, Description: c.Description, Cover: c.Cover,
		Place: c.Place, StartsAt: c.StartsAt, EndsAt: c.EndsAt, SignupOpensAt: c.SignupOpensAt, SignupClosesAt: c.SignupClosesAt, BudgetFen: c.BudgetFen,
		Capacity: c.Capacity, Waitlist: c.Waitlist, BenefitKind: c.BenefitKind, BenefitText: c.BenefitText, BenefitPoints: c.BenefitPoints,
		CouponValueFen: c.CouponValueFen, CouponValidDays: c.CouponValidDays, ReferralReward: c.ReferralReward, ReferralPoints: c.ReferralPoints,
		HoldoutPct: c.HoldoutPct, AttributionDays: c.AttributionDays}
}
