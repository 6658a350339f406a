package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// WorkOrders serves the service centers' work orders: the list with its
// filters and export, opening one from an appointment or for a walk-in,
// its detail page (details, labour and parts lines, warranty decisions and
// overrides, status steps, history), the print record, a vehicle's repair
// history, low-rating follow-ups and the service dashboard; and for owners
// the record of their car's work order with the rating form.
type WorkOrders struct {
	*Renderer
	WorkOrders *workorder.Service
	// Coupons, when set, shows the campaign coupon redeemed on a work order
	// and the form to redeem one (POST by web.Campaigns).
	Coupons  func(r *http.Request, workOrderID int64) (*campaign.Coupon, error)
	Booking  *booking.Service
	Vehicles *vehicle.Service
	Reports  *report.Service
}

// Routes returns the work-order pages.
func (h *WorkOrders) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(service, "GET", "/service/work-orders", h.list),
		httpx.Only(service, "POST", "/service/work-orders/export", h.export),
		httpx.Only(service, "GET", "/service/work-orders/new", h.newForm),
		httpx.Only(service, "POST", "/service/work-orders", h.create),
		httpx.Only(service, "GET", "/service/work-orders/{id}", h.detail),
		httpx.Only(service, "POST", "/service/work-orders/{id}", h.update),
		httpx.Only(service, "GET", "/service/work-orders/{id}/print", h.print),
		httpx.Only(service, "POST", "/service/work-orders/{id}/labour", h.addLabour),
		httpx.Only(service, "POST", "/service/work-orders/{id}/labour/{line}/delete", h.removeLabour),
		httpx.Only(service, "POST", "/service/work-orders/{id}/parts", h.addPart),
		httpx.Only(service, "POST", "/service/work-orders/{id}/parts/{line}/return", h.returnPart),
		httpx.Only(service, "POST", "/service/work-orders/{id}/payer", h.setPayer),
		httpx.Only(service, "POST", "/service/work-orders/{id}/{action}", h.act),
		httpx.Only(service, "GET", "/service/vehicles/{id}/history", h.vehicleHistory),
		httpx.Only(service, "GET", "/service/follow-ups", h.followUps),
		httpx.Only(service, "POST", "/service/follow-ups/{id}/close", h.closeFollowUp),
		httpx.Only(service, "GET", "/service/dashboard", h.dashboard),
		httpx.Only(owner, "GET", "/owner/work-orders/{id}", h.ownerRecord),
		httpx.Only(owner, "POST", "/owner/work-orders/{id}/rating", h.rate),
	}
}

// woListView is the data of the work-order list.
type woListView struct {
	Items     []*workorder.WorkOrder
	Total     listing.Total
	Next      string
	First     string
	Query     url.Values
	Statuses  []workorder.Status
	Kinds     []workorder.Kind
	Sorts     listing.Orders
	ExportURL string
}

func (h *WorkOrders) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &woListView{Query: q, Statuses: workorder.Statuses, Kinds: workorder.Kinds, Sorts: workorder.Sorts}
	p := &page{Title: "维修工单", Nav: "workorders", Data: v}
	f, err := workorder.FilterFromQuery(q)
	if err == nil {
		var pg listing.Page[*workorder.WorkOrder]
		pg, v.Total, err = h.WorkOrders.List(r.Context(), httpx.User(r), f)
		v.Items = pg.Items
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "workorders_list", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	eq := url.Values{}
	for _, k := range []string{"status", "kind", "q", "from", "to", "site_id", "sort"} {
		if q.Get(k) != "" {
			eq.Set(k, q.Get(k))
		}
	}
	v.ExportURL = "/service/work-orders/export"
	if len(eq) > 0 {
		v.ExportURL += "?" + eq.Encode()
	}
	h.render(rw, r, http.StatusOK, "workorders_list", p)
}

