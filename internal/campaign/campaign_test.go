package campaign_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestCreateValidationAndStatusMachine(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := f.Svc.Create(f.ctx, f.Seller, campaign.Input{Name: "x", Kind: "nope", Channel: "offline", StartsAt: start, EndsAt: start.Add(-time.Hour)})
		e := apperr.As(err)
		if e == nil || e.Fields["name"] == "" || e.Fields["kind"] == "" || e.Fields["ends_at"] == "" || e.Fields["place"] == "" {
			t.Fatalf("validation: %v %+v", err, e)
		}
		_, err = f.Svc.Create(f.ctx, nil, campaign.Input{})
		wantCode(t, err, apperr.Unauthenticated)
		_, err = f.Svc.Create(f.ctx, f.Service, campaign.Input{})
		wantCode(t, err, apperr.Forbidden)

		c := f.draft(10)
		if c.Status != "draft" || c.StoreID != f.Store || c.CreatorName != "销售甲" {
			t.Fatalf("draft: %+v", c)
		}
		// Another store's consultant does not see it; a colleague without
		// the manager permission sees it but may not change it.
		_, err = f.Svc.Get(f.ctx, f.Other, c.ID)
		wantCode(t, err, apperr.NotFound)
		colleague := f.staff("sb", "销售乙", identity.RoleSales, f.Store)
		if _, err := f.Svc.Get(f.ctx, colleague, c.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Publish(f.ctx, colleague, c.ID)
		wantCode(t, err, apperr.Forbidden)
		// Draft cannot start; published can; ended cannot be cancelled.
		_, err = f.Svc.Transition(f.ctx, f.Seller, c.ID, "start", "")
		wantCode(t, err, apperr.Conflict)
		if c, err = f.Svc.Publish(f.ctx, f.Manager, c.ID); err != nil || c.Status != "published" || c.PublishedAt.IsZero() {
			t.Fatalf("publish: %+v %v", c, err)
		}
		_, err = f.Svc.Publish(f.ctx, f.Seller, c.ID)
		wantCode(t, err, apperr.Conflict)
		if c, err = f.Svc.Transition(f.ctx, f.Seller, c.ID, "start", ""); err != nil || c.Status != "running" {
			t.Fatalf("start: %v", err)
		}
		if c, err = f.Svc.Transition(f.ctx, f.Seller, c.ID, "end", ""); err != nil || c.Status != "ended" {
			t.Fatalf("end: %v", err)
		}
		_, err = f.Svc.Transition(f.ctx, f.Seller, c.ID, "cancel", "天气")
		wantCode(t, err, apperr.Conflict)
		if c, err = f.Svc.Transition(f.ctx, f.Seller, c.ID, "archive", ""); err != nil || c.Status != "archived" {
			t.Fatalf("archive: %v", err)
		}
		_, err = f.Svc.Update(f.ctx, f.Seller, c.ID, campaign.Input{Name: "改名", Kind: "owner_event", Channel: "online", StartsAt: start, EndsAt: start})
		wantCode(t, err, apperr.Conflict)
		// Cancel needs a reason and notifies those signed up.
		c2 := f.published(5)
		_, owner := f.customer("上海", "owner", true, true)
		if _, err := f.Svc.SignUp(f.ctx, owner, c2.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Transition(f.ctx, f.Seller, c2.ID, "cancel", " ")
		wantCode(t, err, apperr.Invalid)
		if _, err := f.Svc.Transition(f.ctx, f.Seller, c2.ID, "cancel", "场地临时关闭"); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND body LIKE '%场地临时关闭%'`, owner.ID); n != 1 {
			t.Errorf("cancel notices: %d", n)
		}
		// The scheduled sweep starts and ends by the clock.
		c3 := f.published(0)
		f.Clock.Advance(73 * time.Hour)
		if n, err := f.Svc.AdvanceStatuses(f.ctx, identity.System()); err != nil || n != 1 {
			t.Fatalf("advance: %d %v", n, err)
		}
		f.Clock.Advance(8 * time.Hour)
		if _, err := f.Svc.AdvanceStatuses(f.ctx, identity.System()); err != nil {
			t.Fatal(err)
		}
		if c3, _ = f.Svc.Get(f.ctx, f.Admin, c3.ID); c3.Status != "ended" {
			t.Errorf("after the end: %s", c3.Status)
		}
	})
}

func TestSignupWaitlistAndPromotion(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.published(2)
		var owners []*identity.User
		for range 4 {
			_, o := f.customer("上海", "owner", true, true)
			owners = append(owners, o)
		}
		var got []string
		for _, o := range owners {
			p, err := f.Svc.SignUp(f.ctx, o, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Status)
			f.Clock.Advance(time.Minute)
		}
		if fmt.Sprint(got) != "[registered registered waitlisted waitlisted]" {
			t.Fatalf("statuses %v", got)
		}
		_, err := f.Svc.SignUp(f.ctx, owners[0], c.ID)
		wantCode(t, err, apperr.Conflict)
		v, err := f.Svc.OwnerCampaign(f.ctx, owners[3], c.ID)
		if err != nil || v.Mine.Position != 2 || v.CanSign {
			t.Fatalf("waitlist position: %+v %v", v.Mine, err)
		}
		// The first cancels: the first on the waitlist moves up and is told.
		if _, err := f.Svc.CancelSignup(f.ctx, owners[0], c.ID); err != nil {
			t.Fatal(err)
		}
		p, _ := f.Svc.OwnerCampaign(f.ctx, owners[2], c.ID)
		if p.Mine.Status != "registered" || p.Mine.PromotedAt.IsZero() {
			t.Fatalf("promotion: %+v", p.Mine)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'campaign.promoted'`, owners[2].ID); n != 1 {
			t.Errorf("promoted notices %d", n)
		}
		p, _ = f.Svc.OwnerCampaign(f.ctx, owners[3], c.ID)
		if p.Mine.Position != 1 {
			t.Errorf("next on the waitlist: %+v", p.Mine)
		}
		// A waitlisted cancel frees no place; signing up again goes to the back.
		if _, err := f.Svc.CancelSignup(f.ctx, owners[3], c.ID); err != nil {
			t.Fatal(err)
		}
		if p, err := f.Svc.SignUp(f.ctx, owners[0], c.ID); err != nil || p.Status != "waitlisted" {
			t.Fatalf("again: %+v %v", p, err)
		}
		if n := f.count(`SELECT seats_taken FROM campaigns WHERE id = $1`, c.ID); n != 2 {
			t.Errorf("seats taken %d", n)
		}
		// Capacity raised: the waitlist moves up at once.
		in := campaign.Input{Name: c.Name, Kind: c.Kind, Channel: c.Channel, Place: c.Place, City: c.City, StartsAt: c.StartsAt, EndsAt: c.EndsAt,
			Capacity: 3, Waitlist: true, HoldoutPct: c.HoldoutPct}
		if c, err = f.Svc.Update(f.ctx, f.Seller, c.ID, in); err != nil || c.SeatsTaken != 3 || c.Waiting != 0 {
			t.Fatalf("raise capacity: %+v %v", c, err)
		}
		in.Capacity = 1
		_, err = f.Svc.Update(f.ctx, f.Seller, c.ID, in)
		wantCode(t, err, apperr.Invalid)
		// Staff check in by code, once.
		mine, _ := f.Svc.OwnerCampaign(f.ctx, owners[1], c.ID)
		_, err = f.Svc.CheckIn(f.ctx, f.Other, c.ID, mine.Mine.CheckInCode)
		wantCode(t, err, apperr.NotFound)
		if p, err := f.Svc.CheckIn(f.ctx, f.Seller, c.ID, mine.Mine.CheckInCode); err != nil || p.Status != "attended" {
			t.Fatalf("check in: %+v %v", p, err)
		}
		_, err = f.Svc.CheckIn(f.ctx, f.Seller, c.ID, mine.Mine.CheckInCode)
		wantCode(t, err, apperr.Conflict)
		_, err = f.Svc.CheckIn(f.ctx, f.Seller, c.ID, "12ab")
		wantCode(t, err, apperr.Invalid)
		// Owners of another city do not see a Shanghai campaign.
		_, far := f.customer("杭州", "owner", true, true)
		_, err = f.Svc.SignUp(f.ctx, far, c.ID)
		wantCode(t, err, apperr.NotFound)
		cur, _, err := f.Svc.OwnerCampaigns(f.ctx, far)
		if err != nil || len(cur) != 0 {
			t.Errorf("far owner sees %d", len(cur))
		}
	})
}

