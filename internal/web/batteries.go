package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// Batteries serves the swap stations' battery packs: the stations of the
// staff member's center with their packs by state, one station's packs
// with their state changes and its movement history.
type Batteries struct {
	*Renderer
	Inventory *inventory.Service
}

// Routes returns the battery pages.
func (h *Batteries) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(inventoryStaff, "GET", "/service/batteries", h.stations),
		httpx.Only(inventoryStaff, "GET", "/service/batteries/{id}", h.station),
		httpx.Only(inventoryStaff, "POST", "/service/batteries/packs/{id}/state", h.setState),
	}
}

func (h *Batteries) stations(rw http.ResponseWriter, r *http.Request) {
	st, err := h.Inventory.Stations(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "service_batteries", &page{Title: "换电电池", Nav: "batteries", Data: map[string]any{"Stations": st}})
}

func (h *Batteries) station(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.renderStation(rw, r, id, http.StatusOK, nil)
}

// renderStation shows station id; failed is the refusal of a state change
// just tried, shown above the packs.
func (h *Batteries) renderStation(rw http.ResponseWriter, r *http.Request, id int64, status int, failed *apperr.Error) {
	u := httpx.User(r)
	st, packs, err := h.Inventory.Station(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	pack, _ := strconv.ParseInt(r.URL.Query().Get("pack"), 10, 64)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	moves, err := h.Inventory.PackMovements(r.Context(), u, id, pack, before, 50)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p := &page{Title: st.Name + " · 换电电池", Nav: "batteries", URL: fmt.Sprintf("/service/batteries/%d", id),
		Data: map[string]any{"Station": st, "Packs": packs, "Moves": moves, "Pack": pack}}
	if len(moves) == 50 {
		older := fmt.Sprintf("/service/batteries/%d?before=%d", id, moves[len(moves)-1].ID)
		if pack != 0 {
			older += fmt.Sprintf("&pack=%d", pack)
		}
		p.Data.(map[string]any)["Older"] = older
	}
	if failed != nil {
		p.Error = failed.Message
		for _, m := range failed.Fields {
			p.Error = m
		}
	}
	h.render(rw, r, status, "service_battery_station", p)
}

func (h *Batteries) setState(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	site := formInt(r, "site_id")
	p, err := h.Inventory.SetPackState(r.Context(), httpx.User(r), id, r.PostForm.Get("from"), r.PostForm.Get("state"), r.PostForm.Get("reason"))
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.NotFound && site != 0 {
			h.renderStation(rw, r, site, httpx.Status(e.Code), e)
			return
		}
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/batteries/%d", p.SiteID), "pack_"+p.State)
}
