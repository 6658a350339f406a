package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
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
			ID         int64   `json:"id"`
			BatterySOH float64 `json:"battery_soh"`
		} `json:"vehicles"`
	}
	if code := getJSON(owner, "/api/v1/vehicles", &vs); code != 200 || len(vs.Vehicles) == 0 {
		t.Fatalf("vehicles: %d", code)
	}
	v := vs.Vehicles[0]
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
