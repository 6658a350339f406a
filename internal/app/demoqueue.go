package app

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// demoTarget is how many appointments of each status the demo queue holds
// per site and day. Today's queue holds every status; tomorrow's only what
// a day that has not begun can hold.
type demoTarget map[booking.Status]int

var (
	demoToday = map[site.Kind]demoTarget{
		site.ServiceCenter: {booking.Booked: 3, booking.Confirmed: 3, booking.InProgress: 2, booking.Completed: 3, booking.Cancelled: 1, booking.NoShow: 2},
		site.ChargingStation: {booking.Booked: 2, booking.Confirmed: 2, booking.InProgress: 1, booking.Completed: 3, booking.Cancelled: 1,
			booking.NoShow: 1},
		site.SwapStation: {booking.Booked: 2, booking.Confirmed: 2, booking.InProgress: 1, booking.Completed: 3, booking.Cancelled: 1, booking.NoShow: 1},
	}
	demoTomorrow = map[site.Kind]demoTarget{
		site.ServiceCenter:   {booking.Booked: 4, booking.Confirmed: 3, booking.Cancelled: 1},
		site.ChargingStation: {booking.Booked: 3, booking.Confirmed: 2, booking.Cancelled: 1},
		site.SwapStation:     {booking.Booked: 3, booking.Confirmed: 2, booking.Cancelled: 1},
	}
)

// fillOrder is the order the statuses are filled in: narrowest choice of
// slots first.
var fillOrder = []booking.Status{booking.InProgress, booking.NoShow, booking.Completed, booking.Cancelled, booking.Confirmed, booking.Booked}

// swapReserve is how many charged batteries a swap station keeps free for
// the visitor's own booking: the demo fill never promises them.
const swapReserve = 4

// demoFill books and processes appointments through the booking service on a
// clock of its own: the demo replays how the day went (booked the day
// before, confirmed, started at the slot, completed), so every row, slot
// counter, battery counter and audit entry is what the real flow writes.
// The clock only ever reads instants up to now.
type demoFill struct {
	ctx    context.Context
	s      *Services
	bk     *booking.Service   // the booking service on the replay clock
	wo     *workorder.Service // the work orders on the replay clock
	at     time.Time          // the replay clock
	now    time.Time
	r      *rand.Rand
	owners []datagen.DemoOwner
	users  map[int64]*identity.User // owners and technicians by user id
	techs  []*identity.User         // who acts at the center
	next   int                      // where the search for an owner starts (the city's owners come first)
	added  int
}

// fillDemoQueue tops up the queue of the demo service account (its center and
// the stations assigned to it) for today and tomorrow to the demoToday and
// demoTomorrow counts per site and status, counting what is there first, so
// a second call adds nothing. Bookings are made by generated owners with an
// account, actions by the center's generated technicians. A status whose
// time has not come (nothing can be completed before the first slot of the
// day has ended) is left out. It returns how many appointments it added.
// The demo owner's car is left alone.
// Owners of the city book first; when their vehicles already hold open
// appointments of a kind, owners visiting from other cities book too.
func fillDemoQueue(ctx context.Context, d *db.DB, s *Services, owner, service *identity.User, now time.Time) (int, error) {
	if !service.Is(identity.RoleService) || service.SiteID == 0 {
		return 0, fmt.Errorf("demo account service has no service center")
	}
	center, err := s.Sites.Get(ctx, service.SiteID)
	if err != nil {
		return 0, err
	}
	all, err := s.Sites.List(ctx, "", center.City, 1000)
	if err != nil {
		return 0, err
	}
	var sites []*site.Site
	for _, st := range all {
		if st.ID == center.ID || st.ParentID == center.ID && (st.Kind == site.ChargingStation || st.Kind == site.SwapStation) {
			sites = append(sites, st)
		}
	}
	list, err := datagen.DemoOwners(ctx, d, center.City, now.AddDate(0, 0, -7), 400)
	if err != nil {
		return 0, err
	}
	// The demo owner's own car is the visitor's to book.
	var owners []datagen.DemoOwner
	for _, o := range list {
		if o.CustomerID != owner.CustomerID {
			owners = append(owners, o)
		}
	}
	if len(owners) == 0 {
		return 0, nil
	}
	today := now.In(site.Shanghai).Format("2006-01-02")
	seed := fnv.New64a()
	seed.Write([]byte(today))
	f := &demoFill{ctx: ctx, s: s, now: now, r: rand.New(rand.NewPCG(seed.Sum64(), uint64(center.ID))), owners: owners,
		users: map[int64]*identity.User{}}
	f.bk = booking.NewService(d, func() time.Time { return f.at })
	f.bk.BeforeComplete(workorder.CheckAppointment)
	f.wo = workorder.NewService(d, f.bk, func() time.Time { return f.at })
	f.wo.UseStock(s.Inventory)
	techs, err := s.Booking.Technicians(ctx, service)
	if err != nil {
		return 0, err
	}
	for _, t := range techs {
		if t.ID == service.ID {
			continue // the demo account itself did nothing before it existed
		}
		u, err := f.user(t.ID)
		if err != nil {
			return 0, err
		}
		f.techs = append(f.techs, u)
	}
	if len(f.techs) == 0 {
		f.techs = []*identity.User{service}
	}
	date0, _ := booking.ParseDate(today)
	for i, targets := range []map[site.Kind]demoTarget{demoToday, demoTomorrow} {
		date := date0.AddDate(0, 0, i)
		queue, err := s.Booking.Queue(ctx, service, date.Format("2006-01-02"), 0)
		if err != nil {
			return f.added, err
		}
		have := map[int64]map[booking.Status]int{}
		for _, st := range sites {
			have[st.ID] = map[booking.Status]int{}
		}
		for _, a := range queue {
			if have[a.SiteID] != nil {
				have[a.SiteID][a.Status]++
			}
		}
		// One of each status first, then the rest, the statuses with the
		// narrowest choice of slots first: just after midnight only the
		// first slot of a charging station has ended, and its places must
		// go to a completed and a no-show appointment alike.
		for _, first := range []bool{true, false} {
			for _, status := range fillOrder {
				for _, st := range sites {
					want := targets[st.Kind][status]
					if first {
						want = min(want, 1)
					}
					for have[st.ID][status] < want {
						ok, err := f.add(st, date, status)
						if err != nil {
							return f.added, err
						}
						if !ok {
							break
						}
						have[st.ID][status]++
					}
				}
			}
		}
	}
	return f.added, nil
}

