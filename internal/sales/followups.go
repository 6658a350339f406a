package sales

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// FollowUp is one contact with a customer, and the task it planned (a
// follow-up with NextAt is an open task until DoneAt).
type FollowUp struct {
	ID            int64     `json:"id"`
	CustomerID    int64     `json:"customer_id"`
	CustomerName  string    `json:"customer_name"`
	LeadID        int64     `json:"lead_id"`
	OpportunityID int64     `json:"opportunity_id"`
	UserID        int64     `json:"user_id"`
	UserName      string    `json:"user_name"`
	Channel       string    `json:"channel"`
	Content       string    `json:"content"`
	NextAction    string    `json:"next_action"`
	NextAt        time.Time `json:"next_at"` // zero: no task
	DoneAt        time.Time `json:"done_at"`
	CreatedAt     time.Time `json:"created_at"`
}

// ChannelLabel is the channel's Chinese name.
func (f *FollowUp) ChannelLabel() string { return ChannelLabel(f.Channel) }

// Task reports whether the follow-up planned a next step.
func (f *FollowUp) Task() bool { return !f.NextAt.IsZero() }

// Open reports whether the planned step is still to do.
func (f *FollowUp) Open() bool { return f.Task() && f.DoneAt.IsZero() }

// Overdue reports whether the open task's time has passed at now.
func (f *FollowUp) Overdue(now time.Time) bool { return f.Open() && f.NextAt.Before(now) }

// Link is the page of the task's lead or opportunity.
func (f *FollowUp) Link() string {
	if f.OpportunityID != 0 {
		return "/sales/opportunities/" + strconv.FormatInt(f.OpportunityID, 10)
	}
	return "/sales/leads/" + strconv.FormatInt(f.LeadID, 10)
}

const followUpColumns = `f.id, f.customer_id, c.name, COALESCE(f.lead_id, 0), COALESCE(f.opportunity_id, 0), COALESCE(f.user_id, 0),
	COALESCE(u.display_name, ''), f.channel, f.content, f.next_action, f.next_at, f.done_at, f.created_at`

const followUpFrom = ` FROM follow_ups f JOIN customers c ON c.id = f.customer_id LEFT JOIN users u ON u.id = f.user_id`

func scanFollowUp(row interface{ Scan(...any) error }) (*FollowUp, error) {
	var f FollowUp
	var next, done sql.NullTime
	err := row.Scan(&f.ID, &f.CustomerID, &f.CustomerName, &f.LeadID, &f.OpportunityID, &f.UserID, &f.UserName, &f.Channel, &f.Content,
		&f.NextAction, &next, &done, &f.CreatedAt)
	f.NextAt, f.DoneAt, f.CreatedAt = timeOf(next), timeOf(done), f.CreatedAt.UTC()
	return &f, err
}

