package account_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/xuri/excelize/v2"
)

// person inserts an account with the given fields directly (no argon2id).
func (e *env) person(username, mobile, name string, role identity.Role, site int64, active bool, created time.Time) int64 {
	e.t.Helper()
	var u, m, s any
	if username != "" {
		u = username
	}
	if mobile != "" {
		m = mobile
	}
	if site != 0 {
		s = site
	}
	return e.id(`INSERT INTO users (username, mobile, display_name, role, password_hash, site_id, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, u, m, name, string(role), passwordHash(), s, active, created)
}

// bulkOwners inserts n owners quickly in one statement: mobiles 139xxxxxxxx
// from base, five display names in turn, one creation time for every three.
func (e *env) bulkOwners(n int, base int64) {
	e.t.Helper()
	if err := bulkOwners(e.ctx, e.db, n, base); err != nil {
		e.t.Fatal(err)
	}
}

// bulkOwnersB is bulkOwners for a benchmark.
func (e *env) bulkOwnersB(b testing.TB, n int) {
	if err := bulkOwners(e.ctx, e.db, n, 13900000000); err != nil {
		b.Fatal(err)
	}
}

func bulkOwners(ctx context.Context, d *db.DB, n int, base int64) error {
	created := `strftime('%Y-%m-%d %H:%M:%S+00:00', 1767225600 + (n / 3) * 60, 'unixepoch')`
	if d.Dialect == db.Postgres {
		created = `to_timestamp(1767225600 + (n / 3) * 60)`
	}
	_, err := d.ExecContext(ctx, `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < CAST($1 AS INTEGER))
		INSERT INTO users (mobile, display_name, role, password_hash, active, created_at, updated_at)
		SELECT CAST(CAST($2 AS BIGINT) + n AS TEXT),
			CASE n % 5 WHEN 0 THEN '王芳' WHEN 1 THEN '李娜' WHEN 2 THEN '张伟' WHEN 3 THEN '王' ELSE 'Lucy' END,
			'owner', '!', n % 100 <> 0, `+created+`, `+created+` FROM s`, n, base)
	return err
}

func ids(users []*identity.User) []int64 {
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

func TestListUsersRefused(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		for _, actor := range []*identity.User{e.staff("sales.one", identity.RoleSales, e.store), e.staff("svc.one", identity.RoleService, e.sc), e.owner("13700000004"), nil} {
			_, _, err := e.svc.ListUsers(e.ctx, actor, account.UserFilter{})
			apperrtest.WantCode(t, err, refusal(actor))
			_, err = e.svc.ExportUsers(e.ctx, actor, account.UserFilter{}, listing.NewCSVWriter(&bytes.Buffer{}))
			apperrtest.WantCode(t, err, refusal(actor))
		}
		nameCursor := account.UserSorts[2].Encode("王", 1)
		cases := []struct {
			name  string
			f     account.UserFilter
			field string
		}{
			{"long query", account.UserFilter{Query: strings.Repeat("王", 33)}, "q"},
			{"unknown role", account.UserFilter{Role: "root"}, "role"},
			{"negative site", account.UserFilter{SiteID: -1}, "site_id"},
			{"unknown sort", account.UserFilter{Sort: "password_hash"}, "sort"},
			{"limit too large", account.UserFilter{Limit: 201}, "limit"},
			{"negative limit", account.UserFilter{Limit: -1}, "limit"},
			{"garbage cursor", account.UserFilter{Cursor: "abc"}, "cursor"},
			{"cursor of another sort", account.UserFilter{Cursor: nameCursor}, "cursor"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := e.svc.ListUsers(e.ctx, admin, tc.f)
				apperrtest.WantField(t, err, tc.field)
			})
		}
		if _, _, err := e.svc.ListUsers(e.ctx, admin, account.UserFilter{Sort: "name_asc", Cursor: nameCursor}); err != nil {
			t.Errorf("cursor of its own sort: %v", err)
		}
	})
}

func TestUserFilterFromQuery(t *testing.T) {
	f, err := account.UserFilterFromQuery(map[string][]string{"q": {" 王 "}, "role": {"sales"}, "site_id": {"12"},
		"active": {"0"}, "sort": {"name_desc"}, "limit": {"20"}})
	if err != nil || f.Query != " 王 " || f.Role != identity.RoleSales || f.SiteID != 12 || f.Active == nil || *f.Active ||
		f.Sort != "name_desc" || f.Limit != 20 || f.Cursor != "" {
		t.Fatalf("filter = %+v, %v", f, err)
	}
	f, err = account.UserFilterFromQuery(map[string][]string{"active": {"true"}})
	if err != nil || f.Active == nil || !*f.Active || f.Limit != listing.DefaultLimit {
		t.Fatalf("filter = %+v, %v", f, err)
	}
	for param, bad := range map[string]string{"site_id": "abc", "active": "maybe", "role": "root", "limit": "0", "sort": "x", "cursor": "a+b", "q": strings.Repeat("x", 40)} {
		_, err := account.UserFilterFromQuery(map[string][]string{param: {bad}})
		apperrtest.WantField(t, err, param)
	}
	if _, err := account.UserFilterFromQuery(map[string][]string{"site_id": {"0"}}); err == nil {
		t.Error("site_id=0 accepted")
	}
}

func TestListUsersFilters(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
		chen := e.person("chen.jing", "13600000001", "陈静", identity.RoleService, e.sc, true, at(1))
		chenli := e.person("chen_li", "", "陈丽", identity.RoleSales, e.store, true, at(2))
		chenxli := e.person("chenxli", "", "Chen X", identity.RoleSales, e.store, false, at(3))
		wang := e.person("", "13800138000", "王小明", identity.RoleOwner, 0, true, at(4))
		wang2 := e.person("", "13812345678", "王", identity.RoleOwner, 0, false, at(5))
		pct := e.person("pct", "", "百%分", identity.RoleAdmin, 0, true, at(6))
		other := e.person("", "15900000000", "赵六", identity.RoleOwner, 0, true, at(7))
		yes, no := true, false
		cases := []struct {
			name string
			f    account.UserFilter
			want []int64
		}{
			{"everyone, newest first", account.UserFilter{}, []int64{other, pct, wang2, wang, chenxli, chenli, chen, admin.ID}},
			{"username prefix, any case", account.UserFilter{Query: " CHEN"}, []int64{chenxli, chenli, chen}},
			{"underscore is not a wildcard", account.UserFilter{Query: "chen_"}, []int64{chenli}},
			{"username prefix with a dot", account.UserFilter{Query: "chen.j"}, []int64{chen}},
			{"display name prefix", account.UserFilter{Query: "王"}, []int64{wang2, wang}},
			{"display name, not a substring", account.UserFilter{Query: "小明"}, nil},
			{"percent is not a wildcard", account.UserFilter{Query: "百%"}, []int64{pct}},
			{"percent alone", account.UserFilter{Query: "%"}, nil},
			{"mobile prefix", account.UserFilter{Query: "138"}, []int64{wang2, wang}},
			{"longer mobile prefix", account.UserFilter{Query: "1380013"}, []int64{wang}},
			{"whole mobile", account.UserFilter{Query: "15900000000"}, []int64{other}},
			{"too many digits", account.UserFilter{Query: "159000000001"}, nil},
			{"role", account.UserFilter{Role: identity.RoleSales}, []int64{chenxli, chenli}},
			{"site", account.UserFilter{SiteID: e.sc}, []int64{chen}},
			{"disabled", account.UserFilter{Active: &no}, []int64{wang2, chenxli}},
			{"enabled owners", account.UserFilter{Active: &yes, Role: identity.RoleOwner}, []int64{other, wang}},
			{"query and role", account.UserFilter{Query: "chen", Role: identity.RoleSales, Active: &yes}, []int64{chenli}},
			{"oldest first", account.UserFilter{Sort: "created_asc", Role: identity.RoleOwner}, []int64{wang, wang2, other}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p, total, err := e.svc.ListUsers(e.ctx, admin, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(p.Items); !slices.Equal(got, tc.want) {
					t.Errorf("ids = %v, want %v", got, tc.want)
				}
				if total != (listing.Total{N: len(tc.want)}) || p.HasNext() {
					t.Errorf("total = %+v, next %q", total, p.NextCursor)
				}
			})
		}
		p, total, err := e.svc.ListUsers(e.ctx, admin, account.UserFilter{Limit: 3})
		if err != nil || len(p.Items) != 3 || !p.HasNext() || total.N != 8 || total.Label() != "共 8 条" {
			t.Fatalf("limit 3: %d items, next %q, total %+v, %v", len(p.Items), p.NextCursor, total, err)
		}
		u := p.Items[0]
		if u.Role != identity.RoleOwner || u.Mobile != "15900000000" || u.DisplayName != "赵六" || !u.CreatedAt.Equal(at(7)) {
			t.Errorf("first user = %+v", u)
		}
		if p.Items[1].Username != "pct" || p.Items[1].Role != identity.RoleAdmin {
			t.Errorf("second user = %+v", p.Items[1])
		}
	})
}

// Walking the account list page by page under every sort, with and without
// filters, returns each matching account exactly once, in the order of one
// ORDER BY over all of them, although creation times and names tie.
func TestListUsersKeysetWalk(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		e.bulkOwners(400, 13900000000)
		for i := range 30 {
			e.person(fmt.Sprintf("staff%02d", i), "", []string{"王芳", "陈静", "Lucy"}[i%3], identity.RoleSales, e.store, i%4 != 0, start)
		}
		no := false
		filters := []account.UserFilter{{}, {Role: identity.RoleOwner}, {Query: "王"}, {Query: "1390000"}, {Active: &no}, {SiteID: e.store}}
		for _, o := range account.UserSorts {
			for fi, f := range filters {
				f.Sort = o.Name
				q, args := account.UserListQuery(f, true)
				q = strings.Replace(q, "LIMIT $", "LIMIT 100000 + $", 1)
				var want []int64
				rows, err := d.QueryContext(e.ctx, q, args...)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id int64
					var skip [11]any
					ptrs := []any{&id}
					for i := range skip {
						ptrs = append(ptrs, &skip[i])
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					want = append(want, id)
				}
				rows.Close()
				t.Run(fmt.Sprintf("%s/filter%d", o.Name, fi), func(t *testing.T) {
					if len(want) == 0 {
						t.Fatal("filter matches nothing")
					}
					f.Limit = 17
					var got []int64
					for pages := 0; ; pages++ {
						p, total, err := e.svc.ListUsers(e.ctx, admin, f)
						if err != nil {
							t.Fatal(err)
						}
						if total.N != len(want) {
							t.Fatalf("total = %d, want %d", total.N, len(want))
						}
						got = append(got, ids(p.Items)...)
						if !p.HasNext() {
							break
						}
						if pages > len(want) {
							t.Fatal("walk does not end")
						}
						f.Cursor = p.NextCursor
					}
					if !slices.Equal(got, want) {
						t.Fatalf("walk gave %d ids, want %d in ORDER BY order", len(got), len(want))
					}
				})
			}
		}
	})
}

func TestUpdateUser(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		sales := e.staff("sales.one", identity.RoleSales, e.store)
		svc := e.staff("svc.one", identity.RoleService, e.sc)
		owner := e.owner("13700000004")
		e.person("taken", "13600000009", "占用", identity.RoleSales, e.store, true, start)
		store2 := e.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('ST-2', 'store', '二店', '上海', '上海', $1) RETURNING id`, start)

		good := account.UserUpdate{DisplayName: "销售一", Role: identity.RoleSales, SiteID: store2, Mobile: "13600000002"}
		for _, actor := range []*identity.User{sales, svc, owner, nil} {
			_, err := e.svc.UpdateUser(ctx, actor, sales.ID, good)
			apperrtest.WantCode(t, err, refusal(actor))
		}
		_, err := e.svc.UpdateUser(ctx, admin, 999999, good)
		apperrtest.WantCode(t, err, apperr.NotFound)

		staffWith := func(f func(*account.UserUpdate)) account.UserUpdate {
			in := good
			f(&in)
			return in
		}
		ownerKeep := account.UserUpdate{DisplayName: "车主改名", Role: identity.RoleOwner, Mobile: owner.Mobile}
		ownerWith := func(f func(*account.UserUpdate)) account.UserUpdate {
			in := ownerKeep
			f(&in)
			return in
		}
		adminSelf := account.UserUpdate{DisplayName: "管理员", Role: identity.RoleAdmin}
		cases := []struct {
			name  string
			id    int64
			in    account.UserUpdate
			field string
		}{
			{"short name", sales.ID, staffWith(func(in *account.UserUpdate) { in.DisplayName = " 李 " }), "display_name"},
			{"long name", sales.ID, staffWith(func(in *account.UserUpdate) { in.DisplayName = strings.Repeat("名", 21) }), "display_name"},
			{"staff to owner", sales.ID, staffWith(func(in *account.UserUpdate) { in.Role = identity.RoleOwner }), "role"},
			{"unknown role", sales.ID, staffWith(func(in *account.UserUpdate) { in.Role = "root" }), "role"},
			{"sales without site", sales.ID, staffWith(func(in *account.UserUpdate) { in.SiteID = 0 }), "site_id"},
			{"sales at a service center", sales.ID, staffWith(func(in *account.UserUpdate) { in.SiteID = e.sc }), "site_id"},
			{"service at a store", svc.ID, staffWith(func(in *account.UserUpdate) { in.Role = identity.RoleService }), "site_id"},
			{"unknown site", sales.ID, staffWith(func(in *account.UserUpdate) { in.SiteID = 999999 }), "site_id"},
			{"bad mobile", sales.ID, staffWith(func(in *account.UserUpdate) { in.Mobile = "12345" }), "mobile"},
			{"mobile of another account", sales.ID, staffWith(func(in *account.UserUpdate) { in.Mobile = "13600000009" }), "mobile"},
			{"owner to staff", owner.ID, ownerWith(func(in *account.UserUpdate) { in.Role = identity.RoleSales; in.SiteID = e.store }), "role"},
			{"owner to admin", owner.ID, ownerWith(func(in *account.UserUpdate) { in.Role = identity.RoleAdmin }), "role"},
			{"owner with a site", owner.ID, ownerWith(func(in *account.UserUpdate) { in.SiteID = e.store }), "site_id"},
			{"owner's mobile", owner.ID, ownerWith(func(in *account.UserUpdate) { in.Mobile = "13700000005" }), "mobile"},
			{"admin demotes self", admin.ID, account.UserUpdate{DisplayName: "管理员", Role: identity.RoleSales, SiteID: e.store}, "role"},
			{"admin unknown site", admin.ID, account.UserUpdate{DisplayName: "管理员", Role: identity.RoleAdmin, SiteID: 999999}, "site_id"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				audits := e.count(`SELECT COUNT(*) FROM audit_log`)
				before, _ := e.svc.User(ctx, tc.id)
				_, err := e.svc.UpdateUser(ctx, admin, tc.id, tc.in)
				apperrtest.WantField(t, err, tc.field)
				if msg := apperr.As(err).Fields[tc.field]; msg == "" || !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
					t.Errorf("message %q is not Chinese", msg)
				}
				after, _ := e.svc.User(ctx, tc.id)
				if !reflect.DeepEqual(after, before) || e.count(`SELECT COUNT(*) FROM audit_log`) != audits {
					t.Error("refused update wrote")
				}
			})
		}

		u, err := e.svc.UpdateUser(ctx, admin, sales.ID, good)
		if err != nil {
			t.Fatal(err)
		}
		if u.DisplayName != "销售一" || u.SiteID != store2 || u.SiteName != "二店" || u.Mobile != "13600000002" || u.Role != identity.RoleSales {
			t.Fatalf("updated = %+v", u)
		}
		var detail string
		if err := d.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'update_user' AND entity_id = $1 AND user_id = $2`,
			sales.ID, admin.ID).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"display_name":["员工","销售一"]`, `"site_id":[` + fmt.Sprint(e.store) + `,` + fmt.Sprint(store2) + `]`, `"mobile":["","136****0002"]`} {
			if !strings.Contains(detail, want) {
				t.Errorf("audit detail %s lacks %s", detail, want)
			}
		}
		if strings.Contains(detail, "13600000002") || strings.Contains(detail, `"role"`) {
			t.Errorf("audit detail %s has an unmasked mobile or an unchanged field", detail)
		}
		// Staff roles change among themselves; the mobile can be removed.
		u, err = e.svc.UpdateUser(ctx, admin, sales.ID, account.UserUpdate{DisplayName: "销售一", Role: identity.RoleService, SiteID: e.sc})
		if err != nil || u.Role != identity.RoleService || u.SiteID != e.sc || u.Mobile != "" {
			t.Fatalf("sales to service: %+v, %v", u, err)
		}
		u, err = e.svc.UpdateUser(ctx, admin, svc.ID, account.UserUpdate{DisplayName: "新管理员", Role: identity.RoleAdmin})
		if err != nil || u.Role != identity.RoleAdmin || u.SiteID != 0 {
			t.Fatalf("service to admin: %+v, %v", u, err)
		}
		// An owner's name changes; an admin keeps their own role.
		if u, err = e.svc.UpdateUser(ctx, admin, owner.ID, ownerKeep); err != nil || u.DisplayName != "车主改名" || u.Role != identity.RoleOwner {
			t.Fatalf("owner rename: %+v, %v", u, err)
		}
		if u, err = e.svc.UpdateUser(ctx, admin, admin.ID, adminSelf); err != nil || u.DisplayName != "管理员" {
			t.Fatalf("admin self rename: %+v, %v", u, err)
		}
		// Nothing changed: nothing written.
		audits := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'update_user'`)
		if _, err := e.svc.UpdateUser(ctx, admin, admin.ID, adminSelf); err != nil {
			t.Fatal(err)
		}
		if e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'update_user'`) != audits {
			t.Error("an update without changes was audited")
		}
		if audits != 5 {
			t.Errorf("update_user audit rows = %d, want 5", audits)
		}
	})
}

