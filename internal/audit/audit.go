// Package audit writes the audit log: who changed what, from where, in which
// request. Entries are written inside the caller's transaction so that a
// change and its record commit together.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

type metaKey struct{}

// Meta is the request context an entry records.
type Meta struct {
	IP        string
	RequestID string
}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta in ctx (zero when absent).
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}

// Entry is one audited change.
type Entry struct {
	UserID   int64 // 0 for the system or an anonymous visitor
	Action   string
	Entity   string
	EntityID int64
	Detail   map[string]any
}

// Execer is satisfied by *sql.DB and *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Record writes e with the request metadata in ctx, at time now.
func Record(ctx context.Context, x Execer, now time.Time, e Entry) error {
	detail := ""
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		detail = string(b)
	}
	m := MetaFrom(ctx)
	_, err := x.ExecContext(ctx, `INSERT INTO audit_log (user_id, action, entity, entity_id, detail, ip, request_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		nullID(e.UserID), e.Action, e.Entity, nullID(e.EntityID), detail, m.IP, m.RequestID, now.UTC())
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Event is one audited change as a record's history shows it.
type Event struct {
	At       time.Time
	UserID   int64  // 0 for the system or an anonymous visitor
	UserName string // the acting user's display name ("" for the system)
	Action   string
	Detail   map[string]any
	IP       string
}

// Label is the action's Chinese name ("" for an action without one).
func (e Event) Label() string { return labels[e.Action] }

// labels name the audited actions for histories.
var labels = map[string]string{
	"register": "注册", "login": "登录", "create_staff": "创建员工账号", "open_owner_account": "开通车主账号",
	"update_user": "修改账号资料", "disable_user": "停用账号", "enable_user": "启用账号", "reset_password": "重置密码", "set_permissions": "修改权限",
	"export_users": "导出账号", "book": "预约", "reschedule": "改约", "cancel": "取消预约", "confirm": "确认预约",
	"assign": "分配技师", "start": "开始服务", "complete": "完成服务", "no_show": "标记未到店",
}

// Querier is satisfied by *sql.DB and *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// History returns the newest limit events of one record (entity, id),
// newest first, leaving out the actions in skip (logins, say). Callers
// check that their actor may see the record.
func History(ctx context.Context, q Querier, entity string, id int64, limit int, skip ...string) ([]Event, error) {
	args := []any{entity, id, limit}
	not := ""
	for _, a := range skip {
		args = append(args, a)
		not += fmt.Sprintf(" AND a.action <> $%d", len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT a.created_at, COALESCE(a.user_id, 0), COALESCE(u.display_name, ''), a.action, a.detail, a.ip
		FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		WHERE a.entity = $1 AND a.entity_id = $2`+not+` ORDER BY a.id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var detail string
		if err := rows.Scan(&e.At, &e.UserID, &e.UserName, &e.Action, &detail, &e.IP); err != nil {
			return nil, err
		}
		if detail != "" {
			_ = json.Unmarshal([]byte(detail), &e.Detail) // a malformed detail shows as none
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