// user returns the user with id through the account service, cached.
func (f *demoFill) user(id int64) (*identity.User, error) {
	if u, ok := f.users[id]; ok {
		return u, nil
	}
	u, err := f.s.Accounts.User(f.ctx, id)
	if err != nil {
		return nil, err
	}
	f.users[id] = u
	return u, nil
}

// kindOf is the kind of service a site offers.
func kindOf(k site.Kind) booking.Kind {
	switch k {
	case site.ServiceCenter:
		return booking.Repair
	case site.ChargingStation:
		return booking.Charging
	case site.SwapStation:
		return booking.Swap
	}
	return ""
}

// slots returns the slot starts of st on date that suit an appointment
// ending in status at f.now, best first (shuffled within each group).
func (f *demoFill) slots(st *site.Site, date time.Time, status booking.Status) []int {
	slot := time.Duration(st.SlotMinutes) * time.Minute
	var best, fallback []int
	for m := st.OpenMinute; m+st.SlotMinutes <= st.CloseMinute; m += st.SlotMinutes {
		start := slotStart(date, m)
		switch status {
		case booking.Completed, booking.NoShow:
			// The slot is over.
			if !start.Add(slot).After(f.now) {
				best = append(best, m)
			}
		case booking.InProgress:
			// Started a minute or more ago: the current slot, else one of
			// the last two hours (service can run over its slot).
			switch {
			case start.Add(time.Minute).After(f.now):
			case f.now.Before(start.Add(slot)):
				best = append(best, m)
			case f.now.Before(start.Add(slot + 2*time.Hour)):
				fallback = append(fallback, m)
			}
		default:
			// Still to come; else an earlier slot not handled yet.
			if start.After(f.now.Add(booking.LeadTime)) {
				best = append(best, m)
			} else {
				fallback = append(fallback, m)
			}
		}
	}
	f.r.Shuffle(len(best), func(i, j int) { best[i], best[j] = best[j], best[i] })
	f.r.Shuffle(len(fallback), func(i, j int) { fallback[i], fallback[j] = fallback[j], fallback[i] })
	return append(best, fallback...)
}

// slotStart is the UTC instant a local slot starts.
func slotStart(date time.Time, minute int) time.Time {
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, site.Shanghai).Add(time.Duration(minute) * time.Minute).UTC()
}

// minutes returns a random duration of lo to hi minutes.
func (f *demoFill) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+f.r.IntN(hi-lo+1)) * time.Minute
}

