package support

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// Ticket statuses (docs/系统设计.md §5.4).
const (
	Open     = "open"
	Assigned = "assigned"
	Pending  = "pending"
	Resolved = "resolved"
	Closed   = "closed"
)

// StatusLabel is a ticket status's Chinese name.
func StatusLabel(s string) string {
	return map[string]string{Open: "待分派", Assigned: "处理中", Pending: "待客户补充", Resolved: "已解决", Closed: "已关闭"}[s]
}

// TicketCategories are the ticket (and feedback) topics with their Chinese names.
var TicketCategories = []struct{ Code, Label string }{
	{"charging", "充电"}, {"swap", "换电"}, {"repair", "维修保养"}, {"battery", "电池"}, {"software", "软件与App"},
	{"billing", "费用"}, {"complaint", "投诉"}, {"other", "其他"},
}

// CategoryLabel is a ticket or feedback category's Chinese name.
func CategoryLabel(c string) string {
	if c == "service" {
		return "服务体验"
	}
	for _, x := range TicketCategories {
		if x.Code == c {
			return x.Label
		}
	}
	return "其他"
}

// SLA is how soon staff must first answer a ticket of each priority.
var SLA = map[string]time.Duration{"urgent": 2 * time.Hour, "high": 8 * time.Hour, "normal": 24 * time.Hour, "low": 72 * time.Hour}

// PriorityLabel is a priority's Chinese name.
func PriorityLabel(p string) string {
	return map[string]string{"urgent": "紧急", "high": "高", "normal": "普通", "low": "低"}[p]
}

// AutoCloseAfter is how long a resolved ticket waits for the owner before it closes itself.
const AutoCloseAfter = 7 * 24 * time.Hour

// Ticket is one support ticket.
type Ticket struct {
	ID              int64
	CustomerID      int64
	CustomerName    string
	VehicleID       int64
	Category        string
	Subject         string
	Description     string
	Priority        string
	Status          string
	AssigneeID      int64
	AssigneeName    string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DueAt           *time.Time
	FirstResponseAt *time.Time
	ResolvedAt      *time.Time
	ClosedAt        *time.Time
	Rating          int // the owner's rating after resolution, 0 when none
}

// StatusLabel is the ticket's status in Chinese.
func (t *Ticket) StatusLabel() string { return StatusLabel(t.Status) }

// CategoryLabel is the ticket's category in Chinese.
func (t *Ticket) CategoryLabel() string { return CategoryLabel(t.Category) }

// PriorityLabel is the ticket's priority in Chinese.
func (t *Ticket) PriorityLabel() string { return PriorityLabel(t.Priority) }

// Live reports whether staff still work on it (open, assigned or pending).
func (t *Ticket) Live() bool { return t.Status == Open || t.Status == Assigned || t.Status == Pending }

// SLAText says where the first-response timer stands at now: "剩余 3 小时",
// "已超时 2 小时", "已响应" or "".
func (t *Ticket) SLAText(now time.Time) string {
	if t.FirstResponseAt != nil {
		return "已响应（用时 " + hours(t.FirstResponseAt.Sub(t.CreatedAt)) + "）"
	}
	if t.DueAt == nil || !t.Live() {
		return ""
	}
	d := t.DueAt.Sub(now)
	if d < 0 {
		return "已超时 " + hours(-d)
	}
	return "剩余 " + hours(d)
}

// Overdue reports whether the first response is late at now.
func (t *Ticket) Overdue(now time.Time) bool {
	return t.FirstResponseAt == nil && t.Live() && t.DueAt != nil && now.After(*t.DueAt)
}

func hours(d time.Duration) string {
	if d < time.Minute {
		return "不到 1 分钟"
	}
	if d < time.Hour {
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	}
	return fmt.Sprintf("%d 小时 %d 分钟", int(d.Hours()), int(d.Minutes())%60)
}

// TicketMessage is one message on a ticket.
type TicketMessage struct {
	ID         int64
	TicketID   int64
	Sender     string // customer, agent, system
	AuthorID   int64
	AuthorName string
	Body       string
	CreatedAt  time.Time
}