func TestSetActive(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		sales := e.staff("sales.one", identity.RoleSales, e.store)
		owner := e.owner("13700000004")
		s1, _ := e.svc.StartSession(ctx, sales.ID, "", "", "")
		s2, _ := e.svc.StartSession(ctx, sales.ID, "", "", "")
		so, _ := e.svc.StartSession(ctx, owner.ID, "", "", "")
		sa, _ := e.svc.StartSession(ctx, admin.ID, "", "", "")

		for _, actor := range []*identity.User{sales, owner, nil} {
			_, err := e.svc.SetActive(ctx, actor, owner.ID, false, "违规使用")
			apperrtest.WantCode(t, err, refusal(actor))
		}
		_, err := e.svc.SetActive(ctx, admin, 999999, false, "违规使用")
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = e.svc.SetActive(ctx, admin, admin.ID, false, "测试自己")
		apperrtest.WantField(t, err, "active")
		for _, reason := range []string{"", " 无 ", strings.Repeat("长", 201)} {
			_, err = e.svc.SetActive(ctx, admin, sales.ID, false, reason)
			apperrtest.WantField(t, err, "reason")
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions`); n != 4 {
			t.Fatalf("refused SetActive changed sessions: %d", n)
		}

		u, err := e.svc.SetActive(ctx, admin, sales.ID, false, " 已离职 ")
		if err != nil || u.Active {
			t.Fatalf("disable: %+v, %v", u, err)
		}
		for _, tok := range []string{s1.Token, s2.Token} {
			_, _, err := e.svc.SessionUser(ctx, tok)
			apperrtest.WantCode(t, err, apperr.Unauthenticated)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE user_id = $1`, sales.ID); n != 0 {
			t.Errorf("sessions of the disabled account = %d", n)
		}
		for _, tok := range []string{so.Token, sa.Token} {
			if _, _, err := e.svc.SessionUser(ctx, tok); err != nil {
				t.Errorf("another account's session ended: %v", err)
			}
		}
		var detail string
		if err := d.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'disable_user' AND entity_id = $1 AND user_id = $2`,
			sales.ID, admin.ID).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, `"reason":"已离职"`) || !strings.Contains(detail, `"sessions_ended":2`) {
			t.Errorf("audit detail = %s", detail)
		}
		_, err = e.svc.Authenticate(ctx, "sales.one", password, "")
		apperrtest.WantCode(t, err, apperr.Unauthenticated)

		// Again: nothing more happens.
		if _, err := e.svc.SetActive(ctx, admin, sales.ID, false, "再次停用"); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'disable_user'`); n != 1 {
			t.Errorf("disable_user rows = %d", n)
		}
		// Enabling needs no reason; the account can log in again.
		if u, err = e.svc.SetActive(ctx, admin, sales.ID, true, ""); err != nil || !u.Active {
			t.Fatalf("enable: %+v, %v", u, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'enable_user' AND entity_id = $1`, sales.ID); n != 1 {
			t.Errorf("enable_user rows = %d", n)
		}
		if _, err := e.svc.Authenticate(ctx, "sales.one", password, ""); err != nil {
			t.Fatalf("login after enabling: %v", err)
		}
		// An owner, too.
		if _, err := e.svc.SetActive(ctx, admin, owner.ID, false, "车主申请注销"); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.svc.SessionUser(ctx, so.Token)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
	})
}

func TestResetPassword(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		sales := e.staff("sales.one", identity.RoleSales, e.store)
		owner := e.owner("13700000004")
		s1, _ := e.svc.StartSession(ctx, owner.ID, "", "", "")
		sa, _ := e.svc.StartSession(ctx, admin.ID, "", "", "")

		for _, actor := range []*identity.User{sales, owner, nil} {
			apperrtest.WantCode(t, e.svc.ResetPassword(ctx, actor, owner.ID, "new-password-1"), refusal(actor))
		}
		apperrtest.WantCode(t, e.svc.ResetPassword(ctx, admin, 999999, "new-password-1"), apperr.NotFound)
		for _, pw := range []string{"", "short7!", strings.Repeat("p", 73)} {
			apperrtest.WantField(t, e.svc.ResetPassword(ctx, admin, owner.ID, pw), "password")
		}
		if _, _, err := e.svc.SessionUser(ctx, s1.Token); err != nil {
			t.Fatalf("refused reset ended a session: %v", err)
		}
		// The owner locked themselves out from one address.
		for range 6 {
			_, _ = e.svc.Authenticate(ctx, owner.Mobile, "wrong-password", "198.51.100.7")
		}
		_, err := e.svc.Authenticate(ctx, owner.Mobile, password, "198.51.100.7")
		apperrtest.WantCode(t, err, apperr.RateLimited)

		if err := e.svc.ResetPassword(ctx, admin, owner.ID, "new-password-1"); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.svc.SessionUser(ctx, s1.Token)
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		if _, _, err := e.svc.SessionUser(ctx, sa.Token); err != nil {
			t.Errorf("the admin's session ended: %v", err)
		}
		_, err = e.svc.Authenticate(ctx, owner.Mobile, password, "")
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		if _, err := e.svc.Authenticate(ctx, owner.Mobile, "new-password-1", "198.51.100.7"); err != nil {
			t.Fatalf("new password from the locked address: %v", err)
		}
		var detail string
		if err := d.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'reset_password' AND entity_id = $1 AND user_id = $2`,
			owner.ID, admin.ID).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if detail != `{"sessions_ended":1}` {
			t.Errorf("audit detail = %s", detail)
		}
	})
}

