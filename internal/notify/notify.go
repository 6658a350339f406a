// Package notify is the in-app inbox of every user, owners and staff alike:
// it owns the notifications table. Services create notifications with
// Notify (or NotifyCustomer, NotifySiteStaff) inside their own transaction,
// so a notification exists exactly when the event that caused it was
// committed; users read them through Service.
//
// Only the in-app channel exists. An SMS or push sender will later drain an
// outbox table filled by the same functions in the same transaction (see
// docs/系统设计.md, 站内通知): every notification is created here, so that
// is one place to change.
package notify

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Kind says what a notification is about, as "area.event", for example
// "appointment.confirmed". The area gives the label the inbox shows.
type Kind string

// Kinds of the areas that notify today.
const (
	AppointmentConfirmed   Kind = "appointment.confirmed"
	AppointmentStarted     Kind = "appointment.started"
	AppointmentCompleted   Kind = "appointment.completed"
	AppointmentNoShow      Kind = "appointment.no_show"
	AppointmentCancelled   Kind = "appointment.cancelled"
	AppointmentBooked      Kind = "appointment.booked"
	AppointmentRescheduled Kind = "appointment.rescheduled"
	JobCompleted           Kind = "job.completed"
	StockLow               Kind = "stock.low"
	WorkOrderHandedOver    Kind = "workorder.handed_over"
	WorkOrderLowRating     Kind = "workorder.low_rating"
)

var kindPattern = regexp.MustCompile(`^[a-z][a-z_]*\.[a-z][a-z_]*$`)

// areaLabels are the Chinese names of the areas that send notifications.
var areaLabels = map[string]string{
	"appointment": "预约",
	"community":   "车友圈",
	"campaign":    "活动",
	"job":         "任务",
	"lead":        "线索",
	"vehicle":     "车辆",
	"stock":       "库存",
	"workorder":   "工单",
	"ticket":      "客服",
}

// Label is the Chinese name of the kind's area ("预约"), or "通知".
func (k Kind) Label() string {
	area, _, _ := strings.Cut(string(k), ".")
	if l, ok := areaLabels[area]; ok {
		return l
	}
	return "通知"
}

// Limits on what a notification holds. Longer titles and bodies are cut
// (with "…") rather than refused, so that a long user-written detail, such
// as a cancel reason, can never make the event that notifies fail.
const (
	MaxTitle = 60  // runes
	MaxBody  = 300 // runes
	MaxLink  = 500 // bytes
)

// Notification is one message in a user's inbox.
type Notification struct {
	ID     int64
	UserID int64
	Kind   Kind
	Title  string
	Body   string
	// Link is a local path ("/owner/appointments#a12") the notification
	// opens, or empty.
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time // nil while unread
}

// Unread reports whether the notification has not been read.
func (n *Notification) Unread() bool { return n.ReadAt == nil }

