package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
)

// Inventory serves the service workspace's spare-part inventory: stock
// per location with its filters, valuation and export, a stock item's
// detail (reorder point, stocktake, its ledger), the ledger, receipts,
// transfers and the parts catalogue.
type Inventory struct {
	*Renderer
	Inventory *inventory.Service
}

var inventoryStaff = []identity.Role{identity.RoleService, identity.RoleAdmin}

// Routes returns the inventory pages.
func (h *Inventory) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(inventoryStaff, "GET", "/service/inventory", h.stock),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/export", h.exportStock),
		httpx.Only(inventoryStaff, "GET", "/service/inventory/items/{site}/{part}", h.item),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/items/{site}/{part}/stocktake", h.stocktake),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/items/{site}/{part}/reorder", h.reorder),
		httpx.Only(inventoryStaff, "GET", "/service/inventory/movements", h.movements),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/movements/export", h.exportMovements),
		httpx.Only(inventoryStaff, "GET", "/service/inventory/receipts/new", h.receiptForm),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/receipts/new", h.receive),
		httpx.Only(inventoryStaff, "GET", "/service/inventory/transfers", h.transfers),
		httpx.Only(inventoryStaff, "GET", "/service/inventory/transfers/new", h.transferForm),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/transfers/new", h.send),
		httpx.Only(inventoryStaff, "POST", "/service/inventory/transfers/{id}/receive", h.receiveTransfer),
		httpx.Only(inventoryStaff, "GET", "/service/inventory/parts", h.parts),
		httpx.Only(admin, "GET", "/service/inventory/parts/new", h.partForm),
		httpx.Only(admin, "POST", "/service/inventory/parts/new", h.savePart),
		httpx.Only(admin, "GET", "/service/inventory/parts/{id}", h.partForm),
		httpx.Only(admin, "POST", "/service/inventory/parts/{id}", h.savePart),
	}
}

// stockView is the data of the stock list.
type stockView struct {
	Rows       []*inventory.StockRow
	Summary    inventory.StockSummary
	Next       string
	First      string
	Query      url.Values
	Locations  []*inventory.Location
	Categories []string
	ExportURL  string
	InTransit  int // transfers waiting to be received at the actor's locations
}

