package vehicle

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// This file is how an owner gets a car into their personal center and how
// a car changes hands: a bind code, printed on the delivery record (issued
// by the sales delivery through IssueBindCode) or made by the current owner
// for a buyer (IssueTransferCode), is entered with the VIN (Bind). Only the
// code's SHA-256 is kept. Wrong codes are throttled per owner and per VIN.
// When the car moves to another customer the old owner loses access (Get
// is NotFound for them), their charging, swap and appointment records stay
// theirs (history kept, not shown to the new owner), their open
// appointments of the car are cancelled through the OnTransfer hooks, and
// vehicle_ownerships records who owned the car when.

// Validity of bind codes.
const (
	DeliveryCodeTTL = 90 * 24 * time.Hour
	TransferCodeTTL = 7 * 24 * time.Hour
)

// Throttle of wrong bind codes: within bindWindow of the first failure, at
// most maxOwnerFailures per owner and maxVINFailures per VIN; then the key
// is locked for bindLock.
const (
	bindWindow       = 15 * time.Minute
	bindLock         = 15 * time.Minute
	maxOwnerFailures = 5
	maxVINFailures   = 10
)

// codeAlphabet has no 0/O, 1/I/L: codes are read off paper.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode returns a random code "XXXX-XXXX" (31^8 ≈ 8.5·10^11 codes).
func newCode() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return string(out), nil
}

// normalCode is a typed code without spaces and dashes, upper case.
func normalCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, code)
}

// codeHash is what vehicle_bind_codes keeps of a code of vehicleID.
func codeHash(vehicleID int64, code string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(vehicleID, 10) + ":" + normalCode(code)))
	return hex.EncodeToString(sum[:])
}

// issue stores a new code of vehicleID for purpose through q, revoking the
// car's earlier unused codes, and returns the code.
func issue(ctx context.Context, q db.Querier, vehicleID, byUser int64, purpose string, now time.Time, ttl time.Duration) (string, error) {
	code, err := newCode()
	if err != nil {
		return "", err
	}
	if _, err := q.ExecContext(ctx, `UPDATE vehicle_bind_codes SET revoked_at = $1 WHERE vehicle_id = $2 AND used_at IS NULL AND revoked_at IS NULL`,
		now, vehicleID); err != nil {
		return "", err
	}
	var by any
	if byUser > 0 {
		by = byUser
	}
	_, err = q.ExecContext(ctx, `INSERT INTO vehicle_bind_codes (vehicle_id, code_hash, purpose, issued_by_user_id, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, vehicleID, codeHash(vehicleID, code), purpose, by, now, now.Add(ttl))
	return code, err
}

// IssueBindCode issues the delivery bind code of vehicleID through q (the
// delivery's transaction) and returns it, to be printed on the delivery
// record; it is valid for DeliveryCodeTTL and replaces the car's earlier
// unused codes. It has the shape of sales.BindCodeIssuer: the sales
// delivery, which has checked who may deliver, calls it (a nil actor is
// Unauthenticated).
func (s *Service) IssueBindCode(ctx context.Context, q db.Querier, actor *identity.User, vehicleID int64) (string, error) {
	if err := identity.Require(actor); err != nil {
		return "", err
	}
	return issue(ctx, q, vehicleID, actor.ID, "delivery", s.now(), DeliveryCodeTTL)
}

// TransferCode is a code the owner gives the buyer of their car.
type TransferCode struct {
	Code      string
	ExpiresAt time.Time
}

// IssueTransferCode makes a transfer code for the acting owner's vehicle
// id, valid for TransferCodeTTL; earlier unused codes of the car stop
// working. Audited (vehicle.transfer_code, never the code). Only the car's
// owner may call it: another owner's car is NotFound, other roles
// Forbidden.
func (s *Service) IssueTransferCode(ctx context.Context, actor *identity.User, id int64) (*TransferCode, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以转让自己的车辆")
	}
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	now := s.now()
	var tc TransferCode
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var owner int64
		if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM vehicles WHERE id = $1`, id).Scan(&owner); err != nil {
			return err
		}
		if owner != actor.CustomerID {
			return apperr.New(apperr.NotFound, "车辆不存在")
		}
		code, err := issue(ctx, tx, id, actor.ID, "transfer", now, TransferCodeTTL)
		if err != nil {
			return err
		}
		tc = TransferCode{Code: code, ExpiresAt: now.Add(TransferCodeTTL)}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "vehicle.transfer_code", Entity: "vehicles", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	return &tc, nil
}

