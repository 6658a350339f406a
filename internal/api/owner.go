package api

import (
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// Owner serves the owner's own vehicles.
type Owner struct {
	*Base
	Vehicles   *vehicle.Service
	WorkOrders *workorder.Service // warranty terms (Coverage)
}

// Routes returns the owner endpoints.
func (h *Owner) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/api/v1/vehicles", h.vehicles),
		httpx.Only(owner, "GET", "/api/v1/vehicles/{id}/health", h.health),
		httpx.Only(owner, "GET", "/api/v1/vehicles/{id}/charging", h.charging),
		httpx.Only(owner, "GET", "/api/v1/vehicles/{id}/swaps", h.swaps),
	}
}

type vehicleJSON struct {
	ID                 int64   `json:"id"`
	VIN                string  `json:"vin"`
	Plate              string  `json:"plate"`
	Model              string  `json:"model"`
	Brand              string  `json:"brand"`
	Powertrain         string  `json:"powertrain"`
	BatteryKWh         float64 `json:"battery_kwh"`
	RangeKM            int     `json:"range_km"`
	SwapCapable        bool    `json:"swap_capable"`
	MileageKM          int     `json:"mileage_km"`
	BatterySOH         float64 `json:"battery_soh"`
	SoftwareVersion    string  `json:"software_version"`
	PurchasedOn        string  `json:"purchased_on"`
	WarrantyEnd        string  `json:"warranty_end"`
	BatteryWarrantyEnd string  `json:"battery_warranty_end"`
}

// toVehicle shapes a vehicle with its warranty ends as covers (whole
// vehicle, then battery) from workorder.Coverage give them.
func toVehicle(v *vehicle.Vehicle, covers []workorder.Cover) vehicleJSON {
	out := vehicleJSON{ID: v.ID, VIN: v.VIN, Plate: v.Plate, Model: v.ModelName, Brand: v.Brand, Powertrain: v.Powertrain,
		BatteryKWh: v.BatteryKWh, RangeKM: v.RangeKM, SwapCapable: v.SwapCapable, MileageKM: v.MileageKM, BatterySOH: v.BatterySOH,
		SoftwareVersion: v.SoftwareVersion, PurchasedOn: v.PurchasedOn.Format(time.DateOnly)}
	if len(covers) == 2 {
		out.WarrantyEnd = covers[0].Ends.In(site.Shanghai).Format(time.DateOnly)
		out.BatteryWarrantyEnd = covers[1].Ends.In(site.Shanghai).Format(time.DateOnly)
	}
	return out
}

func (h *Owner) vehicles(rw http.ResponseWriter, r *http.Request) {
	vs, err := h.Vehicles.ListMine(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]vehicleJSON, 0, len(vs))
	for _, v := range vs {
		covers, err := h.WorkOrders.Coverage(r.Context(), httpx.User(r), v.ID)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		out = append(out, toVehicle(v, covers))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"vehicles": out})
}

type healthJSON struct {
	Month           string  `json:"month"`
	BatterySOH      float64 `json:"battery_soh"`
	MileageKM       int     `json:"mileage_km"`
	FastChargeShare float64 `json:"fast_charge_share"`
}

// health answers the car's monthly battery health and odometer, oldest first.
func (h *Owner) health(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	list, err := h.Vehicles.Health(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]healthJSON, 0, len(list))
	for _, p := range list {
		out = append(out, healthJSON{p.Label(), p.SOH, p.MileageKM, p.FastShare})
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": out})
}

// charging answers a page of the owner's charging sessions of the car.
func (h *Owner) charging(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := listing.ParseParams(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, err := h.Vehicles.Charges(r.Context(), httpx.User(r), id, p.Cursor, p.Limit)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, page)
}

// swaps answers a page of the owner's battery swaps of the car.
func (h *Owner) swaps(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := listing.ParseParams(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, err := h.Vehicles.Swaps(r.Context(), httpx.User(r), id, p.Cursor, p.Limit)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, page)
}
