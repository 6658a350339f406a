// Package privacy is the owner's privacy center (PIPL, 个人信息保护法): what
// personal data is held and why (Categories), a copy of all of it as a zip
// of JSON and CSV (Export, articles 45 and 46), and requests to erase it
// (articles 47), which admins decide in a queue within DueDays: an approved
// request anonymises the account and the customer record in one
// transaction through the OnErase hooks that the owning areas register,
// keeping the records the law requires (sales, service, warranty and
// billing records, now tied to an anonymous customer); every decision is
// audited. It owns the table privacy_requests; the export reads the
// owner's rows of other areas' tables (read-only, like internal/report).
package privacy

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// DueDays is the time the privacy policy promises for a decision on a
// deletion request.
const DueDays = 15

// maxReason bounds what an owner or an admin writes.
const maxReason = 200

// EraseHook anonymises, in the erase transaction tx, what one area holds of
// customer customerID and their owner account userID (0: none).
type EraseHook func(ctx context.Context, tx *sql.Tx, customerID, userID int64, now time.Time) error

// Service is the privacy center.
type Service struct {
	db    *db.DB
	now   func() time.Time
	hooks []namedHook
}

type namedHook struct {
	name string
	fn   EraseHook
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Now returns the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

// OnErase registers fn, named area (for the audit entry), to run in every
// approved erasure's transaction, in registration order.
func (s *Service) OnErase(area string, fn EraseHook) { s.hooks = append(s.hooks, namedHook{area, fn}) }

// Status of a deletion request.
type Status string

// Statuses.
const (
	Pending   Status = "pending"
	Done      Status = "done"
	Rejected  Status = "rejected"
	Withdrawn Status = "withdrawn"
)

// Label is the status in Chinese.
func (s Status) Label() string {
	return map[Status]string{Pending: "待处理", Done: "已删除", Rejected: "已驳回", Withdrawn: "已撤回"}[s]
}

// Request is a deletion request.
type Request struct {
	ID           int64
	CustomerID   int64
	UserID       int64
	Name         string // the requester as the records now say (已注销用户 after erasure)
	Mobile       string // masked for staff
	Status       Status
	Reason       string
	RequestedAt  time.Time
	DueAt        time.Time
	DecidedAt    time.Time
	DecidedBy    string
	DecisionNote string
	// What the decision should know: the requester's open appointments and
	// unfinished work orders (staff views only).
	OpenAppointments int
	OpenWorkOrders   int
}

// Overdue reports whether a pending request is past its due time at now.
func (r *Request) Overdue(now time.Time) bool { return r.Status == Pending && now.After(r.DueAt) }

// DaysLeft is the whole days until the due time (negative when overdue).
func (r *Request) DaysLeft(now time.Time) int { return int(r.DueAt.Sub(now).Hours() / 24) }

func requireOwner(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return apperr.New(apperr.Forbidden, "只有车主可以使用隐私中心")
	}
	return nil
}

const requestColumns = `r.id, r.customer_id, COALESCE(r.user_id, 0), c.name, c.mobile, r.status, r.reason, r.requested_at, r.due_at,
	r.decided_at, COALESCE(u.display_name, ''), r.decision_note`

const requestFrom = ` FROM privacy_requests r JOIN customers c ON c.id = r.customer_id LEFT JOIN users u ON u.id = r.decided_by_user_id `

func scanRequest(row interface{ Scan(...any) error }) (*Request, error) {
	var r Request
	var decided sql.NullTime
	err := row.Scan(&r.ID, &r.CustomerID, &r.UserID, &r.Name, &r.Mobile, &r.Status, &r.Reason, &r.RequestedAt, &r.DueAt, &decided, &r.DecidedBy, &r.DecisionNote)
	r.DecidedAt = decided.Time
	return &r, err
}

func (s *Service) requests(ctx context.Context, q db.Querier, where string, args ...any) ([]*Request, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+requestColumns+requestFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MyRequests returns the acting owner's deletion requests, newest first.
// Owners only (Forbidden).
func (s *Service) MyRequests(ctx context.Context, actor *identity.User) ([]*Request, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	return s.requests(ctx, s.db, `WHERE r.customer_id = $1 ORDER BY r.requested_at DESC, r.id DESC LIMIT 20`, actor.CustomerID)
}

// RequestErase files the acting owner's request to erase their personal
// data, due within DueDays; every active admin is notified, and it is
// audited (privacy.request_erase). Owners only (Forbidden); a reason over
// 200 characters is Invalid on "reason"; a request already pending is
// Conflict.
func (s *Service) RequestErase(ctx context.Context, actor *identity.User, reason string) (*Request, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return nil, apperr.Field("reason", "原因最多 200 个字")
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_requests WHERE customer_id = $1 AND status = 'pending'`, actor.CustomerID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errPending
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO privacy_requests (customer_id, user_id, kind, status, reason, requested_at, due_at)
			VALUES ($1, $2, 'erase', 'pending', $3, $4, $5) RETURNING id`, actor.CustomerID, actor.ID, reason, now, now.AddDate(0, 0, DueDays)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errPending
		}
		if err != nil {
			return err
		}
		if err := notifyAdmins(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "privacy.request_erase", Entity: "privacy_requests", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	list, err := s.requests(ctx, s.db, `WHERE r.id = $1`, id)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

var errPending = apperr.New(apperr.Conflict, "您已有一项删除申请正在处理，请等待处理结果")

// notifyAdmins tells every active admin about request id.
func notifyAdmins(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE role = 'admin' AND active = $1`, true)
	if err != nil {
		return err
	}
	var admins []int64
	for rows.Next() {
		var a int64
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return err
		}
		admins = append(admins, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range admins {
		if err := notify.Notify(ctx, tx, notify.Notification{UserID: a, Kind: "privacy.erase_requested", Title: "新的个人信息删除申请",
			Body: "一位车主申请删除个人信息，请在 15 天内处理。", Link: "/admin/privacy#r" + strconv.FormatInt(id, 10), CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// Withdraw withdraws the acting owner's pending request (audited
// privacy.withdraw). Owners only; no pending request is Conflict.
func (s *Service) Withdraw(ctx context.Context, actor *identity.User) error {
	if err := requireOwner(actor); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `UPDATE privacy_requests SET status = 'withdrawn', decided_at = $1 WHERE customer_id = $2 AND status = 'pending'
			RETURNING id`, now, actor.CustomerID).Scan(&id)
		if db.NoRows(err) {
			return apperr.New(apperr.Conflict, "没有可撤回的删除申请")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "privacy.withdraw", Entity: "privacy_requests", EntityID: id})
	})
}