// TransferHook runs in the transaction of a transfer of vehicleID from
// customer from to customer to, such as cancelling from's open
// appointments of the car (booking).
type TransferHook func(ctx context.Context, tx *sql.Tx, vehicleID, from, to int64, now time.Time) error

// OnTransfer registers fn to run in every transfer's transaction.
func (s *Service) OnTransfer(fn TransferHook) { s.onTransfer = append(s.onTransfer, fn) }

// errBadCode is the one answer for an unknown VIN, a wrong, used, revoked
// or expired code: it tells a guesser nothing.
var errBadCode = apperr.Field("code", "车架号或绑定码不正确，或绑定码已失效。请核对交付单上的绑定码，或联系交付门店")

// Bind moves the car with vin to the acting owner, proved by a bind code of
// the car (a delivery or transfer code, unused, unrevoked, unexpired), in
// one transaction: the code is used, the previous ownership ends and a new
// one starts, the car's customer changes, the previous owner's open
// appointments of the car are cancelled (OnTransfer hooks) and they are
// notified, the binding customer becomes an owner, and it is audited
// (vehicle.bind). It returns the car.
//
// Owners only (Forbidden). A VIN of the wrong form is Invalid on "vin"; an
// unknown VIN or a wrong code is Invalid on "code" and counts as a failure:
// after 5 failures of the owner (or 10 on the VIN) within 15 minutes,
// RateLimited for 15 minutes. A car already the actor's is Conflict (the
// code stays unused).
func (s *Service) Bind(ctx context.Context, actor *identity.User, vin, code string) (*Vehicle, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主账号可以绑定车辆")
	}
	vin = strings.ToUpper(strings.TrimSpace(vin))
	var v apperr.Validator
	v.Check(len(vin) == 17, "vin", "车架号（VIN）为 17 位字母和数字，见行驶证或前挡风玻璃左下角")
	v.Check(len(normalCode(code)) == 8, "code", "绑定码为 8 位，见交付单，如 7KQ3-M8PD")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	keys := []bindKey{{"customer:" + strconv.FormatInt(actor.CustomerID, 10), maxOwnerFailures}, {"vin:" + vin, maxVINFailures}}
	if until, err := s.bindLocked(ctx, keys, now); err != nil {
		return nil, err
	} else if !until.IsZero() {
		return nil, bindLockedErr(until, now)
	}
	var id, from int64
	var bound bool
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var storeID sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, customer_id, store_id FROM vehicles WHERE vin = $1`, vin).Scan(&id, &from, &storeID)
		if db.NoRows(err) {
			return errBadCode
		}
		if err != nil {
			return err
		}
		var codeID int64
		var purpose string
		err = tx.QueryRowContext(ctx, `SELECT id, purpose FROM vehicle_bind_codes WHERE code_hash = $1 AND vehicle_id = $2
			AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3`, codeHash(id, code), id, now).Scan(&codeID, &purpose)
		if db.NoRows(err) {
			return errBadCode
		}
		if err != nil {
			return err
		}
		if from == actor.CustomerID {
			return apperr.New(apperr.Conflict, "这辆车已经在您名下，无需再次绑定")
		}
		res, err := tx.ExecContext(ctx, `UPDATE vehicle_bind_codes SET used_at = $1, used_by_customer_id = $2 WHERE id = $3 AND used_at IS NULL`,
			now, actor.CustomerID, codeID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "该绑定码刚刚已被使用")
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vehicle_bind_codes SET revoked_at = $1 WHERE vehicle_id = $2 AND used_at IS NULL AND revoked_at IS NULL`,
			now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vehicle_ownerships SET ended_at = $1 WHERE vehicle_id = $2 AND ended_at IS NULL`, now, id); err != nil {
			return err
		}
		via := map[string]string{"delivery": "bind", "transfer": "transfer"}[purpose]
		if _, err := tx.ExecContext(ctx, `INSERT INTO vehicle_ownerships (vehicle_id, customer_id, via, started_at) VALUES ($1, $2, $3, $4)`,
			id, actor.CustomerID, via, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vehicles SET customer_id = $1, updated_at = $2 WHERE id = $3`, actor.CustomerID, now, id); err != nil {
			return err
		}
		for _, fn := range s.onTransfer {
			if err := fn(ctx, tx, id, from, actor.CustomerID, now); err != nil {
				return err
			}
		}
		if err := customer.MakeOwner(ctx, tx, actor.CustomerID, storeID.Int64, 0, now); err != nil {
			return err
		}
		if _, err := notify.NotifyCustomer(ctx, tx, from, notify.Notification{Kind: "vehicle.transferred", Title: "车辆已转入新车主名下",
			Body: fmt.Sprintf("车架号尾号 %s 的车辆已由新车主绑定，您将不再在个人中心看到这辆车；您的充电、换电和预约记录仍保留在您的账号中。如非您本人操作，请致电 400-820-0000。", vin[11:]),
			Link: "/owner/", CreatedAt: now}); err != nil {
			return err
		}
		bound = true
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "vehicle.bind", Entity: "vehicles", EntityID: id,
			Detail: map[string]any{"from_customer": from, "to_customer": actor.CustomerID, "via": via}})
	})
	if e := apperr.As(err); e != nil && e == errBadCode {
		if until, cerr := s.bindFailed(ctx, keys, now); cerr != nil {
			return nil, cerr
		} else if !until.IsZero() {
			return nil, bindLockedErr(until, now)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if !bound {
		return nil, apperr.New(apperr.Internal, "绑定未完成")
	}
	return s.Get(ctx, actor, id)
}

// bindKey is a throttle counter and its limit.
type bindKey struct {
	key string
	max int
}

// bindLocked returns the latest lock among keys in force at now, or zero.
func (s *Service) bindLocked(ctx context.Context, keys []bindKey, now time.Time) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		var t sql.NullTime
		err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM vehicle_bind_failures WHERE bind_key = $1`, k.key).Scan(&t)
		if err != nil && !db.NoRows(err) {
			return time.Time{}, err
		}
		if t.Valid && t.Time.After(now) && t.Time.After(until) {
			until = t.Time
		}
	}
	return until, nil
}

// bindFailed counts a wrong code on every key (an atomic upsert each) and
// returns the end of a lock it set, or zero.
func (s *Service) bindFailed(ctx context.Context, keys []bindKey, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		until = time.Time{}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM vehicle_bind_failures WHERE bind_key = $1 AND first_failed_at <= $2
				AND (locked_until IS NULL OR locked_until <= $3)`, k.key, now.Add(-bindWindow), now); err != nil {
				return err
			}
			var n int
			err := tx.QueryRowContext(ctx, `INSERT INTO vehicle_bind_failures (bind_key, failures, first_failed_at) VALUES ($1, 1, $2)
				ON CONFLICT (bind_key) DO UPDATE SET failures = vehicle_bind_failures.failures + 1 RETURNING failures`, k.key, now).Scan(&n)
			if err != nil {
				return err
			}
			if n >= k.max {
				until = now.Add(bindLock)
				if _, err := tx.ExecContext(ctx, `UPDATE vehicle_bind_failures SET locked_until = $1 WHERE bind_key = $2`, until, k.key); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return until, err
}