// LocalLink reports whether s is a path on this site: it starts with one
// "/", has no scheme, host or backslash and no control or space characters.
// A notification can therefore never send its reader to another site.
func LocalLink(s string) bool {
	if s == "" || len(s) > MaxLink || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f || unicode.IsSpace(r) || r == utf8.RuneError {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/")
}

// clip cuts s to at most n runes, ending a cut text with "…".
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// prepare validates n and fills its defaults. Errors here are mistakes of
// the calling service, reported as Invalid with the field at fault.
func prepare(n *Notification) error {
	if !kindPattern.MatchString(string(n.Kind)) || len(n.Kind) > 50 {
		return apperr.Field("kind", "通知类型须为 area.event 形式的英文代码")
	}
	n.Title = clip(strings.ToValidUTF8(strings.ReplaceAll(n.Title, "\x00", ""), ""), MaxTitle)
	n.Body = clip(strings.ToValidUTF8(strings.ReplaceAll(n.Body, "\x00", ""), ""), MaxBody)
	if n.Title == "" {
		return apperr.Field("title", "通知标题不能为空")
	}
	if n.Link != "" && !LocalLink(n.Link) {
		return apperr.Field("link", "通知链接须为本站路径（以 / 开头）")
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return nil
}

// Notify puts n into the inbox of user n.UserID through q, which should be
// the caller's transaction: the notification is then committed or rolled
// back with the event that causes it. n.CreatedAt should be the event's time
// (the caller's clock); zero means now. Any service may call it; it does not
// check who acts, the caller has. It returns Invalid (field user_id, kind,
// title or link) for a malformed notification.
func Notify(ctx context.Context, q db.Querier, n Notification) error {
	if n.UserID <= 0 {
		return apperr.Field("user_id", "缺少通知接收人")
	}
	if err := prepare(&n); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, n.UserID, string(n.Kind), n.Title, n.Body, n.Link, n.CreatedAt)
	return err
}

// NotifyCustomer is Notify to the owner account of customer customerID, in
// the caller's transaction q. A customer without an account (most generated
// and imported customers have none) gets nothing. It returns the number of
// notifications created, and Invalid as Notify does.
func NotifyCustomer(ctx context.Context, q db.Querier, customerID int64, n Notification) (int, error) {
	if err := prepare(&n); err != nil {
		return 0, err
	}
	res, err := q.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at)
		SELECT id, $2, $3, $4, $5, $6 FROM users WHERE customer_id = $1 AND role = 'owner'`,
		customerID, string(n.Kind), n.Title, n.Body, n.Link, n.CreatedAt)
	if err != nil {
		return 0, err
	}
	k, err := res.RowsAffected()
	return int(k), err
}

// NotifySiteStaff is Notify to every active user of role at any of the
// sites siteIDs (zero ids are skipped), in the caller's transaction q: one
// notification per person, each with its own read state. It returns the
// number created, and Invalid as Notify does.
func NotifySiteStaff(ctx context.Context, q db.Querier, role identity.Role, siteIDs []int64, n Notification) (int, error) {
	if err := prepare(&n); err != nil {
		return 0, err
	}
	if !role.Valid() || role == identity.RoleOwner {
		return 0, apperr.Field("role", "只能通知员工角色")
	}
	args := []any{string(n.Kind), n.Title, n.Body, n.Link, n.CreatedAt, string(role), true}
	var in []string
	for _, id := range siteIDs {
		if id > 0 {
			args = append(args, id)
			in = append(in, "$"+strconv.Itoa(len(args)))
		}
	}
	if len(in) == 0 {
		return 0, nil
	}
	res, err := q.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at)
		SELECT id, $1, $2, $3, $4, $5 FROM users WHERE role = $6 AND active = $7 AND site_id IN (`+strings.Join(in, ", ")+`)
		ORDER BY id`, args...)
	if err != nil {
		return 0, err
	}
	k, err := res.RowsAffected()
	return int(k), err
}

// Service reads and marks the acting user's inbox.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Now returns the service's clock (UTC), for showing how long ago a
// notification came.
func (s *Service) Now() time.Time { return s.now() }

// inbox returns the id of the actor's inbox: every logged-in user has one;
// the system actor has none.
func inbox(actor *identity.User) (int64, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if actor.IsSystem() || actor.ID <= 0 {
		return 0, apperr.New(apperr.Forbidden, "系统账号没有站内通知")
	}
	return actor.ID, nil
}

// UnreadCap bounds UnreadCount, so that the count stays one short index
// range however many notifications a user leaves unread: the bell shows
// "99+" from 100 on.
const UnreadCap = 100

// UnreadCount returns the number of the acting user's unread notifications,
// at most UnreadCap (which then means "UnreadCap or more"). Any logged-in
// user may call it for their own inbox; it returns Unauthenticated without
// an actor and Forbidden for the system actor.
func (s *Service) UnreadCount(ctx context.Context, actor *identity.User) (int, error) {
	uid, err := inbox(actor)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, unreadSQL, uid, UnreadCap).Scan(&n)
	return n, err
}

// unreadSQL counts a user's unread notifications up to a cap: one range of
// the index notifications_user_unread, read without touching the table.
const unreadSQL = `SELECT COUNT(*) FROM (SELECT 1 FROM notifications
	WHERE user_id = $1 AND read_at IS NULL LIMIT $2) AS unread`

