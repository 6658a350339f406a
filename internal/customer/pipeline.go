package customer

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
)

// This file holds what the sales pipeline (internal/sales) asks of the
// customer records: a prospect for a new lead, the lookup by mobile, the
// buying-journey stage, and the turn of a buyer into an owner. Each writes
// through q, the caller's transaction, so that the customer change commits
// with the lead, opportunity or delivery that caused it.

// LeadCustomer is a new prospect created together with a lead.
type LeadCustomer struct {
	Name        string
	Mobile      string
	Province    string
	City        string
	Source      string // the lead's source (leads.source codes)
	StoreID     int64  // 0: none
	SalesUserID int64  // 0: none
	BudgetFen   int64  // 0: unknown
	ModelID     int64  // preferred model; 0: none
}

// CreateLeadCustomer inserts a prospect (kind 'prospect', stage 'lead')
// through q and returns its id. Input is validated by the caller (the lead
// service). Returns ErrMobileTaken when the mobile already has a record.
func CreateLeadCustomer(ctx context.Context, q db.Querier, c LeadCustomer, now time.Time) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO customers (name, mobile, province, city, kind, stage, source, store_id, sales_user_id,
			budget_fen, preferred_model_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'prospect', 'lead', $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
		c.Name, c.Mobile, c.Province, c.City, c.Source, pipelineNull(c.StoreID), pipelineNull(c.SalesUserID), pipelineNull(c.BudgetFen), pipelineNull(c.ModelID),
		now.UTC()).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, ErrMobileTaken
	}
	return id, err
}

// ByMobile returns the customer whose mobile is mobile, read through q, or
// NotFound.
func ByMobile(ctx context.Context, q db.Querier, mobile string) (*Customer, error) {
	var c Customer
	err := q.QueryRowContext(ctx, `SELECT id, name, mobile, city, kind FROM customers WHERE mobile = $1`, mobile).
		Scan(&c.ID, &c.Name, &c.Mobile, &c.City, &c.Kind)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "客户不存在")
	}
	return &c, err
}

// journey is the order of customers.stage along the buying journey.
var journey = map[string]int{"lead": 1, "interested": 2, "test_drive": 3, "negotiation": 4, "ordered": 5, "delivered": 6}

// AdvanceStage moves customer id's buying-journey stage forward to stage
// (lead, interested, test_drive, negotiation, ordered, delivered), through
// q; a customer already further along, or an owner, keeps their stage.
// Stage "lost" is set only when the customer has nothing further along
// (the caller decides; see MarkLost).
func AdvanceStage(ctx context.Context, q db.Querier, id int64, stage string, now time.Time) error {
	rank, ok := journey[stage]
	if !ok {
		return apperr.Field("stage", "无效的客户阶段")
	}
	var cur string
	err := q.QueryRowContext(ctx, `SELECT stage FROM customers WHERE id = $1`, id).Scan(&cur)
	if db.NoRows(err) {
		return apperr.New(apperr.NotFound, "客户不存在")
	}
	if err != nil || journey[cur] >= rank {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE customers SET stage = $1, updated_at = $2 WHERE id = $3`, stage, now.UTC(), id)
	return err
}

// MarkLost sets customer id's stage to lost through q, unless the customer
// is an owner or has ordered (a lost lead does not undo a purchase).
func MarkLost(ctx context.Context, q db.Querier, id int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE customers SET stage = 'lost', updated_at = $1
		WHERE id = $2 AND kind = 'prospect' AND stage NOT IN ('ordered', 'delivered')`, now.UTC(), id)
	return err
}

// MakeOwner turns customer id into an owner (kind 'owner', stage
// 'delivered') through q, at the delivery of their car; storeID and
// salesUserID record who sold it (0 leaves them as they are).
func MakeOwner(ctx context.Context, q db.Querier, id, storeID, salesUserID int64, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE customers SET kind = 'owner', stage = 'delivered',
			store_id = COALESCE($1, store_id), sales_user_id = COALESCE($2, sales_user_id), updated_at = $3 WHERE id = $4`,
		pipelineNull(storeID), pipelineNull(salesUserID), now.UTC(), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = apperr.New(apperr.NotFound, "客户不存在")
		}
		return err
	}
	return nil
}

// pipelineNull is NULL for 0, else v.
func pipelineNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
