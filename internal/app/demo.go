package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// DemoPassword is the password of every demo account: the four named below
// and every account the generator made (staff such as sales0001, svc0001,
// adm001, and owners by mobile number). The accounts carry
// account.DemoHash, which the account service accepts only in demo mode
// (serve --demo calls SetDemoPassword): the password opens nothing on a
// server started without --demo.
const DemoPassword = "nevcrm-demo"

// DemoAccounts are the demo logins: one per role, and manager, a sales
// consultant of the demo store with the store-manager permission.
var DemoAccounts = []string{"owner", "sales", "manager", "service", "admin"}

// LoadDemo fills an empty database with the generated demo dataset
// (datagen.DemoOptions: 2,000 customers, seed 1, 24 months up to the
// services' clock, concentrated in one hub city) and adds the demo accounts,
// all in one city that has a store, a service center and charging and swap
// stations (datagen.PickDemoPlace, the hub city): the owner there with a
// swap-capable car delivered months ago, sales at
// the store, service at the center, which is made responsible for the city's
// stations. Then, on every start, it tops up what each demo account lands on
// (see fillDemoQueue): the service queue of today and tomorrow with
// appointments in every status, upcoming appointments of the owner and a
// campaign the owner can join (demoCampaign), an open follow-up case of a
// low rating at the center (demoFollowUp); once, the working days of the
// demo consultant and store manager (fillDemoSales, fillDemoManager).
//
// It is idempotent: accounts that exist are kept, and the top-up counts what
// is there before it adds anything (a second call the same day adds
// nothing). It refuses a database with customers the generator did not make
// (real data). Every write goes through the owning service, as the system
// actor or, for the bookings, as the generated owners and technicians.
func LoadDemo(ctx context.Context, d *db.DB, s *Services, logger *slog.Logger) error {
	sys := identity.System()
	now := s.Booking.Now()
	status, err := datagen.Status(ctx, d)
	switch {
	case err != nil:
		return err
	case status == "":
		n, err := s.Customers.Count(ctx, sys)
		if err != nil {
			return err
		}
		if n > 0 {
			// Demo accounts have a published password: never add them to real data.
			return fmt.Errorf("refusing --demo: the database holds %d customers that the generator did not make; use an empty or generated database", n)
		}
		logger.Info("generating demo data (2,000 customers, hub city)…")
		if err := datagen.Generate(ctx, d, datagen.DemoOptions(now)); err != nil {
			return err
		}
	case !strings.HasPrefix(status, "complete"):
		return incomplete(status)
	}
	owner, service, err := demoAccounts(ctx, d, s, now)
	if err != nil {
		return err
	}
	added, err := fillDemoOwner(ctx, s, owner, service)
	if err != nil {
		return fmt.Errorf("demo owner's appointments: %w", err)
	}
	campaignAdded, err := demoCampaign(ctx, s, owner, service, now)
	if err != nil {
		return fmt.Errorf("demo owner's campaign: %w", err)
	}
	followUp, err := demoFollowUp(ctx, d, s, service, now)
	if err != nil {
		return fmt.Errorf("demo follow-up case: %w", err)
	}
	n, err := fillDemoQueue(ctx, d, s, owner, service, now)
	if err != nil {
		return fmt.Errorf("demo service queue: %w", err)
	}
	leads, err := fillDemoSales(ctx, d, s, now)
	if err != nil {
		return fmt.Errorf("demo sales pipeline: %w", err)
	}
	managerLeads, err := fillDemoManager(ctx, d, s, now)
	if err != nil {
		return fmt.Errorf("demo store manager's leads: %w", err)
	}
	scored, err := demoScores(ctx, s)
	if err != nil {
		return fmt.Errorf("demo lead scores: %w", err)
	}
	targets, err := demoTargets(ctx, d, s, now)
	if err != nil {
		return fmt.Errorf("demo sales targets: %w", err)
	}
	example := ""
	if list, err := datagen.DemoOwners(ctx, d, "", now, 1); err == nil && len(list) > 0 {
		if u, err := s.Accounts.User(ctx, list[0].UserID); err == nil {
			example = u.Mobile
		}
	}
	// A car whose owner has no app account yet, with a fresh bind code: a
	// tester registers a new owner and binds it (车主个人中心 › 绑定车辆).
	var bindVehicle int64
	var bindVIN string
	if err := d.QueryRowContext(ctx, `SELECT v.id, v.vin FROM vehicles v WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.customer_id = v.customer_id)
		ORDER BY v.id LIMIT 1`).Scan(&bindVehicle, &bindVIN); err == nil {
		if code, err := s.Vehicles.IssueBindCode(ctx, d, sys, bindVehicle); err == nil {
			logger.Info("demo bind code: register a new owner, then 绑定车辆 with this VIN and code", "vin", bindVIN, "code", code)
		}
	}
	logger.Info("demo accounts ready", "usernames", strings.Join(DemoAccounts, ", "), "password", DemoPassword,
		"also", "generated staff (sales0001, svc0001, adm001, …) and owners by mobile", "owner_mobile_example", example,
		"appointments_added", added+n, "campaign_added", campaignAdded, "follow_up_added", followUp, "demo_leads_added", leads+managerLeads, "leads_scored", scored, "store_month_targets", targets)
	return nil
}

