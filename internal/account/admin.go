package account

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// UserSorts are the sorts of the admin account list; the first is the
// default. Each is served by an index of migration 00004.
var UserSorts = listing.Orders{
	{Name: "created_desc", Label: "最近创建", Key: "u.created_at", ID: "u.id", Kind: listing.KeyTime, Desc: true},
	{Name: "created_asc", Label: "最早创建", Key: "u.created_at", ID: "u.id", Kind: listing.KeyTime},
	{Name: "name_asc", Label: "姓名（升序）", Key: "u.display_name", ID: "u.id", Kind: listing.KeyString},
	{Name: "name_desc", Label: "姓名（降序）", Key: "u.display_name", ID: "u.id", Kind: listing.KeyString, Desc: true},
}

// MaxQueryLen is the longest search text the account list accepts (runes).
const MaxQueryLen = 32

// UserFilter selects and orders the accounts of the admin list and export.
// The zero value lists every account, newest first, DefaultLimit a page.
type UserFilter struct {
	// Query matches the start of the login name (any case) or of the
	// display name; a query of digits only matches the start of the mobile
	// number instead (e.g. "138", "1380013").
	Query  string
	Role   identity.Role // "" for every role
	SiteID int64         // 0 for every site
	Active *bool         // nil for both enabled and disabled accounts
	Sort   string
	Limit  int    // 0 for listing.DefaultLimit; at most listing.MaxLimit
	Cursor string // next_cursor of the previous page; "" for the first
}