// clamp returns t limited to [lo, f.now].
func (f *demoFill) clamp(t, lo time.Time) time.Time {
	if t.After(f.now) {
		t = f.now
	}
	if t.Before(lo) {
		t = lo
	}
	return t
}

// add books one appointment at st on date and takes it to status. It tries
// a few slots and owners; when none fits (the slots are full, the time has
// not come) it adds nothing and returns false.
func (f *demoFill) add(st *site.Site, date time.Time, status booking.Status) (bool, error) {
	kind := kindOf(st.Kind)
	slots := f.slots(st, date, status)
	if kind == booking.Swap && status != booking.Cancelled && status != booking.NoShow {
		// Keep charged batteries for the visitor's own swap booking.
		f.at = f.now.Add(-time.Hour)
		day, err := f.bk.Slots(f.ctx, st.ID, kind, date.Format("2006-01-02"))
		if err != nil || day.BatteriesLeft <= swapReserve {
			return false, nil // the day is closed, or its batteries are for the visitor
		}
	}
	for try := 0; try < 6 && try < len(slots); try++ {
		m := slots[try]
		start := slotStart(date, m)
		// Booked well before the slot, and before now.
		booked := start.Add(-3*time.Hour - f.minutes(0, 20*60))
		if booked.After(f.now.Add(-10 * time.Minute)) {
			booked = f.now.Add(-10*time.Minute - f.minutes(0, 240))
		}
		a, err := f.book(st, kind, date, m, booked)
		if err != nil {
			return false, err
		}
		if a == nil {
			continue
		}
		f.added++
		return true, f.advance(a, st, status, booked)
	}
	return false, nil
}

// book books slot m of st on date at the replay time at, as the first owner
// (from f.next on) whose vehicle can take it. It returns nil when the slot
// is full or no owner fits.
func (f *demoFill) book(st *site.Site, kind booking.Kind, date time.Time, m int, at time.Time) (*booking.Appointment, error) {
	for i := 0; i < len(f.owners) && i < 40; i++ {
		o := f.owners[(f.next+i)%len(f.owners)]
		if kind == booking.Swap && !o.SwapCapable {
			continue
		}
		owner, err := f.user(o.UserID)
		if err != nil {
			return nil, err
		}
		f.at = at
		a, err := f.bk.Book(f.ctx, owner, booking.BookInput{VehicleID: o.VehicleID, SiteID: st.ID, Kind: kind, Date: date.Format("2006-01-02"), Minute: m})
		switch {
		case err == nil:
			f.next = (f.next + i + 1) % len(f.owners)
			return a, nil
		case apperr.Is(err, apperr.Conflict):
			return nil, nil // the slot (or the day's batteries) is full
		case apperr.Is(err, apperr.Invalid):
			continue // this vehicle already holds an open appointment of the kind or in the slot
		default:
			return nil, err
		}
	}
	return nil, nil
}

var demoResults = map[booking.Kind]string{
	booking.Repair:   "已完成常规保养：更换空调滤芯，检查制动与底盘",
	booking.Charging: "充电完成，电量充至 90%",
	booking.Swap:     "换电完成，电池包检测正常",
}

var demoCancelReasons = []string{"行程有变", "车主来电改期", "时间冲突"}

