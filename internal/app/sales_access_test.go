package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestSalesObjectAccess checks the pipeline's object-level rules through
// HTML and JSON on the demo data: the demo consultant ("sales") opens their
// own store's records, gets 404 for another store's lead, opportunity,
// order and test drive (page and API alike) and 403 for changing a
// colleague's lead; the store manager ("manager") may change it; a service
// advisor is refused the whole pipeline.
func TestSalesObjectAccess(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	ctx := t.Context()
	var store int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT site_id FROM users WHERE username = 'sales'`).Scan(&store); err != nil {
		t.Fatal(err)
	}
	id := func(q string, args ...any) string {
		t.Helper()
		var n int64
		if err := s.App.DB.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return strconv.FormatInt(n, 10)
	}
	otherLead := id(`SELECT MIN(id) FROM leads WHERE store_id <> $1`, store)
	otherOpp := id(`SELECT MIN(id) FROM opportunities WHERE store_id <> $1`, store)
	otherOrder := id(`SELECT MIN(id) FROM vehicle_orders WHERE store_id <> $1`, store)
	otherTD := id(`SELECT MIN(id) FROM test_drives WHERE store_id <> $1`, store)
	ownLead := id(`SELECT MIN(l.id) FROM leads l JOIN users u ON u.id = l.sales_user_id WHERE u.username = 'sales' AND l.status IN ('new', 'contacted')`)
	colleagueLead := id(`SELECT MIN(l.id) FROM leads l JOIN users u ON u.id = l.sales_user_id
		WHERE l.store_id = $1 AND u.username IS DISTINCT FROM 'sales' AND u.username IS DISTINCT FROM 'manager' AND l.status IN ('new', 'contacted', 'qualified')`, store)

	get := func(c *http.Client, path string) int {
		t.Helper()
		res, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	post := func(c *http.Client, path string, form url.Values) int {
		t.Helper()
		res, err := s.PostForm(c, path, form)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	postJSON := func(c *http.Client, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", s.URL)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}

	sales := s.Session(t, "sales")
	for _, path := range []string{"/sales/leads/" + otherLead, "/api/v1/leads/" + otherLead, "/sales/opportunities/" + otherOpp,
		"/api/v1/opportunities/" + otherOpp, "/sales/orders/" + otherOrder, "/api/v1/orders/" + otherOrder,
		"/sales/test-drives/" + otherTD, "/api/v1/test-drives/" + otherTD} {
		if code := get(sales, path); code != http.StatusNotFound {
			t.Errorf("sales GET %s (another store's) = %d, want 404", path, code)
		}
	}
	if code := postJSON(sales, "/api/v1/opportunities/"+otherOpp+"/stage", `{"stage":"lost","lost_reason":"测试"}`); code != http.StatusNotFound {
		t.Errorf("moving another store's opportunity = %d, want 404", code)
	}
	if code := post(sales, "/sales/leads/"+otherLead+"/disqualify", url.Values{"reason": {"测试越权"}}); code != http.StatusNotFound {
		t.Errorf("disqualifying another store's lead = %d, want 404", code)
	}
	for _, path := range []string{"/sales/leads/" + ownLead, "/api/v1/leads/" + ownLead, "/sales/leads/" + colleagueLead} {
		if code := get(sales, path); code != http.StatusOK {
			t.Errorf("sales GET %s (own store) = %d, want 200", path, code)
		}
	}
	// A colleague's lead: seen, not changed; the manager may.
	follow := url.Values{"channel": {"phone"}, "content": {"门店经理代为回访"}}
	if code := post(sales, "/sales/leads/"+colleagueLead+"/follow-ups", follow); code != http.StatusForbidden {
		t.Errorf("sales following up a colleague's lead = %d, want 403", code)
	}
	if code := postJSON(sales, "/api/v1/leads/"+colleagueLead+"/follow-ups", `{"channel":"phone","content":"越权跟进"}`); code != http.StatusForbidden {
		t.Errorf("sales following up a colleague's lead via API = %d, want 403", code)
	}
	manager := s.Session(t, "manager")
	if code := post(manager, "/sales/leads/"+colleagueLead+"/follow-ups", follow); code != http.StatusSeeOther {
		t.Errorf("manager following up a colleague's lead = %d, want 303", code)
	}
	if code := get(manager, "/sales/leads/"+otherLead); code != http.StatusNotFound {
		t.Errorf("manager GET another store's lead = %d, want 404", code)
	}
	// Bad input through JSON: 422 naming the field, nothing written.
	var before int
	_ = s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM leads`).Scan(&before)
	if code := postJSON(sales, "/api/v1/leads", `{"name":"王","mobile":"123","source":"walk_in"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("bad lead via API = %d, want 422", code)
	}
	var after int
	_ = s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM leads`).Scan(&after)
	if after != before {
		t.Errorf("a refused lead wrote %d rows", after-before)
	}
	// The pipeline is not the service advisor's.
	service := s.Session(t, "service")
	if code := get(service, "/api/v1/leads"); code != http.StatusForbidden {
		t.Errorf("service GET /api/v1/leads = %d, want 403", code)
	}
}
