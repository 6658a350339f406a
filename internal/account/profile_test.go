package account_test

import (
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestOwnProfile(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		o := e.owner("13800000011")
		sales := e.staff("sales1", identity.RoleSales, e.store)

		if _, err := e.svc.MyProfile(e.ctx, nil); err == nil {
			t.Error("nil actor read a profile")
		}
		_, err := e.svc.MyProfile(e.ctx, sales)
		apperrtest.WantCode(t, err, apperr.Forbidden)

		_, err = e.svc.UpdateProfile(e.ctx, o, customer.ProfileInput{Name: "王", PreferredContact: "sms"})
		apperrtest.WantField(t, err, "name")
		_, err = e.svc.UpdateProfile(e.ctx, o, customer.ProfileInput{Name: "王小明", Nickname: "一二三四五六七八九十一二三四五六七八九十一", PreferredContact: "sms"})
		apperrtest.WantField(t, err, "nickname")
		_, err = e.svc.UpdateProfile(e.ctx, o, customer.ProfileInput{Name: "王小明", PreferredContact: "pigeon"})
		apperrtest.WantField(t, err, "preferred_contact")
		p, err := e.svc.UpdateProfile(e.ctx, o, customer.ProfileInput{Name: " 王小明 ", Nickname: "明明", City: "杭州", PreferredContact: "wechat"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "王小明" || p.Nickname != "明明" || p.City != "杭州" || p.PreferredContact != "wechat" || p.ContactLabel() != "微信" {
			t.Errorf("profile %+v", p)
		}
		if u, _ := e.svc.User(e.ctx, o.ID); u.DisplayName != "王小明" {
			t.Errorf("display name %q", u.DisplayName)
		}

		e.clock.Set(start.Add(time.Hour))
		p, err = e.svc.SetConsent(e.ctx, o, true)
		if err != nil || !p.ConsentMarketing || !p.ConsentAt.Equal(start.Add(time.Hour)) {
			t.Fatalf("consent: %+v %v", p, err)
		}
		e.clock.Set(start.Add(2 * time.Hour))
		if p, _ = e.svc.SetConsent(e.ctx, o, true); !p.ConsentAt.Equal(start.Add(time.Hour)) {
			t.Error("consent given again moved its date")
		}
		if p, _ = e.svc.SetConsent(e.ctx, o, false); p.ConsentMarketing || !p.ConsentAt.Equal(start.Add(2*time.Hour)) {
			t.Errorf("withdrawn: %+v", p)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'consent' AND entity_id = $1`, o.CustomerID); n != 2 {
			t.Errorf("consent audited %d times", n)
		}
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		o := e.owner("13800000012")
		here, err := e.svc.StartSession(e.ctx, o.ID, "", "1.2.3.4", "phone")
		if err != nil {
			t.Fatal(err)
		}
		there, _ := e.svc.StartSession(e.ctx, o.ID, "", "5.6.7.8", "laptop")

		_, err = e.svc.ChangePassword(e.ctx, o, here.Token, password, "short", "short")
		apperrtest.WantField(t, err, "password")
		_, err = e.svc.ChangePassword(e.ctx, o, here.Token, password, "new-password-1", "new-password-2")
		apperrtest.WantField(t, err, "password2")
		_, err = e.svc.ChangePassword(e.ctx, o, here.Token, password, password, password)
		apperrtest.WantField(t, err, "password")
		_, err = e.svc.ChangePassword(e.ctx, o, here.Token, "not-my-password", "new-password-1", "new-password-1")
		apperrtest.WantField(t, err, "old_password")

		ended, err := e.svc.ChangePassword(e.ctx, o, here.Token, password, "new-password-1", "new-password-1")
		if err != nil || ended != 1 {
			t.Fatalf("change: ended %d, %v", ended, err)
		}
		if _, _, err := e.svc.SessionUser(e.ctx, here.Token); err != nil {
			t.Errorf("the session of the change ended: %v", err)
		}
		if _, _, err := e.svc.SessionUser(e.ctx, there.Token); err == nil {
			t.Error("the other session is still open")
		}
		if _, err := e.svc.Authenticate(e.ctx, "13800000012", "new-password-1", "1.2.3.4"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'change_password' AND entity_id = $1`, o.ID); n != 1 {
			t.Errorf("audited %d times", n)
		}

		// Guessing the current password is throttled: 5 wrong tries within 15
		// minutes, then locked
		// even for the right one.
		for i := 0; i < 4; i++ { // the fifth wrong try: the one before the change
			_, err = e.svc.ChangePassword(e.ctx, o, here.Token, "guess", "new-password-2", "new-password-2")
			apperrtest.WantField(t, err, "old_password")
		}
		_, err = e.svc.ChangePassword(e.ctx, o, here.Token, "new-password-1", "new-password-2", "new-password-2")
		apperrtest.WantCode(t, err, apperr.RateLimited)
		e.clock.Advance(31 * time.Minute)
		if _, err = e.svc.ChangePassword(e.ctx, o, here.Token, "new-password-1", "new-password-2", "new-password-2"); err != nil {
			t.Errorf("after the lock: %v", err)
		}
	})
}