// advance takes a booked appointment to status the way staff and owner
// would: confirm (and assign a technician and bay for a repair) within hours
// of the booking, start at the slot, complete after the work, mark a no-show
// after the slot, or cancel.
func (f *demoFill) advance(a *booking.Appointment, st *site.Site, status booking.Status, booked time.Time) error {
	if status == booking.Booked {
		return nil
	}
	staff := f.techs[f.r.IntN(len(f.techs))]
	act := func(at time.Time, action booking.Action, in booking.ActionInput) error {
		f.at = at
		_, err := f.bk.Act(f.ctx, staff, a.ID, action, in)
		return err
	}
	start := a.ScheduledAt
	if status == booking.Cancelled {
		owner, err := f.user(f.ownerOf(a))
		if err != nil {
			return err
		}
		reason := demoCancelReasons[f.r.IntN(len(demoCancelReasons))]
		if at := booked.Add(f.minutes(5, 60)); !at.After(f.now) && a.OwnerCanChange(at) {
			f.at = at
			_, err = f.bk.Cancel(f.ctx, owner, a.ID, reason, "")
			return err
		}
		f.at = f.clamp(start.Add(-f.minutes(10, 60)), booked.Add(time.Minute))
		_, err = f.bk.Cancel(f.ctx, staff, a.ID, reason, "")
		return err
	}
	if status == booking.NoShow && f.r.IntN(2) == 0 {
		return act(f.clamp(start.Add(f.minutes(15, 30)), start), booking.MarkNoShow, booking.ActionInput{})
	}
	confirmed := f.clamp(booked.Add(f.minutes(5, 180)), booked)
	if confirmed.After(start) {
		confirmed = f.clamp(start.Add(-time.Minute), booked)
	}
	if err := act(confirmed, booking.Confirm, booking.ActionInput{}); err != nil {
		return err
	}
	if a.Kind == booking.Repair {
		tech := f.techs[f.r.IntN(len(f.techs))]
		in := booking.ActionInput{TechnicianID: tech.ID, Bay: fmt.Sprintf("%d号工位", 1+f.r.IntN(max(1, st.Bays)))}
		if err := act(confirmed, booking.Assign, in); err != nil {
			return err
		}
	}
	switch status {
	case booking.NoShow:
		return act(f.clamp(start.Add(f.minutes(15, 30)), start), booking.MarkNoShow, booking.ActionInput{})
	case booking.InProgress, booking.Completed:
		started := f.clamp(start.Add(f.minutes(0, 5)), start)
		if err := act(started, booking.Start, booking.ActionInput{}); err != nil {
			return err
		}
		work := map[booking.Kind]time.Duration{booking.Repair: f.minutes(30, 55), booking.Charging: f.minutes(15, 28), booking.Swap: f.minutes(3, 6)}[a.Kind]
		done := f.clamp(started.Add(work), started)
		if a.Kind == booking.Repair {
			// A repair is worked on in its work order, which completes first.
			if err := f.workOrder(a, staff, started, done, status == booking.Completed); err != nil {
				return err
			}
		}
		if status == booking.InProgress {
			return nil
		}
		return act(done, booking.Complete, booking.ActionInput{Result: demoResults[a.Kind]})
	}
	return nil
}

// workOrder opens the work order of repair appointment a at started, with
// a diagnosis and one or two standard operations, starts it, and when
// complete is set completes it at done (the car waits to be handed over).
func (f *demoFill) workOrder(a *booking.Appointment, staff *identity.User, started, done time.Time, complete bool) error {
	f.at = f.clamp(started.Add(f.minutes(1, 5)), started)
	kind := "maintenance"
	if f.r.IntN(3) == 0 {
		kind = "repair"
	}
	w, err := f.wo.Open(f.ctx, staff, workorder.OpenInput{AppointmentID: a.ID, Kind: kind, MileageKM: 3000 + f.r.IntN(60000),
		Complaint: demoComplaint[kind]})
	if err != nil {
		return err
	}
	ops, err := f.wo.Operations(f.ctx, staff)
	if err != nil {
		return err
	}
	cause := "maintenance"
	if kind == "repair" {
		cause = "quality"
	}
	if _, err := f.wo.Update(f.ctx, staff, w.ID, workorder.UpdateInput{Kind: kind, Cause: cause, Complaint: w.Complaint, Diagnosis: demoDiagnosis[kind],
		MileageKM: w.MileageKM, TechnicianID: w.TechnicianID, Bay: w.Bay}); err != nil {
		return err
	}
	for _, code := range demoOperations[kind] {
		for _, op := range ops {
			if op.Code == code {
				if _, err := f.wo.AddLabour(f.ctx, staff, w.ID, workorder.LabourInput{OperationID: op.ID}); err != nil {
					return err
				}
			}
		}
	}
	if _, err := f.wo.Act(f.ctx, staff, w.ID, string(workorder.Start), workorder.ActInput{}); err != nil {
		return err
	}
	if !complete {
		return nil
	}
	f.at = done
	_, err = f.wo.Act(f.ctx, staff, w.ID, string(workorder.Complete), workorder.ActInput{})
	return err
}

var (
	demoComplaint  = map[string]string{"maintenance": "到达保养里程，做常规保养", "repair": "空调制冷效果差"}
	demoDiagnosis  = map[string]string{"maintenance": "按保养手册完成检查，各项正常", "repair": "空调压缩机电磁阀失效，需更换"}
	demoOperations = map[string][]string{"maintenance": {"OP-CHECK", "OP-FILTER"}, "repair": {"OP-DIAG", "OP-AC"}}
)

// ownerOf returns the user id of the owner who booked a.
func (f *demoFill) ownerOf(a *booking.Appointment) int64 {
	for _, o := range f.owners {
		if o.CustomerID == a.CustomerID {
			return o.UserID
		}
	}
	return 0
}