func TestExportUsers(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		e.person("chen.jing", "13600000001", "陈静, \"静\"", identity.RoleService, e.sc, false, start.Add(time.Hour))
		n := listing.ExportBatch*2 + 37
		e.bulkOwners(n, 13900000000)

		var buf bytes.Buffer
		rows, err := e.svc.ExportUsers(ctx, admin, account.UserFilter{Limit: 3, Cursor: "ignored"}, listing.NewCSVWriter(&buf))
		if err != nil || rows != n+2 {
			t.Fatalf("ExportUsers = %d, %v; want %d rows", rows, err, n+2)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff编号,用户名,姓名,手机号")) {
			t.Fatalf("export starts %q", buf.String()[:30])
		}
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil || len(records) != n+3 {
			t.Fatalf("%d records, %v", len(records), err)
		}
		seen := map[string]bool{}
		for _, r := range records[1:] {
			if seen[r[0]] {
				t.Fatalf("id %s twice", r[0])
			}
			seen[r[0]] = true
		}
		var chen []string
		for _, r := range records {
			if r[1] == "chen.jing" {
				chen = r
			}
		}
		want := []string{"", "chen.jing", "陈静, \"静\"", "136****0001", "服务顾问", "服务中心", "停用", "2026-11-20 10:00", ""}
		if chen == nil || !slices.Equal(chen[1:], want[1:]) {
			t.Errorf("row = %q, want %q", chen, want)
		}
		// The filtered set, in its sort, as XLSX.
		buf.Reset()
		w, err := xlsx.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err = e.svc.ExportUsers(ctx, admin, account.UserFilter{Query: "1390000000", Sort: "created_asc"}, w)
		if err != nil || rows != 9 {
			t.Fatalf("filtered export = %d, %v", rows, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, err := f.GetRows(xlsx.Sheet)
		if err != nil || len(got) != 10 || got[1][3] != "139****0001" || got[9][3] != "139****0009" {
			t.Fatalf("xlsx rows = %q, %v", got, err)
		}
		if c := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'export_users' AND user_id = $1`, admin.ID); c != 2 {
			t.Errorf("export_users audit rows = %d", c)
		}
		var detail string
		if err := d.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'export_users' ORDER BY id DESC LIMIT 1`).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, `"rows":9`) || !strings.Contains(detail, `"q":"1390000000"`) {
			t.Errorf("audit detail = %s", detail)
		}
		_, err = e.svc.ExportUsers(ctx, admin, account.UserFilter{Role: "root"}, listing.NewCSVWriter(&buf))
		apperrtest.WantField(t, err, "role")
	})
}