// export streams the filtered work orders as CSV or XLSX (at most
// listing.BackgroundThreshold rows; more is refused with a message to
// narrow the filter). A POST: it is audited.
func (h *WorkOrders) export(rw http.ResponseWriter, r *http.Request) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := workorder.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	// Permission, filter and size are checked before anything is written.
	first := f
	first.Limit = 1
	_, total, err := h.WorkOrders.List(r.Context(), httpx.User(r), first)
	if err == nil && (total.Capped || total.N > listing.BackgroundThreshold) {
		err = apperr.New(apperr.Invalid, fmt.Sprintf("符合条件的工单超过 %s 条，请缩小日期范围或增加筛选条件后再导出", listing.Thousands(listing.BackgroundThreshold)))
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	name := fmt.Sprintf("工单-%s.%s", time.Now().In(listing.Shanghai).Format("20060102-1504"), format)
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := h.WorkOrders.Export(r.Context(), httpx.User(r), f, w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "export work orders", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

// newView is the data of the form that opens a work order.
type newView struct {
	Appointment *booking.Appointment // nil for a walk-in
	Kinds       []workorder.Kind
	Technicians []booking.Technician
}

func (h *WorkOrders) loadNew(r *http.Request, apptID int64) (*newView, error) {
	u := httpx.User(r)
	v := &newView{Kinds: workorder.Kinds}
	if apptID != 0 {
		a, err := h.Booking.Get(r.Context(), u, apptID)
		if err != nil {
			return nil, err
		}
		v.Appointment = a
	}
	techs, err := h.Booking.Technicians(r.Context(), u)
	if err != nil {
		return nil, err
	}
	v.Technicians = techs
	return v, nil
}

func (h *WorkOrders) newForm(rw http.ResponseWriter, r *http.Request) {
	apptID, _ := strconv.ParseInt(r.URL.Query().Get("appointment_id"), 10, 64)
	if apptID != 0 {
		// The queue's "开工单" of an appointment that has one opens it.
		refs, err := h.WorkOrders.ForAppointments(r.Context(), httpx.User(r), []int64{apptID})
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		if ref, ok := refs[apptID]; ok {
			if _, err := h.WorkOrders.Get(r.Context(), httpx.User(r), ref.ID); err == nil {
				http.Redirect(rw, r, fmt.Sprintf("/service/work-orders/%d", ref.ID), http.StatusSeeOther)
				return
			}
		}
	}
	v, err := h.loadNew(r, apptID)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	form := url.Values{"kind": {"repair"}}
	if a := v.Appointment; a != nil {
		form.Set("complaint", a.Note)
		form.Set("bay", a.Bay)
		if a.TechnicianID != 0 {
			form.Set("technician_id", strconv.FormatInt(a.TechnicianID, 10))
		}
	}
	h.render(rw, r, http.StatusOK, "workorders_new", &page{Title: "开工单", Nav: "workorders", Data: v, Form: form})
}

func (h *WorkOrders) create(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	pf := r.PostForm
	apptID, _ := strconv.ParseInt(pf.Get("appointment_id"), 10, 64)
	in := workorder.OpenInput{AppointmentID: apptID, VehicleKey: pf.Get("vehicle_key"), Kind: pf.Get("kind"), Complaint: pf.Get("complaint"),
		FaultCodes: pf.Get("fault_codes"), MileageKM: atoi(pf.Get("mileage_km")), TechnicianID: atoi64(pf.Get("technician_id")), Bay: pf.Get("bay"),
		SiteID: atoi64(pf.Get("site_id"))}
	if pf.Get("mileage_km") != "" && in.MileageKM <= 0 {
		in.MileageKM = -1
	}
	w, err := h.WorkOrders.Open(r.Context(), httpx.User(r), in)
	if err != nil {
		v, lerr := h.loadNew(r, apptID)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		u := "/service/work-orders/new"
		if apptID != 0 {
			u += "?appointment_id=" + strconv.FormatInt(apptID, 10)
		}
		h.formError(rw, r, "workorders_new", &page{Title: "开工单", Nav: "workorders", Data: v, URL: u}, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d", w.ID), "wo_opened")
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func atoi64(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// woView is the data of a work order's page.
type woView struct {
	W           *workorder.WorkOrder
	Operations  []*workorder.Operation
	Technicians []booking.Technician
	RateFen     int64
	Parts       []*workorder.StockedPart // the center's parts in stock, for the parts form
	History     []audit.Event
	Actions     []workorder.Action
	Kinds       []workorder.Kind
	Causes      []workorder.Cause
	// Dialog is the id of the dialog to open on load (a form in it came back with an error).
	Dialog string
	// Coupon is the campaign coupon redeemed on the work order (nil: none);
	// CouponError the problem of the last try (?coupon=key); HasCoupons
	// whether the coupon form is shown.
	Coupon      *campaign.Coupon
	CouponError string
	HasCoupons  bool
}

func (h *WorkOrders) load(r *http.Request, id int64) (*woView, error) {
	u := httpx.User(r)
	w, err := h.WorkOrders.Get(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	v := &woView{W: w, Actions: workorder.Actions, Kinds: workorder.Kinds, Causes: workorder.Causes}
	if h.Coupons != nil {
		v.HasCoupons = true
		if v.Coupon, err = h.Coupons(r, id); err != nil {
			return nil, err
		}
		v.CouponError = campaign.CouponMessage(r.URL.Query().Get("coupon"))
	}
	if v.Operations, err = h.WorkOrders.Operations(r.Context(), u); err != nil {
		return nil, err
	}
	if v.Technicians, err = h.Booking.Technicians(r.Context(), u); err != nil {
		return nil, err
	}
	if v.RateFen, err = h.WorkOrders.HourlyRate(r.Context(), w.SiteID); err != nil {
		return nil, err
	}
	if w.Status.Editable() {
		if v.Parts, err = h.WorkOrders.StockedParts(r.Context(), w.SiteID); err != nil {
			return nil, err
		}
	}
	if v.History, err = h.WorkOrders.History(r.Context(), u, id); err != nil {
		return nil, err
	}
	return v, nil
}

// detailsForm is the edit form's values for w.
func detailsForm(w *workorder.WorkOrder) url.Values {
	f := url.Values{"kind": {string(w.Kind)}, "cause": {string(w.Cause)}, "complaint": {w.Complaint}, "diagnosis": {w.Diagnosis},
		"fault_codes": {w.FaultCodes}, "mileage_km": {strconv.Itoa(w.MileageKM)}, "bay": {w.Bay}}
	if w.TechnicianID != 0 {
		f.Set("technician_id", strconv.FormatInt(w.TechnicianID, 10))
	}
	return f
}

func (h *WorkOrders) detail(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.load(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "workorders_detail", &page{Title: "工单 " + v.W.Code, Nav: "workorders", Data: v, Form: detailsForm(v.W)})
}

// refuse shows a failed POST on the work order's page: field errors beside
// their fields (in the dialog named dialog, when set), other refusals above
// the page, with the user's values.
func (h *WorkOrders) refuse(rw http.ResponseWriter, r *http.Request, id int64, dialog string, err error) {
	e := apperr.As(err)
	if e == nil || e.Code == apperr.NotFound || e.Code == apperr.Forbidden || e.Code == apperr.Unauthenticated {
		h.fail(rw, r, err)
		return
	}
	v, lerr := h.load(r, id)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	if len(e.Fields) > 0 {
		v.Dialog = dialog
	}
	p := &page{Title: "工单 " + v.W.Code, Nav: "workorders", Data: v, URL: fmt.Sprintf("/service/work-orders/%d", id)}
	form := detailsForm(v.W)
	if dialog == "" {
		form = r.PostForm
	} else {
		for k, vals := range r.PostForm {
			form[k] = vals
		}
	}
	p.Error, p.Fields, p.Form = e.Message, e.Fields, form
	httpx.RetryAfter(rw.Header(), e)
	h.render(rw, r, httpx.Status(e.Code), "workorders_detail", p)
}

func (h *WorkOrders) update(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	pf := r.PostForm
	in := workorder.UpdateInput{Kind: pf.Get("kind"), Cause: pf.Get("cause"), Complaint: pf.Get("complaint"), Diagnosis: pf.Get("diagnosis"),
		FaultCodes: pf.Get("fault_codes"), MileageKM: atoi(pf.Get("mileage_km")), TechnicianID: atoi64(pf.Get("technician_id")), Bay: pf.Get("bay")}
	if _, err := h.WorkOrders.Update(r.Context(), httpx.User(r), id, in); err != nil {
		h.refuse(rw, r, id, "", err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d", id), "wo_saved")
}

func (h *WorkOrders) addLabour(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	in := workorder.LabourInput{OperationID: atoi64(r.PostForm.Get("operation_id")), TechnicianID: atoi64(r.PostForm.Get("line_technician_id"))}
	if _, err := h.WorkOrders.AddLabour(r.Context(), httpx.User(r), id, in); err != nil {
		if e := apperr.As(err); e != nil && e.Fields["technician_id"] != "" {
			e.Fields = map[string]string{"line_technician_id": e.Fields["technician_id"]}
		}
		h.refuse(rw, r, id, "labour-dialog", err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d?ok=wo_labour#labour", id), "")
}

func (h *WorkOrders) removeLabour(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	line, err := strconv.ParseInt(r.PathValue("line"), 10, 64)
	if err != nil || line <= 0 {
		h.NotFound(rw, r)
		return
	}
	if _, err := h.WorkOrders.RemoveLabour(r.Context(), httpx.User(r), id, line); err != nil {
		h.refuse(rw, r, id, "", err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d?ok=wo_line_removed#labour", id), "")
}

func (h *WorkOrders) addPart(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	qty := atoi(r.PostForm.Get("quantity"))
	if qty == 0 && r.PostForm.Get("quantity") != "" {
		qty = -1
	}
	in := workorder.PartInput{PartID: atoi64(r.PostForm.Get("part_id")), Quantity: qty}
	if _, err := h.WorkOrders.AddPart(r.Context(), httpx.User(r), id, in); err != nil {
		h.refuse(rw, r, id, "parts-form", err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d?ok=wo_part#parts", id), "")
}

func (h *WorkOrders) returnPart(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	line, err := strconv.ParseInt(r.PathValue("line"), 10, 64)
	if err != nil || line <= 0 {
		h.NotFound(rw, r)
		return
	}
	if _, err := h.WorkOrders.RemovePart(r.Context(), httpx.User(r), id, line); err != nil {
		h.refuse(rw, r, id, "", err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d?ok=wo_part_returned#parts", id), "")
}

func (h *WorkOrders) setPayer(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	pf := r.PostForm
	in := workorder.PayerInput{Line: pf.Get("line"), LineID: atoi64(pf.Get("line_id")), Payer: pf.Get("payer"), Reason: pf.Get("reason")}
	if _, err := h.WorkOrders.SetPayer(r.Context(), httpx.User(r), id, in); err != nil {
		h.refuse(rw, r, id, fmt.Sprintf("payer-%s-%d", in.Line, in.LineID), err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d?ok=wo_payer#lines", id), "")
}

// woFlash names the message after each status step (a key of flashes).
var woFlash = map[string]string{"start": "wo_started", "wait-parts": "wo_waiting", "resume": "wo_resumed", "complete": "wo_completed",
	"hand-over": "wo_handed_over", "cancel": "wo_cancelled"}

func (h *WorkOrders) act(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	name := r.PathValue("action")
	if _, err := h.WorkOrders.Act(r.Context(), httpx.User(r), id, name, workorder.ActInput{Reason: r.PostForm.Get("reason")}); err != nil {
		h.refuse(rw, r, id, name+"-dialog", err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/work-orders/%d", id), woFlash[name])
}

func (h *WorkOrders) print(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	w, err := h.WorkOrders.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "workorders_print", &page{Title: "维修记录 " + w.Code, Nav: "workorders",
		Data: map[string]any{"W": w, "Printed": h.WorkOrders.Now()}})
}

// historyView is a vehicle's repair history.
type historyView struct {
	Vehicle *vehicle.Vehicle
	Orders  []*workorder.WorkOrder
	Mine    map[int64]bool // the work orders the user may open
	Owner   bool
}

func (h *WorkOrders) loadHistory(r *http.Request, id int64) (*historyView, error) {
	u := httpx.User(r)
	v, err := h.Vehicles.Get(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	list, err := h.WorkOrders.VehicleHistory(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	hv := &historyView{Vehicle: v, Orders: list, Mine: map[int64]bool{}}
	for _, w := range list {
		hv.Mine[w.ID] = workorder.CanOpen(u, w)
	}
	return hv, nil
}

func (h *WorkOrders) vehicleHistory(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.loadHistory(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "workorders_history", &page{Title: "维修记录 · " + v.Vehicle.Title(), Nav: "workorders", Data: v})
}

func (h *WorkOrders) followUps(rw http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	list, err := h.WorkOrders.FollowUps(r.Context(), httpx.User(r), status)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if status == "" {
		status = "open"
	}
	h.render(rw, r, http.StatusOK, "workorders_followups", &page{Title: "差评回访", Nav: "followups",
		Data: map[string]any{"List": list, "Status": status, "Now": h.WorkOrders.Now()}})
}

func (h *WorkOrders) closeFollowUp(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.WorkOrders.CloseFollowUp(r.Context(), httpx.User(r), id, r.PostFormValue("resolution")); err != nil {
		e := apperr.As(err)
		if e == nil || e.Code == apperr.NotFound || e.Code == apperr.Forbidden {
			h.fail(rw, r, err)
			return
		}
		list, lerr := h.WorkOrders.FollowUps(r.Context(), httpx.User(r), "open")
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		p := &page{Title: "差评回访", Nav: "followups", URL: "/service/follow-ups", Error: e.Message, Fields: e.Fields, Form: r.PostForm,
			Data: map[string]any{"List": list, "Status": "open", "Now": h.WorkOrders.Now(), "Failed": id}}
		h.render(rw, r, httpx.Status(e.Code), "workorders_followups", p)
		return
	}
	redirect(rw, r, "/service/follow-ups", "followup_closed")
}

func (h *WorkOrders) dashboard(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &page{Title: "服务看板", Nav: "dashboard"}
	k, err := h.Reports.ServiceKPIs(r.Context(), httpx.User(r), report.KPIFilter{From: q.Get("from"), To: q.Get("to"), SiteID: atoi64(q.Get("site_id"))})
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		k, err = h.Reports.ServiceKPIs(r.Context(), httpx.User(r), report.KPIFilter{})
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	chart, err := k.StatusChart()
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p.Data = map[string]any{"K": k, "Chart": chart}
	h.render(rw, r, http.StatusOK, "service_dashboard", p)
}

// ownerRecord shows an owner their car's work order in plain Chinese, with
// the rating form after the hand-over.
func (h *WorkOrders) ownerRecord(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.renderRecord(rw, r, id, http.StatusOK, nil)
}

func (h *WorkOrders) renderRecord(rw http.ResponseWriter, r *http.Request, id int64, status int, failed error) {
	w, err := h.WorkOrders.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p := &page{Title: "维修记录 " + w.Code, Nav: "owner", Data: map[string]any{"W": w, "Tags": workorder.RatingTags}}
	if e := apperr.As(failed); e != nil {
		p.Error, p.Fields, p.Form, p.URL = e.Message, e.Fields, r.PostForm, fmt.Sprintf("/owner/work-orders/%d", id)
	}
	h.render(rw, r, status, "owner_workorder", p)
}

func (h *WorkOrders) rate(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	in := workorder.RateInput{Rating: atoi(r.PostForm.Get("rating")), Tags: r.PostForm["tags"], Comment: r.PostForm.Get("comment")}
	if _, err := h.WorkOrders.Rate(r.Context(), httpx.User(r), id, in); err != nil {
		e := apperr.As(err)
		if e == nil || e.Code == apperr.NotFound || e.Code == apperr.Forbidden {
			h.fail(rw, r, err)
			return
		}
		h.renderRecord(rw, r, id, httpx.Status(e.Code), err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/owner/work-orders/%d", id), "rated")
}

// stars draws a rating of 1 to 5 as "★★★☆☆".
func stars(n int) string {
	if n < 0 {
		n = 0
	}
	if n > 5 {
		n = 5
	}
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// payerLine is the data of one line's override dialog on a work order's page.
type payerLine struct {
	Page   *page
	Line   string // labour or part
	LineID int64
	Name   string
	Payer  string
}

func payerDialog(p *page, line string, id int64, name string, payer any) payerLine {
	return payerLine{Page: p, Line: line, LineID: id, Name: name, Payer: fmt.Sprint(payer)}
}

// seq returns 1, 2, …, n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
