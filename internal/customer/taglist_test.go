package customer_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestTagListFollowsCustomers changes tagged customers every way the
// product does (the 360° page's edit and tags, a contact logged by another
// area, a merge, an erasure, a plain UPDATE of another package) and checks
// that customer_tag_list (migration 00027, kept by triggers) still holds
// exactly each tag's customer with the customer's current columns, and
// that the list's tag filters, which read it, select the customers an
// independent query over customers and customer_tags selects, in order.
func TestTagListFollowsCustomers(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		var ids []int64
		for i := range 12 {
			store, sales := w.storeA, w.alice
			if i%3 == 0 {
				store, sales = w.storeB, w.carol
			}
			id := w.add(fmt.Sprintf("%c%02d", []rune("王李张")[i%3], 11-i), fmt.Sprintf("1391111%04d", i), []string{"上海", "杭州"}[i%2], store, sales,
				time.Duration(i)*time.Hour)
			ids = append(ids, id)
			if i%4 != 3 {
				if err := w.s.AddTag(w.ctx, w.admin, id, "高意向"); err != nil {
					t.Fatal(err)
				}
			}
			if i%2 == 0 {
				w.exec(`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, '车展', $2)`, id, w.now)
			}
		}
		// The 360° page's edit, a contact logged by the sales area, a
		// reassignment written by another package, a tag removed, a merge
		// (tags move to the survivor) and an erasure.
		if _, err := w.s.Update(w.ctx, w.admin, ids[1], map[string]string{"stage": "lost", "city": "苏州", "name": "赵一"}); err != nil {
			t.Fatal(err)
		}
		if err := customer.TouchContact(w.ctx, d, ids[2], w.now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		w.exec(`UPDATE customers SET store_id = $1, sales_user_id = $2, kind = 'owner', consent_marketing = $3 WHERE id = $4`,
			w.storeA, w.bob.ID, true, ids[6])
		if err := w.s.RemoveTag(w.ctx, w.admin, ids[4], "高意向"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Merge(w.ctx, w.admin, ids[7], ids[8], nil); err != nil {
			t.Fatal(err)
		}
		tx, err := d.BeginTx(w.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := customer.Erase(w.ctx, tx, ids[10], w.admin.ID, w.now); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		// Row by row: the same (customer, tag) pairs with the customer's columns.
		count := func(q string) int64 {
			t.Helper()
			return w.id(q)
		}
		tags := count(`SELECT COUNT(*) FROM customer_tags`)
		same := count(`SELECT COUNT(*) FROM customer_tags t JOIN customers c ON c.id = t.customer_id
			JOIN customer_tag_list l ON l.id = t.customer_id AND l.tag = t.tag
			WHERE l.store_id = c.store_id AND l.sales_user_id = c.sales_user_id AND l.kind = c.kind AND l.stage = c.stage AND l.city = c.city
				AND l.source = c.source AND l.preferred_model_id = c.preferred_model_id AND l.consent_marketing = c.consent_marketing
				AND (l.last_contact_at = c.last_contact_at OR l.last_contact_at IS NULL AND c.last_contact_at IS NULL)
				AND (l.merged_into_id = c.merged_into_id OR l.merged_into_id IS NULL AND c.merged_into_id IS NULL)
				AND l.name = c.name AND l.created_at = c.created_at AND l.updated_at = c.updated_at`)
		if rows := count(`SELECT COUNT(*) FROM customer_tag_list`); tags == 0 || same != tags || rows != tags {
			t.Errorf("customer_tags %d rows, customer_tag_list %d, of which %d match their customer", tags, rows, same)
		}

		// The list's tag filters against customers and customer_tags.
		cst := time.FixedZone("CST", 8*3600)
		afterDay := w.now.Add(-72 * time.Hour).In(cst)
		after := afterDay.Format("2006-01-02")
		afterAt := time.Date(afterDay.Year(), afterDay.Month(), afterDay.Day(), 0, 0, 0, 0, cst).UTC()
		cases := []struct {
			actor *identity.User
			query string
			where string // $2 is afterAt
			order string
		}{
			{w.admin, "tag=高意向", "", "c.created_at DESC, c.id DESC"},
			{w.admin, "tag=车展&sort=name_asc", "", "c.name, c.id"},
			{w.admin, "tag=高意向&stage=lost", "c.stage = 'lost'", "c.created_at DESC, c.id DESC"},
			{w.admin, "tag=高意向&city=杭州&sort=name_asc", "c.city = '杭州'", "c.name, c.id"},
			{w.admin, "tag=高意向&kind=owner&consent=1", "c.kind = 'owner' AND c.consent_marketing = " + map[db.Dialect]string{db.SQLite: "1", db.Postgres: "TRUE"}[d.Dialect], "c.created_at DESC, c.id DESC"},
			{w.admin, "tag=高意向&contact_after=" + after, "c.last_contact_at >= $2", "c.created_at DESC, c.id DESC"},
			{w.admin, "tag=车展&sort=updated_desc", "", "c.updated_at DESC, c.id DESC"},
			{w.admin, "tag=高意向&q=李", "c.name LIKE '李%'", "c.created_at DESC, c.id DESC"},
			{w.alice, "tag=高意向", fmt.Sprintf("c.store_id = %d", w.storeA), "c.created_at DESC, c.id DESC"},
			{w.alice, "tag=车展&sales_user_id=" + fmt.Sprint(w.bob.ID), fmt.Sprintf("c.store_id = %d AND c.sales_user_id = %d", w.storeA, w.bob.ID), "c.created_at DESC, c.id DESC"},
		}
		for _, c := range cases {
			q, _ := url.ParseQuery(c.query)
			f, err := customer.FilterFromQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			where := "c.merged_into_id IS NULL AND c.id IN (SELECT t.customer_id FROM customer_tags t WHERE t.tag = $1)"
			if c.where != "" {
				where += " AND " + c.where
			}
			args := []any{f.Tag}
			if strings.Contains(where, "$2") {
				args = append(args, afterAt)
			}
			rows, err := d.QueryContext(w.ctx, `SELECT c.id FROM customers c WHERE `+where+` ORDER BY `+c.order, args...)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				want = append(want, id)
			}
			rows.Close()
			page, total, err := w.s.List(w.ctx, c.actor, f)
			if err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			var got []int64
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, want) || total.N != len(want) || len(want) == 0 && c.where == "" {
				t.Errorf("%s %s: list %v (total %d), customers and tags %v", c.actor.Role, c.query, got, total.N, want)
			}
		}
	})
}
