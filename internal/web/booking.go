package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Booking serves booking for owners (book, cancel, reschedule) and the
// service staff's appointment queue.
type Booking struct {
	*Renderer
	Booking   *booking.Service
	Sites     *site.Service
	Vehicles  *vehicle.Service
	Customers *customer.Service
	Reports   *report.Service // the admin's summary of a day per center
}

// Routes returns the booking pages of owners and service staff.
func (h *Booking) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/owner/appointments", h.ownerAppointments),
		httpx.Only(owner, "GET", "/owner/appointments/new", h.bookForm),
		httpx.Only(owner, "GET", "/owner/slots", h.slotsFragment),
		httpx.Only(owner, "POST", "/owner/appointments", h.book),
		httpx.Only(owner, "POST", "/owner/appointments/{id}/cancel", h.ownerCancel),
		httpx.Only(owner, "GET", "/owner/appointments/{id}/reschedule", h.rescheduleForm),
		httpx.Only(owner, "POST", "/owner/appointments/{id}/reschedule", h.reschedule),
		httpx.Only(service, "GET", "/service/{$}", h.serviceQueue),
		httpx.Only(service, "GET", "/service/appointments/{id}", h.serviceAppointment),
		httpx.Only(service, "POST", "/service/appointments/{id}/{action}", h.serviceAct),
	}
}

func (h *Booking) ownerAppointments(rw http.ResponseWriter, r *http.Request) {
	h.renderAppointments(rw, r, http.StatusOK, nil)
}

// renderAppointments shows the owner's appointments; failed, when set, is
// the refusal of an action just tried (a cancel), shown above the list with
// its status, at the list's own address.
func (h *Booking) renderAppointments(rw http.ResponseWriter, r *http.Request, status int, failed *apperr.Error) {
	upcoming, past, err := h.Booking.Mine(r.Context(), httpx.User(r), 50)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p := &page{Title: "我的预约", Nav: "appointments", URL: "/owner/appointments",
		Data: map[string]any{"Upcoming": upcoming, "Past": past, "Now": h.Booking.Now()}}
	if failed != nil {
		p.Error = failed.Message
		for _, m := range failed.Fields {
			p.Error = m
		}
	}
	h.render(rw, r, status, "owner_appointments", p)
}

// rescheduleBlock says why the owner cannot move a at now, or "" when they
// can; the reschedule service refuses the same cases.
func rescheduleBlock(a *booking.Appointment, now time.Time) string {
	switch {
	case !a.Status.Open():
		return "该预约当前状态为" + a.Status.Label() + "，不能改约"
	case !a.OwnerCanChange(now):
		return "距预约开始不足 2 小时，无法在线改约，请致电网点"
	case a.RescheduleCount >= booking.MaxReschedules:
		return fmt.Sprintf("每个预约最多改约 %d 次，已用完", booking.MaxReschedules)
	}
	return ""
}

// bookingView is the data of the booking form: the owner's vehicles, the
// chosen kind, city and site, and the slot table of the chosen date.
type bookingView struct {
	Vehicles  []*vehicle.Vehicle
	VehicleID int64 // the chosen vehicle, when it is one of Vehicles
	Kinds     []booking.Kind
	Kind      booking.Kind
	Cities    []string
	City      string
	Sites     []*site.Site
	SiteID    int64
	Date      string
	Today     string
	MaxDate   string
	Day       *booking.Day
	SlotErr   string
	Minute    string // the submitted slot, re-selected when the form comes back
	// Blocking is the chosen vehicle's open appointment that stops this
	// booking (same kind of service, or the submitted slot), linked from
	// the form.
	Blocking *booking.Appointment
}

// formURL is the GET address of the booking form with the choices of v
// that the form can show again from the address (never the note).
func (v *bookingView) formURL() string {
	q := url.Values{"service": {string(v.Kind)}}
	if v.VehicleID != 0 {
		q.Set("vehicle_id", strconv.FormatInt(v.VehicleID, 10))
	}
	if slices.Contains(v.Cities, v.City) {
		q.Set("city", v.City)
	}
	if v.SiteID != 0 {
		q.Set("site_id", strconv.FormatInt(v.SiteID, 10))
	}
	if _, ok := booking.ParseDate(v.Date); ok {
		q.Set("date", v.Date)
	}
	return "/owner/appointments/new?" + q.Encode()
}

