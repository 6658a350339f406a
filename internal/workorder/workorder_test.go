package workorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	delivered := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	base := workorder.Facts{Kind: workorder.Repair, Cause: workorder.Quality, Delivered: delivered,
		At: delivered.AddDate(1, 0, 0), MileageKM: 20000, Terms: vehicle.DefaultTerms}
	cases := []struct {
		name  string
		edit  func(f *workorder.Facts)
		scope workorder.Scope
		want  workorder.Payer
		why   string
	}{
		{"quality fault in vehicle warranty", func(*workorder.Facts) {}, workorder.ScopeVehicle, workorder.WarrantyP, "整车质保内"},
		{"wear item never", func(*workorder.Facts) {}, workorder.ScopeNone, workorder.Owner, "易损件"},
		{"wear is paid", func(f *workorder.Facts) { f.Cause = workorder.Wear }, workorder.ScopeVehicle, workorder.Owner, "正常磨损"},
		{"accident is paid", func(f *workorder.Facts) { f.Cause = workorder.Accident }, workorder.ScopeBattery, workorder.Owner, "事故"},
		{"vehicle years over", func(f *workorder.Facts) { f.At = delivered.AddDate(3, 0, 0) }, workorder.ScopeVehicle, workorder.Owner, "已于 2027-01-10 到期"},
		{"battery years still run", func(f *workorder.Facts) { f.At = delivered.AddDate(5, 0, 0) }, workorder.ScopeBattery, workorder.WarrantyP, "电池质保内"},
		{"vehicle km over", func(f *workorder.Facts) { f.MileageKM = 100001 }, workorder.ScopeVehicle, workorder.Owner, "超过整车质保的 100,000 公里"},
		{"battery km edge", func(f *workorder.Facts) { f.MileageKM = 160000 }, workorder.ScopeBattery, workorder.WarrantyP, ""},
		{"battery km over", func(f *workorder.Facts) { f.MileageKM = 160001 }, workorder.ScopeBattery, workorder.Owner, "电池质保"},
		{"recall always", func(f *workorder.Facts) { f.Kind, f.Cause = workorder.Recall, workorder.Wear }, workorder.ScopeNone, workorder.WarrantyP, "召回"},
		{"no delivery date", func(f *workorder.Facts) { f.Delivered = time.Time{} }, workorder.ScopeVehicle, workorder.Owner, "没有交付日期"},
	}
	for _, c := range cases {
		f := base
		c.edit(&f)
		d := workorder.Decide(f, c.scope)
		if d.Payer != c.want || !strings.Contains(d.Reason, c.why) {
			t.Errorf("%s: got %s %q, want %s containing %q", c.name, d.Payer, d.Reason, c.want, c.why)
		}
	}
}