// UserFilterFromQuery reads a UserFilter from a query string, as the list
// page and GET /api/v1/users both take it: q, role, site_id, active
// ("1"/"true" enabled, "0"/"false" disabled, "" both), sort, limit and
// cursor. Malformed values are apperr.Invalid errors naming the parameter.
func UserFilterFromQuery(q url.Values) (UserFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return UserFilter{}, err
	}
	f := UserFilter{Query: q.Get("q"), Role: identity.Role(strings.TrimSpace(q.Get("role"))),
		Sort: strings.TrimSpace(q.Get("sort")), Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	if s := strings.TrimSpace(q.Get("site_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil && id > 0, "site_id", "网点参数无效")
		f.SiteID = id
	}
	switch strings.TrimSpace(q.Get("active")) {
	case "":
	case "1", "true":
		f.Active = new(true)
	case "0", "false":
		f.Active = new(false)
	default:
		v.Check(false, "active", "状态参数无效：1 为启用，0 为停用")
	}
	if err := v.Err(); err != nil {
		return UserFilter{}, err
	}
	return f, f.check()
}

// check validates the filter's fields (not the cursor, which needs the sort).
func (f UserFilter) check() error {
	var v apperr.Validator
	v.Check(utf8.RuneCountInString(strings.TrimSpace(f.Query)) <= MaxQueryLen, "q", "搜索内容不能超过 32 个字")
	v.Check(f.Role == "" || f.Role.Valid(), "role", "请选择有效的角色")
	v.Check(f.SiteID >= 0, "site_id", "网点参数无效")
	if _, err := UserSorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

// where returns the filter's conditions on users u. With seek, the search
// terms are written so that their indexes serve them (a prefix range on
// mobile, LIKE on the prefix indexes); without, they are wrapped in a no-op
// (col || ”) that no index serves, so that the planner walks the sort's
// index and filters: ListUsers uses that when more than listing.CountCap
// accounts match, since then matches are frequent along the sort's index
// while fetching and sorting all of them (say every 王 among a million
// accounts) would cost hundreds of milliseconds a page.
func (f UserFilter) where(seek bool) *listing.Where {
	var w listing.Where
	col := func(c string) string {
		if seek {
			return c
		}
		return "(" + c + " || '')"
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if isDigits(q) {
			// Mobile numbers are 11 digits: the prefix is the range from
			// q000... to q999..., which the unique index on mobile serves in
			// any collation.
			lo, hi := q, q
			for len(lo) < 11 {
				lo += "0"
				hi += "9"
			}
			w.And(col("u.mobile") + " >= " + w.Arg(lo) + " AND " + col("u.mobile") + " <= " + w.Arg(hi))
		} else {
			// Prefix matches on the users_username_prefix and
			// users_name_prefix indexes (LIKE with a fixed prefix).
			w.And("(" + col("u.username") + " LIKE " + w.Arg(likePrefix(strings.ToLower(q))) + ` ESCAPE '\'` +
				" OR " + col("u.display_name") + " LIKE " + w.Arg(likePrefix(q)) + ` ESCAPE '\')`)
		}
	}
	if f.Role != "" {
		w.And("u.role = " + w.Arg(string(f.Role)))
	}
	if f.SiteID > 0 {
		w.And("u.site_id = " + w.Arg(f.SiteID))
	}
	if f.Active != nil {
		// Literals, not arguments: users_inactive is a partial index on
		// active = FALSE, which a planner uses only for that literal term.
		if *f.Active {
			w.And("u.active = TRUE")
		} else {
			w.And("u.active = FALSE")
		}
	}
	return &w
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// likePrefix is a LIKE pattern (escape character \) matching strings that
// start with s.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// sortKey returns u's key under the order o of UserSorts.
func sortKey(o listing.Order, u *identity.User) any {
	if o.Kind == listing.KeyString {
		return u.DisplayName
	}
	return u.CreatedAt
}

// ListUsers returns one page of the accounts that match f, in f's sort,
// and how many match in all (exact up to listing.CountCap).
//
// Only an admin may call it: anyone else gets apperr.Forbidden, a nil
// actor apperr.Unauthenticated. A filter field out of range, an unknown sort, a bad
// limit or a cursor not made for this sort give apperr.Invalid naming the
// field (q, role, site_id, sort, limit, cursor).
func (s *Service) ListUsers(ctx context.Context, actor *identity.User, f UserFilter) (listing.Page[*identity.User], listing.Total, error) {
	if err := identity.Require(actor); err != nil {
		return listing.Page[*identity.User]{}, listing.Total{}, err
	}
	var page listing.Page[*identity.User]
	if !actor.Is(identity.RoleAdmin) {
		return page, listing.Total{}, apperr.New(apperr.Forbidden, "只有管理员可以查看账号列表")
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := UserSorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(true)
	total, err := listing.Count(ctx, s.db, "FROM users u"+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	if total.Capped {
		w = f.where(false)
	}
	users, err := s.usersPage(ctx, w, order, cur, limit+1)
	if err != nil {
		return page, listing.Total{}, err
	}
	return listing.NewPage(users, limit, func(u *identity.User) string { return order.Encode(sortKey(order, u), u.ID) }), total, nil
}

// usersPage reads up to n users matching w after cur in order.
func (s *Service) usersPage(ctx context.Context, w *listing.Where, order listing.Order, cur *listing.Cursor, n int) ([]*identity.User, error) {
	w = w.Clone()
	order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+userFrom+w.SQL()+
		` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(n), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*identity.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserExportHeader is the header row of ExportUsers.
var UserExportHeader = []string{"编号", "用户名", "姓名", "手机号", "角色", "所属网点", "状态", "创建时间", "最近登录"}

// ExportUsers writes every account that matches f (its Limit and Cursor
// are ignored), in f's sort, to w: the header, the rows, then it closes w.
// Mobile numbers are masked as on the list page. It reads the set in keyset
// pages of listing.ExportBatch rows, so memory stays flat and no long read
// transaction is held; there is no row cap. Above
// listing.BackgroundThreshold rows callers should run it in a background
// job. The export is audited (export_users, with the filter and the number
// of rows).
//
// Only an admin may call it (apperr.Forbidden otherwise); a bad filter
// gives apperr.Invalid as for ListUsers. It returns the rows written.
func (s *Service) ExportUsers(ctx context.Context, actor *identity.User, f UserFilter, w listing.Writer) (n int, err error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleAdmin) {
		return 0, apperr.New(apperr.Forbidden, "只有管理员可以导出账号")
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	order, _ := UserSorts.Lookup(f.Sort)
	where := f.where(true)
	total, err := listing.Count(ctx, s.db, "FROM users u"+where.SQL(), where.Args...)
	if err != nil {
		return 0, err
	}
	if total.Capped {
		where = f.where(false)
	}
	// The export is audited whether it ends or not (an aborted download
	// too), with the rows written.
	detail := map[string]any{"sort": order.Name}
	defer func() {
		detail["rows"], detail["completed"] = n, err == nil
		aerr := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: actor.ID, Action: "export_users", Entity: "users", Detail: detail})
		if err == nil {
			err = aerr
		}
	}()
	if f.Query != "" {
		detail["q"] = f.Query
	}
	if f.Role != "" {
		detail["role"] = f.Role
	}
	if f.SiteID != 0 {
		detail["site_id"] = f.SiteID
	}
	if f.Active != nil {
		detail["active"] = *f.Active
	}
	n, err = listing.Export(w, UserExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			users, err := s.usersPage(ctx, where, order, cur, listing.ExportBatch)
			if err != nil {
				return err
			}
			for _, u := range users {
				status := "启用"
				if !u.Active {
					status = "停用"
				}
				if err := emit(u.ID, u.Username, u.DisplayName, identity.MaskMobile(u.Mobile), u.Role.Label(), u.SiteName,
					status, u.CreatedAt, u.LastLoginAt); err != nil {
					return err
				}
			}
			if len(users) < listing.ExportBatch {
				return nil
			}
			last := users[len(users)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: sortKey(order, last), ID: last.ID}
		}
	})
	return n, err
}

// UserUpdate is what an admin may change on an account. Every field is set
// (the form shows the current values): an empty Mobile removes a staff
// member's number.
type UserUpdate struct {
	DisplayName string
	Role        identity.Role
	SiteID      int64
	Mobile      string
}

// ErrNotAdmin refuses account administration to anyone but an admin.
var ErrNotAdmin = apperr.New(apperr.Forbidden, "只有管理员可以管理账号")

// target loads the account id for an admin action by actor.
func (s *Service) target(ctx context.Context, actor *identity.User, id int64) (*identity.User, error) {
	if !actor.Is(identity.RoleAdmin) {
		return nil, ErrNotAdmin
	}
	return s.User(ctx, id)
}

// UpdateUser changes an account's display name, role, site and mobile.
//
// Only an admin may call it (apperr.Forbidden otherwise; a nil actor:
// apperr.Unauthenticated); an unknown id gives apperr.NotFound. The rules of CreateStaff
// apply, as apperr.Invalid naming the field: display_name 2-20 characters;
// role: staff roles stay staff roles (sales, service, admin) and an owner
// stays an owner, and an admin cannot take away their own admin role;
// site_id: a store for sales, a service center for service, an existing site
// for an admin, none for an owner; mobile: 11 digits or empty for staff, not
// used by another account; an owner's mobile is their login and is not
// changed here (left empty, it stays as it is). The change and its audit entry (update_user, with the
// fields that changed; mobile numbers masked) commit together. Open
// sessions stay: every request reads the account afresh.
func (s *Service) UpdateUser(ctx context.Context, actor *identity.User, id int64, in UserUpdate) (*identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	u, err := s.target(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Mobile = strings.TrimSpace(in.Mobile)
	var v apperr.Validator
	v.Check(validName(in.DisplayName), "display_name", "姓名须为 2 到 20 个字")
	if u.Role == identity.RoleOwner && in.Mobile == "" {
		in.Mobile = u.Mobile // an owner's mobile is left out: it stays
	}
	if u.Role == identity.RoleOwner {
		v.Check(in.Role == identity.RoleOwner, "role", "车主账号不能改为员工角色")
		v.Check(in.SiteID == 0, "site_id", "车主账号不归属网点")
		v.Check(in.Mobile == u.Mobile, "mobile", "车主的手机号是其登录账号，管理员不能修改")
	} else {
		v.Check(in.Role == identity.RoleSales || in.Role == identity.RoleService || in.Role == identity.RoleAdmin, "role", "请选择角色：销售顾问、服务顾问或管理员")
		v.Check(in.Mobile == "" || ValidMobile(in.Mobile), "mobile", "请输入 11 位中国大陆手机号，或留空")
		if in.Role == identity.RoleSales || in.Role == identity.RoleService {
			v.Check(in.SiteID > 0, "site_id", "销售顾问和服务顾问须归属一个门店或服务中心")
		}
		v.Check(u.ID != actor.ID || in.Role == identity.RoleAdmin, "role", "不能取消自己的管理员角色")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if u.Role != identity.RoleOwner {
		if err := s.checkSite(ctx, in.Role, in.SiteID); err != nil {
			return nil, err
		}
	}
	changes := map[string]any{}
	if in.DisplayName != u.DisplayName {
		changes["display_name"] = []string{u.DisplayName, in.DisplayName}
	}
	if in.Role != u.Role {
		changes["role"] = []string{string(u.Role), string(in.Role)}
	}
	if in.SiteID != u.SiteID {
		changes["site_id"] = []int64{u.SiteID, in.SiteID}
	}
	if in.Mobile != u.Mobile {
		changes["mobile"] = []string{identity.MaskMobile(u.Mobile), identity.MaskMobile(in.Mobile)}
	}
	perms := grantable(u.Perms, in.Role)
	if old, kept := formatPerms(u.Perms), formatPerms(perms); old != kept {
		changes["permissions"] = []string{old, kept}
	}
	if len(changes) == 0 {
		return u, nil
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, role = $2, site_id = $3, mobile = $4, permissions = $5, updated_at = $6 WHERE id = $7`,
			in.DisplayName, string(in.Role), nullID(in.SiteID), nullString(in.Mobile), formatPerms(perms), now, id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("mobile", "该手机号已被其他账号使用")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "update_user", Entity: "users", EntityID: id,
			Detail: changes})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// grantable keeps of perms those that role may hold.
func grantable(perms []identity.Perm, role identity.Role) []identity.Perm {
	var out []identity.Perm
	for _, p := range perms {
		if p.GrantableTo(role) {
			out = append(out, p)
		}
	}
	return out
}

// SetPermissions replaces the permissions granted to account id (see
// identity.Perm) and returns the account.
//
// Only an admin or the system actor may call it (apperr.Forbidden
// otherwise; a nil actor: apperr.Unauthenticated); an unknown id gives
// apperr.NotFound. A permission the account's role cannot hold (identity.Perm.GrantableTo) gives
// apperr.Invalid on "permissions". The change and its audit entry
// (set_permissions, old and new lists) commit together; unchanged
// permissions write nothing. Open sessions see the change on their next
// request.
func (s *Service) SetPermissions(ctx context.Context, actor *identity.User, id int64, perms []identity.Perm) (*identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return nil, ErrNotAdmin
	}
	u, err := s.User(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, p := range perms {
		if !slices.Contains(identity.Perms, p) {
			return nil, apperr.Field("permissions", "未知的权限："+string(p))
		}
		if !p.GrantableTo(u.Role) {
			return nil, apperr.Field("permissions", u.Role.Label()+"不能授予“"+p.Label()+"”权限")
		}
	}
	old, next := formatPerms(u.Perms), formatPerms(perms)
	if old == next {
		return u, nil
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET permissions = $1, updated_at = $2 WHERE id = $3`, next, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "set_permissions", Entity: "users", EntityID: id,
			Detail: map[string]any{"permissions": []string{old, next}}})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// checkSite checks that a staff member of role may belong to siteID
// (0: none): it must exist, be a store for sales and a service center for
// service. The errors are apperr.Invalid on site_id.
func (s *Service) checkSite(ctx context.Context, role identity.Role, siteID int64) error {
	if siteID == 0 {
		return nil
	}
	var kind string
	err := s.db.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, siteID).Scan(&kind)
	if db.NoRows(err) {
		return apperr.Field("site_id", "所选网点不存在")
	}
	if err != nil {
		return err
	}
	switch {
	case role == identity.RoleSales && kind != "store":
		return apperr.Field("site_id", "销售顾问须归属门店")
	case role == identity.RoleService && kind != "service_center":
		return apperr.Field("site_id", "服务顾问须归属服务中心")
	}
	return nil
}

// SetActive enables or disables an account. Disabling ends every session
// of the account in the same transaction (a disabled account cannot log in
// either); it needs a reason of 2 to 200 characters, recorded in the audit
// entry (disable_user; enable_user when enabling, the reason optional).
// Setting the state an account already has changes nothing.
//
// Only an admin may call it (apperr.Forbidden otherwise; a nil actor:
// apperr.Unauthenticated); an unknown id gives apperr.NotFound; an admin disabling their own
// account gets apperr.Invalid on "active", a missing or too long reason
// apperr.Invalid on "reason".
func (s *Service) SetActive(ctx context.Context, actor *identity.User, id int64, active bool, reason string) (*identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	u, err := s.target(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var v apperr.Validator
	v.Check(active || u.ID != actor.ID, "active", "不能停用自己的账号")
	n := utf8.RuneCountInString(reason)
	v.Check(active || n >= 2, "reason", "请填写停用原因（2 到 200 个字）")
	v.Check(n <= 200, "reason", "原因不能超过 200 个字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if u.Active == active {
		return u, nil
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET active = $1, updated_at = $2 WHERE id = $3`, active, now, id); err != nil {
			return err
		}
		detail := map[string]any{}
		if reason != "" {
			detail["reason"] = reason
		}
		action := "enable_user"
		if !active {
			action = "disable_user"
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
			if err != nil {
				return err
			}
			ended, err := res.RowsAffected()
			if err != nil {
				return err
			}
			detail["sessions_ended"] = ended
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: action, Entity: "users", EntityID: id, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// ResetPassword sets a new password on an account, ends all its sessions
// and clears its login lock-outs (the account's own throttle keys), in one
// transaction with the audit entry reset_password (which records no
// password). An admin resetting their own password ends their own
// sessions too.
//
// Only an admin may call it (apperr.Forbidden otherwise; a nil actor:
// apperr.Unauthenticated); an unknown id gives apperr.NotFound; a password of other than 8
// to 72 characters gives apperr.Invalid on "password"; no free argon2id
// slot gives ErrBusy (apperr.RateLimited).
func (s *Service) ResetPassword(ctx context.Context, actor *identity.User, id int64, newPassword string) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleAdmin) {
		return ErrNotAdmin
	}
	if !ValidPassword(newPassword) {
		return apperr.Field("password", "密码长度须为 8 到 72 个字符")
	}
	if _, err := s.User(ctx, id); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = apperr.New(apperr.NotFound, "用户不存在")
			}
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		ended, err := res.RowsAffected()
		if err != nil {
			return err
		}
		acct := "user:" + strconv.FormatInt(id, 10)
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login_key = $1 OR login_key LIKE $2`,
			"account:"+acct, "pair:"+acct+"@%"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "reset_password", Entity: "users", EntityID: id,
			Detail: map[string]any{"sessions_ended": ended}})
	})
}

// UserDetail is an account as the admin's detail page shows it: the account
// and the newest entries of its history.
type UserDetail struct {
	User    *identity.User
	History []audit.Event
}

// HistoryLimit is how many history entries UserDetail carries.
const HistoryLimit = 50

// GetUser returns account id with its history (changes made to it, newest
// first; logins are left out). Only an admin may call it (Forbidden); an unknown id is NotFound.
func (s *Service) GetUser(ctx context.Context, actor *identity.User, id int64) (*UserDetail, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	u, err := s.target(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	h, err := audit.History(ctx, s.db, "users", id, HistoryLimit, "login")
	if err != nil {
		return nil, err
	}
	return &UserDetail{User: u, History: h}, nil
}

// CountUsers returns exactly how many accounts match f (no cap: for the
// progress of an export). Only an admin may call it (Forbidden); a bad
// filter is Invalid as for ListUsers.
func (s *Service) CountUsers(ctx context.Context, actor *identity.User, f UserFilter) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleAdmin) {
		return 0, ErrNotAdmin
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	where := f.where(true)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u`+where.SQL(), where.Args...).Scan(&n)
	return n, err
}

// ExportUsersJob is the background job that exports the accounts matching
// Filter (a large export: see listing.BackgroundThreshold) as Format; its
// file is kept with the job. The worker runs ExportUsers as the admin who
// started the job.
type ExportUsersJob struct {
	Filter UserFilter
	Format string // listing.Format: csv or xlsx
}

// Kind names the job.
func (ExportUsersJob) Kind() string { return "export_users" }

// ExportFileName is the file name of an account export made at t in the
// given format's extension, e.g. "账号-20261129-1430.csv" (Shanghai time).
func ExportFileName(t time.Time, ext string) string {
	return "账号-" + t.In(listing.Shanghai).Format("20060102-1504") + "." + ext
}
