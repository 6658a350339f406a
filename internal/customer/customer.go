// Package customer owns the customers table: the people who buy and own the
// maker's cars, from first contact (prospect) to owner. Other packages ask
// this one to create or read customer records; nothing else writes the table.
package customer

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Service reads and writes customer records.
type Service struct {
	db  *db.DB
	now func() time.Time
	// mergeHooks move other areas' records in a merge (OnMerge).
	mergeHooks []mergeHook
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Prospect is a person who registered in the app: a new customer record of
// kind 'prospect', stage 'lead', source 'app'.
type Prospect struct {
	Name   string
	Mobile string
}

// ErrMobileTaken is returned when a customer record with the mobile exists.
var ErrMobileTaken = apperr.Field("mobile", "该手机号已有客户档案")

// CreateProspect inserts a prospect through q (the caller's transaction, so
// that the record commits together with the account that asked for it) and
// returns its id. Input is validated by the caller (registration). Returns
// ErrMobileTaken when the mobile already has a record.
func CreateProspect(ctx context.Context, q db.Querier, p Prospect, now time.Time) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO customers (name, mobile, kind, stage, source, created_at, updated_at)
		VALUES ($1, $2, 'prospect', 'lead', 'app', $3, $3) RETURNING id`, p.Name, p.Mobile, now.UTC()).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, ErrMobileTaken
	}
	return id, err
}

// MobileKnown reports whether a customer record has mobile, read through q.
func MobileKnown(ctx context.Context, q db.Querier, mobile string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE mobile = $1`, mobile).Scan(&n)
	return n > 0, err
}

// Count returns the number of customer records (the system actor or an admin
// only; Forbidden otherwise).
func (s *Service) Count(ctx context.Context, actor *identity.User) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return 0, apperr.New(apperr.Forbidden, "无权查看客户总数")
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&n)
	return n, err
}

// MyCity returns the city of the acting owner's customer record ("" when the
// actor is not an owner or the city is unknown).
func (s *Service) MyCity(ctx context.Context, actor *identity.User) (string, error) {
	if err := identity.Require(actor); err != nil {
		return "", err
	}
	if actor.CustomerID == 0 {
		return "", nil
	}
	var city string
	err := s.db.QueryRowContext(ctx, `SELECT city FROM customers WHERE id = $1`, actor.CustomerID).Scan(&city)
	if db.NoRows(err) {
		return "", nil
	}
	return city, err
}

// Customer is the part of a customer record other areas need.
type Customer struct {
	ID     int64
	Name   string
	Mobile string
	City   string
	Kind   string // prospect or owner
}

// Get returns the customer with id read through q, or NotFound.
func Get(ctx context.Context, q db.Querier, id int64) (*Customer, error) {
	var c Customer
	err := q.QueryRowContext(ctx, `SELECT id, name, mobile, city, kind FROM customers WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &c.Mobile, &c.City, &c.Kind)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "客户不存在")
	}
	return &c, err
}
