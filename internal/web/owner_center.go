package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// OwnerCenter serves the owner's personal center pages beyond the vehicles:
// the profile (name, contact preference, consent, password) and the detail
// page of an appointment.
type OwnerCenter struct {
	*Renderer
	Accounts   *account.Service
	Booking    *booking.Service
	Sites      *site.Service
	WorkOrders *workorder.Service // optional: the work order summary of an appointment
	Vehicles   *vehicle.Service
}

// Routes returns the profile and appointment-detail pages.
func (h *OwnerCenter) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/owner/profile", h.profile),
		httpx.Only(owner, "POST", "/owner/profile", h.saveProfile),
		httpx.Only(owner, "POST", "/owner/profile/consent", h.consent),
		httpx.Only(owner, "POST", "/owner/profile/password", h.password),
		httpx.Only(owner, "GET", "/owner/appointments/{id}", h.appointment),
		httpx.Only(owner, "GET", "/owner/vehicles/{id}", h.vehicle),
		httpx.Only(owner, "GET", "/owner/vehicles/bind", h.bindForm),
		httpx.Only(owner, "POST", "/owner/vehicles/bind", h.bind),
		httpx.Only(owner, "POST", "/owner/vehicles/{id}/transfer-code", h.transferCode),
	}
}

// profileForm is the profile's current values as form values.
func profileForm(p *customer.Profile) url.Values {
	return url.Values{"name": {p.Name}, "nickname": {p.Nickname}, "city": {p.City}, "preferred_contact": {p.PreferredContact}}
}

func (h *OwnerCenter) profilePage(r *http.Request) (*page, error) {
	p, err := h.Accounts.MyProfile(r.Context(), httpx.User(r))
	if err != nil {
		return nil, err
	}
	return &page{Title: "个人资料", Nav: "profile", Form: profileForm(p), URL: "/owner/profile",
		Data: map[string]any{"Profile": p, "Contacts": customer.Contacts}}, nil
}

