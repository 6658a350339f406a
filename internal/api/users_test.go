package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type accountJSON struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Mobile      string     `json:"mobile"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	SiteID      int64      `json:"site_id"`
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

type accountPage struct {
	Items       []accountJSON `json:"items"`
	NextCursor  *string       `json:"next_cursor"`
	Total       int           `json:"total"`
	TotalCapped bool          `json:"total_capped"`
}

// testUsers covers the admin's account API: the list's shape and keyset
// walk, masked mobiles, filters, edits, disabling with a reason and the
// password reset.
func (e *env) testUsers(t *testing.T) {
	adm := e.s.Login(t, "admin")
	owners := e.count(t, `SELECT COUNT(*) FROM users WHERE role = 'owner'`)

	t.Run("list walks every match once", func(t *testing.T) {
		seen := map[int64]bool{}
		path := "/api/v1/users?role=owner&limit=7"
		for path != "" {
			var p accountPage
			e.ok(t, adm, 200, "GET", path, nil, &p)
			if p.NextCursor == nil || p.Items == nil {
				t.Fatalf("page lacks items or next_cursor: %+v", p)
			}
			if p.Total != owners || p.TotalCapped {
				t.Fatalf("total %d (capped %v), want %d", p.Total, p.TotalCapped, owners)
			}
			for _, u := range p.Items {
				if seen[u.ID] || u.Role != "owner" {
					t.Fatalf("account %d repeated or of role %s", u.ID, u.Role)
				}
				if len(u.Mobile) == 11 && !strings.Contains(u.Mobile, "****") {
					t.Fatalf("mobile %s not masked", u.Mobile)
				}
				seen[u.ID] = true
			}
			path = ""
			if *p.NextCursor != "" {
				path = "/api/v1/users?role=owner&limit=7&cursor=" + *p.NextCursor
			}
		}
		if len(seen) != owners {
			t.Errorf("walked %d owners, want %d", len(seen), owners)
		}
		e.do(t, adm, "GET", "/api/v1/users?limit=500", nil).wantError(t, 422, "invalid", "limit")
		e.do(t, adm, "GET", "/api/v1/users?cursor=bogus", nil).wantError(t, 422, "invalid", "cursor")
		var first accountPage
		e.ok(t, adm, 200, "GET", "/api/v1/users?limit=2", nil, &first)
		e.do(t, adm, "GET", "/api/v1/users?sort=name_asc&cursor="+*first.NextCursor, nil).wantError(t, 422, "invalid", "cursor")
		e.do(t, adm, "GET", "/api/v1/users?role=king", nil).wantError(t, 422, "invalid", "role")
	})

	var id int64
	if err := e.s.App.DB.QueryRow(`SELECT id FROM users WHERE username = 'sales'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/users/%d", id)

	t.Run("edit, disable, enable, reset", func(t *testing.T) {
		var u accountJSON
		e.ok(t, adm, 200, "PATCH", path, map[string]any{"display_name": "林晓（销售）"}, &u)
		if u.DisplayName != "林晓（销售）" || u.Role != "sales" || u.SiteID == 0 {
			t.Fatalf("patched: %+v", u)
		}
		e.do(t, adm, "PATCH", path, map[string]any{"role": "owner"}).wantError(t, 422, "invalid", "role")
		e.do(t, adm, "PATCH", path, map[string]any{"nickname": "x"}).wantError(t, 422, "invalid", "nickname")
		e.do(t, adm, "POST", path+"/disable", map[string]any{"reason": ""}).wantError(t, 422, "invalid", "reason")
		sales := e.s.Login(t, "sales")
		e.ok(t, adm, 200, "POST", path+"/disable", map[string]any{"reason": "调岗"}, &u)
		if u.Active {
			t.Fatal("still active after disable")
		}
		e.do(t, sales, "GET", "/api/v1/me", nil).wantError(t, 401, "unauthenticated", "")
		e.ok(t, adm, 200, "POST", path+"/enable", nil, &u)
		if !u.Active {
			t.Fatal("not active after enable")
		}
		e.do(t, adm, "POST", path+"/password", map[string]any{"password": "short"}).wantError(t, 422, "invalid", "password")
		e.ok(t, adm, 204, "POST", path+"/password", map[string]any{"password": "a-new-secret-9"}, nil)
		var detail struct {
			User    accountJSON `json:"user"`
			History []struct {
				Action string `json:"action"`
				Label  string `json:"label"`
			} `json:"history"`
		}
		e.ok(t, adm, 200, "GET", path, nil, &detail)
		var actions []string
		for _, h := range detail.History {
			actions = append(actions, h.Action)
		}
		if got := strings.Join(actions, ","); !strings.HasPrefix(got, "reset_password,enable_user,disable_user,update_user") {
			t.Errorf("history = %s", got)
		}
		e.do(t, adm, "GET", "/api/v1/users/999999999", nil).wantError(t, 404, "not_found", "")
	})
}
