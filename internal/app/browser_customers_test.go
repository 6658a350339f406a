package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBrowserCustomers walks the consultant's customer work in chromium:
// the list with a filter, a customer's 360° page, an in-place edit that
// comes back with an error and then succeeds and shows in the field
// history, the revealed number; at desk width and at 390 px. Screenshots
// as TestBrowserJourney.
func TestBrowserCustomers(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	d := s.App.DB
	var salesID, store int64
	if err := d.QueryRow(`SELECT id, site_id FROM users WHERE username = 'sales'`).Scan(&salesID, &store); err != nil {
		t.Fatal(err)
	}
	// The consultant's own customer with a little history.
	now := time.Now().UTC()
	var cid int64
	if err := d.QueryRow(`INSERT INTO customers (name, mobile, city, province, store_id, sales_user_id, source, stage, budget_fen, preferred_model_id,
		interests, consent_marketing, consent_at, created_at, updated_at, last_contact_at)
		VALUES ('周晓明', '13912345678', '上海', '上海', $1, $2, 'website', 'interested', 28000000, (SELECT MIN(id) FROM vehicle_models),
		'自驾,露营', TRUE, $3, $3, $3, $3) RETURNING id`, store, salesID, now.Add(-72*time.Hour)).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO leads (customer_id, store_id, sales_user_id, source, status, created_at, updated_at) VALUES ($1, $2, $3, 'website', 'contacted', $4, $4)`,
		`INSERT INTO follow_ups (customer_id, user_id, channel, content, created_at) VALUES ($1, $3, 'phone', '客户想周末带家人试驾，关心家充安装', $4)`,
		`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, '高意向', $4)`,
		`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, '周末看车', $4)`,
	} {
		if _, err := d.Exec(q, cid, store, salesID, now.Add(-48*time.Hour)); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
	b.do("desk size", chromedp.EmulateViewport(1280, 900))
	b.login("sales", "销售顾问")

	// The list, filtered by a tag from the filter bar.
	b.navigate("/sales/customers")
	b.wait("customer list", `document.querySelector('#customer-count') !== null`)
	b.contains("#customer-count", "条")
	b.shot("sales-customers.png", "body")
	b.navigate("/sales/customers?tag=" + "%E9%AB%98%E6%84%8F%E5%90%91")
	b.wait("tag filter", `document.querySelector('#customers') !== null`)
	b.contains("#customers", "周晓明")

	// The 360° page.
	b.do("open the customer", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#customers a[href="/sales/customers/%d"]`, cid))))
	b.wait("360 page", `document.querySelector('#timeline') !== null && document.readyState === 'complete'`)
	b.contains("#mobile", "139****5678")
	b.contains("#events", "电话跟进")
	b.contains("#tags", "高意向")
	b.shot("sales-customer-360.png", "body")

	// Edit: a bad birth year comes back beside the field, then a good edit.
	b.do("open the edit form", chromedp.Click(chromedp.CSS(`#edit > summary`)))
	b.do("type a bad year", chromedp.SetValue(chromedp.ID("birth_year"), "1800"), chromedp.Click(chromedp.CSS(`#edit-form button[type=submit]`)))
	b.wait("field error", `document.querySelector('#edit-form .field-error') !== null`)
	b.contains("#edit-form .has-error", "出生年份须为")
	b.shot("sales-customer-edit-error.png", "#profile")
	b.do("fix the year and move the stage", chromedp.SetValue(chromedp.ID("birth_year"), "1988"),
		chromedp.SetValue(chromedp.ID("f-stage"), "negotiation"), chromedp.Click(chromedp.CSS(`#edit-form button[type=submit]`)))
	b.wait("saved", `document.querySelector('.alert-success') !== null`)
	b.contains("#history", "旅程阶段")
	b.contains("#history", "商谈中")
	b.do("show the number", chromedp.Click(chromedp.ID("reveal")))
	b.wait("revealed", `document.querySelector('#mobile') && document.querySelector('#mobile').innerText.includes('13912345678')`)

	// Phone width.
	b.do("phone size", chromedp.EmulateViewport(390, 844))
	b.navigate(fmt.Sprintf("/sales/customers/%d", cid))
	b.wait("360 page on a phone", `document.querySelector('#timeline') !== null`)
	b.shot("sales-customer-360-mobile.png", "viewport")
	b.navigate("/sales/customers")
	b.wait("list on a phone", `document.querySelector('#customer-count') !== null`)
	b.shot("sales-customers-mobile.png", "viewport")
}
