package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// WorkOrders serves the work orders: the filtered list, opening one,
// reading, editing its details, labour lines, payer overrides and status
// steps; a vehicle's repair history; the owner's rating; the operations
// catalogue, low-rating follow-ups and the service KPIs.
type WorkOrders struct {
	*Base
	WorkOrders *workorder.Service
	Reports    *report.Service
}

// Routes returns the work-order endpoints.
func (h *WorkOrders) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(service, "GET", "/api/v1/work-orders", h.list),
		httpx.Only(service, "POST", "/api/v1/work-orders", h.open),
		httpx.Only(viewers, "GET", "/api/v1/work-orders/{id}", h.get),
		httpx.Only(service, "PATCH", "/api/v1/work-orders/{id}", h.update),
		httpx.Only(service, "POST", "/api/v1/work-orders/{id}/labour", h.addLabour),
		httpx.Only(service, "DELETE", "/api/v1/work-orders/{id}/labour/{line}", h.removeLabour),
		httpx.Only(service, "POST", "/api/v1/work-orders/{id}/parts", h.addPart),
		httpx.Only(service, "DELETE", "/api/v1/work-orders/{id}/parts/{line}", h.returnPart),
		httpx.Only(service, "POST", "/api/v1/work-orders/{id}/payer", h.payer),
		httpx.Only(owner, "POST", "/api/v1/work-orders/{id}/rating", h.rate),
		httpx.Only(service, "POST", "/api/v1/work-orders/{id}/{action}", h.act),
		httpx.Only(viewers, "GET", "/api/v1/vehicles/{id}/work-orders", h.history),
		httpx.Only(service, "GET", "/api/v1/service-operations", h.operations),
		httpx.Only(service, "GET", "/api/v1/follow-ups", h.followUps),
		httpx.Only(service, "POST", "/api/v1/follow-ups/{id}/close", h.closeFollowUp),
		httpx.Only(service, "GET", "/api/v1/service/kpis", h.kpis),
	}
}

type labourJSON struct {
	ID            int64  `json:"id"`
	OperationID   int64  `json:"operation_id"`
	OperationCode string `json:"operation_code"`
	Description   string `json:"description"`
	Minutes       int    `json:"minutes"`
	RateFen       int64  `json:"rate_fen"`
	AmountFen     int64  `json:"amount_fen"`
	TechnicianID  int64  `json:"technician_id,omitempty"`
	Technician    string `json:"technician,omitempty"`
	Payer         string `json:"payer"`
	PayerReason   string `json:"payer_reason"`
	PayerOverride bool   `json:"payer_override"`
}

type partJSON struct {
	ID            int64  `json:"id"`
	PartID        int64  `json:"part_id"`
	SKU           string `json:"sku"`
	Name          string `json:"name"`
	Category      string `json:"category"`
	Unit          string `json:"unit"`
	Quantity      int    `json:"quantity"`
	UnitPriceFen  int64  `json:"unit_price_fen"`
	AmountFen     int64  `json:"amount_fen"`
	Payer         string `json:"payer"`
	PayerReason   string `json:"payer_reason"`
	PayerOverride bool   `json:"payer_override"`
	Returned      bool   `json:"returned"`
}

