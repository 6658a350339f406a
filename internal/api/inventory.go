package api

import (
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// Inventory serves the spare-part inventory: stock and ledger lists in the
// shared {"items", "next_cursor"} shape, the catalogue, locations,
// receipts, stocktakes, reorder points and transfers. Work-order issues
// and returns are not endpoints of their own: the work-order API takes
// parts through inventory.IssueTx in its own transaction.
type Inventory struct {
	*Base
	Inventory *inventory.Service
}

var inventoryStaff = []identity.Role{identity.RoleService, identity.RoleAdmin}

// Routes returns the inventory endpoints.
func (h *Inventory) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(inventoryStaff, "GET", "/api/v1/inventory/locations", h.locations),
		httpx.Only(inventoryStaff, "GET", "/api/v1/inventory/parts", h.parts),
		httpx.Only(inventoryStaff, "GET", "/api/v1/inventory/stock", h.stock),
		httpx.Only(inventoryStaff, "GET", "/api/v1/inventory/movements", h.movements),
		httpx.Only(inventoryStaff, "POST", "/api/v1/inventory/receipts", h.receive),
		httpx.Only(inventoryStaff, "POST", "/api/v1/inventory/stocktakes", h.stocktake),
		httpx.Only(inventoryStaff, "PUT", "/api/v1/inventory/reorder-levels", h.reorder),
		httpx.Only(inventoryStaff, "GET", "/api/v1/inventory/transfers", h.transfers),
		httpx.Only(inventoryStaff, "POST", "/api/v1/inventory/transfers", h.send),
		httpx.Only(inventoryStaff, "GET", "/api/v1/inventory/transfers/{id}", h.transfer),
		httpx.Only(inventoryStaff, "POST", "/api/v1/inventory/transfers/{id}/receive", h.receiveTransfer),
	}
}

func (h *Inventory) locations(rw http.ResponseWriter, r *http.Request) {
	ls, err := h.Inventory.Locations(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if ls == nil {
		ls = []*inventory.Location{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": ls})
}

func (h *Inventory) parts(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ps, err := h.Inventory.Parts(r.Context(), httpx.User(r), inventory.PartFilter{Query: q.Get("q"), Category: q.Get("category"),
		Inactive: q.Get("inactive") == "1" || q.Get("inactive") == "true"})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if ps == nil {
		ps = []*inventory.Part{}
	}
	for _, p := range ps {
		if p.ModelIDs == nil {
			p.ModelIDs, p.ModelNames = []int64{}, []string{}
		}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": ps})
}

func (h *Inventory) stock(rw http.ResponseWriter, r *http.Request) {
	f, err := inventory.StockFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, sum, err := h.Inventory.ListStock(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	body := listBody(page, sum.Total)
	body["units"], body["value_fen"], body["low"] = sum.Units, sum.ValueFen, sum.Low
	writeJSON(rw, http.StatusOK, body)
}

func (h *Inventory) movements(rw http.ResponseWriter, r *http.Request) {
	f, err := inventory.MovementFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.Inventory.ListMovements(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(page, total))
}

type receiptJSON struct {
	SiteID      int64  `json:"site_id"`
	PartID      int64  `json:"part_id"`
	Quantity    int    `json:"quantity"`
	UnitCostFen int64  `json:"unit_cost_fen"`
	Reference   string `json:"reference"`
	Reason      string `json:"reason"`
}

func (h *Inventory) receive(rw http.ResponseWriter, r *http.Request) {
	var in receiptJSON
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	m, err := h.Inventory.Receive(r.Context(), httpx.User(r), inventory.ReceiptRequest(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, m)
}

type stocktakeJSON struct {
	SiteID   int64  `json:"site_id"`
	PartID   int64  `json:"part_id"`
	Counted  *int   `json:"counted"`
	Expected *int   `json:"expected"`
	Reason   string `json:"reason"`
}

func (h *Inventory) stocktake(rw http.ResponseWriter, r *http.Request) {
	var in stocktakeJSON
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if in.Counted == nil {
		h.fail(rw, r, apperr.Field("counted", "请填写实盘数量"))
		return
	}
	m, err := h.Inventory.Adjust(r.Context(), httpx.User(r), inventory.AdjustRequest{SiteID: in.SiteID, PartID: in.PartID,
		Counted: *in.Counted, Expected: in.Expected, Reason: in.Reason})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, m)
}

type reorderJSON struct {
	SiteID       int64 `json:"site_id"`
	PartID       int64 `json:"part_id"`
	ReorderLevel *int  `json:"reorder_level"`
}

func (h *Inventory) reorder(rw http.ResponseWriter, r *http.Request) {
	var in reorderJSON
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if in.ReorderLevel == nil {
		h.fail(rw, r, apperr.Field("reorder_level", "请填写补货点"))
		return
	}
	actor := httpx.User(r)
	if err := h.Inventory.SetReorderLevel(r.Context(), actor, in.SiteID, in.PartID, *in.ReorderLevel); err != nil {
		h.fail(rw, r, err)
		return
	}
	page, _, err := h.Inventory.ListStock(r.Context(), actor, inventory.StockFilter{SiteID: in.SiteID, PartID: in.PartID, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		h.fail(rw, r, cmpErr(err))
		return
	}
	writeJSON(rw, http.StatusOK, page.Items[0])
}

// cmpErr is err, or a not-found error when there is none.
func cmpErr(err error) error {
	if err != nil {
		return err
	}
	return apperr.New(apperr.NotFound, "库存记录不存在")
}

func (h *Inventory) transfers(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := inventory.TransferFilter{Status: q.Get("status"), Direction: q.Get("direction")}
	var v apperr.Validator
	if s := q.Get("site_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil && id > 0, "site_id", "地点参数无效")
		f.SiteID = id
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil && n >= 1 && n <= 200, "limit", "每页条数须为 1 到 200 之间的整数")
		f.Limit = n
	}
	if err := v.Err(); err != nil {
		h.fail(rw, r, err)
		return
	}
	ts, err := h.Inventory.Transfers(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if ts == nil {
		ts = []*inventory.Transfer{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": ts})
}

type transferJSON struct {
	FromSiteID int64  `json:"from_site_id"`
	ToSiteID   int64  `json:"to_site_id"`
	PartID     int64  `json:"part_id"`
	Quantity   int    `json:"quantity"`
	Note       string `json:"note"`
}

func (h *Inventory) send(rw http.ResponseWriter, r *http.Request) {
	var in transferJSON
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	t, err := h.Inventory.Send(r.Context(), httpx.User(r), inventory.TransferRequest(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, t)
}

func (h *Inventory) transfer(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var t *inventory.Transfer
	if err == nil {
		t, err = h.Inventory.Transfer(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, t)
}

func (h *Inventory) receiveTransfer(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var t *inventory.Transfer
	if err == nil {
		t, err = h.Inventory.ReceiveTransfer(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, t)
}