// demoAccounts returns the demo owner and service accounts, creating the
// demo accounts when the owner does not exist yet. They carry
// account.DemoHash (log in with DemoPassword in demo mode only).
func demoAccounts(ctx context.Context, d *db.DB, s *Services, now time.Time) (owner, service *identity.User, err error) {
	sys := identity.System()
	owner, err = s.Accounts.UserByLogin(ctx, sys, "owner")
	if err == nil {
		service, err = s.Accounts.UserByLogin(ctx, sys, "service")
		if err != nil {
			return nil, nil, fmt.Errorf("demo account service: %w", err)
		}
		return owner, service, nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return nil, nil, err
	}
	p, err := datagen.PickDemoPlace(ctx, d, now)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Sites.AssignStations(ctx, sys, p.City, p.CenterID); err != nil {
		return nil, nil, fmt.Errorf("demo stations: %w", err)
	}
	if owner, err = s.Accounts.OpenDemoOwnerAccount(ctx, sys, p.CustomerID, "owner"); err != nil {
		return nil, nil, fmt.Errorf("demo account owner: %w", err)
	}
	staff := []account.StaffInput{
		{Username: "sales", DisplayName: "林晓（演示）", Role: identity.RoleSales, SiteID: p.StoreID},
		{Username: "manager", DisplayName: "陈蔚（演示店长）", Role: identity.RoleSales, SiteID: p.StoreID},
		{Username: "service", DisplayName: "周航（演示）", Role: identity.RoleService, SiteID: p.CenterID},
		{Username: "admin", DisplayName: "系统管理员", Role: identity.RoleAdmin},
	}
	for _, in := range staff {
		in.Demo = true
		u, err := s.Accounts.CreateStaff(ctx, sys, in)
		if err != nil {
			return nil, nil, fmt.Errorf("demo account %s: %w", in.Username, err)
		}
		if in.Role == identity.RoleService {
			service = u
		}
		if in.Username == "manager" {
			if _, err := s.Accounts.SetPermissions(ctx, sys, u.ID, []identity.Perm{identity.PermStoreManager}); err != nil {
				return nil, nil, fmt.Errorf("demo account manager: %w", err)
			}
		}
	}
	return owner, service, nil
}

// fillDemoOwner books, as the demo owner and through the booking service, a
// charging session tomorrow at a station of the owner's city and a
// maintenance visit at the demo service center in two days, unless the
// owner's vehicles already have an open appointment of that kind; the
// center confirms the maintenance visit, so the owner's bell has news. Swap
// is left for the visitor to try. It returns how many it booked.
func fillDemoOwner(ctx context.Context, s *Services, owner, service *identity.User) (int, error) {
	vehicles, err := s.Vehicles.ListMine(ctx, owner)
	if err != nil || len(vehicles) == 0 {
		return 0, err
	}
	upcoming, _, err := s.Booking.Mine(ctx, owner, 50)
	if err != nil {
		return 0, err
	}
	open := map[booking.Kind]bool{}
	for _, a := range upcoming {
		open[a.Kind] = true
	}
	center, err := s.Sites.Get(ctx, service.SiteID)
	if err != nil {
		return 0, err
	}
	stations, err := s.Sites.List(ctx, site.ChargingStation, center.City, 50)
	if err != nil {
		return 0, err
	}
	today, _ := booking.ParseDate(s.Booking.Today())
	plan := []struct {
		kind booking.Kind
		days int
		site int64
	}{{booking.Charging, 1, 0}, {booking.Repair, 2, center.ID}}
	if len(stations) > 0 {
		plan[0].site = stations[0].ID
	}
	added := 0
	for _, p := range plan {
		if open[p.kind] || p.site == 0 {
			continue
		}
		date := today.AddDate(0, 0, p.days).Format("2006-01-02")
		day, err := s.Booking.Slots(ctx, p.site, p.kind, date)
		if err != nil {
			return added, err
		}
		for _, sl := range day.Slots {
			// A daytime slot, from 10:00 on.
			if !sl.Bookable || sl.Minute < 600 {
				continue
			}
			ap, err := s.Booking.Book(ctx, owner, booking.BookInput{VehicleID: vehicles[0].ID, SiteID: p.site, Kind: p.kind, Date: date, Minute: sl.Minute,
				Note: map[booking.Kind]string{booking.Charging: "出行前补电", booking.Repair: "常规保养，顺便检查空调"}[p.kind]})
			if apperr.Is(err, apperr.Conflict) {
				continue
			}
			if err != nil {
				return added, err
			}
			if p.kind == booking.Repair {
				// The center confirms the visit: the owner's bell shows it.
				if _, err := s.Booking.Act(ctx, service, ap.ID, booking.Confirm, booking.ActionInput{Date: date}); err != nil {
					return added, err
				}
			}
			added++
			break
		}
	}
	return added, nil
}
