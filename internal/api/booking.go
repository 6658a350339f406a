package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Booking serves sites and their free slots, the owners' appointments and
// the service staff's queue.
type Booking struct {
	*Base
	Booking *booking.Service
	Sites   *site.Service
}

// Routes returns the booking endpoints.
func (h *Booking) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(anyone, "GET", "/api/v1/sites", h.sites),
		httpx.Only(anyone, "GET", "/api/v1/sites/{id}/slots", h.slots),
		httpx.Only(owner, "GET", "/api/v1/appointments", h.myAppointments),
		httpx.Only(owner, "POST", "/api/v1/appointments", h.book),
		httpx.Only(viewers, "GET", "/api/v1/appointments/{id}", h.appointment),
		httpx.Only(viewers, "POST", "/api/v1/appointments/{id}/cancel", h.cancel),
		httpx.Only(owner, "POST", "/api/v1/appointments/{id}/reschedule", h.reschedule),
		httpx.Only(service, "GET", "/api/v1/service/queue", h.queue),
		httpx.Only(service, "POST", "/api/v1/service/appointments/{id}/{action}", h.act),
	}
}

type siteJSON struct {
	ID               int64  `json:"id"`
	Code             string `json:"code"`
	Kind             string `json:"kind"`
	Name             string `json:"name"`
	City             string `json:"city"`
	District         string `json:"district"`
	Address          string `json:"address"`
	Phone            string `json:"phone"`
	Hours            string `json:"hours"`
	SlotMinutes      int    `json:"slot_minutes"`
	ChargedBatteries *int   `json:"charged_batteries,omitempty"`
}

func toSite(s *site.Site) siteJSON {
	out := siteJSON{ID: s.ID, Code: s.Code, Kind: string(s.Kind), Name: s.Name, City: s.City, District: s.District,
		Address: s.Address, Phone: s.Phone, Hours: s.Hours(), SlotMinutes: s.SlotMinutes}
	if s.Kind == site.SwapStation {
		n := s.ChargedBatteries
		out.ChargedBatteries = &n
	}
	return out
}

func (h *Booking) sites(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := site.Kind(q.Get("kind"))
	switch kind {
	case "", site.Store, site.ServiceCenter, site.ChargingStation, site.SwapStation:
	default:
		h.fail(rw, r, apperr.Field("kind", "kind 须为 store、service_center、charging_station 或 swap_station"))
		return
	}
	list, err := h.Sites.List(r.Context(), kind, q.Get("city"), 500)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]siteJSON, 0, len(list))
	for _, s := range list {
		out = append(out, toSite(s))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"sites": out})
}

type slotJSON struct {
	Minute   int       `json:"minute"`
	Label    string    `json:"label"`
	StartsAt time.Time `json:"starts_at"`
	Places   int       `json:"places"`
	Left     int       `json:"left"`
	Bookable bool      `json:"bookable"`
	Reason   string    `json:"reason,omitempty"`
}

func (h *Booking) slots(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	q := r.URL.Query()
	kind, ok := booking.ParseKind(q.Get("service"))
	if !ok || kind == booking.TestDrive {
		h.fail(rw, r, apperr.Field("service", "service 须为 charging、swap 或 repair"))
		return
	}
	// The site is the path's resource: an unknown one is 404, not a field error.
	if _, err := h.Sites.Get(r.Context(), id); err != nil {
		h.fail(rw, r, err)
		return
	}
	day, err := h.Booking.Slots(r.Context(), id, kind, q.Get("date"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]slotJSON, 0, len(day.Slots))
	for _, s := range day.Slots {
		out = append(out, slotJSON{Minute: s.Minute, Label: s.Label, StartsAt: s.Start, Places: s.Places, Left: s.Left, Bookable: s.Bookable, Reason: s.Reason})
	}
	body := map[string]any{"site": toSite(day.Site), "service": day.Kind, "date": day.DateString(), "slots": out}
	if day.BatteriesLeft >= 0 {
		body["batteries_left"] = day.BatteriesLeft
	}
	writeJSON(rw, http.StatusOK, body)
}