const ticketColumns = `t.id, t.customer_id, c.name, COALESCE(t.vehicle_id, 0), t.category, t.subject, t.description, t.priority, t.status,
	COALESCE(t.assignee_user_id, 0), COALESCE(u.display_name, ''), t.created_at, t.updated_at, t.due_at, t.first_response_at, t.resolved_at, t.closed_at,
	COALESCE((SELECT MAX(f.rating) FROM feedback f WHERE f.ticket_id = t.id AND f.kind = 'rating'), 0)`

const ticketFrom = ` FROM support_tickets t JOIN customers c ON c.id = t.customer_id LEFT JOIN users u ON u.id = t.assignee_user_id`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var due, first, resolved, closed sql.NullTime
	err := row.Scan(&t.ID, &t.CustomerID, &t.CustomerName, &t.VehicleID, &t.Category, &t.Subject, &t.Description, &t.Priority, &t.Status,
		&t.AssigneeID, &t.AssigneeName, &t.CreatedAt, &t.UpdatedAt, &due, &first, &resolved, &closed, &t.Rating)
	t.DueAt, t.FirstResponseAt, t.ResolvedAt, t.ClosedAt = ptr(due), ptr(first), ptr(resolved), ptr(closed)
	return &t, err
}

func ptr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func isStaff(actor *identity.User) bool { return actor.Is(identity.RoleService, identity.RoleAdmin) }

func (s *Service) loadTicket(ctx context.Context, q db.Querier, id int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+ticketFrom+` WHERE t.id = $1`, id))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "工单不存在")
	}
	return t, err
}

// Ticket returns ticket id: to its owner, or to service staff and admins.
// Anyone else's is NotFound; sales are Forbidden.
func (s *Service) Ticket(ctx context.Context, actor *identity.User, id int64) (*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !isStaff(actor) && !actor.Is(identity.RoleOwner) {
		return nil, apperr.New(apperr.Forbidden, "无权查看客服工单")
	}
	t, err := s.loadTicket(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if actor.Is(identity.RoleOwner) && (actor.CustomerID == 0 || t.CustomerID != actor.CustomerID) {
		return nil, apperr.New(apperr.NotFound, "工单不存在")
	}
	return t, nil
}

// TicketInput opens a ticket.
type TicketInput struct {
	Category    string
	Subject     string
	Description string // the conversation so far, for a hand-off
	Priority    string // "" means normal (urgent when the text names a safety issue)
	VehicleID   int64
}

// urgentWords make a ticket urgent: safety first (§5.4).
var urgentWords = []string{"冒烟", "起火", "着火", "电池报警", "电池故障", "过热", "事故", "撞", "漏电", "刹车失灵", "高速"}

// CreateTicket opens a ticket for the acting owner (Forbidden for anyone
// else), due for a first answer within SLA of its priority. Bad input is
// Invalid naming category, subject or description.
func (s *Service) CreateTicket(ctx context.Context, actor *identity.User, in TicketInput) (*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以提交客服工单")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.CreateTicketTx(ctx, tx, actor, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, actor, id)
}

// CreateTicketTx is CreateTicket inside the caller's transaction (the
// assistant's hand-off links its conversation in the same transaction).
// The actor must be the owner; it returns the new ticket's id.
func (s *Service) CreateTicketTx(ctx context.Context, tx *sql.Tx, actor *identity.User, in TicketInput) (int64, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return 0, apperr.New(apperr.Forbidden, "只有车主可以提交客服工单")
	}
	in.Subject = clip(strings.TrimSpace(in.Subject), 60)
	in.Description = clip(strings.TrimSpace(in.Description), 4000)
	if in.Category == "" {
		in.Category = "other"
	}
	var v apperr.Validator
	v.Check(CategoryLabel(in.Category) != "其他" || in.Category == "other", "category", "请选择问题分类")
	v.Check(in.Subject != "", "subject", "请简要描述问题")
	if err := v.Err(); err != nil {
		return 0, err
	}
	if in.Priority == "" {
		in.Priority = "normal"
		for _, w := range urgentWords {
			if strings.Contains(in.Subject+in.Description, w) {
				in.Priority = "urgent"
			}
		}
	}
	if _, ok := SLA[in.Priority]; !ok {
		return 0, apperr.Field("priority", "优先级无效")
	}
	if in.VehicleID != 0 {
		var owner int64
		if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM vehicles WHERE id = $1`, in.VehicleID).Scan(&owner); err != nil || owner != actor.CustomerID {
			in.VehicleID = 0
		}
	}
	now := s.now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO support_tickets (customer_id, vehicle_id, category, subject, description, priority, status,
		created_at, updated_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7, $8) RETURNING id`,
		actor.CustomerID, nullID(in.VehicleID), in.Category, in.Subject, in.Description, in.Priority, now, now.Add(SLA[in.Priority])).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "create", Entity: "support_tickets", EntityID: id,
		Detail: map[string]any{"category": in.Category, "priority": in.Priority}})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// QueueFilter selects tickets for the staff queue.
