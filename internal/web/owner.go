package web

import (
	"net/http"

	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// Owner serves the owner's personal center: vehicles and upcoming appointments.
type Owner struct {
	*Renderer
	Vehicles *vehicle.Service
	Booking  *booking.Service
	// WorkOrders, when set, gives the vehicle page the car's repair history.
	WorkOrders *workorder.Service
}

// Routes returns the owner-center pages.
func (h *Owner) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/owner/{$}", h.ownerHome),
		httpx.Only(owner, "GET", "/owner/vehicles/{id}", h.ownerVehicle),
	}
}

func (h *Owner) ownerHome(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	vs, err := h.Vehicles.ListMine(r.Context(), u)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	upcoming, err := h.Booking.Upcoming(r.Context(), u, 5)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_home", &page{Title: "我的", Nav: "owner", Data: map[string]any{"Vehicles": vs, "Upcoming": upcoming}})
}

func (h *Owner) ownerVehicle(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	v, err := h.Vehicles.Get(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	act, err := h.Vehicles.RecentActivity(r.Context(), u, id, 20)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var repairs *historyView
	if h.WorkOrders != nil {
		list, err := h.WorkOrders.VehicleHistory(r.Context(), u, id)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		repairs = &historyView{Vehicle: v, Orders: list, Owner: true}
	}
	h.render(rw, r, http.StatusOK, "owner_vehicle", &page{Title: v.ModelName, Nav: "owner", Data: map[string]any{"Vehicle": v, "Activity": act, "Repairs": repairs}})
}
