package inventory

import (
	"context"
	"fmt"

	"github.com/nevcrm/nevcrm/internal/db"
)

// Invariants are the rules the inventory tables always obey, each a query
// counting the rows that break it. `nevcrm check` runs them (internal/
// datagen/check.go lists them too) and the tests run them after every
// scenario.
var Invariants = []struct{ Name, SQL string }{
	{"库存等于流水之和 (part_stock.quantity = sum of its ledger lines)",
		`SELECT count(*) FROM part_stock p WHERE p.quantity <> COALESCE((SELECT sum(m.quantity) FROM stock_movements m
		 WHERE m.site_id = p.site_id AND m.part_id = p.part_id), 0)`},
	{"每条流水都有库存行 (ledger lines without a part_stock row)",
		`SELECT count(*) FROM (SELECT site_id, part_id FROM stock_movements GROUP BY site_id, part_id) m
		 WHERE NOT EXISTS (SELECT 1 FROM part_stock p WHERE p.site_id = m.site_id AND p.part_id = m.part_id)`},
	{"库存与结存不为负 (negative quantity or balance)",
		`SELECT (SELECT count(*) FROM part_stock WHERE quantity < 0) + (SELECT count(*) FROM stock_movements WHERE balance_after < 0)`},
	{"流水结存连续 (a ledger line's balance is the previous balance plus its quantity)",
		`SELECT count(*) FROM stock_movements m WHERE m.balance_after <> m.quantity + COALESCE((SELECT p.balance_after
		 FROM stock_movements p WHERE p.site_id = m.site_id AND p.part_id = m.part_id AND p.id < m.id ORDER BY p.id DESC LIMIT 1), 0)`},
	{"工单退料不超过领料 (a work order returned more of a part than it was issued)",
		`SELECT count(*) FROM (SELECT work_order_id, site_id, part_id FROM stock_movements WHERE work_order_id IS NOT NULL
		 GROUP BY work_order_id, site_id, part_id HAVING sum(quantity) > 0) x`},
	{"调拨单与流水一致 (a transfer without its transfer_out line, or received without its transfer_in line)",
		`SELECT count(*) FROM stock_transfers t WHERE NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.transfer_id = t.id
		 AND m.kind = 'transfer_out' AND m.site_id = t.from_site_id AND m.quantity = -t.quantity)
		 OR (t.status = 'received') <> EXISTS (SELECT 1 FROM stock_movements m WHERE m.transfer_id = t.id
		 AND m.kind = 'transfer_in' AND m.site_id = t.to_site_id AND m.quantity = t.quantity)`},
	{"换电站满电电池数等于满电电池包数 (sites.charged_batteries / battery_total differ from the station's packs)",
		`SELECT count(*) FROM sites s WHERE s.kind = 'swap_station' AND EXISTS (SELECT 1 FROM battery_packs b WHERE b.site_id = s.id)
		 AND (s.charged_batteries <> (SELECT count(*) FROM battery_packs b WHERE b.site_id = s.id AND b.state = 'charged')
		 OR s.battery_total <> (SELECT count(*) FROM battery_packs b WHERE b.site_id = s.id))`},
	{"电池包状态等于其最后一条流水 (a pack's state differs from its last movement's to_state)",
		`SELECT count(*) FROM battery_packs b WHERE b.state <> COALESCE((SELECT m.to_state FROM battery_pack_movements m
		 WHERE m.pack_id = b.id ORDER BY m.id DESC LIMIT 1), '')`},
	{"换电消耗的电池包属于该预约的换电站 (a pack movement of an appointment at another site or not a swap)",
		`SELECT count(*) FROM battery_pack_movements m JOIN appointments a ON a.id = m.appointment_id
		 WHERE a.site_id <> m.site_id OR a.service_kind <> 'swap'`},
}

// Verify runs the Invariants on q and returns one line per broken rule
// ("rule: n rows"); none means the inventory is consistent.
func Verify(ctx context.Context, q db.Querier) ([]string, error) {
	var out []string
	for _, c := range Invariants {
		var n int
		if err := q.QueryRowContext(ctx, c.SQL).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%s: %d", c.Name, n))
		}
	}
	return out, nil
}
