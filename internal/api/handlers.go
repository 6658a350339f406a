package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

type userJSON struct {
	ID          int64  `json:"id"`
	Username    string `json:"username,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	RoleLabel   string `json:"role_label"`
	SiteID      int64  `json:"site_id,omitempty"`
	SiteName    string `json:"site_name,omitempty"`
}

func toUser(u *identity.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Mobile: u.Mobile, DisplayName: u.DisplayName, Role: string(u.Role),
		RoleLabel: u.Role.Label(), SiteID: u.SiteID, SiteName: u.SiteName}
}

func (a *API) login(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		a.fail(rw, r, err)
		return
	}
	ip := httpx.ClientIP(r, a.TrustProxy)
	u, err := a.Accounts.Authenticate(r.Context(), in.Username, in.Password, ip)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	s, err := a.Accounts.StartSession(r.Context(), u.ID, httpx.SessionToken(r), ip, r.UserAgent())
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	httpx.SetSessionCookie(rw, r, a.TrustProxy, s.Token, s.ExpiresAt)
	writeJSON(rw, http.StatusOK, map[string]any{"user": toUser(u), "expires_at": s.ExpiresAt})
}

func (a *API) logout(rw http.ResponseWriter, r *http.Request) {
	if err := a.Accounts.EndSession(r.Context(), httpx.SessionToken(r)); err != nil {
		a.fail(rw, r, err)
		return
	}
	httpx.ClearSessionCookie(rw, r, a.TrustProxy)
	rw.WriteHeader(http.StatusNoContent)
}

func (a *API) me(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusOK, toUser(httpx.User(r)))
}

type vehicleJSON struct {
	ID                 int64   `json:"id"`
	VIN                string  `json:"vin"`
	Plate              string  `json:"plate"`
	Model              string  `json:"model"`
	Brand              string  `json:"brand"`
	Powertrain         string  `json:"powertrain"`
	BatteryKWh         float64 `json:"battery_kwh"`
	RangeKM            int     `json:"range_km"`
	SwapCapable        bool    `json:"swap_capable"`
	MileageKM          int     `json:"mileage_km"`
	BatterySOH         float64 `json:"battery_soh"`
	SoftwareVersion    string  `json:"software_version"`
	PurchasedOn        string  `json:"purchased_on"`
	WarrantyEnd        string  `json:"warranty_end"`
	BatteryWarrantyEnd string  `json:"battery_warranty_end"`
}

func toVehicle(v *vehicle.Vehicle) vehicleJSON {
	return vehicleJSON{ID: v.ID, VIN: v.VIN, Plate: v.Plate, Model: v.ModelName, Brand: v.Brand, Powertrain: v.Powertrain,
		BatteryKWh: v.BatteryKWh, RangeKM: v.RangeKM, SwapCapable: v.SwapCapable, MileageKM: v.MileageKM, BatterySOH: v.BatterySOH,
		SoftwareVersion: v.SoftwareVersion, PurchasedOn: v.PurchasedOn.Format(time.DateOnly), WarrantyEnd: v.WarrantyEnd.Format(time.DateOnly),
		BatteryWarrantyEnd: v.BatteryWarrantyEnd.Format(time.DateOnly)}
}

func (a *API) vehicles(rw http.ResponseWriter, r *http.Request) {
	vs, err := a.Vehicles.ListMine(r.Context(), httpx.User(r))
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	out := make([]vehicleJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, toVehicle(v))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"vehicles": out})
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

func (a *API) sites(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := site.Kind(q.Get("kind"))
	switch kind {
	case "", site.Store, site.ServiceCenter, site.ChargingStation, site.SwapStation:
	default:
		a.fail(rw, r, apperr.Field("kind", "kind 须为 store、service_center、charging_station 或 swap_station"))
		return
	}
	list, err := a.Sites.List(r.Context(), kind, q.Get("city"), 500)
	if err != nil {
		a.fail(rw, r, err)
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

func (a *API) slots(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	q := r.URL.Query()
	kind, ok := booking.ParseKind(q.Get("service"))
	if !ok || kind == booking.TestDrive {
		a.fail(rw, r, apperr.Field("service", "service 须为 charging、swap 或 repair"))
		return
	}
	// The site is the path's resource: an unknown one is 404, not a field error.
	if _, err := a.Sites.Get(r.Context(), id); err != nil {
		a.fail(rw, r, err)
		return
	}
	date := q.Get("date")
	if date == "" {
		date = a.Booking.Today()
	}
	day, err := a.Booking.Slots(r.Context(), id, kind, date)
	if err != nil {
		a.fail(rw, r, renamed(err, slotsFields))
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

// toAppointment renders a; staff see the customer's mobile masked.
func toAppointment(a *booking.Appointment, viewer *identity.User) appointmentJSON {
	mobile := a.CustomerMobile
	if !viewer.Is(identity.RoleOwner) {
		mobile = identity.MaskMobile(mobile)
	}
	return appointmentJSON{ID: a.ID, Service: string(a.Kind), ServiceLabel: a.Kind.Label(), Status: string(a.Status), StatusLabel: a.Status.Label(),
		SiteID: a.SiteID, SiteName: a.SiteName, VehicleID: a.VehicleID, Vehicle: a.VehicleName, Plate: a.Plate, Date: a.Date(),
		Minute: a.SlotMinute, ScheduledAt: a.ScheduledAt, When: a.When(), Note: a.Note, CustomerName: a.CustomerName, CustomerMobile: mobile,
		TechnicianID: a.TechnicianID, TechnicianName: a.TechnicianName, Bay: a.Bay, Result: a.Result, CancelReason: a.CancelReason,
		RescheduleCount: a.RescheduleCount}
}

func list(as []*booking.Appointment, viewer *identity.User) []appointmentJSON {
	out := make([]appointmentJSON, 0, len(as))
	for _, a := range as {
		out = append(out, toAppointment(a, viewer))
	}
	return out
}

func (a *API) myAppointments(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	upcoming, past, err := a.Booking.Mine(r.Context(), u, 100)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"upcoming": list(upcoming, u), "past": list(past, u)})
}

func (a *API) book(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		VehicleID int64  `json:"vehicle_id"`
		SiteID    int64  `json:"site_id"`
		Service   string `json:"service"`
		Date      string `json:"date"`
		Minute    *int   `json:"minute"`
		Note      string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		a.fail(rw, r, err)
		return
	}
	kind, ok := booking.ParseKind(in.Service)
	if !ok {
		a.fail(rw, r, apperr.Field("service", "service 须为 charging、swap 或 repair"))
		return
	}
	if in.Minute == nil {
		a.fail(rw, r, apperr.Field("minute", "请选择时段（minute：当天零点起的分钟数）"))
		return
	}
	u := httpx.User(r)
	ap, err := a.Booking.Book(r.Context(), u, booking.BookInput{VehicleID: in.VehicleID, SiteID: in.SiteID, Kind: kind, Date: in.Date, Minute: *in.Minute, Note: in.Note})
	if err != nil {
		a.fail(rw, r, renamed(err, bookFields))
		return
	}
	rw.Header().Set("Location", "/api/v1/appointments/"+strconv.FormatInt(ap.ID, 10))
	writeJSON(rw, http.StatusCreated, toAppointment(ap, u))
}

func (a *API) appointment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	ap, err := a.Booking.Get(r.Context(), u, id)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap, u))
}

func (a *API) cancel(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			a.fail(rw, r, err)
			return
		}
	}
	u := httpx.User(r)
	ap, err := a.Booking.Cancel(r.Context(), u, id, in.Reason, "")
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap, u))
}

func (a *API) reschedule(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	var in struct {
		Date   string `json:"date"`
		Minute *int   `json:"minute"`
	}
	if err := decode(r, &in); err != nil {
		a.fail(rw, r, err)
		return
	}
	if in.Minute == nil {
		a.fail(rw, r, apperr.Field("minute", "请选择新时段"))
		return
	}
	u := httpx.User(r)
	ap, err := a.Booking.Reschedule(r.Context(), u, id, in.Date, *in.Minute)
	if err != nil {
		a.fail(rw, r, renamed(err, bookFields))
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap, u))
}

func (a *API) queue(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	date := r.URL.Query().Get("date")
	if date == "" {
		date = a.Booking.Today()
	}
	q, err := a.Booking.Queue(r.Context(), u, date)
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"date": date, "appointments": list(q, u)})
}

func (a *API) act(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(rw, r, err)
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
			a.fail(rw, r, err)
			return
		}
	}
	u := httpx.User(r)
	var ap *booking.Appointment
	name := r.PathValue("action")
	if name == "cancel" {
		ap, err = a.Booking.Cancel(r.Context(), u, id, in.Reason, in.Date)
	} else if action, ok := booking.ParseAction(name); ok {
		ap, err = a.Booking.Act(r.Context(), u, id, action, booking.ActionInput{Date: in.Date, TechnicianID: in.TechnicianID, Bay: in.Bay, Result: in.Result})
	} else {
		err = apperr.New(apperr.NotFound, "未知操作："+name)
	}
	if err != nil {
		a.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAppointment(ap, u))
}