// Chosen returns the submitted slot minute, or -1.
func (v *bookingView) Chosen() int {
	n, err := strconv.Atoi(v.Minute)
	if err != nil {
		return -1
	}
	return n
}

// loadBooking fills the booking form from the query or form values q. A slot
// table that cannot be shown (for example a past date) becomes a message
// beside the date, not an error page.
func (h *Booking) loadBooking(r *http.Request, q url.Values) (*bookingView, error) {
	u := httpx.User(r)
	ctx := r.Context()
	vs, err := h.Vehicles.ListMine(ctx, u)
	if err != nil {
		return nil, err
	}
	v := &bookingView{Vehicles: vs, Kinds: booking.OwnerKinds, Today: h.Booking.Today(), Minute: q.Get("minute")}
	if id, err := strconv.ParseInt(q.Get("vehicle_id"), 10, 64); err == nil {
		for _, x := range vs {
			if x.ID == id {
				v.VehicleID = id
			}
		}
	}
	v.MaxDate = h.Booking.LastDay()
	v.Kind, _ = booking.ParseKind(q.Get("service"))
	if v.Kind == "" || v.Kind == booking.TestDrive {
		v.Kind = booking.Swap
	}
	if v.Cities, err = h.Sites.Cities(ctx, v.Kind.SiteKind()); err != nil {
		return nil, err
	}
	v.City = q.Get("city")
	if v.City == "" && len(vs) > 0 {
		v.City = h.defaultCity(r)
	}
	if v.Sites, err = h.Sites.List(ctx, v.Kind.SiteKind(), v.City, 200); err != nil {
		return nil, err
	}
	v.SiteID, _ = strconv.ParseInt(q.Get("site_id"), 10, 64)
	found := false
	for _, s := range v.Sites {
		found = found || s.ID == v.SiteID
	}
	if !found {
		v.SiteID = 0
		if len(v.Sites) > 0 {
			v.SiteID = v.Sites[0].ID
		}
	}
	v.Date = q.Get("date")
	if v.Date == "" {
		v.Date = v.Today
	}
	if v.SiteID != 0 {
		day, err := h.Booking.Slots(ctx, v.SiteID, v.Kind, v.Date)
		if e := apperr.As(err); e != nil {
			v.SlotErr = e.Message
		} else if err != nil {
			return nil, err
		}
		v.Day = day
	}
	// The vehicle the form books for: the chosen one, else the first listed.
	vehicleID := v.VehicleID
	if vehicleID == 0 && len(vs) > 0 {
		vehicleID = vs[0].ID
	}
	if err := h.Booking.MarkVehicle(ctx, u, vehicleID, v.Day); err != nil {
		return nil, err
	}
	minute, err := strconv.Atoi(v.Minute)
	if err != nil {
		minute = -1
	}
	if v.Blocking, err = h.Booking.Blocking(ctx, u, vehicleID, v.Kind, v.Date, minute); err != nil {
		return nil, err
	}
	return v, nil
}

// defaultCity is the owner's own city when it has a site of the kind.
func (h *Booking) defaultCity(r *http.Request) string {
	u := httpx.User(r)
	city, err := h.Customers.MyCity(r.Context(), u)
	if err != nil {
		return ""
	}
	return city
}

