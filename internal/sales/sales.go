// Package sales is the sales pipeline of a store: leads with their
// assignment rules, follow-ups and follow-up tasks, opportunities moved
// stage by stage (with their history) to a vehicle order and its delivery,
// and test drives of the store's test-drive cars. It owns the tables leads,
// lead_assignment_rules, follow_ups, opportunities,
// opportunity_stage_history, vehicle_orders, test_drive_cars and
// test_drives; customers, vehicles and owner accounts it changes through
// their owners (customer, vehicle, account) inside its own transactions.
//
// Who sees what: a sales consultant sees the leads, opportunities and test
// drives of their store and works on their own; a consultant with the
// store-manager permission works on the whole store's and reassigns; an
// admin and the system actor see and work on all. A record of another store
// is NotFound, so ids cannot be probed.
package sales

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// BindCodeIssuer issues the code an owner binds their car with in the
// owner portal (vehicle.IssueBindCode of the owner-center area), through the
// delivery's transaction q.
type BindCodeIssuer func(ctx context.Context, q db.Querier, actor *identity.User, vehicleID int64) (string, error)

// PasswordHasher checks and hashes a buyer's initial owner-account password
// (account.Service.HashBuyerPassword).
type PasswordHasher func(ctx context.Context, actor *identity.User, password string) (string, error)

// Service is the sales pipeline.
type Service struct {
	db       *db.DB
	now      func() time.Time
	hash     PasswordHasher
	bindCode BindCodeIssuer
	// leadChanged is told of changed leads (see OnLeadChange).
	leadChanged func(ctx context.Context, leadID int64)
	// onOrder runs in the transaction of every new vehicle order (OnOrder).
	onOrder []OrderHook
}

// OrderPlaced is what an order hook is told about a new vehicle order.
type OrderPlaced struct {
	OrderID, CustomerID, OpportunityID int64
	OrderedAt                          time.Time
}

// OrderHook runs in the transaction that creates a vehicle order; an error
// rolls the order back. The areas above sales use it (the campaign area
// rewards the referrer of a referred buyer), since sales may not import
// them; internal/app registers the hooks at start.
type OrderHook func(ctx context.Context, tx *sql.Tx, o OrderPlaced) error

// OnOrder registers h to run in every new order's transaction.
func (s *Service) OnOrder(h OrderHook) { s.onOrder = append(s.onOrder, h) }

// NewService returns a Service on d; now may be nil for time.Now. hash
// hashes a buyer's initial password at delivery (nil: deliveries to
// customers without an owner account are refused).
func NewService(d *db.DB, now func() time.Time, hash PasswordHasher) *Service {
	return &Service{db: d, now: db.UTC(now), hash: hash}
}

// SetBindCodeIssuer makes f the issuer of the bind code printed on a
// delivery record. Without one, deliveries carry no bind code.
func (s *Service) SetBindCodeIssuer(f BindCodeIssuer) { s.bindCode = f }

// HasBindCodes reports whether deliveries get a bind code.
func (s *Service) HasBindCodes() bool { return s.bindCode != nil }

// Now returns the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

// Shanghai is the zone of dates and hours the pipeline shows and takes.
var Shanghai = time.FixedZone("CST", 8*3600)

// isManager reports whether u may work on every record of their store and
// reassign: the store-manager permission (admins and the system hold it).
func isManager(u *identity.User) bool {
	return u.Can(identity.PermStoreManager)
}

// allStores reports whether u sees every store's pipeline.
func allStores(u *identity.User) bool { return u.Is(identity.RoleAdmin, identity.RoleSystem) }

// errNoAccess refuses the pipeline to roles that have none.
var errNoAccess = apperr.New(apperr.Forbidden, "只有销售顾问和管理员可以使用销售工作台")

// begin checks the actor of a pipeline call: nil is Unauthenticated, a
// role other than sales, admin and system Forbidden, a consultant without
// a store Forbidden.
func begin(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if allStores(actor) {
		return nil
	}
	if !actor.Is(identity.RoleSales) {
		return errNoAccess
	}
	if actor.SiteID == 0 {
		return apperr.New(apperr.Forbidden, "您的账号未归属门店，请联系管理员")
	}
	return nil
}

// sees reports whether u sees a record of store storeID.
func sees(u *identity.User, storeID int64) bool {
	return allStores(u) || (u.Is(identity.RoleSales) && storeID != 0 && storeID == u.SiteID)
}

// works reports whether u may change a record of store storeID owned by
// ownerID (0: nobody).
func works(u *identity.User, storeID, ownerID int64) bool {
	if !sees(u, storeID) {
		return false
	}
	return allStores(u) || isManager(u) || (ownerID != 0 && ownerID == u.ID)
}

// errNotYours is the answer to a consultant changing a colleague's record.
var errNotYours = apperr.New(apperr.Forbidden, "这条记录由其他销售顾问负责，只有负责人或门店经理可以操作")

// text trims s and checks its length in runes.
func text(v *apperr.Validator, s *string, field string, min, max int, msg string) {
	*s = strings.TrimSpace(*s)
	n := utf8.RuneCountInString(*s)
	v.Check(n >= min && n <= max, field, msg)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// likePrefix is a LIKE pattern (escape \) matching strings starting with s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ParseDay parses a date "2006-01-02" as midnight in Shanghai.
func ParseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), Shanghai)
	return t, err == nil
}

// dayStart returns midnight (Shanghai) of the day of t.
func dayStart(t time.Time) time.Time {
	t = t.In(Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