type QueueFilter struct {
	Status string // "" = live (open, assigned, pending); "all"; or one status
	Mine   bool   // assigned to the actor
	Limit  int
}

// Queue lists tickets for service staff and admins (Forbidden otherwise):
// overdue first, then by due time, at most Limit (default 200).
func (s *Service) Queue(ctx context.Context, actor *identity.User, f QueueFilter) ([]*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !isStaff(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有客服人员可以查看工单队列")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where := ` WHERE t.status IN ('open', 'assigned', 'pending')`
	args := []any{}
	switch f.Status {
	case "":
	case "all":
		where = ` WHERE 1 = 1`
	case Open, Assigned, Pending, Resolved, Closed:
		where = ` WHERE t.status = $1`
		args = append(args, f.Status)
	default:
		return nil, apperr.Field("status", "状态无效")
	}
	if f.Mine {
		args = append(args, actor.ID)
		where += fmt.Sprintf(` AND t.assignee_user_id = $%d`, len(args))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+ticketColumns+ticketFrom+where+
		` ORDER BY CASE WHEN t.status IN ('open', 'assigned', 'pending') THEN 0 ELSE 1 END, COALESCE(t.due_at, t.created_at), t.id DESC LIMIT `+fmt.Sprint(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Messages returns the messages of ticket id, oldest first, to whoever may
// see the ticket (see Ticket).
func (s *Service) Messages(ctx context.Context, actor *identity.User, id int64) ([]TicketMessage, error) {
	if _, err := s.Ticket(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.messages(ctx, id, 0)
}

// MessagesSince returns ticket id's messages with an id above after, for
// the owner's conversation (the caller has checked the owner).
func (s *Service) messages(ctx context.Context, id, after int64) ([]TicketMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.ticket_id, m.sender, COALESCE(m.author_user_id, 0), COALESCE(u.display_name, ''), m.body, m.created_at
		FROM support_ticket_messages m LEFT JOIN users u ON u.id = m.author_user_id WHERE m.ticket_id = $1 AND m.id > $2 ORDER BY m.id`, id, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TicketMessage
	for rows.Next() {
		var m TicketMessage
		if err := rows.Scan(&m.ID, &m.TicketID, &m.Sender, &m.AuthorID, &m.AuthorName, &m.Body, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func checkBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return "", apperr.Field("body", "请填写回复内容")
	}
	if utf8.RuneCountInString(body) > 2000 {
		return "", apperr.Field("body", "回复不能超过 2000 个字")
	}
	return body, nil
}

// staffTicket loads ticket id for a change by service staff or an admin.
func (s *Service) staffTicket(ctx context.Context, tx *sql.Tx, actor *identity.User, id int64) (*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !isStaff(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有客服人员可以处理工单")
	}
	return s.loadTicket(ctx, tx, id)
}

// Assign gives ticket id to staff user userID (0: the actor). Service
// staff and admins only; the assignee must be an active service user or
// admin (Invalid, field assignee); a closed ticket is a Conflict.
func (s *Service) Assign(ctx context.Context, actor *identity.User, id, userID int64) (*Ticket, error) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		t, err := s.staffTicket(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if t.Status == Closed {
			return apperr.New(apperr.Conflict, "工单已关闭")
		}
		if userID == 0 {
			userID = actor.ID
		}
		var role string
		var active bool
		err = tx.QueryRowContext(ctx, `SELECT role, active FROM users WHERE id = $1`, userID).Scan(&role, &active)
		if db.NoRows(err) || err == nil && (!active || (role != "service" && role != "admin")) {
			return apperr.Field("assignee", "请选择在职的客服人员")
		}
		if err != nil {
			return err
		}
		status := t.Status
		if status == Open {
			status = Assigned
		}
		if _, err := tx.ExecContext(ctx, `UPDATE support_tickets SET assignee_user_id = $1, status = $2, updated_at = $3 WHERE id = $4`,
			userID, status, now, id); err != nil {
			return err
		}
		if userID != actor.ID {
			if err := notify.Notify(ctx, tx, notify.Notification{UserID: userID, Kind: "ticket.assigned", Title: "新的客服工单：" + t.Subject,
				Body: "工单 #" + fmt.Sprint(id) + " 已分派给您，请在时限内回复。", Link: fmt.Sprintf("/service/tickets/%d", id), CreatedAt: now}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "assign", Entity: "support_tickets", EntityID: id,
			Detail: map[string]any{"assignee": userID}})
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, actor, id)
}

// ownerLink is where the owner reads a ticket's replies: the assistant chat.
func ownerLink(id int64) string { return fmt.Sprintf("/owner/assistant?ticket=%d", id) }

// Reply adds a staff reply to ticket id (service staff, admins), which the
// owner sees in the assistant chat and as a notification. The first reply
// stops the SLA timer; an open ticket becomes assigned to the actor; ask
// (waiting for the owner) makes it pending. Empty or long bodies are
// Invalid (field body); a closed ticket is a Conflict.
func (s *Service) Reply(ctx context.Context, actor *identity.User, id int64, body string, ask bool) (*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	body, err := checkBody(body)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		t, err := s.staffTicket(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if t.Status == Closed {
			return apperr.New(apperr.Conflict, "工单已关闭，不能再回复")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO support_ticket_messages (ticket_id, sender, author_user_id, body, created_at)
			VALUES ($1, 'agent', $2, $3, $4)`, id, actor.ID, body, now); err != nil {
			return err
		}
		status := Assigned
		if ask {
			status = Pending
		}
		if _, err := tx.ExecContext(ctx, `UPDATE support_tickets SET status = $1, assignee_user_id = COALESCE(assignee_user_id, $2),
			first_response_at = COALESCE(first_response_at, $3), updated_at = $3, resolved_at = NULL WHERE id = $4`, status, actor.ID, now, id); err != nil {
			return err
		}
		if _, err := notify.NotifyCustomer(ctx, tx, t.CustomerID, notify.Notification{Kind: "ticket.reply", Title: "客服回复了您的问题",
			Body: clip(body, 120), Link: ownerLink(id), CreatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "reply", Entity: "support_tickets", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, actor, id)
}

// Resolve marks ticket id resolved with a closing message (service staff,
// admins); the owner is notified and asked to rate. It closes itself after
// AutoCloseAfter without an answer (CloseStale). Conflict unless live.
func (s *Service) Resolve(ctx context.Context, actor *identity.User, id int64, body string) (*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	body, err := checkBody(body)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		t, err := s.staffTicket(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !t.Live() {
			return apperr.New(apperr.Conflict, "工单已"+t.StatusLabel())
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO support_ticket_messages (ticket_id, sender, author_user_id, body, created_at)
			VALUES ($1, 'agent', $2, $3, $4)`, id, actor.ID, body, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE support_tickets SET status = 'resolved', resolved_at = $1, updated_at = $1,
			first_response_at = COALESCE(first_response_at, $1), assignee_user_id = COALESCE(assignee_user_id, $2) WHERE id = $3`, now, actor.ID, id); err != nil {
			return err
		}
		if _, err := notify.NotifyCustomer(ctx, tx, t.CustomerID, notify.Notification{Kind: "ticket.resolved", Title: "您的问题已解决，请评价",
			Body: clip(body, 120), Link: ownerLink(id), CreatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "resolve", Entity: "support_tickets", EntityID: id})
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, actor, id)
}

// CustomerReplyTx adds the owner's message to their ticket id in the
// caller's transaction (the assistant forwards chat messages while a
// person handles the conversation). A pending or resolved ticket goes back
// to staff (assigned, or open when nobody has it). NotFound for another's
// ticket; Conflict for a closed one.
func (s *Service) CustomerReplyTx(ctx context.Context, tx *sql.Tx, actor *identity.User, id int64, body string) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	body, err := checkBody(body)
	if err != nil {
		return err
	}
	t, err := s.loadTicket(ctx, tx, id)
	if err != nil {
		return err
	}
	if !actor.Is(identity.RoleOwner) || t.CustomerID != actor.CustomerID {
		return apperr.New(apperr.NotFound, "工单不存在")
	}
	if t.Status == Closed {
		return apperr.New(apperr.Conflict, "工单已关闭")
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO support_ticket_messages (ticket_id, sender, author_user_id, body, created_at)
		VALUES ($1, 'customer', $2, $3, $4)`, id, actor.ID, body, now); err != nil {
		return err
	}
	status := t.Status
	if status == Pending || status == Resolved {
		status = Assigned
		if t.AssigneeID == 0 {
			status = Open
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE support_tickets SET status = $1, updated_at = $2, resolved_at = NULL WHERE id = $3`,
		status, now, id)
	if err == nil && t.AssigneeID != 0 {
		err = notify.Notify(ctx, tx, notify.Notification{UserID: t.AssigneeID, Kind: "ticket.customer_reply", Title: "车主回复了工单 #" + fmt.Sprint(id),
			Body: clip(body, 120), Link: fmt.Sprintf("/service/tickets/%d", id), CreatedAt: now})
	}
	return err
}

// RateTicket records the acting owner's 1–5 star rating of their resolved
// ticket id and closes it; a rating of 2 or less also records a complaint
// about the service for the reports. NotFound for another's ticket;
// Conflict unless resolved and not yet rated; Invalid rating or comment.
func (s *Service) RateTicket(ctx context.Context, actor *identity.User, id int64, rating int, comment string) (*Ticket, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	if rating < 1 || rating > 5 {
		return nil, apperr.Field("rating", "请选择 1 到 5 星")
	}
	if utf8.RuneCountInString(comment) > 500 {
		return nil, apperr.Field("comment", "评价不能超过 500 个字")
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		t, err := s.loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if !actor.Is(identity.RoleOwner) || t.CustomerID != actor.CustomerID {
			return apperr.New(apperr.NotFound, "工单不存在")
		}
		if t.Rating > 0 {
			return apperr.New(apperr.Conflict, "您已评价过该工单")
		}
		if t.Status != Resolved && t.Status != Closed {
			return apperr.New(apperr.Conflict, "工单解决后才能评价")
		}
		cat := t.Category
		if cat == "complaint" {
			cat = "service"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feedback (customer_id, ticket_id, rating, comment, created_at, kind, category, source)
			VALUES ($1, $2, $3, $4, $5, 'rating', $6, 'ticket')`, t.CustomerID, id, rating, comment, now, cat); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE support_tickets SET status = 'closed', closed_at = COALESCE(closed_at, $1), updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "rate", Entity: "support_tickets", EntityID: id,
			Detail: map[string]any{"rating": rating}})
	})
	if err != nil {
		return nil, err
	}
	return s.Ticket(ctx, actor, id)
}

// CloseStale closes tickets resolved more than AutoCloseAfter ago that the
// owner neither rated nor answered. System actor or admin only; it returns
// how many were closed.
func (s *Service) CloseStale(ctx context.Context, actor *identity.User) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.IsSystem() && !actor.Is(identity.RoleAdmin) {
		return 0, apperr.New(apperr.Forbidden, "只有系统可以自动关闭工单")
	}
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE support_tickets SET status = 'closed', closed_at = $1, updated_at = $1
		WHERE status = 'resolved' AND resolved_at < $2`, now, now.Add(-AutoCloseAfter))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// StaffUsers lists the active service staff and admins a ticket can be assigned to.
func (s *Service) StaffUsers(ctx context.Context, actor *identity.User) ([]identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !isStaff(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有客服人员可以分派工单")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, display_name, role FROM users WHERE active = $1 AND role IN ('service', 'admin') ORDER BY role DESC, display_name LIMIT 200`, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		var u identity.User
		var role string
		if err := rows.Scan(&u.ID, &u.DisplayName, &role); err != nil {
			return nil, err
		}
		u.Role = identity.Role(role)
		out = append(out, u)
	}
	return out, rows.Err()
}
