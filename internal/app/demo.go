package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "nevcrm-demo"

// DemoAccounts are the demo logins, one per role.
var DemoAccounts = []string{"owner", "sales", "service", "admin"}

// LoadDemo fills an empty database with the small generated dataset (seed 1,
// 12 months) and adds the demo accounts, all in one city that has a store,
// a service center and charging and swap stations (of such cities, the one
// with the most upcoming appointments, so the service queue is not empty):
// the owner there with a swap-capable car, sales at the store, service at the
// center, which is made responsible for the city's stations. It is
// idempotent: a database that already has the accounts is left as it is. It
// refuses a database with customers the generator did not make (real data).
func LoadDemo(ctx context.Context, d *db.DB, logger *slog.Logger) error {
	var status string
	err := d.QueryRowContext(ctx, `SELECT value FROM system_meta WHERE key = $1`, datagen.MetaKey).Scan(&status)
	switch {
	case db.NoRows(err):
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&n); err != nil {
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
	case err != nil:
		return err
	case !strings.HasPrefix(status, "complete"):
		return fmt.Errorf("the database holds an unfinished data generation (%s); delete it and start again", status)
	}
	var exists int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = 'owner'`).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		if err := addDemoAccounts(ctx, d); err != nil {
			return err
		}
	}
	logger.Info("demo accounts ready", "usernames", strings.Join(DemoAccounts, ", "), "password", DemoPassword)
	return nil
}

func addDemoAccounts(ctx context.Context, d *db.DB) error {
	var customerID int64
	var city, name, mobile string
	err := d.QueryRowContext(ctx, `SELECT c.id, c.city, c.name, c.mobile FROM customers c
		JOIN vehicles v ON v.customer_id = c.id JOIN vehicle_models m ON m.id = v.model_id
		WHERE c.kind = 'owner' AND m.swap_capable = $1
		AND EXISTS (SELECT 1 FROM sites s WHERE s.city = c.city AND s.kind = 'swap_station' AND s.status = 'open')
		AND EXISTS (SELECT 1 FROM sites s WHERE s.city = c.city AND s.kind = 'charging_station' AND s.status = 'open')
		AND EXISTS (SELECT 1 FROM sites s WHERE s.city = c.city AND s.kind = 'service_center' AND s.status = 'open')
		AND EXISTS (SELECT 1 FROM sites s WHERE s.city = c.city AND s.kind = 'store' AND s.status = 'open')
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.customer_id = c.id OR u.mobile = c.mobile)
		ORDER BY (SELECT COUNT(*) FROM appointments a JOIN sites s ON s.id = a.site_id
			WHERE s.city = c.city AND a.scheduled_at >= $2 AND a.status IN ('booked', 'confirmed')) DESC, c.id
		LIMIT 1`, true, time.Now().UTC()).Scan(&customerID, &city, &name, &mobile)
	if db.NoRows(err) {
		return fmt.Errorf("no owner with a swap-capable car in a city with every kind of site: generate more data")
	}
	if err != nil {
		return err
	}
	var store, center int64
	if err := d.QueryRowContext(ctx, `SELECT MIN(id) FROM sites WHERE city = $1 AND kind = 'store'`, city).Scan(&store); err != nil {
		return err
	}
	if err := d.QueryRowContext(ctx, `SELECT MIN(id) FROM sites WHERE city = $1 AND kind = 'service_center'`, city).Scan(&center); err != nil {
		return err
	}
	hash, err := account.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	return d.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET parent_id = $1 WHERE city = $2 AND kind IN ('charging_station', 'swap_station')`, center, city); err != nil {
			return err
		}
		rows := []struct {
			username, name, role string
			mobile               any
			customer, site       any
		}{
			{"owner", name, "owner", mobile, customerID, nil},
			{"sales", "林晓" + "（演示）", "sales", nil, nil, store},
			{"service", "周航" + "（演示）", "service", nil, nil, center},
			{"admin", "系统管理员", "admin", nil, nil, nil},
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (username, mobile, display_name, role, password_hash, customer_id, site_id, active, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, r.username, r.mobile, r.name, r.role, hash, r.customer, r.site, true, now); err != nil {
				return fmt.Errorf("demo account %s: %w", r.username, err)
			}
		}
		return nil
	})
}
