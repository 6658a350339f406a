package web

import (
	"net/http"

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
