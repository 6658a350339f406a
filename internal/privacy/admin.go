package privacy

import (
	"context"
	"database/sql"
	"strings"

	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

func requireAdmin(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return apperr.New(apperr.Forbidden, "只有管理员可以处理个人信息删除申请")
	}
	return nil
}

// Queue returns the pending requests, the soonest due first, and the 50
// most recently decided, with the requesters' open appointments and
// unfinished work orders and their mobiles masked. Admins only
// (Forbidden).
func (s *Service) Queue(ctx context.Context, actor *identity.User) (pending, decided []*Request, err error) {
	if err := requireAdmin(actor); err != nil {
		return nil, nil, err
	}
	if pending, err = s.requests(ctx, s.db, `WHERE r.status = 'pending' ORDER BY r.due_at, r.id`); err != nil {
		return nil, nil, err
	}
	if decided, err = s.requests(ctx, s.db, `WHERE r.status <> 'pending' ORDER BY r.decided_at DESC, r.id DESC LIMIT 50`); err != nil {
		return nil, nil, err
	}
	for _, r := range pending {
		if err := s.db.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM appointments WHERE customer_id = $1 AND status IN ('booked', 'confirmed', 'in_progress')),
			(SELECT COUNT(*) FROM work_orders WHERE customer_id = $1 AND status NOT IN ('closed', 'cancelled'))`, r.CustomerID).
			Scan(&r.OpenAppointments, &r.OpenWorkOrders); err != nil {
			return nil, nil, err
		}
	}
	for _, r := range append(append([]*Request{}, pending...), decided...) {
		r.Mobile = identity.MaskMobile(r.Mobile)
	}
	return pending, decided, nil
}

// Erase carries out pending request id in one transaction: every OnErase
// hook anonymises its area's data of the requester, the request is done
// with the admin and the note, and the decision is audited (erase, with
// the areas). Records the law requires (orders, work orders, warranty,
// charging and swap billing) stay, tied to the anonymous customer. Admins
// only (Forbidden); an unknown id is NotFound; a request no longer pending
// Conflict; a note over 200 characters Invalid on "note".
func (s *Service) Erase(ctx context.Context, actor *identity.User, id int64, note string) error {
	return s.decide(ctx, actor, id, true, note)
}

// Reject refuses pending request id with the reason given to the owner
// (required: Invalid on "note"), tells the owner and audits it
// (erase_reject). Access and errors as Erase.
func (s *Service) Reject(ctx context.Context, actor *identity.User, id int64, note string) error {
	return s.decide(ctx, actor, id, false, note)
}

func (s *Service) decide(ctx context.Context, actor *identity.User, id int64, erase bool, note string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	switch {
	case utf8.RuneCountInString(note) > maxReason:
		return apperr.Field("note", "处理说明最多 200 个字")
	case !erase && note == "":
		return apperr.Field("note", "驳回时请填写原因，车主会看到这段说明")
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var customerID, userID int64
		var status Status
		err := tx.QueryRowContext(ctx, `SELECT customer_id, COALESCE(user_id, 0), status FROM privacy_requests WHERE id = $1`, id).Scan(&customerID, &userID, &status)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "删除申请不存在")
		}
		if err != nil {
			return err
		}
		if status != Pending {
			return apperr.New(apperr.Conflict, "该申请"+status.Label()+"，不能再处理")
		}
		if userID == 0 {
			// A request made before the account id was kept: the customer's owner account.
			if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE customer_id = $1`, customerID).Scan(&userID); err != nil && !db.NoRows(err) {
				return err
			}
		}
		newStatus, action := Rejected, "erase_reject"
		var areas []string
		if erase {
			newStatus, action = Done, "erase"
			for _, h := range s.hooks {
				if err := h.fn(ctx, tx, customerID, userID, now); err != nil {
					return err
				}
				areas = append(areas, h.name)
			}
		} else if userID != 0 {
			if err := notify.Notify(ctx, tx, notify.Notification{UserID: userID, Kind: "privacy.erase_rejected", Title: "删除申请未通过",
				Body: "您的个人信息删除申请未通过：" + note, Link: "/owner/privacy", CreatedAt: now}); err != nil {
				return err
			}
		}
		var by any
		if actor.ID > 0 {
			by = actor.ID
		}
		res, err := tx.ExecContext(ctx, `UPDATE privacy_requests SET status = $1, decided_at = $2, decided_by_user_id = $3, decision_note = $4
			WHERE id = $5 AND status = 'pending'`, string(newStatus), now, by, note, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "该申请刚刚已被处理")
		}
		// Later requests of the same person, if any, are moot once erased.
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: action, Entity: "privacy_requests", EntityID: id,
			Detail: map[string]any{"customer_id": customerID, "areas": areas}})
	})
}

// Overdue counts the pending requests past their due time at now (the
// admin home's reminder).
func (s *Service) Overdue(ctx context.Context, actor *identity.User) (int, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_requests WHERE status = 'pending' AND due_at < $1`, s.now()).Scan(&n)
	return n, err
}
