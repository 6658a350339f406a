package customer

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// isStoreManager reports whether a sales user holds the store-manager
// permission.
func isStoreManager(u *identity.User) bool { return u.Can(identity.PermStoreManager) }

// SavedView is a named filter of the customer list, saved by one user.
type SavedView struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Query     string    `json:"query"` // the list's query string, e.g. "stage=lost&city=上海"
	CreatedAt time.Time `json:"created_at"`
}

// MaxViews is how many views one user may save.
const MaxViews = 30

// Views returns the actor's saved views, by name.
func (s *Service) Views(ctx context.Context, actor *identity.User) ([]SavedView, error) {
	if err := mayList(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, query, created_at FROM customer_views WHERE user_id = $1 ORDER BY name, id`, actor.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedView
	for rows.Next() {
		var v SavedView
		if err := rows.Scan(&v.ID, &v.Name, &v.Query, &v.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SaveView saves filter f under name for the actor; a view of the same
// name is replaced. Errors: Invalid on "name" (empty, over 20 characters,
// more than MaxViews views), Invalid naming a bad filter field.
func (s *Service) SaveView(ctx context.Context, actor *identity.User, name string, f Filter) (*SavedView, error) {
	if err := mayList(actor); err != nil {
		return nil, err
	}
	if actor.ID == 0 {
		return nil, apperr.New(apperr.Forbidden, "系统操作者不能保存视图")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 20 {
		return nil, apperr.Field("name", "视图名称须为 1 到 20 个字")
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return nil, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_views WHERE user_id = $1 AND name <> $2`, actor.ID, name).Scan(&n); err != nil {
		return nil, err
	}
	if n >= MaxViews {
		return nil, apperr.Field("name", "最多保存 30 个视图，请先删除不用的视图")
	}
	v := &SavedView{Name: name, Query: f.Values().Encode(), CreatedAt: s.now()}
	err := s.db.QueryRowContext(ctx, `INSERT INTO customer_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query, created_at = excluded.created_at RETURNING id`,
		actor.ID, v.Name, v.Query, v.CreatedAt).Scan(&v.ID)
	return v, err
}

// DeleteView deletes the actor's view id; another user's or an unknown
// view is NotFound.
func (s *Service) DeleteView(ctx context.Context, actor *identity.User, id int64) error {
	if err := mayList(actor); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM customer_views WHERE id = $1 AND user_id = $2`, id, actor.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "视图不存在")
	}
	return nil
}
