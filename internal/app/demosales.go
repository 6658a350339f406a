package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// replayClock is the clock of a sales service that replays the demo
// consultant's last days: it only ever reads instants up to now.
type replayClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *replayClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *replayClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// demoLeadNames are the demo consultant's customers (of the store's city).
var demoLeadNames = []string{"张伟", "李娜", "王磊", "赵敏", "陈晨", "刘洋", "周杰", "吴倩", "郑浩", "孙悦", "马骏", "黄蕾"}

// fillDemoSales gives the demo consultant (login "sales") a working day,
// through the sales service on a replay clock, once: twelve leads of the
// last four days (walk-ins, website, calls), follow-ups with four tasks due
// later today and two overdue since yesterday, opportunities in every stage
// (intent; test drive reached by a finished test drive; quote; won with its
// vehicle order; delivered, which made the buyer an owner; lost with a
// reason), and a test drive booked for tomorrow. It does nothing when the
// consultant already has leads. It returns how many leads it added.
func fillDemoSales(ctx context.Context, d *db.DB, s *Services, now time.Time) (int, error) {
	sys := identity.System()
	u, err := s.Accounts.UserByLogin(ctx, sys, "sales")
	if err != nil {
		return 0, fmt.Errorf("demo account sales: %w", err)
	}
	_, total, err := s.Sales.ListLeads(ctx, u, sales.LeadFilter{OwnerID: u.ID, Limit: 1})
	if err != nil || total.N > 0 {
		return 0, err
	}
	store, err := s.Sites.Get(ctx, u.SiteID)
	if err != nil {
		return 0, err
	}
	clk := &replayClock{t: now}
	sv := sales.NewService(d, clk.now, s.Accounts.HashBuyerPassword)
	models, err := vehicle.Models(ctx, d)
	if err != nil {
		return 0, err
	}
	var active []vehicle.Model
	for _, m := range models {
		if m.Active {
			active = append(active, m)
		}
	}
	cars, err := sv.Cars(ctx, u, 0)
	if err != nil {
		return 0, err
	}
	if len(active) == 0 || len(cars) == 0 {
		return 0, nil
	}
	day := func(offset, hour, minute int) time.Time {
		t := now.In(sales.Shanghai).AddDate(0, 0, offset)
		return time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, sales.Shanghai)
	}
	endOfToday := day(1, 0, 0).Add(-time.Minute)
	sources := []string{"walk_in", "website", "call_center", "app", "referral", "walk_in"}
	var leads []*sales.Lead
	for i, name := range demoLeadNames {
		clk.set(day(-4, 10, 0).Add(time.Duration(i) * 23 * time.Minute))
		m := active[i%len(active)]
		l, err := sv.CreateLead(ctx, u, sales.LeadInput{Name: name, Mobile: fmt.Sprintf("1990000%04d", 100+i), Source: sources[i%len(sources)],
			Province: store.Province, City: store.City, ModelID: m.ID, BudgetFen: m.PriceFen / 10000 * 10000, Note: "演示数据"})
		if err != nil {
			return 0, fmt.Errorf("demo lead %s: %w", name, err)
		}
		leads = append(leads, l)
	}
	// First contacts; tasks for today and overdue ones since yesterday.
	for i := 0; i < 8; i++ {
		clk.set(day(-4, 14, 0).Add(time.Duration(i) * 17 * time.Minute))
		in := sales.FollowUpInput{Channel: []string{"phone", "wechat", "visit"}[i%3], Content: "介绍了续航、充电和金融方案，客户有兴趣"}
		switch {
		case i < 4:
			in.NextAction = []string{"电话回访，确认试驾时间", "发送报价单", "邀约周末到店", "确认金融方案"}[i]
			in.NextAt = now.Add(time.Duration(60+30*i) * time.Minute)
			if in.NextAt.After(endOfToday) {
				in.NextAt = endOfToday
			}
		case i < 6:
			in.NextAction = []string{"回访试驾感受", "跟进置换评估"}[i-4]
			in.NextAt = day(-1, 16, 0)
		}
		if _, err := sv.LogLeadFollowUp(ctx, u, leads[i].ID, in); err != nil {
			return 0, fmt.Errorf("demo follow-up: %w", err)
		}
	}
	// Opportunities in every stage.
	opp := map[int]int64{}
	for _, i := range []int{6, 7, 8, 9, 10, 11} {
		clk.set(day(-3, 11, 0).Add(time.Duration(i) * 10 * time.Minute))
		id, err := sv.ConvertLead(ctx, u, leads[i].ID, sales.ConvertInput{})
		if err != nil {
			return 0, fmt.Errorf("demo conversion: %w", err)
		}
		opp[i] = id
	}
	// 7: a test drive yesterday, done: the deal moves to test drive.
	clk.set(day(-2, 10, 0))
	if td, err := bookFree(ctx, sv, u, leads[7].ID, cars, day(-1, 0, 0)); err != nil {
		return 0, err
	} else if td != nil {
		clk.set(td.ScheduledAt.Add(70 * time.Minute))
		if _, err := sv.RecordOutcome(ctx, u, td.ID, sales.OutcomeInput{Status: "done", Outcome: "interested", Feedback: "很满意加速和静谧性，关心保值率"}); err != nil {
			return 0, fmt.Errorf("demo test drive outcome: %w", err)
		}
	}
	clk.set(day(-1, 18, 0))
	if _, err := sv.MoveStage(ctx, u, opp[8], sales.MoveInput{Stage: "quote", AmountFen: leadPrice(active, 8) - 800000, Note: "含置换补贴"}); err != nil {
		return 0, fmt.Errorf("demo quote: %w", err)
	}
	for _, i := range []int{9, 11} {
		if _, err := sv.MoveStage(ctx, u, opp[i], sales.MoveInput{Stage: "order", AmountFen: leadPrice(active, i) - 500000}); err != nil {
			return 0, fmt.Errorf("demo won: %w", err)
		}
	}
	if _, err := sv.MoveStage(ctx, u, opp[10], sales.MoveInput{Stage: "lost", LostReason: "选择了竞品"}); err != nil {
		return 0, fmt.Errorf("demo lost: %w", err)
	}
	for _, i := range []int{9, 11} {
		if _, err := sv.CreateOrder(ctx, u, opp[i], sales.OrderInput{Configuration: "长续航版 · 智驾包", Color: "星河蓝", DiscountFen: 500000, DepositFen: 500000}); err != nil {
			return 0, fmt.Errorf("demo order: %w", err)
		}
	}
	// 11: delivered this morning; the buyer logs in with the demo password.
	if t := day(0, 0, 5); t.Before(now) {
		clk.set(t)
	} else {
		clk.set(now)
	}
	if od, err := sv.GetOpportunity(ctx, u, opp[11]); err != nil {
		return 0, err
	} else if od.Order != nil {
		prefix := string([]rune(cars[0].Plate)[:2])
		series := "F"
		if od.Order.Powertrain == "BEV" {
			series = "D"
		}
		if _, err := sv.Deliver(ctx, u, od.Order.ID, sales.DeliverInput{VIN: vehicle.NewVIN(od.Order.ModelID, now.In(sales.Shanghai).Year(), 990000+int(od.Order.ID%9000)),
			Plate: prefix + series + fmt.Sprintf("%05d", 90000+od.Order.ID%9000), Password: DemoPassword}); err != nil {
			return 0, fmt.Errorf("demo delivery: %w", err)
		}
	}
	// A test drive booked for tomorrow.
	clk.set(now)
	if _, err := bookFree(ctx, sv, u, leads[0].ID, cars, day(1, 0, 0)); err != nil {
		return 0, err
	}
	return len(leads), nil
}