func (h *Inventory) stock(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	actor := httpx.User(r)
	v := &stockView{Query: q}
	p := &page{Title: "库存管理", Nav: "inventory", Data: v}
	var err error
	if v.Locations, err = h.Inventory.Locations(r.Context(), actor); err != nil {
		h.fail(rw, r, err)
		return
	}
	if v.Categories, err = h.Inventory.Categories(r.Context(), actor); err != nil {
		h.fail(rw, r, err)
		return
	}
	in, err := h.Inventory.Transfers(r.Context(), actor, inventory.TransferFilter{Status: "in_transit", Direction: "in"})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v.InTransit = len(in)
	f, err := inventory.StockFilterFromQuery(q)
	if err == nil {
		var pg listing.Page[*inventory.StockRow]
		pg, v.Summary, err = h.Inventory.ListStock(r.Context(), actor, f)
		v.Rows = pg.Items
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "inventory_stock", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	v.ExportURL = "/service/inventory/export"
	if e := f.Values().Encode(); e != "" {
		v.ExportURL += "?" + e
	}
	h.render(rw, r, http.StatusOK, "inventory_stock", p)
}

// download streams an export as CSV or XLSX.
func (h *Inventory) download(rw http.ResponseWriter, r *http.Request, base string, check func() error,
	write func(w listing.Writer) (int, error)) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err == nil {
		err = check()
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	name := base + "-" + time.Now().In(listing.Shanghai).Format("20060102-150405") + "." + string(format)
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := write(w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "export "+base, "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

// exportStock writes every stock row the list's filter matches. It is a
// POST: exports are audited.
func (h *Inventory) exportStock(rw http.ResponseWriter, r *http.Request) {
	f, err := inventory.StockFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	actor := httpx.User(r)
	h.download(rw, r, "stock", func() error {
		first := f
		first.Limit = 1
		_, _, err := h.Inventory.ListStock(r.Context(), actor, first)
		return err
	}, func(w listing.Writer) (int, error) { return h.Inventory.ExportStock(r.Context(), actor, f, w) })
}

func (h *Inventory) exportMovements(rw http.ResponseWriter, r *http.Request) {
	f, err := inventory.MovementFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	actor := httpx.User(r)
	h.download(rw, r, "stock-movements", func() error {
		first := f
		first.Limit = 1
		_, _, err := h.Inventory.ListMovements(r.Context(), actor, first)
		return err
	}, func(w listing.Writer) (int, error) { return h.Inventory.ExportMovements(r.Context(), actor, f, w) })
}

// itemView is a stock item's detail: one part at one location.
type itemView struct {
	Location  *inventory.Location
	Part      *inventory.Part
	Row       *inventory.StockRow // nil when the location never held the part
	Movements []*inventory.Movement
	Total     listing.Total
	LedgerURL string
}

func (h *Inventory) loadItem(r *http.Request) (*itemView, error) {
	siteID, err1 := strconv.ParseInt(r.PathValue("site"), 10, 64)
	partID, err2 := strconv.ParseInt(r.PathValue("part"), 10, 64)
	if err1 != nil || err2 != nil || siteID <= 0 || partID <= 0 {
		return nil, apperr.New(apperr.NotFound, "页面不存在")
	}
	actor := httpx.User(r)
	v := &itemView{}
	var err error
	if v.Location, err = h.Inventory.Location(r.Context(), actor, siteID); err != nil {
		return nil, err
	}
	if v.Part, err = h.Inventory.Part(r.Context(), actor, partID); err != nil {
		return nil, err
	}
	pg, _, err := h.Inventory.ListStock(r.Context(), actor, inventory.StockFilter{SiteID: siteID, PartID: partID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(pg.Items) > 0 {
		v.Row = pg.Items[0]
	}
	mf := inventory.MovementFilter{SiteID: siteID, PartID: partID, Limit: 20}
	mv, total, err := h.Inventory.ListMovements(r.Context(), actor, mf)
	if err != nil {
		return nil, err
	}
	v.Movements, v.Total = mv.Items, total
	v.LedgerURL = "/service/inventory/movements?" + mf.Values().Encode()
	return v, nil
}

func (h *Inventory) itemURL(v *itemView) string {
	return "/service/inventory/items/" + strconv.FormatInt(v.Location.ID, 10) + "/" + strconv.FormatInt(v.Part.ID, 10)
}

func (h *Inventory) item(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadItem(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	form := url.Values{}
	if v.Row != nil {
		form.Set("reorder_level", strconv.Itoa(v.Row.ReorderLevel))
		form.Set("expected", strconv.Itoa(v.Row.Quantity))
	} else {
		form.Set("reorder_level", strconv.Itoa(v.Part.ReorderLevel))
		form.Set("expected", "0")
	}
	h.render(rw, r, http.StatusOK, "inventory_item", &page{Title: v.Part.Name + " · " + v.Location.Name, Nav: "inventory", Form: form, Data: v})
}

// itemAction runs a POST on a stock item: success redirects to the item
// with flash, a refusal re-renders it with the message beside the field.
func (h *Inventory) itemAction(rw http.ResponseWriter, r *http.Request, flash string, do func(v *itemView, f url.Values) error) {
	v, err := h.loadItem(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := do(v, r.PostForm); err != nil {
		if v2, lerr := h.loadItem(r); lerr == nil {
			v = v2
		}
		h.formError(rw, r, "inventory_item", &page{Title: v.Part.Name + " · " + v.Location.Name, Nav: "inventory", Data: v, URL: h.itemURL(v)}, err)
		return
	}
	redirect(rw, r, h.itemURL(v), flash)
}

// wholeField parses a whole-number form field; a malformed one is Invalid on
// field with msg.
func wholeField(f url.Values, field, msg string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(f.Get(field)))
	if err != nil {
		return 0, apperr.Field(field, msg)
	}
	return n, nil
}

func (h *Inventory) stocktake(rw http.ResponseWriter, r *http.Request) {
	h.itemAction(rw, r, "stocktake", func(v *itemView, f url.Values) error {
		counted, err := wholeField(f, "counted", "请填写实盘数量（0 或正整数）")
		if err != nil {
			return err
		}
		req := inventory.AdjustRequest{SiteID: v.Location.ID, PartID: v.Part.ID, Counted: counted, Reason: f.Get("reason")}
		if e, err := strconv.Atoi(f.Get("expected")); err == nil {
			req.Expected = &e
		}
		_, err = h.Inventory.Adjust(r.Context(), httpx.User(r), req)
		return err
	})
}

func (h *Inventory) reorder(rw http.ResponseWriter, r *http.Request) {
	h.itemAction(rw, r, "reorder", func(v *itemView, f url.Values) error {
		level, err := wholeField(f, "reorder_level", "补货点须为 0 或正整数")
		if err != nil {
			return err
		}
		return h.Inventory.SetReorderLevel(r.Context(), httpx.User(r), v.Location.ID, v.Part.ID, level)
	})
}

// movementsView is the data of the ledger page.
type movementsView struct {
	Movements []*inventory.Movement
	Total     listing.Total
	Next      string
	First     string
	Query     url.Values
	Locations []*inventory.Location
	Parts     []*inventory.Part
	Kinds     []inventory.MoveKind
	ExportURL string
}

func (h *Inventory) movements(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	actor := httpx.User(r)
	v := &movementsView{Query: q, Kinds: inventory.MoveKinds}
	p := &page{Title: "库存流水", Nav: "inventory", Data: v}
	var err error
	if v.Locations, err = h.Inventory.Locations(r.Context(), actor); err != nil {
		h.fail(rw, r, err)
		return
	}
	if v.Parts, err = h.Inventory.Parts(r.Context(), actor, inventory.PartFilter{Inactive: true}); err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := inventory.MovementFilterFromQuery(q)
	if err == nil {
		var pg listing.Page[*inventory.Movement]
		pg, v.Total, err = h.Inventory.ListMovements(r.Context(), actor, f)
		v.Movements = pg.Items
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "inventory_movements", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	v.ExportURL = "/service/inventory/movements/export"
	if e := f.Values().Encode(); e != "" {
		v.ExportURL += "?" + e
	}
	h.render(rw, r, http.StatusOK, "inventory_movements", p)
}

// formView is the data of the receipt and transfer forms.
type formView struct {
	Locations    []*inventory.Location // where the actor may book
	Destinations []*inventory.Location // transfers: where parts may go
	Parts        []*inventory.Part
}

func (h *Inventory) loadForm(r *http.Request, dest bool) (*formView, error) {
	actor := httpx.User(r)
	v := &formView{}
	var err error
	if v.Locations, err = h.Inventory.Locations(r.Context(), actor); err != nil {
		return nil, err
	}
	if v.Parts, err = h.Inventory.Parts(r.Context(), actor, inventory.PartFilter{}); err != nil {
		return nil, err
	}
	if dest {
		v.Destinations, err = h.Inventory.Destinations(r.Context(), actor)
	}
	return v, err
}

// defaults fills the form from the query (site_id, part_id) and picks the
// actor's only location when there is one.
func defaults(r *http.Request, v *formView, siteField string) url.Values {
	f := url.Values{}
	q := r.URL.Query()
	if s := q.Get("site_id"); s != "" {
		f.Set(siteField, s)
	} else if len(v.Locations) == 1 {
		f.Set(siteField, strconv.FormatInt(v.Locations[0].ID, 10))
	}
	if s := q.Get("part_id"); s != "" {
		f.Set("part_id", s)
	}
	return f
}

func (h *Inventory) receiptForm(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadForm(r, false)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "inventory_receipt", &page{Title: "采购入库", Nav: "inventory", Form: defaults(r, v, "site_id"), Data: v})
}

// yuanToFen parses a price in yuan with up to two decimals ("12.5").
func yuanToFen(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "¥"))
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	fr, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || w > 100_000_000 {
		return 0, false
	}
	return w*100 + fr, true
}

func (h *Inventory) receive(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	siteID, _ := strconv.ParseInt(f.Get("site_id"), 10, 64)
	partID, _ := strconv.ParseInt(f.Get("part_id"), 10, 64)
	err := error(nil)
	var m *inventory.Movement
	qty, qerr := wholeField(f, "quantity", "请填写入库数量")
	cost, ok := yuanToFen(f.Get("unit_cost"))
	switch {
	case siteID <= 0:
		err = apperr.Field("site_id", "请选择入库地点")
	case qerr != nil:
		err = qerr
	case !ok:
		err = apperr.Field("unit_cost", "请填写进货单价，如 420 或 420.50")
	default:
		m, err = h.Inventory.Receive(r.Context(), httpx.User(r), inventory.ReceiptRequest{SiteID: siteID, PartID: partID,
			Quantity: qty, UnitCostFen: cost, Reference: f.Get("reference"), Reason: f.Get("reason")})
		if e := apperr.As(err); e != nil && e.Fields["unit_cost_fen"] != "" {
			e.Fields["unit_cost"] = e.Fields["unit_cost_fen"]
		}
	}
	if err != nil {
		v, lerr := h.loadForm(r, false)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		h.formError(rw, r, "inventory_receipt", &page{Title: "采购入库", Nav: "inventory", Data: v, URL: "/service/inventory/receipts/new"}, err)
		return
	}
	redirect(rw, r, "/service/inventory/items/"+strconv.FormatInt(m.SiteID, 10)+"/"+strconv.FormatInt(m.PartID, 10), "received")
}

// transfersView is the data of the transfers page.
type transfersView struct {
	Incoming, Outgoing, Received []*inventory.Transfer
	Mine                         map[int64]bool // locations the actor reaches
}

func (h *Inventory) transfers(rw http.ResponseWriter, r *http.Request) {
	actor := httpx.User(r)
	v := &transfersView{Mine: map[int64]bool{}}
	locs, err := h.Inventory.Locations(r.Context(), actor)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	for _, l := range locs {
		v.Mine[l.ID] = true
	}
	for _, x := range []struct {
		dst       *[]*inventory.Transfer
		status    string
		direction string
	}{{&v.Incoming, "in_transit", "in"}, {&v.Outgoing, "in_transit", "out"}, {&v.Received, "received", ""}} {
		if *x.dst, err = h.Inventory.Transfers(r.Context(), actor, inventory.TransferFilter{Status: x.status, Direction: x.direction}); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	h.render(rw, r, http.StatusOK, "inventory_transfers", &page{Title: "调拨", Nav: "inventory", Data: v})
}

func (h *Inventory) transferForm(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadForm(r, true)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "inventory_transfer", &page{Title: "新建调拨", Nav: "inventory", Form: defaults(r, v, "from_site_id"), Data: v})
}

func (h *Inventory) send(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	from, _ := strconv.ParseInt(f.Get("from_site_id"), 10, 64)
	to, _ := strconv.ParseInt(f.Get("to_site_id"), 10, 64)
	partID, _ := strconv.ParseInt(f.Get("part_id"), 10, 64)
	qty, err := wholeField(f, "quantity", "请填写调拨数量")
	if err == nil && from <= 0 {
		err = apperr.Field("from_site_id", "请选择调出地点")
	}
	if err == nil {
		_, err = h.Inventory.Send(r.Context(), httpx.User(r), inventory.TransferRequest{FromSiteID: from, ToSiteID: to,
			PartID: partID, Quantity: qty, Note: f.Get("note")})
	}
	if err != nil {
		v, lerr := h.loadForm(r, true)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		h.formError(rw, r, "inventory_transfer", &page{Title: "新建调拨", Nav: "inventory", Data: v, URL: "/service/inventory/transfers/new"}, err)
		return
	}
	redirect(rw, r, "/service/inventory/transfers", "sent")
}

func (h *Inventory) receiveTransfer(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = h.Inventory.ReceiveTransfer(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/service/inventory/transfers", "transfer_received")
}

// partsView is the data of the catalogue page.
type partsView struct {
	Parts      []*inventory.Part
	Query      url.Values
	Categories []string
	Admin      bool
}

func (h *Inventory) parts(rw http.ResponseWriter, r *http.Request) {
	actor := httpx.User(r)
	q := r.URL.Query()
	v := &partsView{Query: q, Admin: actor.Is(identity.RoleAdmin)}
	p := &page{Title: "备件目录", Nav: "inventory", Data: v}
	var err error
	if v.Categories, err = h.Inventory.Categories(r.Context(), actor); err != nil {
		h.fail(rw, r, err)
		return
	}
	v.Parts, err = h.Inventory.Parts(r.Context(), actor, inventory.PartFilter{Query: q.Get("q"), Category: q.Get("category"), Inactive: q.Get("inactive") == "1"})
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "inventory_parts", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "inventory_parts", p)
}

// partFormView is the data of the part editor.
type partFormView struct {
	Part   *inventory.Part // nil for a new part
	Models []inventory.Model
	Fits   map[string]bool // model ids ticked
}

func (h *Inventory) partFormData(r *http.Request, id int64, form url.Values) (*partFormView, url.Values, error) {
	actor := httpx.User(r)
	v := &partFormView{Fits: map[string]bool{}}
	var err error
	if v.Models, err = h.Inventory.Models(r.Context(), actor); err != nil {
		return nil, nil, err
	}
	if id > 0 {
		if v.Part, err = h.Inventory.Part(r.Context(), actor, id); err != nil {
			return nil, nil, err
		}
	}
	if form == nil {
		form = url.Values{"unit": {"件"}, "reorder_level": {"5"}, "active": {"1"}}
		if p := v.Part; p != nil {
			form = url.Values{"sku": {p.SKU}, "name": {p.Name}, "category": {p.Category}, "unit": {p.Unit},
				"price": {fenText(p.PriceFen)}, "cost": {fenText(p.CostFen)}, "reorder_level": {strconv.Itoa(p.ReorderLevel)}}
			if p.Active {
				form.Set("active", "1")
			}
			for _, m := range p.ModelIDs {
				form.Add("model_id", strconv.FormatInt(m, 10))
			}
		}
	}
	for _, m := range form["model_id"] {
		v.Fits[m] = true
	}
	return v, form, nil
}

// fenText writes fen as yuan for a form field ("420.50").
func fenText(f int64) string {
	return strconv.FormatInt(f/100, 10) + "." + strconv.FormatInt(f%100/10, 10) + strconv.FormatInt(f%10, 10)
}

func partID(r *http.Request) (int64, error) {
	if r.PathValue("id") == "" {
		return 0, nil
	}
	return pathID(r)
}

func (h *Inventory) partForm(rw http.ResponseWriter, r *http.Request) {
	id, err := partID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, form, err := h.partFormData(r, id, nil)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	title := "新建备件"
	if v.Part != nil {
		title = "编辑备件 " + v.Part.SKU
	}
	h.render(rw, r, http.StatusOK, "inventory_part", &page{Title: title, Nav: "inventory", Form: form, Data: v})
}

func (h *Inventory) savePart(rw http.ResponseWriter, r *http.Request) {
	id, err := partID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f := r.PostForm
	in := inventory.PartInput{SKU: f.Get("sku"), Name: f.Get("name"), Category: f.Get("category"), Unit: f.Get("unit"),
		Active: f.Get("active") == "1"}
	var v apperr.Validator
	var ok bool
	in.PriceFen, ok = yuanToFen(f.Get("price"))
	v.Check(ok, "price", "请填写销售价，如 680 或 680.00")
	in.CostFen, ok = yuanToFen(f.Get("cost"))
	v.Check(ok, "cost", "请填写标准成本，如 420 或 420.00")
	lvl, lerr := strconv.Atoi(strings.TrimSpace(f.Get("reorder_level")))
	v.Check(lerr == nil && lvl >= 0, "reorder_level", "默认补货点须为 0 或正整数")
	in.ReorderLevel = lvl
	for _, s := range f["model_id"] {
		if m, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.ModelIDs = append(in.ModelIDs, m)
		}
	}
	err = v.Err()
	var p *inventory.Part
	if err == nil {
		p, err = h.Inventory.SavePart(r.Context(), httpx.User(r), id, in)
	}
	if err != nil {
		if e := apperr.As(err); e != nil {
			for from, to := range map[string]string{"price_fen": "price", "cost_fen": "cost"} {
				if m := e.Fields[from]; m != "" {
					e.Fields[to] = m
				}
			}
		}
		pv, form, lerr := h.partFormData(r, id, f)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		back := "/service/inventory/parts/new"
		if id > 0 {
			back = "/service/inventory/parts/" + strconv.FormatInt(id, 10)
		}
		pg := &page{Title: "备件", Nav: "inventory", Data: pv, URL: back}
		h.formError(rw, r, "inventory_part", pg, err)
		pg.Form = form
		return
	}
	redirect(rw, r, "/service/inventory/parts?q="+url.QueryEscape(p.SKU), "part_saved")
}
