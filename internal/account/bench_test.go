package account_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// userListCases are the account list requests measured and plan-checked.
func userListCases(e *env) []struct {
	name string
	f    account.UserFilter
} {
	no := false
	return []struct {
		name string
		f    account.UserFilter
	}{
		{"newest", account.UserFilter{}},
		{"by name", account.UserFilter{Sort: "name_asc"}},
		{"owners by name", account.UserFilter{Role: identity.RoleOwner, Sort: "name_desc"}},
		{"admins", account.UserFilter{Role: identity.RoleAdmin}},
		{"admins by name", account.UserFilter{Role: identity.RoleAdmin, Sort: "name_asc"}},
		{"site", account.UserFilter{SiteID: e.store}},
		{"disabled", account.UserFilter{Active: &no}},
		{"mobile prefix", account.UserFilter{Query: "1390012"}},
		{"name prefix", account.UserFilter{Query: "李娜"}},
		{"username prefix", account.UserFilter{Query: "staff1"}},
	}
}

// BenchmarkListUsers measures one page (and its count) of the account list
// on SQLite with NEVCRM_BENCH_USERS owners (default 200,000; the size of a
// large deployment is 1,000,000), plus 300 staff:
//
//	NEVCRM_BENCH_USERS=1000000 go test -run '^$' -bench ListUsers -benchtime 50x ./internal/account/
func BenchmarkListUsers(b *testing.B) {
	n := 200000
	if s := os.Getenv("NEVCRM_BENCH_USERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	e := benchEnv(b, n)
	admin, err := e.svc.User(e.ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range userListCases(e) {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := e.svc.ListUsers(e.ctx, admin, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchEnv is an SQLite account database with an admin (id 1), n owners
// (every hundredth disabled) and 300 sales staff (every tenth disabled).
func benchEnv(b *testing.B, n int) *env {
	return benchEnvT(b, n)
}

// benchEnvT is benchEnv for a test or a benchmark (env.t is set for a test
// only; nothing here calls it).
func benchEnvT(b testing.TB, n int) *env {
	d := dbtest.Open(b, db.SQLite)
	e := &env{ctx: context.Background(), db: d}
	if t, ok := b.(*testing.T); ok {
		e.t = t
	}
	e.svc = account.NewService(d, nil)
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	_, err := d.Exec(`INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
		VALUES ('root.admin', '管理员', 'admin', '!', TRUE, $1, $1)`, start)
	must(err)
	must(d.QueryRow(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('ST-1', 'store', '直营店', '上海', '上海', $1) RETURNING id`, start).Scan(&e.store))
	e.bulkOwnersB(b, n)
	for i := range 300 {
		_, err := d.Exec(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at)
			VALUES ($1, $2, 'sales', '!', $3, $4, $5, $5)`, fmt.Sprintf("staff%03d", i), "员工"+strconv.Itoa(i%50), e.store, i%10 != 0, start)
		must(err)
	}
	return e
}

// The account list's queries use the indexes of migration 00004 on SQLite
// (whose planner has no statistics to go by): no full scan, no sort of the
// whole table. The search terms seek their prefix index when few accounts
// match, and are walked along the sort's index when many do.
func TestUserListPlans(t *testing.T) {
	e := benchEnvT(t, 2000)
	want := map[string]string{
		"newest":          "SCAN u USING INDEX users_created",
		"by name":         "SCAN u USING INDEX users_name",
		"owners by name":  "SEARCH u USING INDEX users_role_name (role=?)",
		"admins":          "SEARCH u USING INDEX users_role_created (role=?)",
		"admins by name":  "SEARCH u USING INDEX users_role_name (role=?)",
		"site":            "SEARCH u USING INDEX users_site_role (site_id=?)",
		"disabled":        "SCAN u USING INDEX users_inactive",
		"mobile prefix":   "SEARCH u USING INDEX sqlite_autoindex_users_2 (mobile>? AND mobile<?)",
		"name prefix":     "SEARCH u USING INDEX users_name_prefix (display_name>? AND display_name<?)",
		"username prefix": "SEARCH u USING INDEX users_username_prefix (username>? AND username<?)",
	}
	plan := func(f account.UserFilter, seek bool) string {
		q, args := account.UserListQuery(f, seek)
		r, err := e.db.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var steps []string
		for r.Next() {
			var id, parent, notused int
			var detail string
			if err := r.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, detail)
		}
		return strings.Join(steps, "; ")
	}
	for _, c := range userListCases(e) {
		p := plan(c.f, true)
		if !strings.Contains(p, want[c.name]) || strings.Contains(p, "SCAN u;") || strings.HasSuffix(p, "SCAN u") {
			t.Errorf("%s: plan %q, want %q", c.name, p, want[c.name])
		}
		if c.f.Query == "" && c.f.SiteID == 0 && strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s: plan %q sorts", c.name, p)
		}
		if c.f.Query != "" {
			if p := plan(c.f, false); !strings.Contains(p, "SCAN u USING INDEX users_created") || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("%s without seeking: plan %q, want a walk along users_created", c.name, p)
			}
		}
	}
}
