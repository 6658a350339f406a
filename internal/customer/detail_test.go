package customer_test

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

func TestGetUpdateAndHistory(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		mine := w.add("王芳", "13800001234", "上海", w.storeA, w.alice, time.Hour)
		bobs := w.add("李雷", "13900005678", "上海", w.storeA, w.bob, time.Hour)
		other := w.add("赵六", "13600001234", "杭州", w.storeB, w.carol, time.Hour)

		v, err := w.s.Get(w.ctx, w.alice, mine)
		if err != nil || v.Mobile != "138****1234" || !v.CanEdit || v.CanManage || v.ModelName != "星河 S7" || v.StoreName != "上海徐汇店" {
			t.Fatalf("Get = %+v, %v", v, err)
		}
		// A colleague's customer: visible, not editable; another store's: not found.
		if v, err := w.s.Get(w.ctx, w.alice, bobs); err != nil || v.CanEdit {
			t.Errorf("colleague's customer: %+v, %v", v, err)
		}
		_, err = w.s.Get(w.ctx, w.alice, other)
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = w.s.Get(w.ctx, w.alice, other+100)
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = w.s.Get(w.ctx, w.serviceUser, mine)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = w.s.RevealMobile(w.ctx, w.alice, other)
		apperrtest.WantCode(t, err, apperr.NotFound)

		// Reveal: the full number, audited.
		m, err := w.s.RevealMobile(w.ctx, w.alice, mine)
		if err != nil || m != "13800001234" {
			t.Errorf("RevealMobile = %q, %v", m, err)
		}

		// Update: valid changes are written and each field is in the history.
		w.now = w.now.Add(time.Minute)
		v, err = w.s.Update(w.ctx, w.alice, mine, map[string]string{"stage": "negotiation", "budget": "25万", "family_size": "4",
			"home_charging": "yes", "usage_purpose": "family", "consent_marketing": "1", "name": "王芳"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Stage != "negotiation" || v.BudgetFen != 25000000 || v.FamilySize != 4 || v.HomeCharging != "yes" || !v.ConsentMarketing || v.ConsentAt.IsZero() {
			t.Errorf("after update: %+v", v.Detail)
		}
		changed := map[string]customer.FieldChange{}
		for _, c := range v.History {
			if c.Field != "" {
				changed[c.Field] = c
			}
		}
		if c := changed["stage"]; c.Old != "线索" || c.New != "商谈中" || c.UserName != "alice" {
			t.Errorf("stage history %+v", c)
		}
		if _, ok := changed["name"]; ok {
			t.Error("an unchanged field is in the history")
		}
		if c := changed["budget"]; c.Old != "" || c.New != "250000" {
			t.Errorf("budget history %+v", c)
		}
		var reveals int
		if err := d.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'reveal_mobile' AND entity_id = $1`, mine).Scan(&reveals); err != nil || reveals != 1 {
			t.Errorf("reveal audits %d, %v", reveals, err)
		}

		// Bad input names every bad field and writes nothing.
		_, err = w.s.Update(w.ctx, w.alice, mine, map[string]string{"stage": "x", "mobile": "123", "birth_year": "1800", "name": " ",
			"budget": "abc", "model_id": "999", "city": "上海"})
		for _, f := range []string{"stage", "mobile", "birth_year", "name", "budget", "model_id"} {
			apperrtest.WantField(t, err, f)
		}
		if v, _ := w.s.Get(w.ctx, w.alice, mine); v.Stage != "negotiation" {
			t.Error("a refused update wrote")
		}
		_, err = w.s.Update(w.ctx, w.alice, mine, map[string]string{"kind": "owner"})
		apperrtest.WantField(t, err, "kind")
		// Mobile of another customer.
		_, err = w.s.Update(w.ctx, w.alice, mine, map[string]string{"mobile": "13900005678"})
		apperrtest.WantField(t, err, "mobile")
		// A consultant edits only their own customers and cannot reassign.
		_, err = w.s.Update(w.ctx, w.alice, bobs, map[string]string{"stage": "lost"})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = w.s.Update(w.ctx, w.alice, mine, map[string]string{"sales_user_id": itoaID(w.bob.ID)})
		apperrtest.WantField(t, err, "sales_user_id")
		_, err = w.s.Update(w.ctx, w.carol, mine, map[string]string{"stage": "lost"})
		apperrtest.WantCode(t, err, apperr.NotFound)
		// An admin reassigns, only to a consultant of the customer's store.
		_, err = w.s.Update(w.ctx, w.admin, mine, map[string]string{"sales_user_id": itoaID(w.carol.ID)})
		apperrtest.WantField(t, err, "sales_user_id")
		if v, err := w.s.Update(w.ctx, w.admin, mine, map[string]string{"sales_user_id": itoaID(w.bob.ID)}); err != nil || v.SalesName != "bob" {
			t.Errorf("admin reassign: %v, %v", v, err)
		}
		// Now bob's: alice may no longer edit it.
		_, err = w.s.Update(w.ctx, w.alice, mine, map[string]string{"stage": "lost"})
		apperrtest.WantCode(t, err, apperr.Forbidden)

		// A store manager edits any customer of the store and reassigns it;
		// not another store's.
		manager := &identity.User{ID: w.alice.ID, Role: identity.RoleSales, SiteID: w.storeA, Perms: []identity.Perm{identity.PermStoreManager}}
		if v, err := w.s.Update(w.ctx, manager, bobs, map[string]string{"stage": "lost", "sales_user_id": itoaID(w.alice.ID)}); err != nil || v.SalesName != "alice" || !v.CanManage {
			t.Errorf("manager update: %+v, %v", v, err)
		}
		_, err = w.s.Update(w.ctx, manager, other, map[string]string{"stage": "lost"})
		apperrtest.WantCode(t, err, apperr.NotFound)

		// Tags.
		if err := w.s.AddTag(w.ctx, w.bob, mine, "高意向"); err != nil {
			t.Fatal(err)
		}
		if err := w.s.AddTag(w.ctx, w.bob, mine, "高意向"); err != nil {
			t.Errorf("adding a tag twice: %v", err)
		}
		apperrtest.WantField(t, w.s.AddTag(w.ctx, w.bob, mine, "a,b"), "tag")
		apperrtest.WantCode(t, w.s.AddTag(w.ctx, w.alice, mine, "x"), apperr.Forbidden)
		if v, _ := w.s.Get(w.ctx, w.bob, mine); len(v.Tags) != 1 || v.Tags[0] != "高意向" {
			t.Errorf("tags %v", v.Tags)
		}
		p, _, err := w.s.List(w.ctx, w.alice, customer.Filter{Tag: "高意向"})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != mine {
			t.Errorf("tag filter: %v, %v", p.Items, err)
		}
		if err := w.s.RemoveTag(w.ctx, w.bob, mine, "高意向"); err != nil {
			t.Fatal(err)
		}
		apperrtest.WantCode(t, w.s.RemoveTag(w.ctx, w.bob, mine, "高意向"), apperr.NotFound)

		// Notes: anyone who sees the customer.
		if _, err := w.s.AddNote(w.ctx, w.alice, mine, "客户周末看车"); err != nil {
			t.Fatal(err)
		}
		_, err = w.s.AddNote(w.ctx, w.alice, mine, "  ")
		apperrtest.WantField(t, err, "body")
		_, err = w.s.AddNote(w.ctx, w.carol, mine, "x")
		apperrtest.WantCode(t, err, apperr.NotFound)
	})
}

func itoaID(n int64) string { return itoa(n) }