// Filter selects a page of the inbox.
type Filter struct {
	Unread bool   // only unread notifications
	Limit  int    // page size, 1 to MaxLimit; 0 means DefaultLimit
	Cursor string // the NextCursor of the previous page; empty for the newest
}

// Page sizes of List.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page is one page of the inbox, newest first.
type Page struct {
	Items []*Notification
	// NextCursor fetches the next (older) page; empty on the last page.
	NextCursor string
}

// newest is the inbox's one order; its cursors are the list toolkit's,
// holding the id of the last notification shown.
var newest = listing.Order{Name: "newest", Key: "id", ID: "id", Kind: listing.KeyInt, Desc: true}

func encodeCursor(id int64) string { return newest.Encode(id, id) }

func decodeCursor(c string) (int64, error) {
	cur, err := newest.Decode(c)
	if err != nil {
		return 0, err
	}
	return cur.ID, nil
}

const columns = `id, user_id, kind, title, body, link, created_at, read_at`

func scan(row interface{ Scan(...any) error }) (*Notification, error) {
	var (
		n    Notification
		read sql.NullTime
	)
	if err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.CreatedAt, &read); err != nil {
		return nil, err
	}
	n.CreatedAt = n.CreatedAt.UTC()
	if read.Valid {
		t := read.Time.UTC()
		n.ReadAt = &t
	}
	return &n, nil
}

// List returns a page of the acting user's notifications, newest first
// (keyset pagination by id, so a page costs the same at any depth). Any
// logged-in user may call it for their own inbox. It returns Invalid (field
// limit or cursor) for a bad filter, Unauthenticated without an actor and
// Forbidden for the system actor.
func (s *Service) List(ctx context.Context, actor *identity.User, f Filter) (*Page, error) {
	uid, err := inbox(actor)
	if err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	query, args, err := listSQL(uid, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := &Page{Items: []*Notification{}}
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			return nil, err
		}
		p.Items = append(p.Items, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(p.Items) > f.Limit {
		p.Items = p.Items[:f.Limit]
		p.NextCursor = encodeCursor(p.Items[f.Limit-1].ID)
	}
	return p, nil
}

// listSQL is the query of one page of user uid's inbox: newest first from
// the cursor on, one row more than the page to tell whether another follows.
// The unread list reads the index notifications_user_unread and the full list
// notifications_user, each in id order, so no page sorts a user's rows.
func listSQL(uid int64, f Filter) (string, []any, error) {
	if f.Limit < 1 || f.Limit > MaxLimit {
		return "", nil, apperr.Field("limit", fmt.Sprintf("每页条数须在 1 到 %d 之间", MaxLimit))
	}
	where, args := `user_id = $1`, []any{uid}
	if f.Unread {
		where += ` AND read_at IS NULL`
	}
	if f.Cursor != "" {
		before, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		args = append(args, before)
		where += fmt.Sprintf(` AND id < $%d`, len(args))
	}
	args = append(args, f.Limit+1)
	return `SELECT ` + columns + ` FROM notifications WHERE ` + where + fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args, nil
}

// errNotFound hides whether another user's notification exists.
var errNotFound = apperr.New(apperr.NotFound, "通知不存在")

// MarkRead marks the acting user's notification id read (again is fine) and
// returns it, for example to follow its link. Any logged-in user may call it
// for their own notifications; another user's, or an unknown id, is
// NotFound. It returns Unauthenticated without an actor and Forbidden for
// the system actor.
func (s *Service) MarkRead(ctx context.Context, actor *identity.User, id int64) (*Notification, error) {
	uid, err := inbox(actor)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL`,
		s.now(), id, uid); err != nil {
		return nil, err
	}
	n, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM notifications WHERE id = $1 AND user_id = $2`, id, uid))
	if db.NoRows(err) {
		return nil, errNotFound
	}
	return n, err
}

// MarkAllRead marks every unread notification of the acting user read and
// returns how many it marked. Any logged-in user may call it for their own
// inbox; it returns Unauthenticated without an actor and Forbidden for the
// system actor.
func (s *Service) MarkAllRead(ctx context.Context, actor *identity.User) (int, error) {
	uid, err := inbox(actor)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, s.now(), uid)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
