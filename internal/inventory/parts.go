package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Part is one entry of the spare-part catalogue.
type Part struct {
	ID           int64    `json:"id"`
	SKU          string   `json:"sku"`
	Name         string   `json:"name"`
	Category     string   `json:"category"`
	Unit         string   `json:"unit"`
	PriceFen     int64    `json:"price_fen"`
	CostFen      int64    `json:"cost_fen"`
	ReorderLevel int      `json:"reorder_level"`
	Active       bool     `json:"active"`
	ModelIDs     []int64  `json:"model_ids"`
	ModelNames   []string `json:"model_names"`
}

// Models is the compatible models in Chinese ("全部车型" when none is listed).
func (p *Part) Models() string {
	if len(p.ModelNames) == 0 {
		return "全部车型"
	}
	return strings.Join(p.ModelNames, "、")
}

// Fits reports whether the part is listed for model id.
func (p *Part) Fits(id int64) bool {
	for _, m := range p.ModelIDs {
		if m == id {
			return true
		}
	}
	return false
}

// Model is a vehicle model a part can fit.
type Model struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// PartFilter selects catalogue entries.
type PartFilter struct {
	Query    string // part number prefix or name fragment
	Category string
	Inactive bool // include parts no longer in use
}

// Parts returns the catalogue entries matching f, by part number. Staff
// (service, admin) may call it; others get apperr.Forbidden.
func (s *Service) Parts(ctx context.Context, actor *identity.User, f PartFilter) ([]*Part, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	if len([]rune(f.Query)) > MaxQueryLen {
		return nil, apperr.Field("q", "搜索内容不能超过 32 个字")
	}
	var args []any
	arg := func(x any) string { args = append(args, x); return fmt.Sprintf("$%d", len(args)) }
	where := " WHERE 1 = 1"
	if q := strings.TrimSpace(f.Query); q != "" {
		where += " AND (LOWER(p.sku) LIKE " + arg(escapeLike(strings.ToLower(q))+"%") + ` ESCAPE '\' OR LOWER(p.name) LIKE ` +
			arg("%"+escapeLike(strings.ToLower(q))+"%") + ` ESCAPE '\')`
	}
	if f.Category != "" {
		where += " AND p.category = " + arg(f.Category)
	}
	if !f.Inactive {
		where += " AND p.active = TRUE"
	}
	return s.parts(ctx, s.db, where, args...)
}

