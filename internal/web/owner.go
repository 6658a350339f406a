package web

import (
	"net/http"
	"strings"

	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Owner serves the owner's personal center home: vehicles and upcoming
// appointments (the other owner-center pages: OwnerCenter).
type Owner struct {
	*Renderer
	Vehicles *vehicle.Service
	Booking  *booking.Service
}

// Routes returns the owner-center pages.
func (h *Owner) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/owner/{$}", h.ownerHome),
	}
}

func (h *Owner) ownerHome(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	vs, err := h.Vehicles.ListMineBrief(r.Context(), u)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	upcoming, err := h.Booking.Next(r.Context(), u, 5)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	home := ownerHomeData{Vehicles: make([]homeVehicle, len(vs)), Upcoming: make([]homeAppointment, len(upcoming))}
	for i, v := range vs {
		plate := v.Plate
		if plate == "" {
			plate = "未上牌"
		}
		home.Vehicles[i] = homeVehicle{ID: v.ID, Title: v.Title(), Powertrain: v.Powertrain, Plate: plate, Mileage: thousands(v.MileageKM),
			SOH: pct(v.BatterySOH), SOHWarn: v.SOHWarn(), SoftwareVersion: v.SoftwareVersion, SwapCapable: v.SwapCapable}
	}
	for i, a := range upcoming {
		home.Upcoming[i] = homeAppointment{ID: a.ID, Status: string(a.Status), StatusLabel: a.Status.Label(), Kind: a.Kind.Label(),
			SiteName: a.SiteName, When: a.When(), Vehicle: strings.TrimSpace(a.VehicleName + " " + a.Plate)}
	}
	h.render(rw, r, http.StatusOK, "owner_home", &page{Title: "我的", Nav: "owner", Data: home})
}

// ownerHomeData is what the owner's home shows, formatted here rather than
// by template functions and methods: it is the page every owner opens
// first, and html/template calls each function and method by reflection,
// which cost more than the page's queries (docs/测试说明.md, 吞吐量).
type ownerHomeData struct {
	Vehicles []homeVehicle
	Upcoming []homeAppointment
}

type homeVehicle struct {
	ID                                                      int64
	Title, Powertrain, Plate, Mileage, SOH, SoftwareVersion string
	SOHWarn, SwapCapable                                    bool
}

type homeAppointment struct {
	ID                                                 int64
	Status, StatusLabel, Kind, SiteName, When, Vehicle string
}
