package sales_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

func TestLeads(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, s := f.ctx, f.Svc

		// Bad input writes nothing.
		_, err := s.CreateLead(ctx, f.A, sales.LeadInput{Name: "王", Mobile: "12345", Source: "nowhere"})
		apperrtest.WantField(t, err, "name")
		apperrtest.WantField(t, err, "mobile")
		apperrtest.WantField(t, err, "source")
		if n := f.count(`SELECT COUNT(*) FROM leads`) + f.count(`SELECT COUNT(*) FROM customers`); n != 0 {
			t.Fatalf("bad input wrote %d rows", n)
		}
		_, err = s.CreateLead(ctx, f.Service_, sales.LeadInput{Name: "王芳", Mobile: "13800000001", Source: "website"})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = s.CreateLead(ctx, nil, sales.LeadInput{})
		apperrtest.WantCode(t, err, apperr.Unauthenticated)

		// A consultant's lead: their store, their own, a new prospect.
		l, err := s.CreateLead(ctx, f.A, sales.LeadInput{Name: "王芳", Mobile: "13800000001", City: "上海", Source: "walk_in", ModelID: f.BEV, BudgetFen: 30000000})
		if err != nil {
			t.Fatal(err)
		}
		if l.StoreID != f.Store || l.OwnerID != f.A.ID || l.Status != "new" || l.CustomerName != "王芳" || l.ResponseMins != -1 {
			t.Fatalf("lead = %+v", l)
		}
		// The same mobile again reuses the customer.
		l2, err := s.CreateLead(ctx, f.A, sales.LeadInput{Name: "王芳芳", Mobile: "13800000001", Source: "app"})
		if err != nil || l2.CustomerID != l.CustomerID {
			t.Fatalf("second lead = %+v, %v", l2, err)
		}
		if n := f.count(`SELECT COUNT(*) FROM customers`); n != 1 {
			t.Errorf("customers = %d, want 1", n)
		}

		// Round-robin inside the store: rules are the admin's.
		_, err = s.CreateRule(ctx, f.A, sales.RuleInput{Kind: "round_robin", StoreID: f.Store})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		if _, err := s.CreateRule(ctx, f.Admin, sales.RuleInput{Kind: "round_robin", StoreID: f.Store}); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateRule(ctx, f.Admin, sales.RuleInput{Kind: "round_robin", StoreID: f.Store})
		apperrtest.WantField(t, err, "store_id")
		consultants, err := s.Consultants(ctx, f.Admin, f.Store)
		if err != nil {
			t.Fatal(err)
		}
		var owners []int64
		for i := 0; i < 2*len(consultants); i++ {
			l, err := s.CreateLead(ctx, f.Admin, sales.LeadInput{Name: "轮转客户", Mobile: fmt.Sprintf("139000000%02d", i), Source: "website", StoreID: f.Store})
			if err != nil {
				t.Fatal(err)
			}
			owners = append(owners, l.OwnerID)
		}
		for i := range owners {
			if owners[i] == 0 || (i >= len(consultants) && owners[i] != owners[i-len(consultants)]) || (i > 0 && owners[i] == owners[i-1]) {
				t.Fatalf("round-robin owners = %v over %d consultants", owners, len(consultants))
			}
		}
		// The new owner got a notification.
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'lead.assigned'`, owners[0]); n != 2 {
			t.Errorf("owner %d has %d lead notifications, want 2", owners[0], n)
		}

		// By city: a website lead of 杭州 goes to the 杭州 store's named consultant.
		if _, err := s.CreateRule(ctx, f.Admin, sales.RuleInput{Kind: "city", City: "杭州", StoreID: f.Store2, UserID: f.Other.ID}); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateRule(ctx, f.Admin, sales.RuleInput{Kind: "city", City: "杭州", StoreID: f.Store2})
		apperrtest.WantField(t, err, "city")
		hz, err := s.CreateLead(ctx, f.Admin, sales.LeadInput{Name: "钱塘", Mobile: "13700000001", City: "杭州", Source: "website"})
		if err != nil || hz.StoreID != f.Store2 || hz.OwnerID != f.Other.ID {
			t.Fatalf("city lead = %+v, %v", hz, err)
		}
		_, err = s.CreateLead(ctx, f.Admin, sales.LeadInput{Name: "无规则", Mobile: "13700000002", City: "成都", Source: "website"})
		apperrtest.WantField(t, err, "store_id")

		// Another store's lead is not found, in lists and by id.
		_, err = s.GetLead(ctx, f.Other, l.ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
		page, total, err := s.ListLeads(ctx, f.Other, sales.LeadFilter{})
		if err != nil || total.N != 1 || len(page.Items) != 1 || page.Items[0].ID != hz.ID {
			t.Fatalf("Other's list = %d %+v, %v", total.N, page.Items, err)
		}
		// A colleague sees the lead, masked, and cannot work on it.
		dB, err := s.GetLead(ctx, f.B, l.ID)
		if err != nil || dB.CanWork || dB.Lead.Mobile != "138****0001" {
			t.Fatalf("colleague's view = %+v, %v", dB, err)
		}
		_, err = s.LogLeadFollowUp(ctx, f.B, l.ID, sales.FollowUpInput{Channel: "phone", Content: "打过电话"})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = s.AssignLead(ctx, f.B, l.ID, f.B.ID)
		apperrtest.WantCode(t, err, apperr.Forbidden)

		// Filters: mobile's last four, status, owner.
		page, _, err = s.ListLeads(ctx, f.A, sales.LeadFilter{Query: "0001", OwnerID: f.A.ID})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("last-four search = %d, %v", len(page.Items), err)
		}
		_, _, err = s.ListLeads(ctx, f.A, sales.LeadFilter{Status: "bogus"})
		apperrtest.WantField(t, err, "status")
		// Keyset pages cover the store's leads once each.
		seen := map[int64]bool{}
		cursor := ""
		for {
			p, _, err := s.ListLeads(ctx, f.A, sales.LeadFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range p.Items {
				if seen[x.ID] {
					t.Fatalf("lead %d twice", x.ID)
				}
				seen[x.ID] = true
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if want := f.count(`SELECT COUNT(*) FROM leads WHERE store_id = $1`, f.Store); len(seen) != want {
			t.Errorf("pages gave %d leads, want %d", len(seen), want)
		}

		// First follow-up 30 minutes later: response time, contacted, a task for today.
		f.Clock.Advance(30 * time.Minute)
		_, err = s.LogLeadFollowUp(ctx, f.A, l.ID, sales.FollowUpInput{Channel: "phone", Content: "x", NextAction: "", NextAt: start.Add(-time.Hour)})
		apperrtest.WantField(t, err, "content")
		apperrtest.WantField(t, err, "next_action")
		apperrtest.WantField(t, err, "next_at")
		due := time.Date(2026, 11, 20, 15, 0, 0, 0, sales.Shanghai)
		if _, err := s.LogLeadFollowUp(ctx, f.A, l.ID, sales.FollowUpInput{Channel: "phone", Content: "客户关心续航和充电", NextAction: "邀约到店试驾", NextAt: due}); err != nil {
			t.Fatal(err)
		}
		var contact time.Time
		if err := f.DB.QueryRowContext(ctx, `SELECT last_contact_at FROM customers WHERE id = (SELECT customer_id FROM leads WHERE id = $1)`, l.ID).Scan(&contact); err != nil ||
			!contact.Equal(f.Clock.Now()) {
			t.Errorf("the customer's last contact is %v (%v), want the follow-up's time %v", contact, err, f.Clock.Now())
		}
		d1, err := s.GetLead(ctx, f.A, l.ID)
		if err != nil || d1.Lead.ResponseMins != 30 || d1.Lead.Status != "contacted" || len(d1.FollowUps) != 1 || d1.Lead.Mobile != "13800000001" {
			t.Fatalf("after follow-up: %+v, %v", d1.Lead, err)
		}
		today, n, err := s.Tasks(ctx, f.A, sales.TasksToday, false)
		if err != nil || n != 1 || len(today) != 1 || today[0].NextAction != "邀约到店试驾" {
			t.Fatalf("today's tasks = %d %v, %v", n, today, err)
		}
		if over, n, _ := s.Tasks(ctx, f.A, sales.TasksOverdue, false); n != 0 || len(over) != 0 {
			t.Errorf("overdue before 15:00 = %d", n)
		}
		// Reminders: none before it is due, one after, never twice.
		if n, err := s.SendTaskReminders(ctx, identity.System()); err != nil || n != 0 {
			t.Errorf("reminders before due = %d, %v", n, err)
		}
		f.Clock.Set(due.Add(time.Hour))
		if _, n, _ := s.Tasks(ctx, f.A, sales.TasksOverdue, false); n != 1 {
			t.Errorf("overdue after 15:00 = %d, want 1", n)
		}
		_, err = s.SendTaskReminders(ctx, f.A)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		if n, err := s.SendTaskReminders(ctx, identity.System()); err != nil || n != 1 {
			t.Errorf("reminders = %d, %v; want 1", n, err)
		}
		if n, err := s.SendTaskReminders(ctx, identity.System()); err != nil || n != 0 {
			t.Errorf("second run reminders = %d, %v; want 0", n, err)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'lead.task_due'`, f.A.ID); n != 1 {
			t.Errorf("task notifications = %d, want 1", n)
		}
		if err := s.CompleteTask(ctx, f.A, today[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := s.Tasks(ctx, f.A, sales.TasksOverdue, false); n != 0 {
			t.Errorf("overdue after done = %d", n)
		}
		apperrtest.WantCode(t, s.CompleteTask(ctx, f.Other, today[0].ID), apperr.NotFound)

		// Disqualify with a reason.
		_, err = s.DisqualifyLead(ctx, f.A, l2.ID, "否")
		apperrtest.WantField(t, err, "reason")
		if x, err := s.DisqualifyLead(ctx, f.A, l2.ID, "无效线索：重复登记"); err != nil || x.Status != "lost" || x.LostReason != "无效线索：重复登记" {
			t.Fatalf("disqualify = %+v, %v", x, err)
		}
		_, err = s.DisqualifyLead(ctx, f.A, l2.ID, "再来一次")
		apperrtest.WantCode(t, err, apperr.Conflict)

		// Convert: an opportunity at intent with the model's price, one history row.
		oppID, err := s.ConvertLead(ctx, f.A, l.ID, sales.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		od, err := s.GetOpportunity(ctx, f.A, oppID)
		if err != nil || od.Opp.Stage != "intent" || od.Opp.AmountFen != 26800000 || od.Opp.Probability != 10 || len(od.History) != 1 || od.Opp.OwnerID != f.A.ID {
			t.Fatalf("converted = %+v %v, %v", od.Opp, od.History, err)
		}
		_, err = s.ConvertLead(ctx, f.A, l.ID, sales.ConvertInput{})
		apperrtest.WantCode(t, err, apperr.Conflict)
		if n := f.count(`SELECT COUNT(*) FROM customers WHERE id = $1 AND stage = 'interested'`, l.CustomerID); n != 1 {
			t.Errorf("customer stage not interested")
		}

		// The manager reassigns within the store; the new owner is told.
		_, err = s.AssignLead(ctx, f.Manager, hz.ID, f.B.ID)
		apperrtest.WantCode(t, err, apperr.NotFound) // another store's lead
		l4, err := s.CreateLead(ctx, f.Admin, sales.LeadInput{Name: "待分配", Mobile: "13900000099", Source: "website", StoreID: f.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AssignLead(ctx, f.Manager, l4.ID, f.Other.ID)
		apperrtest.WantField(t, err, "owner_id") // a consultant of another store
		to := f.B
		if l4.OwnerID == f.B.ID {
			to = f.A
		}
		before := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1`, to.ID)
		if x, err := s.AssignLead(ctx, f.Manager, l4.ID, to.ID); err != nil || x.OwnerID != to.ID {
			t.Fatalf("manager's reassignment = %+v, %v", x, err)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1`, to.ID); n != before+1 {
			t.Errorf("the new owner got %d notifications, want 1", n-before)
		}
	})
}

func TestOpportunityToDelivery(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, s := f.ctx, f.Svc
		l, err := s.CreateLead(ctx, f.A, sales.LeadInput{Name: "赵买车", Mobile: "13600000001", Source: "walk_in", ModelID: f.BEV})
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.ConvertLead(ctx, f.A, l.ID, sales.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		// Stage rules.
		if _, err := s.UpdateOpportunity(ctx, f.A, id, sales.OppUpdate{AmountFen: 0}); err != nil {
			t.Fatal(err)
		}
		_, err = s.MoveStage(ctx, f.A, id, sales.MoveInput{Stage: "quote"})
		apperrtest.WantField(t, err, "amount")
		_, err = s.MoveStage(ctx, f.A, id, sales.MoveInput{Stage: "lost"})
		apperrtest.WantField(t, err, "lost_reason")
		_, err = s.MoveStage(ctx, f.A, id, sales.MoveInput{Stage: "delivered"})
		apperrtest.WantField(t, err, "stage")
		_, err = s.MoveStage(ctx, f.B, id, sales.MoveInput{Stage: "quote", AmountFen: 1})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = s.MoveStage(ctx, f.Other, id, sales.MoveInput{Stage: "quote", AmountFen: 1})
		apperrtest.WantCode(t, err, apperr.NotFound)
		o, err := s.MoveStage(ctx, f.A, id, sales.MoveInput{Stage: "quote", AmountFen: 25800000})
		if err != nil || o.Stage != "quote" || o.Probability != 50 || o.AmountFen != 25800000 {
			t.Fatalf("quote = %+v, %v", o, err)
		}
		// An order needs a won deal.
		_, err = s.CreateOrder(ctx, f.A, id, sales.OrderInput{Configuration: "长续航版"})
		apperrtest.WantCode(t, err, apperr.Conflict)
		if _, err := s.MoveStage(ctx, f.A, id, sales.MoveInput{Stage: "order"}); err != nil {
			t.Fatal(err)
		}
		cols, p, err := s.Board(ctx, f.A, sales.OppFilter{})
		if err != nil || p.Open != 1 || p.WeightedFen != 25800000*90/100 || cols[3].Count != 1 {
			t.Fatalf("board = %+v, %v", p, err)
		}
		_, err = s.CreateOrder(ctx, f.A, id, sales.OrderInput{Configuration: "长续航版", DiscountFen: 100, DepositFen: 99999999999})
		apperrtest.WantField(t, err, "deposit")
		ord, err := s.CreateOrder(ctx, f.A, id, sales.OrderInput{Configuration: "长续航版 · 智驾包", Color: "星河蓝", PriceFen: 26800000, DiscountFen: 1000000, DepositFen: 500000})
		if err != nil || ord.Status != "ordered" || ord.BalanceFen() != 26800000-1000000-500000 {
			t.Fatalf("order = %+v, %v", ord, err)
		}
		_, err = s.CreateOrder(ctx, f.A, id, sales.OrderInput{Configuration: "再来一单"})
		apperrtest.WantCode(t, err, apperr.Conflict)

		// Delivery: bad VIN, a plate that does not fit, no password: nothing written.
		vins := f.count(`SELECT COUNT(*) FROM vehicles`)
		good := vehicle.NewVIN(f.BEV, 2026, 42)
		bad := good[:8] + map[bool]string{true: "1", false: "2"}[good[8] != '1'] + good[9:]
		_, err = s.Deliver(ctx, f.A, ord.ID, sales.DeliverInput{VIN: bad, Plate: "沪AF12345"})
		apperrtest.WantField(t, err, "vin")
		apperrtest.WantField(t, err, "plate")
		apperrtest.WantField(t, err, "password")
		if n := f.count(`SELECT COUNT(*) FROM vehicles`); n != vins {
			t.Fatalf("a refused delivery wrote a vehicle")
		}
		_, err = s.Deliver(ctx, f.B, ord.ID, sales.DeliverInput{VIN: good, Plate: "沪AD12345", Password: "buyer-pass-1"})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		del, err := s.Deliver(ctx, f.A, ord.ID, sales.DeliverInput{VIN: good, Plate: "沪AD12345", Password: "buyer-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		if del.Status != "delivered" || del.VehicleID == 0 || del.VIN != good || del.Plate != "沪AD12345" || del.AccountID == 0 {
			t.Fatalf("delivered = %+v", del)
		}
		if n := f.count(`SELECT COUNT(*) FROM customers WHERE id = $1 AND kind = 'owner' AND stage = 'delivered'`, l.CustomerID); n != 1 {
			t.Error("customer is not an owner")
		}
		if n := f.count(`SELECT COUNT(*) FROM vehicles WHERE customer_id = $1 AND vin = $2`, l.CustomerID, good); n != 1 {
			t.Error("vehicle not the customer's")
		}
		// The buyer logs in with their mobile and sees the car.
		u, err := f.Acc.Authenticate(ctx, "13600000001", "buyer-pass-1", "")
		if err != nil || u.Role != identity.RoleOwner || u.CustomerID != l.CustomerID {
			t.Fatalf("buyer login = %+v, %v", u, err)
		}
		cars, err := vehicle.NewService(d).ListMine(ctx, u)
		if err != nil || len(cars) != 1 || cars[0].Plate != "沪AD12345" {
			t.Fatalf("buyer's cars = %v, %v", cars, err)
		}
		od, err := s.GetOpportunity(ctx, f.A, id)
		if err != nil || od.Opp.Stage != "delivered" || len(od.History) != 4 || od.Order == nil {
			t.Fatalf("delivered deal = %+v %d, %v", od.Opp, len(od.History), err)
		}
		_, err = s.MoveStage(ctx, f.A, id, sales.MoveInput{Stage: "lost", LostReason: "反悔了"})
		apperrtest.WantCode(t, err, apperr.Conflict)
		_, err = s.Deliver(ctx, f.A, ord.ID, sales.DeliverInput{VIN: good, Plate: "沪AD12345"})
		apperrtest.WantCode(t, err, apperr.Conflict)
		// Lost needs a reason and counts no more in the pipeline.
		l3, _ := s.CreateLead(ctx, f.A, sales.LeadInput{Name: "孙观望", Mobile: "13600000002", Source: "app", ModelID: f.PHEV})
		id3, err := s.ConvertLead(ctx, f.A, l3.ID, sales.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if o, err := s.MoveStage(ctx, f.A, id3, sales.MoveInput{Stage: "lost", LostReason: "选择了竞品"}); err != nil || o.LostReason != "选择了竞品" || o.ClosedAt.IsZero() {
			t.Fatalf("lost = %+v, %v", o, err)
		}
		if p, err := s.PipelineSummary(ctx, f.A); err != nil || p.Open != 0 {
			t.Errorf("pipeline after won and lost = %+v, %v", p, err)
		}
	})
}

func TestTestDrivesNoDoubleBooking(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, s := f.ctx, f.Svc
		_, err := s.AddCar(ctx, f.A, sales.CarInput{ModelID: f.BEV, Plate: "沪AD00001"})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = s.AddCar(ctx, f.Manager, sales.CarInput{StoreID: f.Store, ModelID: f.BEV, Plate: "沪AF00001"})
		apperrtest.WantField(t, err, "plate")
		car, err := s.AddCar(ctx, f.Manager, sales.CarInput{StoreID: f.Store, ModelID: f.BEV, Plate: "沪AD00001", Color: "白"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		leads := make([]int64, n)
		for i := range leads {
			l, err := s.CreateLead(ctx, f.A, sales.LeadInput{Name: "试驾客户", Mobile: fmt.Sprintf("135000000%02d", i), Source: "website"})
			if err != nil {
				t.Fatal(err)
			}
			leads[i] = l.ID
		}
		// Bad hours.
		_, err = s.BookTestDrive(ctx, f.A, sales.BookInput{LeadID: leads[0], CarID: car.ID, Date: "2026-11-20", Hour: 8})
		apperrtest.WantField(t, err, "hour")
		_, err = s.BookTestDrive(ctx, f.Other, sales.BookInput{LeadID: leads[0], CarID: car.ID, Date: "2026-11-21", Hour: 10})
		apperrtest.WantCode(t, err, apperr.NotFound)
		// Eight consultants book the same car and hour at once: one wins.
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = s.BookTestDrive(ctx, f.A, sales.BookInput{LeadID: leads[i], CarID: car.ID, Date: "2026-11-21", Hour: 10})
			}(i)
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Errorf("booking error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d bookings of one car and hour succeeded, want 1", won)
		}
		if c := f.count(`SELECT COUNT(*) FROM test_drives WHERE car_id = $1`, car.ID); c != 1 {
			t.Fatalf("%d rows for the car, want 1", c)
		}
		day, err := s.CarDay(ctx, f.A, car.ID, "2026-11-21")
		if err != nil {
			t.Fatal(err)
		}
		for _, sl := range day {
			if (sl.Hour == 10) == sl.Free {
				t.Errorf("slot %d free = %v", sl.Hour, sl.Free)
			}
		}
		// Another hour is fine; a cancelled booking frees its hour.
		td, err := s.BookTestDrive(ctx, f.A, sales.BookInput{LeadID: leads[0], CarID: car.ID, Date: "2026-11-21", Hour: 14})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.RecordOutcome(ctx, f.A, td.ID, sales.OutcomeInput{Status: "done", Outcome: "interested"})
		apperrtest.WantField(t, err, "status")
		if _, err := s.RecordOutcome(ctx, f.A, td.ID, sales.OutcomeInput{Status: "cancelled"}); err != nil {
			t.Fatal(err)
		}
		td2, err := s.BookTestDrive(ctx, f.A, sales.BookInput{LeadID: leads[1], CarID: car.ID, Date: "2026-11-21", Hour: 14})
		if err != nil {
			t.Fatalf("rebooking a cancelled hour: %v", err)
		}
		// The outcome after the drive: the lead is test-driven and qualified.
		f.Clock.Set(time.Date(2026, 11, 21, 15, 5, 0, 0, sales.Shanghai))
		_, err = s.RecordOutcome(ctx, f.A, td2.ID, sales.OutcomeInput{Status: "done"})
		apperrtest.WantField(t, err, "outcome")
		got, err := s.RecordOutcome(ctx, f.A, td2.ID, sales.OutcomeInput{Status: "done", Outcome: "interested", Feedback: "很喜欢加速"})
		if err != nil || got.Status != "done" || got.Outcome != "interested" {
			t.Fatalf("outcome = %+v, %v", got, err)
		}
		// leads[1] also holds the 10:00 drive if it won the race above.
		drives := 1
		if errs[1] == nil {
			drives = 2
		}
		ld, err := s.GetLead(ctx, f.A, leads[1])
		if err != nil || !ld.Lead.TestDrive || ld.Lead.Status != "qualified" || len(ld.TestDrives) != drives {
			t.Fatalf("lead after drive = %+v, %v", ld.Lead, err)
		}
		_, err = s.RecordOutcome(ctx, f.A, td2.ID, sales.OutcomeInput{Status: "no_show"})
		apperrtest.WantCode(t, err, apperr.Conflict)
		page, total, err := s.ListTestDrives(ctx, f.A, sales.TDFilter{Status: "done"})
		if err != nil || total.N != 1 || page.Items[0].ID != td2.ID {
			t.Fatalf("done list = %d, %v", total.N, err)
		}
		if _, total, _ := s.ListTestDrives(ctx, f.Other, sales.TDFilter{}); total.N != 0 {
			t.Errorf("another store sees %d test drives", total.N)
		}
	})
}
