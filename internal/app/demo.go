package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "nevcrm-demo"

// DemoAccounts are the demo logins, one per role.
var DemoAccounts = []string{"owner", "sales", "service", "admin"}

// LoadDemo fills an empty database with the small generated dataset (seed 1,
// 12 months) and adds the demo accounts, all in one city that has a store,
// a service center and charging and swap stations (datagen.PickDemoPlace):
// the owner there with a swap-capable car, sales at the store, service at the
// center, which is made responsible for the city's stations. It is
// idempotent: a database that already has the accounts is left as it is. It
// refuses a database with customers the generator did not make (real data).
// Every write goes through the owning service, as the system actor.
func LoadDemo(ctx context.Context, d *db.DB, s *Services, logger *slog.Logger) error {
	sys := identity.System()
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
		logger.Info("generating demo data (small scale)…")
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 1000, Seed: 1, Months: 12, Now: time.Now()}); err != nil {
			return err
		}
	case !strings.HasPrefix(status, "complete"):
		return fmt.Errorf("the database holds an unfinished data generation (%s); delete it and start again", status)
	}
	if _, err := s.Accounts.UserByLogin(ctx, sys, "owner"); err == nil {
		logger.Info("demo accounts ready", "usernames", strings.Join(DemoAccounts, ", "), "password", DemoPassword)
		return nil
	}
	p, err := datagen.PickDemoPlace(ctx, d, time.Now())
	if err != nil {
		return err
	}
	if err := s.Sites.AssignStations(ctx, sys, p.City, p.CenterID); err != nil {
		return fmt.Errorf("demo stations: %w", err)
	}
	if _, err := s.Accounts.OpenOwnerAccount(ctx, sys, p.CustomerID, "owner", DemoPassword); err != nil {
		return fmt.Errorf("demo account owner: %w", err)
	}
	staff := []account.StaffInput{
		{Username: "sales", DisplayName: "林晓（演示）", Role: identity.RoleSales, SiteID: p.StoreID},
		{Username: "service", DisplayName: "周航（演示）", Role: identity.RoleService, SiteID: p.CenterID},
		{Username: "admin", DisplayName: "系统管理员", Role: identity.RoleAdmin},
	}
	for _, in := range staff {
		in.Password = DemoPassword
		if _, err := s.Accounts.CreateStaff(ctx, sys, in); err != nil {
			return fmt.Errorf("demo account %s: %w", in.Username, err)
		}
	}
	logger.Info("demo accounts ready", "usernames", strings.Join(DemoAccounts, ", "), "password", DemoPassword)
	return nil
}