func TestOpenFromAppointment(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, err := f.Book.Book(f.ctx, f.OwnerA, booking.BookInput{VehicleID: f.VehA, SiteID: f.Center, Kind: booking.Repair, Date: today, Minute: 600, Note: "异响"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a.ID, Kind: "repair", MileageKM: 100})
		wantCode(t, "open before service started", err, apperr.Conflict)
		for _, act := range []booking.Action{booking.Confirm, booking.Start} {
			if _, err := f.Book.Act(f.ctx, f.ServiceA, a.ID, act, booking.ActionInput{}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.Svc.Open(f.ctx, f.ServiceB, workorder.OpenInput{AppointmentID: a.ID, Kind: "repair", MileageKM: 100})
		wantCode(t, "other center", err, apperr.NotFound)
		_, err = f.Svc.Open(f.ctx, f.OwnerA, workorder.OpenInput{AppointmentID: a.ID, Kind: "repair", MileageKM: 100})
		wantCode(t, "owner", err, apperr.Forbidden)
		_, err = f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a.ID, Kind: "repair", MileageKM: 0})
		if e := apperr.As(err); e == nil || e.Fields["mileage_km"] == "" {
			t.Fatalf("zero mileage: %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM work_orders`); n != 0 {
			t.Fatalf("refused opens wrote %d work orders", n)
		}
		w, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a.ID, Kind: "repair", MileageKM: 23000, FaultCodes: "p0a80，u0100"})
		if err != nil {
			t.Fatal(err)
		}
		if w.Status != workorder.Open || w.Complaint != "异响" || w.VehicleID != f.VehA || w.FaultCodes != "P0A80, U0100" ||
			!strings.HasPrefix(w.Code, "WO20261120") || w.CustomerMobile == "" || !strings.Contains(w.CustomerMobile, "****") {
			t.Fatalf("opened %+v", w)
		}
		_, err = f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a.ID, Kind: "repair", MileageKM: 23000})
		wantCode(t, "second work order", err, apperr.Conflict)

		// Walk-in by plate, case and spaces ignored.
		wi, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{VehicleKey: " 沪a10002 ", Kind: "maintenance", Complaint: "常规保养", MileageKM: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if wi.AppointmentID != 0 || wi.VehicleID != f.VehB || wi.Cause != workorder.MaintenanceDo {
			t.Fatalf("walk-in %+v", wi)
		}
		_, err = f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{VehicleKey: "沪Z99999", Kind: "repair", Complaint: "x", MileageKM: 5})
		if e := apperr.As(err); e == nil || e.Fields["vehicle_key"] == "" {
			t.Fatalf("unknown plate: %v", err)
		}
		// Other centers' staff and sales cannot read it; the owner can.
		_, err = f.Svc.Get(f.ctx, f.ServiceB, w.ID)
		wantCode(t, "other center reads", err, apperr.NotFound)
		_, err = f.Svc.Get(f.ctx, f.OwnerB, w.ID)
		wantCode(t, "other owner reads", err, apperr.NotFound)
		_, err = f.Svc.Get(f.ctx, f.Sales, w.ID)
		wantCode(t, "sales reads", err, apperr.NotFound)
		if got, err := f.Svc.Get(f.ctx, f.OwnerA, w.ID); err != nil || strings.Contains(got.CustomerMobile, "****") {
			t.Fatalf("owner reads own: %v %+v", err, got)
		}
		_, err = f.Svc.Update(f.ctx, f.ServiceB, w.ID, workorder.UpdateInput{Kind: "repair", Cause: "quality", Complaint: "x", MileageKM: 1})
		wantCode(t, "other center updates", err, apperr.NotFound)
		_, err = f.Svc.Act(f.ctx, f.ServiceB, w.ID, "start", workorder.ActInput{})
		wantCode(t, "other center acts", err, apperr.NotFound)
	})
}