type appointmentJSON struct {
	ID              int64     `json:"id"`
	Service         string    `json:"service"`
	ServiceLabel    string    `json:"service_label"`
	Status          string    `json:"status"`
	StatusLabel     string    `json:"status_label"`
	SiteID          int64     `json:"site_id"`
	SiteName        string    `json:"site_name"`
	VehicleID       int64     `json:"vehicle_id"`
	Vehicle         string    `json:"vehicle"`
	Plate           string    `json:"plate"`
	Date            string    `json:"date"`
	Minute          int       `json:"minute"`
	ScheduledAt     time.Time `json:"scheduled_at"`
	When            string    `json:"when"`
	Note            string    `json:"note"`
	CustomerName    string    `json:"customer_name"`
	CustomerMobile  string    `json:"customer_mobile"`
	TechnicianID    int64     `json:"technician_id,omitempty"`
	TechnicianName  string    `json:"technician_name,omitempty"`
	Bay             string    `json:"bay,omitempty"`
	Result          string    `json:"result,omitempty"`
	CancelReason    string    `json:"cancel_reason,omitempty"`
	RescheduleCount int       `json:"reschedule_count"`
}

// toAppointment renders a (the booking service has masked the mobile for staff).
func toAppointment(a *booking.Appointment) appointmentJSON {
	mobile := a.CustomerMobile
	return appointmentJSON{ID: a.ID, Service: string(a.Kind), ServiceLabel: a.Kind.Label(), Status: string(a.Status), StatusLabel: a.Status.Label(),
		SiteID: a.SiteID, SiteName: a.SiteName, VehicleID: a.VehicleID, Vehicle: a.VehicleName, Plate: a.Plate, Date: a.Date(),
		Minute: a.SlotMinute, ScheduledAt: a.ScheduledAt, When: a.When(), Note: a.Note, CustomerName: a.CustomerName, CustomerMobile: mobile,
		TechnicianID: a.TechnicianID, TechnicianName: a.TechnicianName, Bay: a.Bay, Result: a.Result, CancelReason: a.CancelReason,
		RescheduleCount: a.RescheduleCount}
}

func list(as []*booking.Appointment) []appointmentJSON {
	out := make([]appointmentJSON, 0, len(as))
	for _, a := range as {
		out = append(out, toAppointment(a))
	}
	return out
}

func (h *Booking) myAppointments(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	upcoming, past, err := h.Booking.Mine(r.Context(), u, 100)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"upcoming": list(upcoming), "past": list(past)})
}

func (h *Booking) book(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		VehicleID int64  `json:"vehicle_id"`
		SiteID    int64  `json:"site_id"`
		Service   string `json:"service"`
		Date      string `json:"date"`
		Minute    *int   `json:"minute"`
		Note      string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	kind, ok := booking.ParseKind(in.Service)
	if !ok {
		h.fail(rw, r, apperr.Field("service", "service 须为 charging、swap 或 repair"))
		return
	}
	if in.Minute == nil {
		h.fail(rw, r, apperr.Field("minute", "请选择时段（minute：当天零点起的分钟数）"))
		return
	}
	u := httpx.User(r)
	ap, err := h.Booking.Book(r.Context(), u, booking.BookInput{VehicleID: in.VehicleID, SiteID: in.SiteID, Kind: kind, Date: in.Date, Minute: *in.Minute, Note: in.Note})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.Header().Set("Location", "/api/v1/appointments/"+strconv.FormatInt(ap.ID, 10))
	writeJSON(rw, http.StatusCreated, toAppointment(ap))
}

func (h *Booking) appointment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	ap, err := h.Booking.Get(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap))
}

func (h *Booking) cancel(rw http.ResponseWriter, r *http.Request) {
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
	u := httpx.User(r)
	ap, err := h.Booking.Cancel(r.Context(), u, id, in.Reason, "")
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap))
}

func (h *Booking) reschedule(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Date   string `json:"date"`
		Minute *int   `json:"minute"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if in.Minute == nil {
		h.fail(rw, r, apperr.Field("minute", "请选择新时段"))
		return
	}
	u := httpx.User(r)
	ap, err := h.Booking.Reschedule(r.Context(), u, id, in.Date, *in.Minute)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap))
}

func (h *Booking) queue(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	date := h.Booking.DateOr(r.URL.Query().Get("date"))
	var center int64
	if v := r.URL.Query().Get("site_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			h.fail(rw, r, apperr.Field("site_id", "请选择一个服务中心"))
			return
		}
		center = n
	}
	q, err := h.Booking.Queue(r.Context(), u, date, center)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"date": date, "appointments": list(q)})
}

func (h *Booking) act(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		TechnicianID int64  `json:"technician_id"`
		Bay          string `json:"bay"`
		Result       string `json:"result"`
		Reason       string `json:"reason"`
		Date         string `json:"date"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	u := httpx.User(r)
	ap, err := h.Booking.StaffAction(r.Context(), u, id, r.PathValue("action"), booking.ActionInput{
		Date: in.Date, TechnicianID: in.TechnicianID, Bay: in.Bay, Result: in.Result, Reason: in.Reason})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap))
}