func (h *OwnerCenter) profile(rw http.ResponseWriter, r *http.Request) {
	p, err := h.profilePage(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_profile", p)
}

// profileError shows the profile page again with err beside its field.
func (h *OwnerCenter) profileError(rw http.ResponseWriter, r *http.Request, err error) {
	p, perr := h.profilePage(r)
	if perr != nil {
		h.fail(rw, r, perr)
		return
	}
	h.formError(rw, r, "owner_profile", p, err)
}

func (h *OwnerCenter) saveProfile(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	_, err := h.Accounts.UpdateProfile(r.Context(), httpx.User(r), customer.ProfileInput{
		Name: r.PostForm.Get("name"), Nickname: r.PostForm.Get("nickname"), City: r.PostForm.Get("city"),
		PreferredContact: r.PostForm.Get("preferred_contact"),
	})
	if err != nil {
		h.profileError(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/profile", "profile_saved")
}

func (h *OwnerCenter) consent(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	on := r.PostForm.Get("consent") == "1"
	if _, err := h.Accounts.SetConsent(r.Context(), httpx.User(r), on); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/profile", map[bool]string{true: "consent_on", false: "consent_off"}[on])
}

func (h *OwnerCenter) password(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	_, err := h.Accounts.ChangePassword(r.Context(), httpx.User(r), httpx.SessionToken(r),
		r.PostForm.Get("old_password"), r.PostForm.Get("password"), r.PostForm.Get("password2"))
	if err != nil {
		p, perr := h.profilePage(r)
		if perr != nil {
			h.fail(rw, r, perr)
			return
		}
		e := apperr.As(err)
		if e == nil {
			h.fail(rw, r, err)
			return
		}
		// The profile fields keep their saved values; passwords never come back.
		p.Error, p.Fields = e.Message, e.Fields
		p.URL = "/owner/profile#password"
		httpx.RetryAfter(rw.Header(), e)
		h.render(rw, r, httpx.Status(e.Code), "owner_profile", p)
		return
	}
	redirect(rw, r, "/owner/profile", "password_changed")
}

func (h *OwnerCenter) appointment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	ctx := r.Context()
	a, err := h.Booking.Get(ctx, u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	steps, err := h.Booking.Timeline(ctx, u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	st, err := h.Sites.Get(ctx, a.SiteID)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var wo *workorder.WorkOrder
	if h.WorkOrders != nil && a.VehicleID != 0 && a.Kind == booking.Repair {
		list, err := h.WorkOrders.VehicleHistory(ctx, u, a.VehicleID)
		if e := apperr.As(err); err != nil && (e == nil || e.Code != apperr.NotFound) {
			h.fail(rw, r, err)
			return
		}
		for _, w := range list {
			if w.AppointmentID == a.ID {
				wo = w
			}
		}
	}
	now := h.Booking.Now()
	h.render(rw, r, http.StatusOK, "owner_appointment", &page{Title: "预约详情", Nav: "appointments",
		Data: map[string]any{"A": a, "Steps": steps, "Site": st, "WorkOrder": wo, "Now": now}})
}

func (h *OwnerCenter) bindForm(rw http.ResponseWriter, r *http.Request) {
	h.render(rw, r, http.StatusOK, "owner_bind", &page{Title: "绑定车辆", Nav: "owner", Form: r.URL.Query()})
}

func (h *OwnerCenter) bind(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	v, err := h.Vehicles.Bind(r.Context(), httpx.User(r), r.PostForm.Get("vin"), r.PostForm.Get("code"))
	if err != nil {
		// The code never comes back into the form.
		r.Form.Del("code")
		h.formError(rw, r, "owner_bind", &page{Title: "绑定车辆", Nav: "owner", URL: "/owner/vehicles/bind"}, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/owner/vehicles/%d", v.ID), "bound")
}

// transferCode makes a transfer code and shows it once on the vehicle page
// (a refresh shows the page without it; a new code replaces the old).
func (h *OwnerCenter) transferCode(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	tc, err := h.Vehicles.IssueTransferCode(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.vehiclePage(rw, r, id, tc)
}

func (h *OwnerCenter) vehicle(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.vehiclePage(rw, r, id, nil)
}

// vehiclePage shows vehicle id; tc, when set, is a transfer code just made.
// The query's charges and swaps parameters are the cursors of the two lists.
func (h *OwnerCenter) vehiclePage(rw http.ResponseWriter, r *http.Request, id int64, tc *vehicle.TransferCode) {
	u := httpx.User(r)
	ctx := r.Context()
	q := r.URL.Query()
	v, err := h.Vehicles.Get(ctx, u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	health, err := h.Vehicles.Health(ctx, u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	charges, err := h.Vehicles.Charges(ctx, u, id, q.Get("charges"), 10)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	swaps, err := h.Vehicles.Swaps(ctx, u, id, q.Get("swaps"), 10)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	usage, err := h.Vehicles.Usage(ctx, u, id, 12)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	owners, err := h.Vehicles.Ownerships(ctx, u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var repairs *historyView
	var cover []workorder.Cover
	if h.WorkOrders != nil {
		list, err := h.WorkOrders.VehicleHistory(ctx, u, id)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		repairs = &historyView{Vehicle: v, Orders: list, Owner: true}
		if cover, err = h.WorkOrders.Coverage(ctx, u, id); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	p := &page{Title: v.ModelName, Nav: "owner", Data: map[string]any{"Vehicle": v, "Repairs": repairs, "Ownerships": owners,
		"TransferCode": tc, "Health": health, "Charges": charges, "Swaps": swaps, "Usage": usage, "Cover": cover,
		"ChargesFirst": q.Get("charges") != "", "SwapsFirst": q.Get("swaps") != "",
		"HealthChart": healthChart(health), "MileageChart": mileageChart(health), "EnergyChart": energyChart(usage), "CostChart": costChart(usage),
		"UsageTotal": usageTotal(usage)}}
	if tc != nil {
		p.URL = fmt.Sprintf("/owner/vehicles/%d", id)
	}
	h.render(rw, r, http.StatusOK, "owner_vehicle", p)
}

// chartSeries is one named series of a chart (static/js/charts.js).
type chartSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// chartJSON is the data-chart attribute of a line or (stacked) bar chart.
func chartJSON(kind, unit string, minimum *float64, stack bool, labels []string, series ...chartSeries) string {
	b, _ := json.Marshal(struct {
		Type   string        `json:"type"`
		Labels []string      `json:"labels"`
		Unit   string        `json:"unit"`
		Min    *float64      `json:"min,omitempty"`
		Stack  bool          `json:"stack,omitempty"`
		Series []chartSeries `json:"series"`
	}{kind, labels, unit, minimum, stack, series})
	return string(b)
}

func healthChart(h []vehicle.HealthPoint) string {
	labels := make([]string, len(h))
	vals := make([]float64, len(h))
	low := 100.0
	for i, p := range h {
		labels[i], vals[i] = p.Label(), p.SOH
		low = min(low, p.SOH)
	}
	floor := float64(int(low/5)*5) - 5 // a little room under the lowest month
	return chartJSON("line", "%", &floor, false, labels, chartSeries{"电池健康度", vals})
}

func mileageChart(h []vehicle.HealthPoint) string {
	labels := make([]string, len(h))
	vals := make([]float64, len(h))
	for i, p := range h {
		labels[i], vals[i] = p.Label(), float64(p.MileageKM)
	}
	zero := 0.0
	return chartJSON("line", "km", &zero, false, labels, chartSeries{"累计里程", vals})
}

func energyChart(u []vehicle.MonthUsage) string {
	labels := make([]string, len(u))
	vals := make([]float64, len(u))
	for i, m := range u {
		labels[i], vals[i] = m.Month, m.EnergyKWh
	}
	return chartJSON("bar", "kWh", nil, false, labels, chartSeries{"充电电量", vals})
}

func costChart(u []vehicle.MonthUsage) string {
	labels := make([]string, len(u))
	charge := make([]float64, len(u))
	swap := make([]float64, len(u))
	for i, m := range u {
		labels[i], charge[i], swap[i] = m.Month, float64(m.ChargeFen)/100, float64(m.SwapFen)/100
	}
	return chartJSON("bar", "元", nil, true, labels, chartSeries{"充电费用", charge}, chartSeries{"换电费用", swap})
}

// usageTotal sums the months (the energy to 0.1 kWh): whether there is
// anything to chart at all, and the totals line.
func usageTotal(u []vehicle.MonthUsage) vehicle.MonthUsage {
	var t vehicle.MonthUsage
	for _, m := range u {
		t.EnergyKWh += m.EnergyKWh
		t.ChargeFen += m.ChargeFen
		t.Charges += m.Charges
		t.Swaps += m.Swaps
		t.SwapFen += m.SwapFen
	}
	// The months are rounded to 0.1 kWh; so is their sum (no 456.50000000000006).
	t.EnergyKWh = math.Round(t.EnergyKWh*10) / 10
	return t
}