func leadPrice(models []vehicle.Model, i int) int64 { return models[i%len(models)].PriceFen }

// bookFree books the first free hour from 10:00 on date's day of any of the
// cars for the lead (nil when every hour is taken).
func bookFree(ctx context.Context, sv *sales.Service, u *identity.User, leadID int64, cars []*sales.Car, date time.Time) (*sales.TestDrive, error) {
	d := date.In(sales.Shanghai).Format("2006-01-02")
	for _, c := range cars {
		if !c.Active {
			continue
		}
		slots, err := sv.CarDay(ctx, u, c.ID, d)
		if err != nil {
			return nil, err
		}
		for _, sl := range slots {
			if sl.Free && sl.Hour >= 10 {
				return sv.BookTestDrive(ctx, u, sales.BookInput{LeadID: leadID, CarID: c.ID, Date: d, Hour: sl.Hour})
			}
		}
	}
	return nil, nil
}

// demoManagerLeads are the demo store manager's own customers.
var demoManagerLeads = []string{"钱程", "冯雪", "蒋涛", "沈琳"}

// fillDemoManager gives the demo store manager (login "manager") work of
// their own, through the sales service on a replay clock, once: four leads
// of two days ago in the store's city (a partner's fleet inquiry, walk-ins)
// that the manager takes on, each contacted, with two
// follow-ups due later today, one overdue since yesterday and one next
// week. It does nothing when the manager already has leads. It returns how
// many leads it added.
func fillDemoManager(ctx context.Context, d *db.DB, s *Services, now time.Time) (int, error) {
	u, err := s.Accounts.UserByLogin(ctx, identity.System(), "manager")
	if err != nil {
		return 0, fmt.Errorf("demo account manager: %w", err)
	}
	_, total, err := s.Sales.ListLeads(ctx, u, sales.LeadFilter{OwnerID: u.ID, Limit: 1})
	if err != nil || total.N > 0 {
		return 0, err
	}
	store, err := s.Sites.Get(ctx, u.SiteID)
	if err != nil {
		return 0, err
	}
	models, err := vehicle.Models(ctx, d)
	if err != nil {
		return 0, err
	}
	var active []vehicle.Model
	for _, m := range models {
		if m.Active {
			active = append(active, m)
		}
	}
	if len(active) == 0 {
		return 0, nil
	}
	clk := &replayClock{t: now}
	sv := sales.NewService(d, clk.now, s.Accounts.HashBuyerPassword)
	day := func(offset, hour, minute int) time.Time {
		t := now.In(sales.Shanghai).AddDate(0, 0, offset)
		return time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, sales.Shanghai)
	}
	endOfToday := day(1, 0, 0).Add(-time.Minute)
	later := func(d time.Duration) time.Time {
		if t := now.Add(d); t.Before(endOfToday) {
			return t
		}
		return endOfToday
	}
	next := []struct {
		action string
		at     time.Time
	}{
		{"回访车队采购需求，发送批量报价", later(90 * time.Minute)},
		{"邀约到店签约", later(150 * time.Minute)},
		{"确认置换车辆评估结果", day(-1, 15, 0)},
		{"交车前电话确认上牌资料", day(7, 10, 0)},
	}
	for i, name := range demoManagerLeads {
		clk.set(day(-2, 9, 30).Add(time.Duration(i) * 41 * time.Minute))
		m := active[(i+3)%len(active)]
		l, err := sv.CreateLead(ctx, u, sales.LeadInput{Name: name, Mobile: fmt.Sprintf("1990000%04d", 200+i), Source: []string{"partner", "walk_in"}[min(i, 1)],
			Province: store.Province, City: store.City, OwnerID: u.ID, ModelID: m.ID, BudgetFen: m.PriceFen / 10000 * 10000,
			Note: "演示数据（店长本人跟进）"})
		if err != nil {
			return 0, fmt.Errorf("demo manager lead %s: %w", name, err)
		}
		clk.set(day(-2, 15, 0).Add(time.Duration(i) * 23 * time.Minute))
		if _, err := sv.LogLeadFollowUp(ctx, u, l.ID, sales.FollowUpInput{Channel: []string{"phone", "visit"}[i%2],
			Content: "店长亲自接待，介绍了企业购车政策与置换补贴", NextAction: next[i].action, NextAt: next[i].at}); err != nil {
			return 0, fmt.Errorf("demo manager follow-up: %w", err)
		}
	}
	return len(demoManagerLeads), nil
}
