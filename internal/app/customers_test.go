package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestCustomerObjectAccess: a consultant sees their own store's customers
// and edits the ones assigned to them; another store's customer id is 404
// through HTML and JSON alike, for every customer route; an admin sees it.
func TestCustomerObjectAccess(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, dialect)
			d := s.App.DB
			var salesID, store int64
			if err := d.QueryRow(`SELECT id, site_id FROM users WHERE username = 'sales'`).Scan(&salesID, &store); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
			var other, mine int64
			if err := d.QueryRow(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('ZZ-OTHER', 'store', '外店', '广东', '深圳', $1) RETURNING id`, now).Scan(&other); err != nil {
				t.Fatal(err)
			}
			var foreign int64
			if err := d.QueryRow(`INSERT INTO customers (name, mobile, store_id, created_at, updated_at) VALUES ('外店客户', '19900000001', $1, $2, $2) RETURNING id`, other, now).Scan(&foreign); err != nil {
				t.Fatal(err)
			}
			if err := d.QueryRow(`INSERT INTO customers (name, mobile, store_id, sales_user_id, created_at, updated_at) VALUES ('本人客户', '19900000002', $1, $2, $3, $3) RETURNING id`, store, salesID, now).Scan(&mine); err != nil {
				t.Fatal(err)
			}
			c := s.Login(t, "sales")
			fid := strconv.FormatInt(foreign, 10)
			mid := strconv.FormatInt(mine, 10)
			get := func(c *http.Client, path string) (int, string) {
				t.Helper()
				res, err := c.Get(s.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			send := func(c *http.Client, method, path, body string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
				req.Header.Set("Origin", s.URL)
				if strings.HasPrefix(path, "/api/") {
					req.Header.Set("Content-Type", "application/json")
				} else {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				res, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			for _, tc := range []struct{ method, path, body string }{
				{"GET", "/sales/customers/" + fid, ""},
				{"POST", "/sales/customers/" + fid, "stage=lost"},
				{"POST", "/sales/customers/" + fid + "/reveal", ""},
				{"POST", "/sales/customers/" + fid + "/tags", "tag=x"},
				{"POST", "/sales/customers/" + fid + "/tags/remove", "tag=x"},
				{"POST", "/sales/customers/" + fid + "/notes", "body=x"},
				{"GET", "/api/v1/customers/" + fid, ""},
				{"PATCH", "/api/v1/customers/" + fid, `{"stage":"lost"}`},
				{"GET", "/api/v1/customers/" + fid + "/timeline", ""},
				{"POST", "/api/v1/customers/" + fid + "/reveal-mobile", ""},
				{"POST", "/api/v1/customers/" + fid + "/tags", `{"tag":"x"}`},
				{"DELETE", "/api/v1/customers/" + fid + "/tags/x", ""},
				{"POST", "/api/v1/customers/" + fid + "/notes", `{"body":"x"}`},
			} {
				code, body := send(c, tc.method, tc.path, tc.body)
				if code != http.StatusNotFound {
					t.Errorf("%s %s as another store's consultant: %d, want 404", tc.method, tc.path, code)
				}
				if strings.HasPrefix(tc.path, "/api/") && !strings.Contains(body, `"not_found"`) {
					t.Errorf("%s %s: body %s", tc.method, tc.path, body)
				}
				if strings.Contains(body, "外店客户") || strings.Contains(body, "19900000001") {
					t.Errorf("%s %s leaks the customer", tc.method, tc.path)
				}
			}
			// The list does not show it either.
			if code, body := get(c, "/api/v1/customers?q=19900000001"); code != 200 || !strings.Contains(body, `"items":[]`) {
				t.Errorf("list search for another store's mobile: %d %s", code, body)
			}
			// An admin sees it, masked.
			adm := s.Login(t, "admin")
			if code, body := get(adm, "/sales/customers/"+fid); code != 200 || !strings.Contains(body, "外店客户") || !strings.Contains(body, "199****0001") {
				t.Errorf("admin 360: %d", code)
			}

			// The consultant's own customer: the page, a refused edit with the
			// message beside the field, an edit, the revealed number.
			if code, body := get(c, "/sales/customers/"+mid); code != 200 || !strings.Contains(body, "199****0002") || strings.Contains(body, "19900000002") {
				t.Errorf("own 360: %d", code)
			}
			code, body := send(c, "POST", "/sales/customers/"+mid, url.Values{"name": {"本人客户"}, "birth_year": {"1800"}}.Encode())
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "出生年份须为") {
				t.Errorf("bad edit: %d", code)
			}
			if code, _ := send(c, "POST", "/sales/customers/"+mid, url.Values{"name": {"本人客户"}, "stage": {"negotiation"}}.Encode()); code != http.StatusSeeOther {
				t.Errorf("edit: %d", code)
			}
			if code, body := get(c, "/sales/customers/"+mid); code != 200 || !strings.Contains(body, "商谈中") || !strings.Contains(body, "旅程阶段") {
				t.Errorf("history after edit: %d", code)
			}
			if code, body := send(c, "POST", "/sales/customers/"+mid+"/reveal", ""); code != 200 || !strings.Contains(body, "19900000002") {
				t.Errorf("reveal: %d", code)
			}
			code, body = send(c, "PATCH", "/api/v1/customers/"+mid, `{"family_size": 30, "budget": "abc"}`)
			var e struct {
				Error struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			_ = json.Unmarshal([]byte(body), &e)
			if code != 422 || e.Error.Fields["family_size"] == "" || e.Error.Fields["budget"] == "" {
				t.Errorf("bad PATCH: %d %s", code, body)
			}
		})
	}
}
