package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

func (w *Web) ownerHome(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	vs, err := w.Vehicles.ListMine(r.Context(), u)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	upcoming, _, err := w.Booking.Mine(r.Context(), u, 5)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "owner_home", &page{Title: "我的", Nav: "owner", Data: map[string]any{"Vehicles": vs, "Upcoming": upcoming}})
}

func (w *Web) ownerVehicle(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	v, err := w.Vehicles.Get(r.Context(), u, id)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	act, err := w.Vehicles.RecentActivity(r.Context(), u, id, 20)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "owner_vehicle", &page{Title: v.ModelName, Nav: "owner", Data: map[string]any{"Vehicle": v, "Activity": act}})
}

func (w *Web) ownerAppointments(rw http.ResponseWriter, r *http.Request) {
	upcoming, past, err := w.Booking.Mine(r.Context(), httpx.User(r), 50)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "owner_appointments", &page{Title: "我的预约", Nav: "appointments",
		Data: map[string]any{"Upcoming": upcoming, "Past": past, "Now": w.Booking.Now()}})
}

// bookingView is the data of the booking form: the owner's vehicles, the
// chosen kind, city and site, and the slot table of the chosen date.
type bookingView struct {
	Vehicles []*vehicle.Vehicle
	Kinds    []booking.Kind
	Kind     booking.Kind
	Cities   []string
	City     string
	Sites    []*site.Site
	SiteID   int64
	Date     string
	Today    string
	MaxDate  string
	Day      *booking.Day
	SlotErr  string
	Minute   string // the submitted slot, re-selected when the form comes back
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
func (w *Web) loadBooking(r *http.Request, q url.Values) (*bookingView, error) {
	u := httpx.User(r)
	ctx := r.Context()
	vs, err := w.Vehicles.ListMine(ctx, u)
	if err != nil {
		return nil, err
	}
	v := &bookingView{Vehicles: vs, Kinds: booking.OwnerKinds, Today: w.Booking.Today(), Minute: q.Get("slot")}
	v.MaxDate = w.Booking.LastDay()
	v.Kind, _ = booking.ParseKind(q.Get("kind"))
	if v.Kind == "" || v.Kind == booking.TestDrive {
		v.Kind = booking.Swap
	}
	if v.Cities, err = w.Sites.Cities(ctx, v.Kind.SiteKind()); err != nil {
		return nil, err
	}
	v.City = q.Get("city")
	if v.City == "" && len(vs) > 0 {
		v.City = w.defaultCity(r)
	}
	if v.Sites, err = w.Sites.List(ctx, v.Kind.SiteKind(), v.City, 200); err != nil {
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
		day, err := w.Booking.Slots(ctx, v.SiteID, v.Kind, v.Date)
		if e := apperr.As(err); e != nil {
			v.SlotErr = e.Message
		} else if err != nil {
			return nil, err
		}
		v.Day = day
	}
	return v, nil
}

// defaultCity is the owner's own city when it has a site of the kind.
func (w *Web) defaultCity(r *http.Request) string {
	u := httpx.User(r)
	city, err := w.Accounts.CustomerCity(r.Context(), u)
	if err != nil {
		return ""
	}
	return city
}

func (w *Web) bookForm(rw http.ResponseWriter, r *http.Request) {
	v, err := w.loadBooking(r, r.URL.Query())
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "owner_book", &page{Title: "预约服务", Nav: "book", Form: r.URL.Query(), Data: v})
}

// slotsFragment re-renders the booking form for htmx when a choice changes.
func (w *Web) slotsFragment(rw http.ResponseWriter, r *http.Request) {
	w.bookForm(rw, r)
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
	n, err := strconv.Atoi(r.PostForm.Get("slot"))
	if err != nil {
		return -1
	}
	return n
}

func (w *Web) book(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	kind, _ := booking.ParseKind(r.PostForm.Get("kind"))
	_, err := w.Booking.Book(r.Context(), httpx.User(r), booking.BookInput{
		VehicleID: formInt(r, "vehicle_id"), SiteID: formInt(r, "site_id"), Kind: kind,
		Date: r.PostForm.Get("date"), Minute: slotMinute(r), Note: r.PostForm.Get("note"),
	})
	if err != nil {
		v, lerr := w.loadBooking(r, r.PostForm)
		if lerr != nil {
			w.fail(rw, r, lerr)
			return
		}
		w.formError(rw, r, "owner_book", &page{Title: "预约服务", Nav: "book", Data: v}, err)
		return
	}
	redirect(rw, r, "/owner/appointments", "booked")
}

func (w *Web) ownerCancel(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err == nil {
		_, err = w.Booking.Cancel(r.Context(), httpx.User(r), id, r.PostForm.Get("reason"), "")
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/appointments", "cancelled")
}

func (w *Web) rescheduleView(r *http.Request, id int64, date string) (map[string]any, error) {
	a, err := w.Booking.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		return nil, err
	}
	if date == "" {
		date = a.Date()
	}
	data := map[string]any{"Appointment": a, "Date": date, "Today": w.Booking.Today()}
	day, err := w.Booking.Slots(r.Context(), a.SiteID, a.Kind, date)
	if e := apperr.As(err); e != nil {
		data["SlotErr"] = e.Message
	} else if err != nil {
		return nil, err
	}
	data["Day"] = day
	return data, nil
}

func (w *Web) rescheduleForm(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	data, err := w.rescheduleView(r, id, r.URL.Query().Get("date"))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "owner_reschedule", &page{Title: "改约", Nav: "appointments", Data: data})
}

func (w *Web) reschedule(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	_, err = w.Booking.Reschedule(r.Context(), httpx.User(r), id, r.PostForm.Get("date"), slotMinute(r))
	if err != nil {
		data, lerr := w.rescheduleView(r, id, r.PostForm.Get("date"))
		if lerr != nil {
			w.fail(rw, r, lerr)
			return
		}
		w.formError(rw, r, "owner_reschedule", &page{Title: "改约", Nav: "appointments", Data: data}, err)
		return
	}
	redirect(rw, r, "/owner/appointments", "rescheduled")
}