type ratingJSON struct {
	Rating    int       `json:"rating"`
	Tags      []string  `json:"tags"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
}

type workOrderJSON struct {
	ID            int64        `json:"id"`
	Code          string       `json:"code"`
	AppointmentID *int64       `json:"appointment_id"`
	SiteID        int64        `json:"site_id"`
	SiteName      string       `json:"site_name"`
	VehicleID     int64        `json:"vehicle_id"`
	Vehicle       string       `json:"vehicle"`
	Plate         string       `json:"plate"`
	CustomerID    int64        `json:"customer_id"`
	CustomerName  string       `json:"customer_name"`
	Mobile        string       `json:"mobile"`
	TechnicianID  int64        `json:"technician_id,omitempty"`
	Technician    string       `json:"technician,omitempty"`
	Bay           string       `json:"bay"`
	Kind          string       `json:"kind"`
	Status        string       `json:"status"`
	StatusLabel   string       `json:"status_label"`
	Complaint     string       `json:"complaint"`
	Diagnosis     string       `json:"diagnosis"`
	FaultCodes    string       `json:"fault_codes"`
	Cause         string       `json:"cause"`
	MileageKM     int          `json:"mileage_km"`
	LabourFen     int64        `json:"labour_fen"`
	PartsFen      int64        `json:"parts_fen"`
	OwnerFen      int64        `json:"owner_fen"`
	WarrantyFen   int64        `json:"warranty_fen"`
	CancelReason  string       `json:"cancel_reason,omitempty"`
	OpenedAt      time.Time    `json:"opened_at"`
	CompletedAt   *time.Time   `json:"completed_at"`
	ClosedAt      *time.Time   `json:"closed_at"`
	CancelledAt   *time.Time   `json:"cancelled_at"`
	Labour        []labourJSON `json:"labour,omitempty"`
	Parts         []partJSON   `json:"parts,omitempty"`
	Rating        *ratingJSON  `json:"rating,omitempty"`
}

func toWorkOrder(w *workorder.WorkOrder, lines bool) workOrderJSON {
	out := workOrderJSON{ID: w.ID, Code: w.Code, SiteID: w.SiteID, SiteName: w.SiteName, VehicleID: w.VehicleID, Vehicle: w.VehicleName,
		Plate: w.Plate, CustomerID: w.CustomerID, CustomerName: w.CustomerName, Mobile: w.CustomerMobile, TechnicianID: w.TechnicianID,
		Technician: w.TechnicianName, Bay: w.Bay, Kind: string(w.Kind), Status: string(w.Status), StatusLabel: w.Status.Label(),
		Complaint: w.Complaint, Diagnosis: w.Diagnosis, FaultCodes: w.FaultCodes, Cause: string(w.Cause), MileageKM: w.MileageKM,
		LabourFen: w.LabourFen, PartsFen: w.PartsFen, OwnerFen: w.TotalFen, WarrantyFen: w.WarrantyFen, CancelReason: w.CancelReason,
		OpenedAt: w.OpenedAt, CompletedAt: w.CompletedAt, ClosedAt: w.ClosedAt, CancelledAt: w.CancelledAt}
	if w.AppointmentID != 0 {
		a := w.AppointmentID
		out.AppointmentID = &a
	}
	if !lines {
		return out
	}
	out.Labour, out.Parts = []labourJSON{}, []partJSON{}
	for _, l := range w.Labour {
		out.Labour = append(out.Labour, labourJSON{ID: l.ID, OperationID: l.OperationID, OperationCode: l.OperationCode, Description: l.Description,
			Minutes: l.Minutes, RateFen: l.RateFen, AmountFen: l.AmountFen, TechnicianID: l.TechnicianID, Technician: l.TechnicianName,
			Payer: string(l.Payer), PayerReason: l.PayerReason, PayerOverride: l.PayerOverride})
	}
	for _, p := range w.Parts {
		out.Parts = append(out.Parts, partJSON{ID: p.ID, PartID: p.PartID, SKU: p.SKU, Name: p.Name, Category: p.Category, Unit: p.Unit,
			Quantity: p.Quantity, UnitPriceFen: p.UnitPriceFen, AmountFen: p.AmountFen, Payer: string(p.Payer), PayerReason: p.PayerReason,
			PayerOverride: p.PayerOverride, Returned: p.Returned})
	}
	if r := w.Rating; r != nil {
		tags := r.Tags
		if tags == nil {
			tags = []string{}
		}
		out.Rating = &ratingJSON{Rating: r.Rating, Tags: tags, Comment: r.Comment, CreatedAt: r.CreatedAt}
	}
	return out
}

func (h *WorkOrders) list(rw http.ResponseWriter, r *http.Request) {
	f, err := workorder.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.WorkOrders.List(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	items := make([]workOrderJSON, 0, len(page.Items))
	for _, w := range page.Items {
		items = append(items, toWorkOrder(w, false))
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[workOrderJSON]{Items: items, NextCursor: page.NextCursor}, total))
}

func (h *WorkOrders) open(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		AppointmentID int64  `json:"appointment_id"`
		VehicleKey    string `json:"vehicle_key"`
		SiteID        int64  `json:"site_id"`
		Kind          string `json:"kind"`
		Complaint     string `json:"complaint"`
		FaultCodes    string `json:"fault_codes"`
		MileageKM     int    `json:"mileage_km"`
		TechnicianID  int64  `json:"technician_id"`
		Bay           string `json:"bay"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	w, err := h.WorkOrders.Open(r.Context(), httpx.User(r), workorder.OpenInput(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, toWorkOrder(w, true))
}

func (h *WorkOrders) get(rw http.ResponseWriter, r *http.Request) {
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
	writeJSON(rw, http.StatusOK, toWorkOrder(w, true))
}

func (h *WorkOrders) update(rw http.ResponseWriter, r *http.Request) {
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
	// Fields left out keep their values.
	var in struct {
		Kind         *string `json:"kind"`
		Cause        *string `json:"cause"`
		Complaint    *string `json:"complaint"`
		Diagnosis    *string `json:"diagnosis"`
		FaultCodes   *string `json:"fault_codes"`
		MileageKM    *int    `json:"mileage_km"`
		TechnicianID *int64  `json:"technician_id"`
		Bay          *string `json:"bay"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	up := workorder.UpdateInput{Kind: string(w.Kind), Cause: string(w.Cause), Complaint: w.Complaint, Diagnosis: w.Diagnosis,
		FaultCodes: w.FaultCodes, MileageKM: w.MileageKM, TechnicianID: w.TechnicianID, Bay: w.Bay}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&up.Kind, in.Kind)
	set(&up.Cause, in.Cause)
	set(&up.Complaint, in.Complaint)
	set(&up.Diagnosis, in.Diagnosis)
	set(&up.FaultCodes, in.FaultCodes)
	set(&up.Bay, in.Bay)
	if in.MileageKM != nil {
		up.MileageKM = *in.MileageKM
	}
	if in.TechnicianID != nil {
		up.TechnicianID = *in.TechnicianID
	}
	out, err := h.WorkOrders.Update(r.Context(), httpx.User(r), id, up)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toWorkOrder(out, true))
}

func (h *WorkOrders) addLabour(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		OperationID  int64 `json:"operation_id"`
		TechnicianID int64 `json:"technician_id"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	w, err := h.WorkOrders.AddLabour(r.Context(), httpx.User(r), id, workorder.LabourInput(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, toWorkOrder(w, true))
}

func (h *WorkOrders) removeLabour(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	line, err := strconv.ParseInt(r.PathValue("line"), 10, 64)
	if err != nil || line <= 0 {
		h.fail(rw, r, apperr.Field("line", "line 须为正整数"))
		return
	}
	w, err := h.WorkOrders.RemoveLabour(r.Context(), httpx.User(r), id, line)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toWorkOrder(w, true))
}

func (h *WorkOrders) addPart(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		PartID   int64 `json:"part_id"`
		Quantity int   `json:"quantity"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	w, err := h.WorkOrders.AddPart(r.Context(), httpx.User(r), id, workorder.PartInput(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, toWorkOrder(w, true))
}

func (h *WorkOrders) returnPart(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	line, err := strconv.ParseInt(r.PathValue("line"), 10, 64)
	if err != nil || line <= 0 {
		h.fail(rw, r, apperr.Field("line", "line 须为正整数"))
		return
	}
	w, err := h.WorkOrders.RemovePart(r.Context(), httpx.User(r), id, line)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toWorkOrder(w, true))
}

func (h *WorkOrders) payer(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Line   string `json:"line"`
		LineID int64  `json:"line_id"`
		Payer  string `json:"payer"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	w, err := h.WorkOrders.SetPayer(r.Context(), httpx.User(r), id, workorder.PayerInput(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toWorkOrder(w, true))
}

func (h *WorkOrders) act(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	w, err := h.WorkOrders.Act(r.Context(), httpx.User(r), id, r.PathValue("action"), workorder.ActInput{Reason: in.Reason})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toWorkOrder(w, true))
}

func (h *WorkOrders) rate(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Rating  int      `json:"rating"`
		Tags    []string `json:"tags"`
		Comment string   `json:"comment"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	w, err := h.WorkOrders.Rate(r.Context(), httpx.User(r), id, workorder.RateInput(in))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, toWorkOrder(w, true))
}

func (h *WorkOrders) history(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	list, err := h.WorkOrders.VehicleHistory(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	items := make([]workOrderJSON, 0, len(list))
	for _, w := range list {
		items = append(items, toWorkOrder(w, true))
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[workOrderJSON]{Items: items}, listing.Total{N: len(items)}))
}

func (h *WorkOrders) operations(rw http.ResponseWriter, r *http.Request) {
	ops, err := h.WorkOrders.Operations(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	type opJSON struct {
		ID              int64  `json:"id"`
		Code            string `json:"code"`
		Name            string `json:"name"`
		Category        string `json:"category"`
		StandardMinutes int    `json:"standard_minutes"`
		WarrantyScope   string `json:"warranty_scope"`
	}
	items := make([]opJSON, 0, len(ops))
	for _, o := range ops {
		items = append(items, opJSON{o.ID, o.Code, o.Name, o.Category, o.StandardMinutes, string(o.Scope)})
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[opJSON]{Items: items}, listing.Total{N: len(items)}))
}

func (h *WorkOrders) followUps(rw http.ResponseWriter, r *http.Request) {
	list, err := h.WorkOrders.FollowUps(r.Context(), httpx.User(r), r.URL.Query().Get("status"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	type fJSON struct {
		ID            int64      `json:"id"`
		WorkOrderID   int64      `json:"work_order_id"`
		WorkOrderCode string     `json:"work_order_code"`
		CustomerName  string     `json:"customer_name"`
		Mobile        string     `json:"mobile"`
		Rating        int        `json:"rating"`
		Tags          []string   `json:"tags"`
		Comment       string     `json:"comment"`
		Status        string     `json:"status"`
		DueAt         time.Time  `json:"due_at"`
		Resolution    string     `json:"resolution"`
		CreatedAt     time.Time  `json:"created_at"`
		ClosedAt      *time.Time `json:"closed_at"`
	}
	items := make([]fJSON, 0, len(list))
	for _, f := range list {
		tags := f.Tags
		if tags == nil {
			tags = []string{}
		}
		items = append(items, fJSON{f.ID, f.WorkOrderID, f.WorkOrderCode, f.CustomerName, f.Mobile, f.Rating, tags, f.Comment, f.Status,
			f.DueAt, f.Resolution, f.CreatedAt, f.ClosedAt})
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[fJSON]{Items: items}, listing.Total{N: len(items)}))
}

func (h *WorkOrders) closeFollowUp(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Resolution string `json:"resolution"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.WorkOrders.CloseFollowUp(r.Context(), httpx.User(r), id, in.Resolution); err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (h *WorkOrders) kpis(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var site int64
	if v := q.Get("site_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			h.fail(rw, r, apperr.Field("site_id", "服务中心参数无效"))
			return
		}
		site = n
	}
	k, err := h.Reports.ServiceKPIs(r.Context(), httpx.User(r), report.KPIFilter{From: q.Get("from"), To: q.Get("to"), SiteID: site})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	byStatus := map[string]int{}
	for _, c := range k.ByStatus {
		byStatus[c.Key] = c.N
	}
	writeJSON(rw, http.StatusOK, map[string]any{
		"from": k.From, "to": k.To, "site_name": k.SiteName, "appointments": k.Scheduled, "appointments_by_status": byStatus,
		"started": k.Started, "on_time": k.OnTime, "on_time_rate": k.OnTimeRate, "avg_service_minutes": k.AvgMinutes,
		"no_shows": k.NoShows, "no_show_rate": k.NoShowRate, "ratings": k.Ratings, "avg_rating": k.AvgRating, "low_ratings": k.LowRatings,
		"rating_counts": k.Stars, "open_follow_ups": k.OpenCases, "work_orders_finished": k.WorkOrders, "parts_fen": k.PartsFen,
		"labour_fen": k.LabourFen, "warranty_fen": k.WarrantyFen, "warranty_share": k.WarrantyShare,
	})
}
