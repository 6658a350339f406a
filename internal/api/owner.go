package api

import (
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Owner serves the owner's own vehicles.
type Owner struct {
	*Base
	Vehicles *vehicle.Service
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

func toVehicle(v *vehicle.Vehicle) vehicleJSON {
	return vehicleJSON{ID: v.ID, VIN: v.VIN, Plate: v.Plate, Model: v.ModelName, Brand: v.Brand, Powertrain: v.Powertrain,
		BatteryKWh: v.BatteryKWh, RangeKM: v.RangeKM, SwapCapable: v.SwapCapable, MileageKM: v.MileageKM, BatterySOH: v.BatterySOH,
		SoftwareVersion: v.SoftwareVersion, PurchasedOn: v.PurchasedOn.Format(time.DateOnly), WarrantyEnd: v.WarrantyEnd.Format(time.DateOnly),
		BatteryWarrantyEnd: v.BatteryWarrantyEnd.Format(time.DateOnly)}
}

func (h *Owner) vehicles(rw http.ResponseWriter, r *http.Request) {
	vs, err := h.Vehicles.ListMine(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]vehicleJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, toVehicle(v))
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
