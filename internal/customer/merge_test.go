package customer_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestDuplicatesAndMerge(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		old := w.add("王芳", "13800001234", "上海", w.storeA, w.alice, 48*time.Hour)
		dup := w.add("王芳", "13900005678", "上海", w.storeA, w.bob, time.Hour)
		w.add("王芳", "13700005678", "杭州", w.storeA, w.bob, time.Hour)                 // another city: not a duplicate
		otherStore := w.add("王芳", "13600001234", "上海", w.storeB, w.carol, time.Hour) // another store
		w.exec(`UPDATE customers SET kind = 'owner', interests = '露营' WHERE id = $1`, dup)
		w.exec(`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, '高意向', $3), ($2, '高意向', $3), ($2, '露营', $3)`, old, dup, w.now)
		w.exec(`INSERT INTO customer_notes (customer_id, body, created_at) VALUES ($1, '想要白色', $2)`, dup, w.now)
		manager := &identity.User{ID: w.alice.ID, Role: identity.RoleSales, SiteID: w.storeA, Perms: []identity.Perm{identity.PermStoreManager}}

		// The consultant sees the group of their store; the admin both stores' records.
		groups, err := w.s.Duplicates(w.ctx, w.alice, customer.DuplicateFilter{})
		if err != nil || len(groups) != 1 || len(groups[0].Members) != 2 || groups[0].Members[0].ID != old ||
			groups[0].Members[1].Mobile != "139****5678" {
			t.Fatalf("Duplicates(alice) = %+v, %v", groups, err)
		}
		if groups, err := w.s.Duplicates(w.ctx, w.admin, customer.DuplicateFilter{}); err != nil || len(groups) != 1 || len(groups[0].Members) != 3 {
			t.Fatalf("Duplicates(admin) = %+v, %v", groups, err)
		}
		if groups, err := w.s.Duplicates(w.ctx, w.admin, customer.DuplicateFilter{CustomerID: dup}); err != nil || len(groups) != 1 || len(groups[0].Members) != 2 {
			t.Fatalf("Duplicates(admin, of one customer) = %+v, %v", groups, err)
		}
		_, err = w.s.Duplicates(w.ctx, w.alice, customer.DuplicateFilter{CustomerID: otherStore})
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = w.s.Duplicates(w.ctx, w.serviceUser, customer.DuplicateFilter{})
		apperrtest.WantCode(t, err, apperr.Forbidden)

		// Only store managers and admins merge, and only what they can see.
		_, err = w.s.PlanMerge(w.ctx, w.alice, old, dup)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = w.s.PlanMerge(w.ctx, manager, old, otherStore)
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = w.s.PlanMerge(w.ctx, manager, old, old)
		apperrtest.WantCode(t, err, apperr.Invalid)
		plan, err := w.s.PlanMerge(w.ctx, manager, old, dup)
		if err != nil || plan.From.ID != dup || len(plan.From.Tags) != 2 {
			t.Fatalf("PlanMerge = %+v, %v", plan, err)
		}
		for _, f := range plan.Fields {
			if want := f.Name == "mobile" || f.Name == "interests" || f.Name == "sales_user_id"; f.Differ != want {
				t.Errorf("field %s differs = %v, want %v", f.Name, f.Differ, want)
			}
		}
		_, err = w.s.Merge(w.ctx, manager, old, dup, []string{"no_such_field"})
		apperrtest.WantField(t, err, "no_such_field")

		// A hook that refuses undoes the whole merge.
		var moved [][2]int64
		refuse := true
		w.s.OnMerge([]string{"test_table"}, func(ctx context.Context, tx *sql.Tx, from, into int64) error {
			if refuse {
				return apperr.New(apperr.Conflict, "测试拒绝")
			}
			moved = append(moved, [2]int64{from, into})
			return nil
		})
		_, err = w.s.Merge(w.ctx, manager, old, dup, []string{"mobile", "interests"})
		apperrtest.WantCode(t, err, apperr.Conflict)
		if v, err := w.s.Get(w.ctx, manager, dup); err != nil || v.MergedInto != 0 || v.Mobile != "139****5678" {
			t.Fatalf("after a refused merge: %+v, %v", v, err)
		}

		// The survivor takes the chosen fields, the owner kind, the tags and the notes.
		refuse = false
		v, err := w.s.Merge(w.ctx, manager, old, dup, []string{"mobile", "interests"})
		if err != nil {
			t.Fatal(err)
		}
		if v.Mobile != "139****5678" || v.Interests != "露营" || v.Kind != "owner" || v.SalesUserID != w.alice.ID || len(v.Tags) != 2 {
			t.Errorf("survivor = %+v", v.Detail)
		}
		if len(moved) != 1 || moved[0] != [2]int64{dup, old} {
			t.Errorf("hook calls = %v", moved)
		}
		var notes, tagsLeft int
		w.d.QueryRowContext(w.ctx, `SELECT (SELECT COUNT(*) FROM customer_notes WHERE customer_id = $1),
			(SELECT COUNT(*) FROM customer_tags WHERE customer_id = $2)`, old, dup).Scan(&notes, &tagsLeft)
		if notes != 1 || tagsLeft != 0 {
			t.Errorf("notes on survivor %d, tags left on merged %d", notes, tagsLeft)
		}
		// The merged record: hidden from lists and duplicates, pointing to the survivor, audited.
		m, err := w.s.Get(w.ctx, manager, dup)
		if err != nil || m.MergedInto != old || m.CanEdit {
			t.Fatalf("merged record = %+v, %v", m, err)
		}
		if groups, err := w.s.Duplicates(w.ctx, manager, customer.DuplicateFilter{}); err != nil || len(groups) != 0 {
			t.Errorf("duplicates after the merge = %+v, %v", groups, err)
		}
		var audits int
		w.d.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'merge_customers' AND entity_id IN ($1, $2)`, old, dup).Scan(&audits)
		if audits != 3 { // the survivor's fields, the survivor's summary, the merged record
			t.Errorf("merge audit entries = %d, want 3", audits)
		}
		var hist []string
		for _, h := range v.History {
			hist = append(hist, h.Action+":"+h.Field+":"+h.New)
		}
		if len(v.History) < 3 {
			t.Errorf("survivor history = %v", hist)
		}
		_, err = w.s.Merge(w.ctx, manager, old, dup, nil)
		apperrtest.WantCode(t, err, apperr.Conflict)
	})
}