func (h *Booking) bookForm(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadBooking(r, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_book", &page{Title: "预约服务", Nav: "book", Form: r.URL.Query(), Data: v})
}

// slotsFragment re-renders the booking form for htmx when a choice changes.
func (h *Booking) slotsFragment(rw http.ResponseWriter, r *http.Request) {
	h.bookForm(rw, r)
}

// formInt parses an integer form value; malformed input gives 0, which the
// services reject with a field message.
func formInt(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.PostForm.Get(name), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// slotMinute parses the slot field; malformed input gives -1, which the
// booking service rejects as outside opening hours.
func slotMinute(r *http.Request) int {
	n, err := strconv.Atoi(r.PostForm.Get("minute"))
	if err != nil {
		return -1
	}
	return n
}

func (h *Booking) book(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	kind, _ := booking.ParseKind(r.PostForm.Get("service"))
	_, err := h.Booking.Book(r.Context(), httpx.User(r), booking.BookInput{
		VehicleID: formInt(r, "vehicle_id"), SiteID: formInt(r, "site_id"), Kind: kind,
		Date: r.PostForm.Get("date"), Minute: slotMinute(r), Note: r.PostForm.Get("note"),
	})
	if err != nil {
		v, lerr := h.loadBooking(r, r.PostForm)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		h.formError(rw, r, "owner_book", &page{Title: "预约服务", Nav: "book", Data: v, URL: v.formURL()}, err)
		return
	}
	redirect(rw, r, "/owner/appointments", "booked")
}

func (h *Booking) ownerCancel(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err == nil {
		_, err = h.Booking.Cancel(r.Context(), httpx.User(r), id, r.PostForm.Get("reason"), "")
	}
	if err != nil {
		if e := apperr.As(err); e != nil && (e.Code == apperr.Conflict || e.Code == apperr.Invalid) {
			// Show the refusal above the list, at the list's address.
			h.renderAppointments(rw, r, httpx.Status(e.Code), e)
			return
		}
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/appointments", "cancelled")
}

// rescheduleView is the data of the reschedule form: the appointment, why it
// cannot be moved (Blocked; then no slot table), or the slots of the date.
func (h *Booking) rescheduleView(r *http.Request, id int64, date string) (map[string]any, error) {
	a, err := h.Booking.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		return nil, err
	}
	if date == "" {
		date = a.Date()
	}
	data := map[string]any{"Appointment": a, "Date": date, "Today": h.Booking.Today(), "MaxDate": h.Booking.LastDay()}
	if why := rescheduleBlock(a, h.Booking.Now()); why != "" {
		data["Blocked"] = why
		return data, nil
	}
	day, err := h.Booking.Slots(r.Context(), a.SiteID, a.Kind, date)
	if e := apperr.As(err); e != nil {
		data["SlotErr"] = e.Message
	} else if err != nil {
		return nil, err
	}
	data["Day"] = day
	return data, nil
}

func (h *Booking) rescheduleForm(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	data, err := h.rescheduleView(r, id, r.URL.Query().Get("date"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_reschedule", &page{Title: "改约", Nav: "appointments", Data: data})
}

func (h *Booking) reschedule(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	_, err = h.Booking.Reschedule(r.Context(), httpx.User(r), id, r.PostForm.Get("date"), slotMinute(r))
	if err != nil {
		data, lerr := h.rescheduleView(r, id, r.PostForm.Get("date"))
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		h.formError(rw, r, "owner_reschedule", &page{Title: "改约", Nav: "appointments", Data: data, URL: rescheduleURL(id, r.PostForm.Get("date"))}, err)
		return
	}
	redirect(rw, r, "/owner/appointments", "rescheduled")
}

// rescheduleURL is the GET address of the reschedule form on date (left out
// when it is not a date).
func rescheduleURL(id int64, date string) string {
	u := fmt.Sprintf("/owner/appointments/%d/reschedule", id)
	if _, ok := booking.ParseDate(date); ok {
		u += "?date=" + date
	}
	return u
}

func (h *Booking) serviceQueue(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.renderQueue(rw, r, serviceQueueView{date: q.Get("date"), center: q.Get("site_id"), sort: q.Get("sort"), status: http.StatusOK})
}

// serviceAppointment shows the queue of the appointment's day with the
// appointment open in the detail panel: its facts, history and actions.
// An admin sees the queue of the appointment's service center.
func (h *Booking) serviceAppointment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.renderQueue(rw, r, serviceQueueView{id: id, status: http.StatusOK})
}

// serviceQueueView is what renderQueue shows: the queue of date, or of the day of
// appointment id (then open in the detail panel), with status; failed is
// the domain error of an action just refused, shown above the queue (its
// field messages beside the panel's fields). center is the site_id an
// admin chose (the query's text; "" for none: then the day's summary per
// center, in order sort); a service user always sees their own center.
type serviceQueueView struct {
	date   string
	center string
	sort   string
	id     int64
	status int
	failed *apperr.Error
	form   url.Values
}

// queueURL is the address of the queue of date at center (0: an admin's
// summary, in order sort).
func queueURL(date string, center int64, sort string) string {
	q := url.Values{}
	if date != "" {
		q.Set("date", date)
	}
	if center != 0 {
		q.Set("site_id", strconv.FormatInt(center, 10))
	} else if sort != "" {
		q.Set("sort", sort)
	}
	if len(q) == 0 {
		return "/service/"
	}
	return "/service/?" + q.Encode()
}

// centerGroup is one city's service centers in the admin's center picker.
type centerGroup struct {
	City    string
	Centers []*site.Site
}

// sortColumn is a column of the admin's summary: its header links to the
// summary in its order (Sort), Active when that is the order shown.
type sortColumn struct {
	Label  string
	Status booking.Status // "" for the name and total columns
	URL    string
	Active bool
	Num    bool
}

// summaryColumns are the summary's sortable columns on date.
func summaryColumns(date, current string) []sortColumn {
	cols := []sortColumn{{Label: "服务中心", URL: queueURL(date, 0, "name"), Active: current == "name"},
		{Label: "合计", URL: queueURL(date, 0, ""), Active: current == "", Num: true}}
	for _, st := range booking.Statuses {
		cols = append(cols, sortColumn{Label: st.Label(), Status: st, URL: queueURL(date, 0, string(st)), Active: current == string(st), Num: true})
	}
	return cols
}

// summaryRow is a center's line of the admin's summary, its numbers
// formatted (a page of some 160 centers × 7 numbers: formatting in Go, not
// by template calls, halves its rendering time).
type summaryRow struct {
	ID    int64
	Name  string
	City  string
	Total string
	Cells []summaryCell
}

// summaryCell is the number of a center's appointments in Status.
type summaryCell struct {
	Label  string
	Status booking.Status
	N      string // "" for none
}

// summaryRows formats the centers of a day summary for the page.
func summaryRows(centers []*report.CenterDay) []summaryRow {
	labels := make([]string, len(booking.Statuses))
	for i, st := range booking.Statuses {
		labels[i] = st.Label()
	}
	rows := make([]summaryRow, len(centers))
	for i, c := range centers {
		r := summaryRow{ID: c.ID, Name: c.Name, City: c.City, Total: thousands(c.Total), Cells: make([]summaryCell, len(booking.Statuses))}
		for j, st := range booking.Statuses {
			r.Cells[j] = summaryCell{Label: labels[j], Status: st}
			if n := c.N(st); n > 0 {
				r.Cells[j].N = thousands(n)
			}
		}
		rows[i] = r
	}
	return rows
}

// centerOf is the service center whose queue shows appointment a: the
// center itself or the one responsible for its station; 0 for a site of
// no center.
func (h *Booking) centerOf(r *http.Request, a *booking.Appointment) (int64, error) {
	st, err := h.Sites.Get(r.Context(), a.SiteID)
	if err != nil {
		return 0, err
	}
	if st.Kind == site.ServiceCenter {
		return st.ID, nil
	}
	return st.ParentID, nil
}

// renderQueue shows the queue page of v. A service user gets their
// center's queue; an admin picks a center (its queue, as its adviser sees
// it) or, without one, sees the day's appointments per center.
func (h *Booking) renderQueue(rw http.ResponseWriter, r *http.Request, v serviceQueueView) {
	u := httpx.User(r)
	ctx := r.Context()
	admin := u.Is(identity.RoleAdmin)
	p := &page{Title: "预约队列", Nav: "service", Form: v.form, Fields: map[string]string{}}
	refuse := func(e *apperr.Error) {
		p.Error = e.Message
		for k, m := range e.Fields {
			p.Fields[k], p.Error = m, m
		}
	}
	if v.failed != nil {
		refuse(v.failed)
	}
	var center int64
	if v.center != "" {
		n, err := strconv.ParseInt(v.center, 10, 64)
		if err != nil || n <= 0 {
			refuse(apperr.Field("site_id", "请选择一个服务中心"))
		} else {
			center = n
		}
	}
	var sel *booking.Appointment
	var history []booking.HistoryEntry
	if v.id != 0 {
		var err error
		if sel, err = h.Booking.Get(ctx, u, v.id); err != nil {
			h.fail(rw, r, err)
			return
		}
		if history, err = h.Booking.History(ctx, u, v.id); err != nil {
			h.fail(rw, r, err)
			return
		}
		v.date = sel.Date()
		if admin {
			if center, err = h.centerOf(r, sel); err != nil {
				h.fail(rw, r, err)
				return
			}
		}
	}
	date := h.Booking.DateOr(v.date)
	var queue []*booking.Appointment
	var summary *report.DaySummary
	load := func() (err error) {
		if admin && center == 0 {
			summary, err = h.Reports.DayQueues(ctx, u, date, v.sort)
			return err
		}
		queue, err = h.Booking.Queue(ctx, u, date, center)
		return err
	}
	err := load()
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		// A bad date shows today, a bad center the summary, with the
		// message beside the field.
		refuse(e)
		if _, bad := e.Fields["date"]; bad {
			date = h.Booking.Today()
		}
		if _, bad := e.Fields["site_id"]; bad {
			center = 0
		}
		err = load()
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var techs []booking.Technician
	if sel != nil {
		if techs, err = h.Booking.Technicians(ctx, u); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	counts := map[booking.Status]int{}
	for _, a := range queue {
		counts[a.Status]++
	}
	d, _ := booking.ParseDate(date)
	now := h.Booking.Now()
	prev, next := d.AddDate(0, 0, -1).Format("2006-01-02"), d.AddDate(0, 0, 1).Format("2006-01-02")
	data := map[string]any{
		"Date": date, "Queue": queue, "Counts": counts, "Statuses": booking.Statuses, "Now": now,
		"Sel": sel, "History": history, "Technicians": techs,
		"Prev": queueURL(prev, 0, ""), "Next": queueURL(next, 0, ""), "Today": "/service/", "Here": queueURL(date, 0, ""),
	}
	if admin {
		sort := ""
		if summary != nil {
			sort = summary.Sort
			for i, st := range booking.Statuses {
				counts[st] = summary.All.Counts[i]
			}
			data["Summary"], data["Columns"] = summary, summaryColumns(date, sort)
			data["Rows"], data["Foot"] = summaryRows(summary.Centers), summaryRows([]*report.CenterDay{&summary.All})[0]
		}
		data["Prev"], data["Next"], data["Here"] = queueURL(prev, center, sort), queueURL(next, center, sort), queueURL(date, center, sort)
		data["Today"] = queueURL("", center, sort)
		centers, err := h.Sites.List(ctx, site.ServiceCenter, "", 1000)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		var groups []centerGroup
		for _, c := range centers {
			if len(groups) == 0 || groups[len(groups)-1].City != c.City {
				groups = append(groups, centerGroup{City: c.City})
			}
			groups[len(groups)-1].Centers = append(groups[len(groups)-1].Centers, c)
			if c.ID == center {
				data["CenterName"] = c.Name
			}
		}
		data["Admin"], data["Center"], data["Groups"] = true, center, groups
	}
	if sel != nil {
		data["Actions"] = sel.StaffActions(now)
		p.Title = "预约 " + sel.Ref()
		p.URL = fmt.Sprintf("/service/appointments/%d", sel.ID)
	} else {
		p.URL = data["Here"].(string) // after a refused action: refresh shows the queue
	}
	p.Data = data
	h.render(rw, r, v.status, "service_queue", p)
}

// staffFlash names the message after each staff action (a key of flashes).
var staffFlash = map[string]string{"confirm": "confirmed", "assign": "assigned", "start": "started",
	"complete": "completed", "no-show": "no_show", "cancel": "staff_cancelled"}

// serviceAct applies a staff action from the detail panel (back to the
// panel) or from a row of the queue (from=queue: back to the queue).
func (h *Booking) serviceAct(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	tech, _ := strconv.ParseInt(r.PostForm.Get("technician_id"), 10, 64)
	_, err = h.Booking.StaffAction(r.Context(), httpx.User(r), id, r.PathValue("action"), booking.ActionInput{
		Date: r.PostForm.Get("date"), TechnicianID: tech, Bay: r.PostForm.Get("bay"), Result: r.PostForm.Get("result"), Reason: r.PostForm.Get("reason"),
	})
	date := r.PostForm.Get("date")
	if _, ok := booking.ParseDate(date); !ok {
		date = ""
	}
	fromQueue := r.PostForm.Get("from") == "queue"
	center, _ := strconv.ParseInt(r.PostForm.Get("site_id"), 10, 64)
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.NotFound {
			// Show the refusal above the queue rather than on an error page,
			// with the panel open when the action came from it.
			v := serviceQueueView{date: date, center: r.PostForm.Get("site_id"), status: httpx.Status(e.Code), failed: e, form: r.PostForm}
			if !fromQueue {
				v.id = id
			}
			h.renderQueue(rw, r, v)
			return
		}
		h.fail(rw, r, err)
		return
	}
	back := fmt.Sprintf("/service/appointments/%d", id)
	if fromQueue {
		back = queueURL(date, max(center, 0), "")
	}
	redirect(rw, r, back, staffFlash[r.PathValue("action")])
}
