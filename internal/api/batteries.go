package api

import (
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// Batteries serves the swap stations' battery packs as JSON.
type Batteries struct {
	*Base
	Inventory *inventory.Service
}

// Routes returns the battery endpoints.
func (h *Batteries) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(inventoryStaff, "GET", "/api/v1/swap-stations", h.stations),
		httpx.Only(inventoryStaff, "GET", "/api/v1/swap-stations/{id}/packs", h.packs),
		httpx.Only(inventoryStaff, "GET", "/api/v1/swap-stations/{id}/pack-movements", h.movements),
		httpx.Only(inventoryStaff, "POST", "/api/v1/battery-packs/{id}/state", h.setState),
	}
}

func (h *Batteries) stations(rw http.ResponseWriter, r *http.Request) {
	st, err := h.Inventory.Stations(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if st == nil {
		st = []*inventory.Station{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": st})
}

func (h *Batteries) packs(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var st *inventory.Station
	var ps []*inventory.Pack
	if err == nil {
		st, ps, err = h.Inventory.Station(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if ps == nil {
		ps = []*inventory.Pack{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"station": st, "items": ps})
}

// movements lists a station's pack movements, newest first, in the shared
// list shape; next_cursor is the id to pass as cursor for older ones.
func (h *Batteries) movements(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	q := r.URL.Query()
	num := func(name string) (int64, bool) {
		if q.Get(name) == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(q.Get(name), 10, 64)
		return n, err == nil && n > 0
	}
	before, ok1 := num("cursor")
	pack, ok2 := num("pack_id")
	limit, ok3 := num("limit")
	switch {
	case !ok1:
		err = apperr.Field("cursor", "游标无效")
	case !ok2:
		err = apperr.Field("pack_id", "电池包编号无效")
	case !ok3 || limit > 200:
		err = apperr.Field("limit", "每页 1 到 200 条")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if limit == 0 {
		limit = 50
	}
	ms, err := h.Inventory.PackMovements(r.Context(), httpx.User(r), id, pack, before, int(limit))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	next := ""
	if len(ms) == int(limit) {
		next = strconv.FormatInt(ms[len(ms)-1].ID, 10)
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": ms, "next_cursor": next})
}

func (h *Batteries) setState(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in struct {
		State  string `json:"state"`
		From   string `json:"from"`
		Reason string `json:"reason"`
	}
	if err == nil {
		err = decode(r, &in)
	}
	var p *inventory.Pack
	if err == nil {
		p, err = h.Inventory.SetPackState(r.Context(), httpx.User(r), id, in.From, in.State, in.Reason)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, p)
}