// TestConcurrentSignups: many owners sign up for the last places at once;
// exactly the capacity gets places and the rest are waitlisted.
func TestConcurrentSignups(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const capacity, n = 5, 16
		c := f.published(capacity)
		owners := make([]*identity.User, n)
		for i := range owners {
			_, owners[i] = f.customer("上海", "owner", true, true)
		}
		var wg sync.WaitGroup
		statuses := make([]string, n)
		errs := make([]error, n)
		for i, o := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := f.Svc.SignUp(f.ctx, o, c.ID)
				errs[i] = err
				if err == nil {
					statuses[i] = p.Status
				}
			}()
		}
		wg.Wait()
		count := map[string]int{}
		for i := range owners {
			if errs[i] != nil {
				t.Fatalf("sign-up %d: %v", i, errs[i])
			}
			count[statuses[i]]++
		}
		if count["registered"] != capacity || count["waitlisted"] != n-capacity {
			t.Fatalf("got %v", count)
		}
		if k := f.count(`SELECT seats_taken FROM campaigns WHERE id = $1`, c.ID); k != capacity {
			t.Errorf("seats_taken %d", k)
		}
		if k := f.count(`SELECT COUNT(*) FROM campaign_participations WHERE campaign_id = $1 AND status = 'registered'`, c.ID); k != capacity {
			t.Errorf("registered rows %d", k)
		}
	})
}
