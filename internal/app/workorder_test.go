package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestWorkOrderCrossCenter checks object-level authorization of work
// orders through HTML and JSON: service staff of another center, and an
// owner whose car it is not, get 404 for every read and every change, and
// nothing is written; staff of its own center get it.
func TestWorkOrderCrossCenter(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	ctx := t.Context()
	svc, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "service")
	if err != nil {
		t.Fatal(err)
	}
	var woID, vehicleID, ownerCustomer int64
	var code string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id, code, vehicle_id, customer_id FROM work_orders WHERE site_id = $1
		ORDER BY id LIMIT 1`, svc.SiteID).Scan(&woID, &code, &vehicleID, &ownerCustomer); err != nil {
		t.Fatalf("no work order at the demo center: %v", err)
	}
	var other, otherOwner string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT username FROM users WHERE role = 'service' AND active = TRUE AND site_id <> $1
		AND site_id IN (SELECT id FROM sites WHERE kind = 'service_center') ORDER BY id LIMIT 1`, svc.SiteID).Scan(&other); err != nil {
		t.Fatalf("no service user at another center: %v", err)
	}
	if err := s.App.DB.QueryRowContext(ctx, `SELECT mobile FROM users WHERE role = 'owner' AND customer_id <> $1 ORDER BY id LIMIT 1`,
		ownerCustomer).Scan(&otherOwner); err != nil {
		t.Fatal(err)
	}
	stamp := func() string {
		var st string
		var n int
		if err := s.App.DB.QueryRowContext(ctx, `SELECT status || '/' || CAST(labour_fen AS TEXT) || '/' || diagnosis, (SELECT COUNT(*) FROM work_order_labour WHERE work_order_id = $1)
			FROM work_orders WHERE id = $1`, woID).Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s/%d", st, n)
	}
	before := stamp()
	do := func(c *http.Client, method, path, ctype, body string) (int, string) {
		req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", s.URL)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	form := "application/x-www-form-urlencoded"
	jsonType := "application/json"
	id := fmt.Sprint(woID)
	cases := []struct{ method, path, ctype, body string }{
		{"GET", "/service/work-orders/" + id, "", ""},
		{"GET", "/service/work-orders/" + id + "/print", "", ""},
		{"POST", "/service/work-orders/" + id, form, url.Values{"kind": {"repair"}, "cause": {"quality"}, "complaint": {"x"}, "diagnosis": {"越权"}, "mileage_km": {"10"}}.Encode()},
		{"POST", "/service/work-orders/" + id + "/labour", form, "operation_id=1"},
		{"POST", "/service/work-orders/" + id + "/payer", form, "line=labour&line_id=1&payer=warranty&reason=x"},
		{"POST", "/service/work-orders/" + id + "/complete", form, ""},
		{"POST", "/service/work-orders/" + id + "/cancel", form, "reason=x"},
		{"GET", "/api/v1/work-orders/" + id, "", ""},
		{"PATCH", "/api/v1/work-orders/" + id, jsonType, `{"diagnosis":"越权"}`},
		{"POST", "/api/v1/work-orders/" + id + "/labour", jsonType, `{"operation_id":1}`},
		{"POST", "/api/v1/work-orders/" + id + "/wait-parts", jsonType, `{}`},
		{"POST", "/api/v1/work-orders/" + id + "/cancel", jsonType, `{"reason":"x"}`},
	}
	intruder := s.Session(t, other)
	for _, c := range cases {
		status, body := do(intruder, c.method, c.path, c.ctype, c.body)
		if status != http.StatusNotFound {
			t.Errorf("%s of another center: %s %s = %d, want 404\n%.300s", other, c.method, c.path, status, body)
		}
		if strings.HasPrefix(c.path, "/api/") && !strings.Contains(body, `"not_found"`) {
			t.Errorf("%s %s: JSON error code: %.200s", c.method, c.path, body)
		}
	}
	if status, body := do(intruder, "GET", "/api/v1/work-orders?q="+code, "", ""); status != 200 || !strings.Contains(body, `"total":0`) {
		t.Errorf("another center's list finds %s: %d %.200s", code, status, body)
	}
	stranger := s.Session(t, otherOwner)
	for _, p := range []string{"/owner/work-orders/" + id, "/api/v1/work-orders/" + id, fmt.Sprintf("/api/v1/vehicles/%d/work-orders", vehicleID)} {
		if status, _ := do(stranger, "GET", p, "", ""); status != http.StatusNotFound {
			t.Errorf("another owner: GET %s = %d, want 404", p, status)
		}
	}
	if status, _ := do(stranger, "POST", "/api/v1/work-orders/"+id+"/rating", jsonType, `{"rating":1}`); status != http.StatusNotFound {
		t.Errorf("another owner rates: %d, want 404", status)
	}
	if after := stamp(); after != before {
		t.Fatalf("refused requests changed the work order: %s → %s", before, after)
	}
	// Its own center reads it, in both transports.
	own := s.Session(t, "service")
	if status, _ := do(own, "GET", "/service/work-orders/"+id, "", ""); status != 200 {
		t.Errorf("own center: HTML %d", status)
	}
	status, body := do(own, "GET", "/api/v1/work-orders/"+id, "", "")
	var got struct {
		Code   string `json:"code"`
		Mobile string `json:"mobile"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Code != code || !strings.Contains(got.Mobile, "****") {
		t.Errorf("own center: JSON %d %.200s", status, body)
	}
	// Bad input is a JSON error with the field, nothing written.
	status, body = do(own, "PATCH", "/api/v1/work-orders/"+id, jsonType, `{"mileage_km":0}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"mileage_km"`) {
		t.Errorf("bad mileage: %d %.200s", status, body)
	}
	if after := stamp(); after != before {
		t.Fatalf("a refused update changed the work order: %s → %s", before, after)
	}
}