// With more than listing.CountCap matches the count says "10,000+" and the
// pages (read along the sort's index instead of the search index) are the
// same as an ORDER BY over all matches gives.
func TestListUsersManyMatches(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		e.bulkOwners(listing.CountCap+30, 13900000000)
		for _, f := range []account.UserFilter{{Query: "139"}, {Query: "王", Sort: "name_desc"}, {Query: "Lu", Sort: "created_asc"}} {
			q, args := account.UserListQuery(f, true)
			q = strings.Replace(q, "SELECT u.id,", "SELECT u.id FROM (SELECT u.id,", 1)
			q = strings.Replace(q, "LIMIT $", "LIMIT 99 + $", 1) + ") u"
			var want []int64
			rows, err := d.QueryContext(e.ctx, q, args...)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				want = append(want, id)
			}
			rows.Close()
			var got []int64
			f.Limit = 50
			for range 3 {
				p, total, err := e.svc.ListUsers(e.ctx, admin, f)
				if err != nil {
					t.Fatal(err)
				}
				if f.Query == "139" && (!total.Capped || total.Label() != "10,000+ 条") {
					t.Errorf("total = %+v", total)
				}
				got = append(got, ids(p.Items)...)
				f.Cursor = p.NextCursor
			}
			if len(want) != 150 {
				t.Fatalf("want %d ids", len(want))
			}
			if !slices.Equal(got, want[:len(got)]) || len(got) != 150 {
				t.Errorf("%+v: got %d ids, not the ORDER BY order", f, len(got))
			}
		}
	})
}