// followUps reads the follow-ups matching cond ($1 = arg), newest first.
func (s *Service) followUps(ctx context.Context, cond string, arg any) ([]*FollowUp, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+followUpColumns+followUpFrom+` WHERE `+cond+` ORDER BY f.created_at DESC, f.id DESC LIMIT 200`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FollowUp
	for rows.Next() {
		f, err := scanFollowUp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FollowUpInput is a contact to log and, optionally, the next step.
type FollowUpInput struct {
	Channel    string
	Content    string
	NextAction string
	NextAt     time.Time // zero: no next step
}

func (in *FollowUpInput) check(now time.Time) error {
	var v apperr.Validator
	v.Check(valid(Channels, in.Channel), "channel", "请选择跟进方式")
	text(&v, &in.Content, "content", 2, 1000, "请填写跟进内容（2 到 1000 个字）")
	text(&v, &in.NextAction, "next_action", 0, 100, "下一步计划不能超过 100 个字")
	if in.NextAction != "" || !in.NextAt.IsZero() {
		v.Check(in.NextAction != "", "next_action", "请填写下一步要做什么")
		v.Check(!in.NextAt.IsZero(), "next_at", "请选择下次跟进时间")
		v.Check(in.NextAt.IsZero() || in.NextAt.After(now.Add(-time.Minute)), "next_at", "下次跟进时间不能早于现在")
		v.Check(in.NextAt.IsZero() || in.NextAt.Before(now.AddDate(1, 0, 0)), "next_at", "下次跟进时间须在一年以内")
	}
	return v.Err()
}

// LogLeadFollowUp records a contact on lead id: the first one sets the
// lead's first-response time (minutes from the lead's creation) and moves a
// new lead to contacted; earlier open tasks of the lead are done with it;
// with a next step it is a new task of the lead's owner. Audited
// (follow_up). The lead's owner, a store manager or an admin may call it
// (Forbidden for a colleague's lead, NotFound for another store's); a
// closed lead is Conflict; bad input is Invalid naming the field (channel,
// content, next_action, next_at).
func (s *Service) LogLeadFollowUp(ctx context.Context, actor *identity.User, id int64, in FollowUpInput) (*FollowUp, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	now := s.now()
	if err := in.check(now); err != nil {
		return nil, err
	}
	var fid int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		l, err := s.workLead(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		owner := l.OwnerID
		if owner == 0 {
			owner = identity.ID(actor)
		}
		if fid, err = insertFollowUp(ctx, tx, l.CustomerID, id, 0, owner, identity.ID(actor), in, now); err != nil {
			return err
		}
		if l.ResponseMins < 0 {
			mins := int(now.Sub(l.CreatedAt) / time.Minute)
			if mins < 0 {
				mins = 0
			}
			if _, err := tx.ExecContext(ctx, `UPDATE leads SET first_response_minutes = $1, first_contact_at = $2 WHERE id = $3`, mins, now, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET status = CASE WHEN status = 'new' THEN 'contacted' ELSE status END,
				store_visits = store_visits + $1, updated_at = $2 WHERE id = $3`, map[bool]int{true: 1}[in.Channel == "visit"], now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "follow_up", Entity: "leads", EntityID: id,
			Detail: map[string]any{"follow_up_id": fid, "channel": in.Channel}})
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, id)
	return scanFollowUp(s.db.QueryRowContext(ctx, `SELECT `+followUpColumns+followUpFrom+` WHERE f.id = $1`, fid))
}

// insertFollowUp closes the open tasks of the lead or opportunity, inserts
// the follow-up (the new task belongs to owner; the contact is logged by
// author, who is the owner unless a manager logs it) and records the
// contact as the customer's last (customer.TouchContact).
func insertFollowUp(ctx context.Context, q db.Querier, customerID, leadID, oppID, owner, author int64, in FollowUpInput, now time.Time) (int64, error) {
	cond, arg := "lead_id = $2", leadID
	if oppID != 0 {
		cond, arg = "opportunity_id = $2", oppID
	}
	if _, err := q.ExecContext(ctx, `UPDATE follow_ups SET done_at = $1 WHERE `+cond+` AND next_at IS NOT NULL AND done_at IS NULL`, now, arg); err != nil {
		return 0, err
	}
	user := owner
	if in.NextAt.IsZero() {
		user = author
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO follow_ups (customer_id, lead_id, opportunity_id, user_id, channel, content, next_action, next_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		customerID, nullID(leadID), nullID(oppID), nullID(user), in.Channel, in.Content, in.NextAction, nullTime(in.NextAt), now).Scan(&id)
	if err != nil {
		return 0, err
	}
	// The customer list's "last contact" filter reads this.
	return id, customer.TouchContact(ctx, q, customerID, now)
}

// CompleteTask marks the open task id done. The task's owner, a manager of
// its store or an admin may call it (NotFound for another store's task or
// no task; Forbidden for a colleague's).
func (s *Service) CompleteTask(ctx context.Context, actor *identity.User, id int64) error {
	if err := begin(actor); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var user, store sql.NullInt64
		var next sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT f.user_id, COALESCE(l.store_id, o.store_id), f.next_at FROM follow_ups f
			LEFT JOIN leads l ON l.id = f.lead_id LEFT JOIN opportunities o ON o.id = f.opportunity_id WHERE f.id = $1`, id).Scan(&user, &store, &next)
		if db.NoRows(err) || (err == nil && (!next.Valid || !sees(actor, store.Int64))) {
			return apperr.New(apperr.NotFound, "待办不存在")
		}
		if err != nil {
			return err
		}
		if !works(actor, store.Int64, user.Int64) {
			return errNotYours
		}
		_, err = tx.ExecContext(ctx, `UPDATE follow_ups SET done_at = $1 WHERE id = $2 AND done_at IS NULL`, now, id)
		return err
	})
}

// TaskView selects a task list.
type TaskView string

// Task lists: today's (due today, Shanghai), overdue (due before now, not
// done), upcoming (after today).
const (
	TasksToday    TaskView = "today"
	TasksOverdue  TaskView = "overdue"
	TasksUpcoming TaskView = "upcoming"
)

// TaskLimit bounds a task list.
const TaskLimit = 200

// Tasks returns the actor's open follow-up tasks in view, soonest first (at
// most TaskLimit), and how many there are in all. With store true a
// manager or admin gets the whole store's (an admin: every store's).
// Sales consultants and admins may call it (Forbidden otherwise); an
// unknown view is Invalid on "view".
func (s *Service) Tasks(ctx context.Context, actor *identity.User, view TaskView, store bool) ([]*FollowUp, int, error) {
	if err := begin(actor); err != nil {
		return nil, 0, err
	}
	now := s.now()
	today := dayStart(now)
	args := []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	cond := "f.next_at IS NOT NULL AND f.done_at IS NULL"
	switch view {
	case TasksToday:
		cond += " AND f.next_at >= " + arg(today.UTC()) + " AND f.next_at < " + arg(today.AddDate(0, 0, 1).UTC())
	case TasksOverdue:
		cond += " AND f.next_at < " + arg(now)
	case TasksUpcoming:
		cond += " AND f.next_at >= " + arg(today.AddDate(0, 0, 1).UTC())
	default:
		return nil, 0, apperr.Field("view", "无效的待办视图")
	}
	switch {
	case store && allStores(actor):
	case store && isManager(actor):
		cond += " AND f.user_id IN (SELECT id FROM users WHERE site_id = " + arg(actor.SiteID) + ")"
	default:
		cond += " AND f.user_id = " + arg(identity.ID(actor))
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM follow_ups f WHERE `+cond, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+followUpColumns+followUpFrom+` WHERE `+cond+` ORDER BY f.next_at, f.id LIMIT `+strconv.Itoa(TaskLimit), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*FollowUp
	for rows.Next() {
		f, err := scanFollowUp(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, f)
	}
	return out, n, rows.Err()
}

// ReminderBatch is how many due tasks one reminder run sends at most.
const ReminderBatch = 500

// SendTaskReminders puts a reminder into the inbox of the owner of every
// open task that has come due (next_at up to now) and was not reminded of
// yet, marking each reminded in the same transaction, so a task is
// reminded of once even when two workers run at once. It returns how many
// it sent. Only the system actor and admins may call it (Forbidden).
func (s *Service) SendTaskReminders(ctx context.Context, actor *identity.User) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !allStores(actor) {
		return 0, apperr.New(apperr.Forbidden, "只有系统可以发送待办提醒")
	}
	now := s.now()
	sent := 0
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+followUpColumns+followUpFrom+`
			WHERE f.next_at IS NOT NULL AND f.done_at IS NULL AND f.reminded_at IS NULL AND f.next_at <= $1 AND f.user_id IS NOT NULL
			ORDER BY f.next_at, f.id LIMIT `+strconv.Itoa(ReminderBatch), now)
		if err != nil {
			return err
		}
		var due []*FollowUp
		for rows.Next() {
			f, err := scanFollowUp(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range due {
			res, err := tx.ExecContext(ctx, `UPDATE follow_ups SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL`, now, f.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				continue
			}
			if err := notify.Notify(ctx, tx, notify.Notification{UserID: f.UserID, Kind: KindTaskDue, Title: "跟进提醒：" + f.CustomerName,
				Body: f.NextAction + "（计划 " + f.NextAt.In(Shanghai).Format("01-02 15:04") + "）", Link: f.Link(), CreatedAt: now}); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}