func TestLabourWarrantyAndTotals(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.exec(`INSERT INTO labour_rates (site_id, hourly_rate_fen, updated_at) VALUES ($1, 36000, $2)`, f.Center, start.UTC())
		w := f.open(f.startedAppointment(f.OwnerA, f.VehA, 600), "repair")
		// Maintenance (scope none): the owner pays 20 min × ¥360/h = ¥120.
		w, err := f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: f.op("OP-FILTER"), TechnicianID: f.TechA.ID})
		if err != nil {
			t.Fatal(err)
		}
		// A/C repair (vehicle warranty, quality fault, car a year old): 150 min = ¥900 warranty.
		w, err = f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: f.op("OP-AC")})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Labour) != 2 || w.Labour[0].AmountFen != 12000 || w.Labour[0].Payer != workorder.Owner || w.Labour[0].TechnicianName != "技师甲" ||
			w.Labour[1].AmountFen != 90000 || w.Labour[1].Payer != workorder.WarrantyP || !strings.Contains(w.Labour[1].PayerReason, "整车质保内") {
			t.Fatalf("lines %+v %+v", w.Labour[0], w.Labour[1])
		}
		if w.LabourFen != 102000 || w.TotalFen != 12000 || w.WarrantyFen != 90000 {
			t.Fatalf("totals labour %d owner %d warranty %d", w.LabourFen, w.TotalFen, w.WarrantyFen)
		}
		_, err = f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: 99999})
		if e := apperr.As(err); e == nil || e.Fields["operation_id"] == "" {
			t.Fatalf("unknown operation: %v", err)
		}
		_, err = f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: f.op("OP-AC"), TechnicianID: f.ServiceB.ID})
		if e := apperr.As(err); e == nil || e.Fields["technician_id"] == "" {
			t.Fatalf("technician of another center: %v", err)
		}
		// The diagnosis finds an accident: warranty no longer applies.
		upd := workorder.UpdateInput{Kind: "repair", Cause: "accident", Complaint: w.Complaint, Diagnosis: "碰撞导致冷凝器破损", MileageKM: 23000}
		if w, err = f.Svc.Update(f.ctx, f.ServiceA, w.ID, upd); err != nil {
			t.Fatal(err)
		}
		if w.WarrantyFen != 0 || w.TotalFen != 102000 || w.Labour[1].Payer != workorder.Owner {
			t.Fatalf("after accident: owner %d warranty %d payer %s", w.TotalFen, w.WarrantyFen, w.Labour[1].Payer)
		}
		// Staff override needs a reason; it is audited with the system's decision.
		_, err = f.Svc.SetPayer(f.ctx, f.ServiceA, w.ID, workorder.PayerInput{Line: "labour", LineID: w.Labour[1].ID, Payer: "warranty"})
		if e := apperr.As(err); e == nil || e.Fields["reason"] == "" {
			t.Fatalf("override without reason: %v", err)
		}
		w, err = f.Svc.SetPayer(f.ctx, f.ServiceA, w.ID, workorder.PayerInput{Line: "labour", LineID: w.Labour[1].ID, Payer: "warranty", Reason: "厂家特批"})
		if err != nil {
			t.Fatal(err)
		}
		if !w.Labour[1].PayerOverride || w.Labour[1].Payer != workorder.WarrantyP || w.WarrantyFen != 90000 || w.TotalFen != 12000 {
			t.Fatalf("override: %+v owner %d warranty %d", w.Labour[1], w.TotalFen, w.WarrantyFen)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'work_orders' AND entity_id = $1 AND action = 'work_order.payer_override'
			AND detail LIKE '%厂家特批%'`, w.ID); n != 1 {
			t.Fatalf("%d override audit entries", n)
		}
		// An override survives a new decision; "auto" returns to it.
		upd.Cause = "wear"
		if w, err = f.Svc.Update(f.ctx, f.ServiceA, w.ID, upd); err != nil || w.Labour[1].Payer != workorder.WarrantyP {
			t.Fatalf("override lost on update: %v", err)
		}
		if w, err = f.Svc.SetPayer(f.ctx, f.ServiceA, w.ID, workorder.PayerInput{Line: "labour", LineID: w.Labour[1].ID, Payer: "auto"}); err != nil ||
			w.Labour[1].Payer != workorder.Owner || w.Labour[1].PayerOverride {
			t.Fatalf("back to auto: %v %+v", err, w.Labour)
		}
		if w, err = f.Svc.RemoveLabour(f.ctx, f.ServiceA, w.ID, w.Labour[0].ID); err != nil || w.LabourFen != 90000 || len(w.Labour) != 1 {
			t.Fatalf("remove: %v", err)
		}
		_, err = f.Svc.RemoveLabour(f.ctx, f.ServiceA, w.ID, w.Labour[0].ID+1000)
		wantCode(t, "remove unknown line", err, apperr.NotFound)
	})
}

func TestStatusMachineAndAppointment(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.startedAppointment(f.OwnerA, f.VehA, 600)
		// A repair appointment cannot be completed without its work order.
		_, err := f.Book.Act(f.ctx, f.ServiceA, a.ID, booking.Complete, booking.ActionInput{Result: "完成"})
		wantCode(t, "complete appointment without work order", err, apperr.Conflict)
		w := f.open(a, "repair")
		_, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "complete", workorder.ActInput{})
		wantCode(t, "complete from open", err, apperr.Conflict)
		_, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "fly", workorder.ActInput{})
		wantCode(t, "unknown action", err, apperr.NotFound)
		if w, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "start", workorder.ActInput{}); err != nil || w.Status != workorder.InProgress {
			t.Fatalf("start: %v", err)
		}
		_, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "complete", workorder.ActInput{})
		if err == nil || !strings.Contains(err.Error(), "诊断") {
			t.Fatalf("complete without diagnosis: %v", err)
		}
		upd := workorder.UpdateInput{Kind: "repair", Cause: "quality", Complaint: "空调不制冷", Diagnosis: "压缩机故障", MileageKM: 23000}
		if _, err = f.Svc.Update(f.ctx, f.ServiceA, w.ID, upd); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "complete", workorder.ActInput{})
		if err == nil || !strings.Contains(err.Error(), "工时") {
			t.Fatalf("complete without lines: %v", err)
		}
		if _, err = f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: f.op("OP-DIAG")}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			act  string
			want workorder.Status
		}{{"wait-parts", workorder.WaitingParts}, {"resume", workorder.InProgress}, {"complete", workorder.Completed}} {
			if w, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, step.act, workorder.ActInput{}); err != nil || w.Status != step.want {
				t.Fatalf("%s: %v", step.act, err)
			}
		}
		_, err = f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: f.op("OP-DIAG")})
		wantCode(t, "add labour after completion", err, apperr.Conflict)
		_, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "cancel", workorder.ActInput{Reason: "客户不修了"})
		wantCode(t, "cancel completed", err, apperr.Conflict)
		// Now the appointment can be completed.
		if _, err := f.Book.Act(f.ctx, f.ServiceA, a.ID, booking.Complete, booking.ActionInput{Result: "维修完成"}); err != nil {
			t.Fatalf("complete appointment after work order: %v", err)
		}
		before := f.count(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.customer_id = $1 AND n.kind = 'workorder.handed_over'`, f.CustA)
		if w, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "hand-over", workorder.ActInput{}); err != nil || w.Status != workorder.Closed || w.ClosedAt == nil {
			t.Fatalf("hand over: %v", err)
		}
		after := f.count(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.customer_id = $1 AND n.kind = 'workorder.handed_over'`, f.CustA)
		if after != before+1 {
			t.Fatalf("hand-over notifications %d → %d", before, after)
		}
		hist, err := f.Svc.History(f.ctx, f.ServiceA, w.ID)
		if err != nil || len(hist) < 6 {
			t.Fatalf("history: %v %d", err, len(hist))
		}

		// Cancel needs a reason; a cancelled order frees the appointment for a new one.
		a2 := f.startedAppointment(f.OwnerB, f.VehB, 660)
		w2, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a2.ID, Kind: "repair", MileageKM: 10})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Act(f.ctx, f.ServiceA, w2.ID, "cancel", workorder.ActInput{})
		if e := apperr.As(err); e == nil || e.Fields["reason"] == "" {
			t.Fatalf("cancel without reason: %v", err)
		}
		if w2, err = f.Svc.Act(f.ctx, f.ServiceA, w2.ID, "cancel", workorder.ActInput{Reason: "客户改期"}); err != nil || w2.Status != workorder.Cancelled || w2.CancelReason != "客户改期" {
			t.Fatalf("cancel: %v", err)
		}
		if _, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{AppointmentID: a2.ID, Kind: "repair", MileageKM: 10}); err != nil {
			t.Fatalf("reopen after cancel: %v", err)
		}
	})
}

// handedOver takes a new work order with one labour line to closed.
func (f *fixture) handedOver(minute int) *workorder.WorkOrder {
	f.t.Helper()
	a := f.startedAppointment(f.OwnerA, f.VehA, minute)
	w := f.open(a, "repair")
	var err error
	steps := []func() error{
		func() error { _, err := f.Svc.Act(f.ctx, f.ServiceA, w.ID, "start", workorder.ActInput{}); return err },
		func() error {
			_, err := f.Svc.Update(f.ctx, f.ServiceA, w.ID, workorder.UpdateInput{Kind: "repair", Cause: "quality", Complaint: "x", Diagnosis: "y", MileageKM: 100})
			return err
		},
		func() error {
			_, err := f.Svc.AddLabour(f.ctx, f.ServiceA, w.ID, workorder.LabourInput{OperationID: f.op("OP-CHECK")})
			return err
		},
		func() error {
			_, err := f.Svc.Act(f.ctx, f.ServiceA, w.ID, "complete", workorder.ActInput{})
			return err
		},
		func() error {
			_, err := f.Book.Act(f.ctx, f.ServiceA, a.ID, booking.Complete, booking.ActionInput{Result: "完成"})
			return err
		},
		func() error {
			_, err := f.Svc.Act(f.ctx, f.ServiceA, w.ID, "hand-over", workorder.ActInput{})
			return err
		},
	}
	for i, st := range steps {
		if err = st(); err != nil {
			f.t.Fatalf("step %d: %v", i, err)
		}
	}
	return w
}

func TestRatingAndFollowUp(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		open := f.open(f.startedAppointment(f.OwnerB, f.VehB, 600), "repair")
		_, err := f.Svc.Rate(f.ctx, f.OwnerB, open.ID, workorder.RateInput{Rating: 5})
		wantCode(t, "rate before hand-over", err, apperr.Conflict)

		w := f.handedOver(660)
		_, err = f.Svc.Rate(f.ctx, f.OwnerB, w.ID, workorder.RateInput{Rating: 5})
		wantCode(t, "another owner rates", err, apperr.NotFound)
		_, err = f.Svc.Rate(f.ctx, f.ServiceA, w.ID, workorder.RateInput{Rating: 5})
		wantCode(t, "staff rates", err, apperr.Forbidden)
		_, err = f.Svc.Rate(f.ctx, f.OwnerA, w.ID, workorder.RateInput{Rating: 6})
		wantCode(t, "rating 6", err, apperr.Invalid)
		_, err = f.Svc.Rate(f.ctx, f.OwnerA, w.ID, workorder.RateInput{Rating: 3, Tags: []string{"<script>"}})
		wantCode(t, "unknown tag", err, apperr.Invalid)
		staffBefore := f.count(`SELECT COUNT(*) FROM notifications WHERE kind = 'workorder.low_rating'`)
		got, err := f.Svc.Rate(f.ctx, f.OwnerA, w.ID, workorder.RateInput{Rating: 2, Tags: []string{"等待太久", "等待太久"}, Comment: "等了三个小时"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Rating == nil || got.Rating.Rating != 2 || len(got.Rating.Tags) != 1 {
			t.Fatalf("rating %+v", got.Rating)
		}
		_, err = f.Svc.Rate(f.ctx, f.OwnerA, w.ID, workorder.RateInput{Rating: 5})
		wantCode(t, "rate twice", err, apperr.Conflict)
		// Both service users of the center are told; the case is due in 24 h.
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE kind = 'workorder.low_rating'`); n != staffBefore+2 {
			t.Fatalf("low-rating notifications %d, want %d", n, staffBefore+2)
		}
		cases, err := f.Svc.FollowUps(f.ctx, f.ServiceA, "open")
		if err != nil || len(cases) != 1 || !cases[0].DueAt.Equal(start.Add(24*time.Hour).UTC()) || cases[0].Comment != "等了三个小时" {
			t.Fatalf("follow-ups %v %+v", err, cases)
		}
		if other, _ := f.Svc.FollowUps(f.ctx, f.ServiceB, "open"); len(other) != 0 {
			t.Fatalf("other center sees %d follow-ups", len(other))
		}
		err = f.Svc.CloseFollowUp(f.ctx, f.ServiceB, cases[0].ID, "已致电")
		wantCode(t, "other center closes", err, apperr.NotFound)
		err = f.Svc.CloseFollowUp(f.ctx, f.ServiceA, cases[0].ID, "")
		wantCode(t, "close without resolution", err, apperr.Invalid)
		if err := f.Svc.CloseFollowUp(f.ctx, f.ServiceA, cases[0].ID, "已致电致歉，赠送保养券"); err != nil {
			t.Fatal(err)
		}
		err = f.Svc.CloseFollowUp(f.ctx, f.ServiceA, cases[0].ID, "again")
		wantCode(t, "close twice", err, apperr.Conflict)

		// A good rating opens no case.
		w2 := f.handedOver(600)
		if _, err := f.Svc.Rate(f.ctx, f.OwnerA, w2.ID, workorder.RateInput{Rating: 4}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM service_followups`); n != 1 {
			t.Fatalf("%d follow-up cases, want 1", n)
		}
	})
}

func TestListHistoryAndScope(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var ids []int64
		for i := 0; i < 5; i++ {
			f.Clock.Advance(time.Minute)
			w, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{VehicleKey: "沪A10001", Kind: "maintenance", Complaint: "保养", MileageKM: 1000 + i})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, w.ID)
		}
		other, err := f.Svc.Open(f.ctx, f.ServiceB, workorder.OpenInput{VehicleKey: "沪A10001", Kind: "repair", Complaint: "异响", MileageKM: 2000})
		if err != nil {
			t.Fatal(err)
		}
		page, total, err := f.Svc.List(f.ctx, f.ServiceA, workorder.Filter{Limit: 2})
		if err != nil || total.N != 5 || len(page.Items) != 2 || page.Items[0].ID != ids[4] || !page.HasNext() {
			t.Fatalf("first page %v total %d items %d", err, total.N, len(page.Items))
		}
		seen := len(page.Items)
		for page.HasNext() {
			if page, _, err = f.Svc.List(f.ctx, f.ServiceA, workorder.Filter{Limit: 2, Cursor: page.NextCursor}); err != nil {
				t.Fatal(err)
			}
			for _, x := range page.Items {
				if x.SiteID != f.Center {
					t.Fatalf("service A lists a work order of another center: %d", x.ID)
				}
			}
			seen += len(page.Items)
		}
		if seen != 5 {
			t.Fatalf("paged through %d, want 5", seen)
		}
		if _, total, err := f.Svc.List(f.ctx, f.Admin, workorder.Filter{}); err != nil || total.N != 6 {
			t.Fatalf("admin total %d %v", total.N, err)
		}
		if _, total, err := f.Svc.List(f.ctx, f.ServiceA, workorder.Filter{Query: strings.ToLower(other.Code)}); err != nil || total.N != 0 {
			t.Fatalf("search for another center's code finds %d", total.N)
		}
		_, _, err = f.Svc.List(f.ctx, f.ServiceA, workorder.Filter{Status: "bogus"})
		wantCode(t, "bad status", err, apperr.Invalid)
		_, _, err = f.Svc.List(f.ctx, f.OwnerA, workorder.Filter{})
		wantCode(t, "owner lists", err, apperr.Forbidden)

		// The car's history: all six for staff, the owner too; another owner: not found.
		hist, err := f.Svc.VehicleHistory(f.ctx, f.ServiceA, f.VehA)
		if err != nil || len(hist) != 6 {
			t.Fatalf("staff history %v %d", err, len(hist))
		}
		if workorder.CanOpen(f.ServiceA, hist[0]) {
			t.Fatalf("service A may open the other center's work order %s from the history", hist[0].Code)
		}
		if h, err := f.Svc.VehicleHistory(f.ctx, f.OwnerA, f.VehA); err != nil || len(h) != 6 {
			t.Fatalf("owner history %v %d", err, len(h))
		}
		_, err = f.Svc.VehicleHistory(f.ctx, f.OwnerB, f.VehA)
		wantCode(t, "another owner's car", err, apperr.NotFound)
	})
}

func TestPartsFromStock(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		pump := f.part("P-PUMP", "三电系统", 120000, 3)
		pads := f.part("P-PAD", "制动系统", 68000, 5)
		w := f.open(f.startedAppointment(f.OwnerA, f.VehA, 600), "battery")
		// Battery part, quality fault, car a year old: warranty; brake pads: owner.
		w, err := f.Svc.AddPart(f.ctx, f.ServiceA, w.ID, workorder.PartInput{PartID: pump, Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		if w, err = f.Svc.AddPart(f.ctx, f.ServiceA, w.ID, workorder.PartInput{PartID: pads, Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		if len(w.Parts) != 2 || w.Parts[0].Payer != workorder.WarrantyP || !strings.Contains(w.Parts[0].PayerReason, "电池质保内") ||
			w.Parts[1].Payer != workorder.Owner || w.PartsFen != 308000 || w.WarrantyFen != 240000 || w.TotalFen != 68000 {
			t.Fatalf("parts %+v %+v totals parts %d warranty %d owner %d", w.Parts[0], w.Parts[1], w.PartsFen, w.WarrantyFen, w.TotalFen)
		}
		if q, l := f.onHand(pump); q != 1 || l != 1 {
			t.Fatalf("pump stock %d ledger %d, want 1", q, l)
		}
		// More than on hand: refused with what is available, nothing written.
		lines := f.count(`SELECT COUNT(*) FROM work_order_parts`)
		_, err = f.Svc.AddPart(f.ctx, f.ServiceA, w.ID, workorder.PartInput{PartID: pump, Quantity: 2})
		if e := apperr.As(err); e == nil || e.Code != apperr.Conflict || !strings.Contains(e.Message, "现有 1") {
			t.Fatalf("over-issue: %v", err)
		}
		if f.count(`SELECT COUNT(*) FROM work_order_parts`) != lines {
			t.Fatal("a refused issue wrote a line")
		}
		if q, _ := f.onHand(pump); q != 1 {
			t.Fatalf("a refused issue moved stock: %d", q)
		}
		_, err = f.Svc.AddPart(f.ctx, f.ServiceA, w.ID, workorder.PartInput{PartID: pump, Quantity: 0})
		wantCode(t, "zero quantity", err, apperr.Invalid)
		_, err = f.Svc.AddPart(f.ctx, f.ServiceB, w.ID, workorder.PartInput{PartID: pump, Quantity: 1})
		wantCode(t, "other center issues", err, apperr.NotFound)
		// Return the pads: stock back, line kept and not charged.
		if w, err = f.Svc.RemovePart(f.ctx, f.ServiceA, w.ID, w.Parts[1].ID); err != nil {
			t.Fatal(err)
		}
		if !w.Parts[1].Returned || w.PartsFen != 240000 || w.TotalFen != 0 {
			t.Fatalf("after return: %+v parts %d owner %d", w.Parts[1], w.PartsFen, w.TotalFen)
		}
		if q, l := f.onHand(pads); q != 5 || l != 5 {
			t.Fatalf("pads stock %d ledger %d, want 5", q, l)
		}
		_, err = f.Svc.RemovePart(f.ctx, f.ServiceA, w.ID, w.Parts[1].ID)
		wantCode(t, "return twice", err, apperr.NotFound)
		// Cancelling returns the rest.
		if w, err = f.Svc.Act(f.ctx, f.ServiceA, w.ID, "cancel", workorder.ActInput{Reason: "客户放弃维修"}); err != nil {
			t.Fatal(err)
		}
		if q, l := f.onHand(pump); q != 3 || l != 3 {
			t.Fatalf("pump stock %d ledger %d after cancel, want 3", q, l)
		}
		if w.PartsFen != 0 || w.WarrantyFen != 0 || !w.Parts[0].Returned {
			t.Fatalf("cancelled totals parts %d warranty %d", w.PartsFen, w.WarrantyFen)
		}
		if n := f.count(`SELECT COUNT(*) FROM stock_movements WHERE work_order_id = $1 AND kind = 'return'`, w.ID); n != 2 {
			t.Fatalf("%d return movements, want 2", n)
		}
	})
}

// TestConcurrentLastUnits issues the last units of a part from several work
// orders at once: exactly the stock on hand is issued, the rest refused.
func TestConcurrentLastUnits(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		module := f.part("P-MODULE", "三电系统", 1800000, 3)
		var ids []int64
		for i := 0; i < 6; i++ {
			w, err := f.Svc.Open(f.ctx, f.ServiceA, workorder.OpenInput{VehicleKey: "沪A10001", Kind: "battery", Complaint: "续航下降", MileageKM: 1000 + i})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, w.ID)
		}
		errs := make(chan error, len(ids))
		for _, id := range ids {
			go func() {
				_, err := f.Svc.AddPart(f.ctx, f.ServiceA, id, workorder.PartInput{PartID: module, Quantity: 1})
				errs <- err
			}()
		}
		ok := 0
		for range ids {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Errorf("issue: %v", err)
			}
		}
		if q, l := f.onHand(module); ok != 3 || q != 0 || l != 0 {
			t.Fatalf("%d issues succeeded, stock %d, ledger %d; want 3, 0, 0", ok, q, l)
		}
		if n := f.count(`SELECT COALESCE(SUM(quantity), 0) FROM work_order_parts WHERE part_id = $1`, module); n != 3 {
			t.Fatalf("%d units on work orders, want 3", n)
		}
	})
}