func (s *Service) parts(ctx context.Context, q db.Querier, where string, args ...any) ([]*Part, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.sku, p.name, p.category, p.unit, p.price_fen, p.cost_fen,
		p.reorder_level, p.active FROM parts p`+where+` ORDER BY p.sku`, args...)
	if err != nil {
		return nil, err
	}
	var out []*Part
	byID := map[int64]*Part{}
	for rows.Next() {
		var p Part
		if err := rows.Scan(&p.ID, &p.SKU, &p.Name, &p.Category, &p.Unit, &p.PriceFen, &p.CostFen, &p.ReorderLevel, &p.Active); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, &p)
		byID[p.ID] = &p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	mrows, err := q.QueryContext(ctx, `SELECT pm.part_id, m.id, m.name FROM part_models pm
		JOIN vehicle_models m ON m.id = pm.model_id ORDER BY pm.part_id, m.id`)
	if err != nil {
		return nil, err
	}
	defer mrows.Close()
	for mrows.Next() {
		var pid, mid int64
		var name string
		if err := mrows.Scan(&pid, &mid, &name); err != nil {
			return nil, err
		}
		if p := byID[pid]; p != nil {
			p.ModelIDs = append(p.ModelIDs, mid)
			p.ModelNames = append(p.ModelNames, name)
		}
	}
	return out, mrows.Err()
}

// Part returns catalogue entry id (apperr.NotFound when there is none).
// Callers as for Parts.
func (s *Service) Part(ctx context.Context, actor *identity.User, id int64) (*Part, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	ps, err := s.parts(ctx, s.db, " WHERE p.id = $1", id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, apperr.New(apperr.NotFound, "备件不存在")
	}
	return ps[0], nil
}

// Categories returns the catalogue's categories in use, sorted.
func (s *Service) Categories(ctx context.Context, actor *identity.User) ([]string, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT category FROM parts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// Models returns the vehicle models a part may be listed for.
func (s *Service) Models(ctx context.Context, actor *identity.User) ([]Model, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM vehicle_models ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Model
	for rows.Next() {
		var m Model
		if err := rows.Scan(&m.ID, &m.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PartInput is a new or edited catalogue entry.
type PartInput struct {
	SKU          string
	Name         string
	Category     string
	Unit         string
	PriceFen     int64
	CostFen      int64
	ReorderLevel int
	Active       bool
	ModelIDs     []int64
}

func (in *PartInput) check() error {
	var v apperr.Validator
	var ok bool
	in.SKU, ok = clean(strings.ToUpper(in.SKU), 32)
	v.Check(ok && in.SKU != "", "sku", "请填写备件编号（不超过 32 个字符）")
	for _, r := range in.SKU {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			v.Check(false, "sku", "备件编号只能包含字母、数字和 - _ .")
			break
		}
	}
	in.Name, ok = clean(in.Name, 60)
	v.Check(ok && in.Name != "", "name", "请填写备件名称（不超过 60 个字）")
	in.Category, ok = clean(in.Category, 20)
	v.Check(ok && in.Category != "", "category", "请填写分类（不超过 20 个字）")
	in.Unit, ok = clean(in.Unit, 4)
	v.Check(ok && in.Unit != "", "unit", "请填写单位，如 件、套、瓶")
	v.Check(in.PriceFen >= 0 && in.PriceFen <= 100_000_000_00, "price_fen", "请填写有效的销售价")
	v.Check(in.CostFen >= 0 && in.CostFen <= 100_000_000_00, "cost_fen", "请填写有效的标准成本")
	v.Check(in.ReorderLevel >= 0 && in.ReorderLevel <= MaxQuantity, "reorder_level", "默认补货点须为 0 或正整数")
	return v.Err()
}

// SavePart creates the catalogue entry (id 0) or updates entry id, with its
// compatible models, and returns it. Only admins may call it
// (apperr.Forbidden); bad input is apperr.Invalid naming the field (sku,
// name, category, unit, price_fen, cost_fen, reorder_level, model_ids); a
// part number in use is apperr.Invalid on sku; an unknown id NotFound. The
// change is audited.
func (s *Service) SavePart(ctx context.Context, actor *identity.User, id int64, in PartInput) (*Part, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.IsSystem() && !actor.Is(identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以维护备件目录")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var p *Part
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		action := "part.update"
		if id == 0 {
			action = "part.create"
			if err := tx.QueryRowContext(ctx, `INSERT INTO parts (sku, name, category, unit, price_fen, cost_fen, reorder_level, active)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, in.SKU, in.Name, in.Category, in.Unit, in.PriceFen,
				in.CostFen, in.ReorderLevel, in.Active).Scan(&id); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.Field("sku", "备件编号已存在")
				}
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE parts SET sku = $1, name = $2, category = $3, unit = $4, price_fen = $5,
				cost_fen = $6, reorder_level = $7, active = $8 WHERE id = $9`, in.SKU, in.Name, in.Category, in.Unit,
				in.PriceFen, in.CostFen, in.ReorderLevel, in.Active, id)
			if db.IsUniqueViolation(err) {
				return apperr.Field("sku", "备件编号已存在")
			}
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.New(apperr.NotFound, "备件不存在")
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM part_models WHERE part_id = $1`, id); err != nil {
				return err
			}
		}
		for _, m := range in.ModelIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO part_models (part_id, model_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, m); err != nil {
				if db.IsForeignKeyViolation(err) {
					return apperr.Field("model_ids", "适用车型不存在")
				}
				return err
			}
		}
		if err := recordAudit(ctx, tx, actor, now, action, "parts", id, map[string]any{"sku": in.SKU, "name": in.Name,
			"price_fen": in.PriceFen, "active": in.Active}); err != nil {
			return err
		}
		ps, err := s.parts(ctx, tx, " WHERE p.id = $1", id)
		if err == nil {
			p = ps[0]
		}
		return err
	})
	return p, err
}