// refusal is the code an account-management call by actor must fail with:
// Unauthenticated without an actor, Forbidden for anyone but an admin.
func refusal(actor *identity.User) apperr.Code {
	if actor == nil {
		return apperr.Unauthenticated
	}
	return apperr.Forbidden
}

func TestSetPermissions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		admin := e.staff("root.admin", identity.RoleAdmin, 0)
		sales := e.staff("sales.one", identity.RoleSales, e.store)
		svc := e.staff("svc.one", identity.RoleService, e.sc)
		owner := e.owner("13700000004")
		manager := []identity.Perm{identity.PermStoreManager}

		for _, actor := range []*identity.User{sales, svc, owner, nil} {
			_, err := e.svc.SetPermissions(ctx, actor, sales.ID, manager)
			apperrtest.WantCode(t, err, refusal(actor))
		}
		_, err := e.svc.SetPermissions(ctx, admin, 999999, manager)
		apperrtest.WantCode(t, err, apperr.NotFound)

		audits := e.count(`SELECT COUNT(*) FROM audit_log`)
		for _, tc := range []struct {
			id    int64
			perms []identity.Perm
		}{
			{svc.ID, manager}, // store manager is for sales only
			{owner.ID, []identity.Perm{identity.PermModerator}}, // owners get none
			{admin.ID, manager},                 // admins hold every permission already
			{sales.ID, []identity.Perm{"root"}}, // unknown
		} {
			_, err := e.svc.SetPermissions(ctx, admin, tc.id, tc.perms)
			apperrtest.WantField(t, err, "permissions")
		}
		if e.count(`SELECT COUNT(*) FROM audit_log`) != audits {
			t.Error("refused grant wrote an audit entry")
		}

		u, err := e.svc.SetPermissions(ctx, admin, sales.ID, []identity.Perm{identity.PermModerator, identity.PermStoreManager})
		if err != nil {
			t.Fatal(err)
		}
		if !u.Can(identity.PermStoreManager) || !u.Can(identity.PermModerator) {
			t.Errorf("granted perms = %v", u.Perms)
		}
		if got := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'set_permissions'`); got != 1 {
			t.Errorf("set_permissions audit entries = %d, want 1", got)
		}
		// A session reads the grant.
		sess, err := e.svc.StartSession(ctx, sales.ID, "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		su, _, err := e.svc.SessionUser(ctx, sess.Token)
		if err != nil || !su.Can(identity.PermStoreManager) {
			t.Fatalf("session user perms = %v, %v", su, err)
		}
		// Becoming service staff drops what service staff cannot hold.
		u, err = e.svc.UpdateUser(ctx, admin, sales.ID, account.UserUpdate{DisplayName: u.DisplayName, Role: identity.RoleService, SiteID: e.sc})
		if err != nil {
			t.Fatal(err)
		}
		if u.Can(identity.PermStoreManager) || !u.Can(identity.PermModerator) {
			t.Errorf("after role change perms = %v, want moderator only", u.Perms)
		}
		// Revoking all.
		if u, err = e.svc.SetPermissions(ctx, admin, sales.ID, nil); err != nil || len(u.Perms) != 0 {
			t.Errorf("revoke: %v, %v", u.Perms, err)
		}
		if !admin.Can(identity.PermModerator) || owner.Can(identity.PermModerator) || !identity.System().Can(identity.PermStoreManager) {
			t.Error("admin and system must hold every permission, an owner none")
		}
	})
}
