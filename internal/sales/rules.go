package sales

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Rule is a lead assignment rule: round-robin among a store's consultants,
// or a city routed to a store (and optionally to one consultant there).
type Rule struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"` // round_robin or city
	StoreID   int64     `json:"store_id"`
	StoreName string    `json:"store_name"`
	City      string    `json:"city"`
	UserID    int64     `json:"user_id"`
	UserName  string    `json:"user_name"`
	LastUser  string    `json:"last_user_name"`
	CreatedAt time.Time `json:"created_at"`
}

// KindLabel is the rule kind's Chinese name.
func (r *Rule) KindLabel() string {
	if r.Kind == "city" {
		return "按城市分配"
	}
	return "门店内轮流分配"
}

var errAdminOnly = apperr.New(apperr.Forbidden, "只有管理员可以配置线索分配规则")

// Rules returns every assignment rule (admins and the system; Forbidden
// otherwise), round-robin first, then cities by name.
func (s *Service) Rules(ctx context.Context, actor *identity.User) ([]*Rule, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !allStores(actor) {
		return nil, errAdminOnly
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.kind, r.store_id, st.name, r.city, COALESCE(r.user_id, 0), COALESCE(u.display_name, ''),
			COALESCE(lu.display_name, ''), r.created_at
		FROM lead_assignment_rules r JOIN sites st ON st.id = r.store_id LEFT JOIN users u ON u.id = r.user_id LEFT JOIN users lu ON lu.id = r.last_user_id
		ORDER BY r.kind DESC, r.city, st.name, r.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Rule
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.ID, &r.Kind, &r.StoreID, &r.StoreName, &r.City, &r.UserID, &r.UserName, &r.LastUser, &r.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// RuleInput is a new assignment rule.
type RuleInput struct {
	Kind    string
	StoreID int64
	City    string // kind city
	UserID  int64  // kind city: a consultant of the store; 0: the store's round-robin or nobody
}

// CreateRule adds an assignment rule, audited (create_assignment_rule).
// Admins only (Forbidden). Invalid naming the field: kind, store_id (not a
// store), city (missing for a city rule, or already routed), user_id (not
// an active consultant of the store); a store with a round-robin rule
// already is Invalid on store_id.
func (s *Service) CreateRule(ctx context.Context, actor *identity.User, in RuleInput) (*Rule, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !allStores(actor) {
		return nil, errAdminOnly
	}
	in.City = strings.TrimSpace(in.City)
	var v apperr.Validator
	v.Check(in.Kind == "round_robin" || in.Kind == "city", "kind", "请选择规则类型")
	if in.Kind == "city" {
		n := utf8.RuneCountInString(in.City)
		v.Check(n >= 2 && n <= 20, "city", "请填写城市（2 到 20 个字），如 上海")
	} else {
		in.City, in.UserID = "", 0
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, in.StoreID).Scan(&kind)
		if db.NoRows(err) || (err == nil && kind != "store") {
			return apperr.Field("store_id", "请选择门店")
		}
		if err != nil {
			return err
		}
		if in.UserID != 0 {
			if err := checkConsultant(ctx, tx, in.UserID, in.StoreID); err != nil {
				return apperr.Field("user_id", "指定的销售顾问须在该门店在职")
			}
		}
		var n int
		if in.Kind == "city" {
			err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM lead_assignment_rules WHERE kind = 'city' AND city = $1`, in.City).Scan(&n)
		} else {
			err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM lead_assignment_rules WHERE kind = 'round_robin' AND store_id = $1`, in.StoreID).Scan(&n)
		}
		if err != nil {
			return err
		}
		if n > 0 && in.Kind == "city" {
			return apperr.Field("city", "该城市已有分配规则，请先删除原规则")
		}
		if n > 0 {
			return apperr.Field("store_id", "该门店已启用轮流分配")
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO lead_assignment_rules (kind, store_id, city, user_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, in.Kind, in.StoreID, in.City, nullID(in.UserID), nullID(identity.ID(actor)), now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "同样的规则刚刚被创建")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "create_assignment_rule", Entity: "lead_assignment_rules", EntityID: id,
			Detail: map[string]any{"kind": in.Kind, "store_id": in.StoreID, "city": in.City, "user_id": in.UserID}})
	})
	if err != nil {
		return nil, err
	}
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, errRuleNotFound
}

var errRuleNotFound = apperr.New(apperr.NotFound, "分配规则不存在")

// DeleteRule removes assignment rule id, audited (delete_assignment_rule).
// Admins only (Forbidden); an unknown id is NotFound.
func (s *Service) DeleteRule(ctx context.Context, actor *identity.User, id int64) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !allStores(actor) {
		return errAdminOnly
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM lead_assignment_rules WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = errRuleNotFound
			}
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "delete_assignment_rule", Entity: "lead_assignment_rules", EntityID: id})
	})
}

// Consultants returns the active sales consultants of store storeID (0:
// the actor's) for assignment menus; NotFound for a store the actor does
// not see.
func (s *Service) Consultants(ctx context.Context, actor *identity.User, storeID int64) ([]Code, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	if storeID == 0 {
		storeID = actor.SiteID
	}
	if !sees(actor, storeID) {
		return nil, apperr.New(apperr.NotFound, "门店不存在")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, display_name FROM users WHERE role = 'sales' AND active = $1 AND site_id = $2 ORDER BY display_name, id`, true, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Code
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out = append(out, Code{Code: itoa(id), Label: name})
	}
	return out, rows.Err()
}
