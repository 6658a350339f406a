package datagen

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
)

// salesExtras fills what the sales pipeline (migration 00008) adds to the
// generated history, after the bulk load: every store's test-drive cars
// (two or three per store, battery-electric and other new-energy models),
// the lead assignment rules (round-robin in every other store, and the
// first store of each of the five biggest cities taking that city's leads
// that come with no store), and the stage history of every opportunity (it
// entered at intent when created and, when it is elsewhere now, moved there
// at its last update). Deterministic: it reads the generated rows in id
// order.
func salesExtras(ctx context.Context, d *db.DB, now time.Time) error {
	return d.InTx(ctx, func(tx *sql.Tx) error {
		type store struct {
			id   int64
			city string
		}
		var stores []store
		rows, err := tx.QueryContext(ctx, `SELECT id, city FROM sites WHERE kind = 'store' ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s store
			if err := rows.Scan(&s.id, &s.city); err != nil {
				rows.Close()
				return err
			}
			stores = append(stores, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		type model struct {
			id int64
			pt string
		}
		var ms []model
		rows, err = tx.QueryContext(ctx, `SELECT id, powertrain FROM vehicle_models WHERE active = $1 ORDER BY id`, true)
		if err != nil {
			return err
		}
		for rows.Next() {
			var m model
			if err := rows.Scan(&m.id, &m.pt); err != nil {
				rows.Close()
				return err
			}
			ms = append(ms, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		prefix := map[string]string{}
		for _, c := range cities {
			prefix[c.name] = c.plate
		}
		colors := []string{"星河蓝", "珍珠白", "曜石黑", "极光绿"}
		n := 0
		seenCity := map[string]bool{}
		for i, s := range stores {
			p := prefix[s.city]
			if p == "" || len(ms) == 0 {
				continue
			}
			for k := 0; k < 2+i%2; k++ {
				m := ms[(i+k*3)%len(ms)]
				series := byte('F')
				if m.pt == "BEV" {
					series = 'D'
				}
				// Plates from the top of the series, far from the owners' ones.
				plate := makePlate(p, series, 339999-n)
				n++
				if _, err := tx.ExecContext(ctx, `INSERT INTO test_drive_cars (store_id, model_id, plate, color, active, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
					s.id, m.id, plate, colors[n%len(colors)], true, now); err != nil {
					return err
				}
			}
			if i%2 == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO lead_assignment_rules (kind, store_id, city, created_at, updated_at) VALUES ('round_robin', $1, '', $2, $2)`,
					s.id, now); err != nil {
					return err
				}
			}
			if !seenCity[s.city] && len(seenCity) < 5 {
				seenCity[s.city] = true
				if _, err := tx.ExecContext(ctx, `INSERT INTO lead_assignment_rules (kind, store_id, city, created_at, updated_at) VALUES ('city', $1, $2, $3, $3)`,
					s.id, s.city, now); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, user_id, amount_fen, note, changed_at)
			SELECT id, NULL, 'intent', sales_user_id, amount_fen, '由线索转入', created_at FROM opportunities ORDER BY id`); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, user_id, amount_fen, note, changed_at)
			SELECT id, 'intent', stage, sales_user_id, amount_fen, CASE WHEN stage = 'lost' THEN '战败原因：' || lost_reason ELSE '' END, updated_at
			FROM opportunities WHERE stage <> 'intent' ORDER BY id`)
		return err
	})
}

func init() {
	countChecks = append(countChecks,
		struct{ invariant, detail, sql string }{"opportunity history", "opportunities whose newest stage-history row is not their stage",
			`SELECT count(*) FROM opportunities o WHERE o.stage <> COALESCE((SELECT h.to_stage FROM opportunity_stage_history h
			 WHERE h.opportunity_id = o.id ORDER BY h.changed_at DESC, h.id DESC LIMIT 1), '')`},
		struct{ invariant, detail, sql string }{"test-drive cars", "a test-drive car booked twice in one hour, or a booking of another store's car",
			`SELECT (SELECT count(*) FROM (SELECT car_id FROM test_drives WHERE car_id IS NOT NULL AND status <> 'cancelled'
			 GROUP BY car_id, scheduled_at HAVING count(*) > 1) x)
			 + (SELECT count(*) FROM test_drives t JOIN test_drive_cars k ON k.id = t.car_id WHERE k.store_id <> t.store_id)`},
		struct{ invariant, detail, sql string }{"follow-up tasks", "a task done before it was logged",
			`SELECT count(*) FROM follow_ups WHERE done_at < created_at`},
	)
}
