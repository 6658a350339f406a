package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestCampaignsUpgrade migrates a database holding campaigns, sign-ups and a
// lead of a campaign from 00013 to 00014 (on SQLite the two campaign tables
// are rebuilt): the rows survive with the new statuses and the lead still
// refers to its campaign.
func TestCampaignsUpgrade(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.OpenEmpty(t, dialect)
			if err := d.MigrateTo(ctx, 13); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := d.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO customers (id, name, mobile, created_at, updated_at) VALUES (1, '张三', '13800000001', $1, $1)`, now)
			exec(`INSERT INTO campaigns (id, name, kind, starts_at, ends_at, capacity, status, created_at) VALUES (7, '试驾日', 'test_drive_event', $1, $1, 10, 'active', $1)`, now)
			exec(`INSERT INTO campaign_participations (id, campaign_id, customer_id, status, joined_at, converted_at) VALUES (3, 7, 1, 'converted', $1, $1)`, now)
			exec(`INSERT INTO leads (id, customer_id, campaign_id, source, created_at, updated_at) VALUES (5, 1, 7, 'event', $1, $1)`, now)
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var status, pstatus, code string
			var leadCampaign int64
			if err := d.QueryRowContext(ctx, `SELECT c.status, p.status, p.check_in_code, l.campaign_id FROM campaigns c
				JOIN campaign_participations p ON p.campaign_id = c.id JOIN leads l ON l.campaign_id = c.id WHERE c.id = 7`).Scan(&status, &pstatus, &code, &leadCampaign); err != nil {
				t.Fatal(err)
			}
			if status != "running" || pstatus != "attended" || len(code) != 6 || leadCampaign != 7 {
				t.Errorf("after upgrade: campaign %s, sign-up %s, code %q, lead's campaign %d", status, pstatus, code, leadCampaign)
			}
			if dialect == db.SQLite {
				var n int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&n); err != nil || n != 0 {
					t.Errorf("foreign key check: %d problems, %v", n, err)
				}
			}
		})
	}
}
