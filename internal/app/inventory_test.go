package app_test

import (
	"context"
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
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// TestInventoryObjectAccess: a service user works with the stock of their
// center through HTML and JSON; another center's stock, ledger, items and
// transfers are 404 on every route, as if they did not exist.
func TestInventoryObjectAccess(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, dialect)
			d := s.App.DB
			ctx := context.Background()
			var center int64
			if err := d.QueryRow(`SELECT site_id FROM users WHERE username = 'service'`).Scan(&center); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
			var other, part int64
			if err := d.QueryRow(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('ZZ-SC', 'service_center', '外地服务中心', '广东', '深圳', $1) RETURNING id`, now).Scan(&other); err != nil {
				t.Fatal(err)
			}
			if err := d.QueryRow(`SELECT min(id) FROM parts`).Scan(&part); err != nil {
				t.Fatal(err)
			}
			inv := s.App.Inventory
			if _, err := inv.Receive(ctx, identity.System(), inventory.ReceiptRequest{SiteID: other, PartID: part, Quantity: 5, UnitCostFen: 1000, Reference: "PO-X"}); err != nil {
				t.Fatal(err)
			}
			tr, err := inv.Send(ctx, identity.System(), inventory.TransferRequest{FromSiteID: other, ToSiteID: func() int64 {
				var wh int64
				if err := d.QueryRow(`SELECT id FROM sites WHERE kind = 'warehouse'`).Scan(&wh); err != nil {
					t.Fatal(err)
				}
				return wh
			}(), PartID: part, Quantity: 1})
			if err != nil {
				t.Fatal(err)
			}
			c := s.Login(t, "service")
			do := func(method, path, body string) (int, string) {
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
			o, p, tid := strconv.FormatInt(other, 10), strconv.FormatInt(part, 10), strconv.FormatInt(tr.ID, 10)
			for _, tc := range []struct{ method, path, body string }{
				{"GET", "/service/inventory?site_id=" + o, ""},
				{"GET", "/service/inventory/items/" + o + "/" + p, ""},
				{"POST", "/service/inventory/items/" + o + "/" + p + "/stocktake", "counted=1&reason=x"},
				{"POST", "/service/inventory/items/" + o + "/" + p + "/reorder", "reorder_level=1"},
				{"GET", "/service/inventory/movements?site_id=" + o, ""},
				{"POST", "/service/inventory/export?site_id=" + o, "format=csv"},
				{"POST", "/service/inventory/movements/export?site_id=" + o, "format=csv"},
				{"POST", "/service/inventory/receipts/new", "site_id=" + o + "&part_id=" + p + "&quantity=1&unit_cost=1&reference=PO"},
				{"POST", "/service/inventory/transfers/new", "from_site_id=" + o + "&to_site_id=" + strconv.FormatInt(center, 10) + "&part_id=" + p + "&quantity=1"},
				{"POST", "/service/inventory/transfers/" + tid + "/receive", ""},
				{"GET", "/api/v1/inventory/stock?site_id=" + o, ""},
				{"GET", "/api/v1/inventory/movements?site_id=" + o, ""},
				{"POST", "/api/v1/inventory/receipts", `{"site_id":` + o + `,"part_id":` + p + `,"quantity":1,"unit_cost_fen":1,"reference":"PO"}`},
				{"POST", "/api/v1/inventory/stocktakes", `{"site_id":` + o + `,"part_id":` + p + `,"counted":1,"reason":"x"}`},
				{"PUT", "/api/v1/inventory/reorder-levels", `{"site_id":` + o + `,"part_id":` + p + `,"reorder_level":1}`},
				{"POST", "/api/v1/inventory/transfers", `{"from_site_id":` + o + `,"to_site_id":1,"part_id":` + p + `,"quantity":1}`},
				{"GET", "/api/v1/inventory/transfers/" + tid, ""},
				{"POST", "/api/v1/inventory/transfers/" + tid + "/receive", ""},
			} {
				if code, body := do(tc.method, tc.path, tc.body); code != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404\n%.300s", tc.method, tc.path, code, body)
				}
			}
			if q := stockOf(t, s, other, part); q != 4 {
				t.Fatalf("other center's stock changed to %d", q)
			}
			// Own stock: lists, item page, a receipt through the form, a
			// stocktake refused without a reason, the JSON list shape.
			for _, path := range []string{"/service/inventory", "/service/inventory/movements", "/service/inventory/transfers",
				"/service/inventory/parts", "/service/inventory/receipts/new", "/service/inventory/transfers/new",
				"/service/inventory/items/" + strconv.FormatInt(center, 10) + "/" + p, "/service/inventory?low=1"} {
				if code, body := do("GET", path, ""); code != http.StatusOK {
					t.Errorf("GET %s: %d\n%.300s", path, code, body)
				} else if strings.Contains(body, "外地服务中心") && !strings.Contains(path, "transfers") {
					t.Errorf("GET %s shows the other center", path)
				}
			}
			before := stockOf(t, s, center, part)
			code, _ := do("POST", "/service/inventory/receipts/new", url.Values{"site_id": {strconv.FormatInt(center, 10)}, "part_id": {p},
				"quantity": {"3"}, "unit_cost": {"12.50"}, "reference": {"PO-TEST-1"}}.Encode())
			if code != http.StatusSeeOther || stockOf(t, s, center, part) != before+3 {
				t.Fatalf("receipt: %d, stock %d → %d", code, before, stockOf(t, s, center, part))
			}
			code, body := do("POST", "/service/inventory/items/"+strconv.FormatInt(center, 10)+"/"+p+"/stocktake", "counted=0")
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写盘点差异的原因") {
				t.Fatalf("stocktake without reason: %d\n%.500s", code, body)
			}
			code, body = do("POST", "/service/inventory/receipts/new", "site_id="+strconv.FormatInt(center, 10)+"&part_id="+p+"&quantity=abc&unit_cost=x&reference=")
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写入库数量") {
				t.Fatalf("bad receipt: %d\n%.500s", code, body)
			}
			code, body = do("GET", "/api/v1/inventory/stock?limit=2", "")
			var pg struct {
				Items      []inventory.StockRow `json:"items"`
				NextCursor *string              `json:"next_cursor"`
			}
			if code != http.StatusOK || json.Unmarshal([]byte(body), &pg) != nil || len(pg.Items) != 2 || pg.NextCursor == nil || *pg.NextCursor == "" {
				t.Fatalf("stock list: %d %.300s", code, body)
			}
			for _, r := range pg.Items {
				if r.SiteID == other {
					t.Fatal("JSON stock list shows the other center")
				}
			}
			code, body = do("GET", "/api/v1/inventory/movements?kind=nope", "")
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"kind"`) {
				t.Fatalf("bad kind: %d %s", code, body)
			}
		})
	}
}

func stockOf(t *testing.T, s *apptest.Server, site, part int64) int {
	t.Helper()
	var q int
	if err := s.App.DB.QueryRow(`SELECT COALESCE((SELECT quantity FROM part_stock WHERE site_id = $1 AND part_id = $2), 0)`, site, part).Scan(&q); err != nil {
		t.Fatal(err)
	}
	return q
}