func bindLockedErr(until, now time.Time) error {
	m := max(1, int(math.Ceil(until.Sub(now).Minutes())))
	return apperr.RateLimitedFor(fmt.Sprintf("绑定码输错次数过多，请 %d 分钟后再试", m), until.Sub(now))
}

// Ownership is one period in which a customer owned a vehicle.
type Ownership struct {
	Via       string
	StartedAt time.Time
	EndedAt   time.Time // zero: the current owner
	Mine      bool      // the acting owner's own period
}

// ViaLabel is how the period began, in Chinese.
func (o Ownership) ViaLabel() string {
	return map[string]string{"delivery": "新车交付", "bind": "凭交付绑定码绑定", "transfer": "过户转入"}[o.Via]
}

// Ownerships returns vehicle id's ownership periods, oldest first, for
// anyone who may see the car (Get); an owner sees the others' periods
// without who they were.
func (s *Service) Ownerships(ctx context.Context, actor *identity.User, id int64) ([]Ownership, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT customer_id, via, started_at, ended_at FROM vehicle_ownerships WHERE vehicle_id = $1 ORDER BY started_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ownership
	for rows.Next() {
		var o Ownership
		var c int64
		var ended sql.NullTime
		if err := rows.Scan(&c, &o.Via, &o.StartedAt, &ended); err != nil {
			return nil, err
		}
		o.EndedAt, o.Mine = ended.Time, c == actor.CustomerID
		out = append(out, o)
	}
	return out, rows.Err()
}
