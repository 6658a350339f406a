// Package audit writes the audit log: who changed what, from where, in which
// request. Entries are written inside the caller's transaction so that a
// change and its record commit together.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
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
