package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// TestVehicleHistoryAPI reads a car's monthly health and its charging and
// swap pages through the JSON API, and checks others get nothing.
func TestVehicleHistoryAPI(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, dbtest.Dialects()[0])
	owner := s.Session(t, "owner")
	getJSON := func(c *http.Client, path string, v any) int {
		t.Helper()
		res, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if v != nil && res.StatusCode == 200 {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatalf("%s: %v\n%s", path, err, b)
			}
		}
		return res.StatusCode
	}
	var vs struct {
		Vehicles []struct {
			ID                 int64   `json:"id"`
			BatterySOH         float64 `json:"battery_soh"`
			WarrantyEnd        string  `json:"warranty_end"`
			BatteryWarrantyEnd string  `json:"battery_warranty_end"`
		} `json:"vehicles"`
	}
	if code := getJSON(owner, "/api/v1/vehicles", &vs); code != 200 || len(vs.Vehicles) == 0 {
		t.Fatalf("vehicles: %d", code)
	}
	v := vs.Vehicles[0]
	// The warranty ends follow the model's terms from delivery, as the
	// vehicle page and the work order's payer decision do.
	var delivered time.Time
	var vy, by int
	if err := s.App.DB.QueryRowContext(t.Context(), `SELECT v.delivered_at, COALESCE(t.vehicle_years, $2), COALESCE(t.battery_years, $3)
		FROM vehicles v LEFT JOIN warranty_terms t ON t.model_id = v.model_id WHERE v.id = $1`,
		v.ID, vehicle.DefaultTerms.VehicleYears, vehicle.DefaultTerms.BatteryYears).Scan(&delivered, &vy, &by); err != nil {
		t.Fatal(err)
	}
	end := func(years int) string { return delivered.AddDate(years, 0, 0).In(site.Shanghai).Format(time.DateOnly) }
	if v.WarrantyEnd != end(vy) || v.BatteryWarrantyEnd != end(by) {
		t.Errorf("warranty ends %s, %s; want %s (%d years), %s (%d years)", v.WarrantyEnd, v.BatteryWarrantyEnd, end(vy), vy, end(by), by)
	}
	var h struct {
		Items []struct {
			Month      string  `json:"month"`
			BatterySOH float64 `json:"battery_soh"`
		} `json:"items"`
	}
	if code := getJSON(owner, fmt.Sprintf("/api/v1/vehicles/%d/health", v.ID), &h); code != 200 || len(h.Items) == 0 || h.Items[len(h.Items)-1].BatterySOH != v.BatterySOH {
		t.Fatalf("health: %d %+v", code, h)
	}
	var page struct {
		Items      []map[string]any `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}
	if code := getJSON(owner, fmt.Sprintf("/api/v1/vehicles/%d/charging?limit=1", v.ID), &page); code != 200 || len(page.Items) > 1 || page.NextCursor == nil {
		t.Fatalf("charging: %d %+v", code, page)
	}
	if code := getJSON(owner, fmt.Sprintf("/api/v1/vehicles/%d/swaps", v.ID), &page); code != 200 || page.NextCursor == nil {
		t.Fatalf("swaps: %d", code)
	}
	if code := getJSON(owner, fmt.Sprintf("/api/v1/vehicles/%d/charging?cursor=bad!", v.ID), nil); code != 422 {
		t.Errorf("bad cursor: %d", code)
	}
	if code := getJSON(owner, "/api/v1/vehicles/999999/health", nil); code != 404 {
		t.Errorf("unknown car: %d", code)
	}
	if code := getJSON(owner, "/api/v1/vehicles/abc/health", nil); code != 422 {
		t.Errorf("malformed id: %d", code)
	}
	if code := getJSON(s.Session(t, "service"), fmt.Sprintf("/api/v1/vehicles/%d/health", v.ID), nil); code != 403 {
		t.Errorf("service: %d", code)
	}
}
