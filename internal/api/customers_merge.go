package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// duplicateJSON is one record of a group of likely duplicates.
type duplicateJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Mobile     string    `json:"mobile"` // masked
	Kind       string    `json:"kind"`
	Stage      string    `json:"stage"`
	StoreID    int64     `json:"store_id"`
	StoreName  string    `json:"store_name"`
	SalesName  string    `json:"sales_name"`
	Vehicles   int64     `json:"vehicles"`
	HasAccount bool      `json:"has_account"`
	CreatedAt  time.Time `json:"created_at"`
}

type duplicateGroupJSON struct {
	Name    string          `json:"name"`
	City    string          `json:"city"`
	Members []duplicateJSON `json:"members"`
}

func (h *Customers) duplicates(rw http.ResponseWriter, r *http.Request) {
	var f customer.DuplicateFilter
	f.StoreID, _ = strconv.ParseInt(r.URL.Query().Get("store_id"), 10, 64)
	f.CustomerID, _ = strconv.ParseInt(r.URL.Query().Get("customer_id"), 10, 64)
	groups, err := h.Customers.Duplicates(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]duplicateGroupJSON, 0, len(groups))
	for _, g := range groups {
		j := duplicateGroupJSON{Name: g.Name, City: g.City, Members: []duplicateJSON{}}
		for _, m := range g.Members {
			j.Members = append(j.Members, duplicateJSON{ID: m.ID, Name: m.Name, Mobile: m.Mobile, Kind: m.Kind, Stage: m.Stage,
				StoreID: m.StoreID, StoreName: m.StoreName, SalesName: m.SalesName, Vehicles: m.Vehicles, HasAccount: m.AccountID != 0,
				CreatedAt: m.CreatedAt})
		}
		out = append(out, j)
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": out})
}

func (h *Customers) merge(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		From int64    `json:"from"`
		Take []string `json:"take"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := h.Customers.Merge(r.Context(), httpx.User(r), id, in.From, in.Take); err != nil {
		h.fail(rw, r, err)
		return
	}
	h.write(rw, r, id)
}
