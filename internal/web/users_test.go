package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestAdminUsers walks the account management as an admin would: filter the
// list, page through it, export exactly the filtered set, open an account,
// edit it (a bad value comes back beside its field), disable it with a
// reason (its sessions end), enable it and reset its password.
func TestAdminUsers(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) { testAdminUsers(t, dialect) })
	}
}

func testAdminUsers(t *testing.T, dialect db.Dialect) {
	s := apptest.Start(t, dialect)
	adm := s.Login(t, "admin")
	services := count(t, s, `SELECT COUNT(*) FROM users WHERE role = 'service'`)

	t.Run("filter, count and keyset pages", func(t *testing.T) {
		seen := map[string]bool{}
		next := s.URL + "/admin/users?role=service&limit=5"
		pages := 0
		for next != "" {
			res, b := get(t, adm, next)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", next, res.StatusCode)
			}
			if !strings.Contains(b, fmt.Sprintf("共 %d 条", services)) {
				t.Fatalf("page does not say 共 %d 条", services)
			}
			for _, part := range strings.Split(b, `<a href="/admin/users/`)[1:] {
				id := part[:strings.IndexByte(part, '"')]
				if seen[id] {
					t.Fatalf("account %s shown twice", id)
				}
				seen[id] = true
			}
			next = ""
			if i := strings.Index(b, `rel="next"`); i >= 0 {
				href := b[strings.LastIndex(b[:i], `href="`)+6:]
				next = s.URL + strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
			}
			pages++
		}
		if len(seen) != services || pages != (services+4)/5 {
			t.Errorf("walked %d accounts in %d pages, want %d in %d", len(seen), pages, services, (services+4)/5)
		}
		res, b := get(t, adm, s.URL+"/admin/users?limit=abc")
		if res.StatusCode != 422 || !strings.Contains(b, "has-error") && !strings.Contains(b, "alert-error") {
			t.Errorf("bad limit: %d", res.StatusCode)
		}
		_, b = get(t, adm, s.URL+"/admin/users?q=zzzz-nobody")
		if !strings.Contains(b, "没有符合条件的账号") {
			t.Error("an empty result shows no empty state")
		}
	})

	t.Run("export is exactly the filtered set", func(t *testing.T) {
		export := func(query, format string) (*http.Response, string) {
			t.Helper()
			res, err := s.PostForm(adm, "/admin/users/export?"+query, url.Values{"format": {format}})
			if err != nil {
				t.Fatal(err)
			}
			return res, body(t, res)
		}
		res, b := export("role=service", "csv")
		if res.StatusCode != 200 || !strings.HasPrefix(b, "\ufeff") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv export: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != services+1 {
			t.Errorf("csv has %d rows, want header + %d", len(rows), services)
		}
		res, b = export("role=service", "xlsx")
		if res.StatusCode != 200 {
			t.Fatalf("xlsx export: %d", res.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(b)))
		if err != nil {
			t.Fatal(err)
		}
		x, err := f.GetRows(f.GetSheetName(0))
		if err != nil || len(x) != services+1 {
			t.Errorf("xlsx has %d rows (%v), want %d", len(x), err, services+1)
		}
		// The list's own export form carries its filter.
		_, page := get(t, adm, s.URL+"/admin/users?role=service&active=1")
		i := strings.Index(page, `id="export-form"`)
		j := strings.LastIndex(page[:i], `action="`)
		action := strings.ReplaceAll(page[j+len(`action="`):strings.Index(page[j+len(`action="`):], `"`)+j+len(`action="`)], "&amp;", "&")
		if action != "/admin/users/export?active=1&role=service" {
			t.Errorf("export form action = %q", action)
		}
		res, b = export(strings.TrimPrefix(action, "/admin/users/export?"), "csv")
		if rows, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(b, "\ufeff"))).ReadAll(); res.StatusCode != 200 || len(rows) != services+1 {
			t.Errorf("export through the form: %d, %d rows, want %d", res.StatusCode, len(rows), services+1)
		}
		if res, _ := export("", "pdf"); res.StatusCode != 422 {
			t.Errorf("unknown format: %d", res.StatusCode)
		}
	})

	var id int64
	if err := s.App.DB.QueryRow(`SELECT id FROM users WHERE username = 'service'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/admin/users/%d", id)
	svc := s.Login(t, "service")

	t.Run("edit in place", func(t *testing.T) {
		res, b := get(t, adm, s.URL+path)
		if res.StatusCode != 200 || !strings.Contains(b, "周航") || !strings.Contains(b, "变更记录") {
			t.Fatalf("detail: %d", res.StatusCode)
		}
		res, err := s.PostForm(adm, path, url.Values{"display_name": {"周"}, "role": {"service"}, "site_id": {fmt.Sprint(siteOf(t, s, id))}})
		if err != nil {
			t.Fatal(err)
		}
		b = body(t, res)
		if res.StatusCode != 422 || !strings.Contains(b, "姓名须为") || !strings.Contains(b, `value="周"`) {
			t.Errorf("bad name: %d", res.StatusCode)
		}
		res, err = s.PostForm(adm, path, url.Values{"display_name": {"周航（改）"}, "role": {"service"}, "site_id": {fmt.Sprint(siteOf(t, s, id))}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != path+"?ok=saved" {
			t.Fatalf("save: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		_, b = get(t, adm, s.URL+path+"?ok=saved")
		if !strings.Contains(b, "修改已保存") || !strings.Contains(b, "修改账号资料") {
			t.Error("saved change shows no message or no history entry")
		}
	})

	t.Run("disable needs a reason and ends the sessions", func(t *testing.T) {
		res, err := s.PostForm(adm, path+"/disable", url.Values{"reason": {""}})
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != 422 || !strings.Contains(b, `id="disable-dialog" class="dialog" data-open`) || !strings.Contains(b, `value="周航（改）"`) {
			t.Errorf("empty reason: %d, dialog not reopened", res.StatusCode)
		}
		if res, _ := get(t, svc, s.URL+"/service/"); res.StatusCode != 200 {
			t.Fatalf("service before disable: %d", res.StatusCode)
		}
		res, err = s.PostForm(adm, path+"/disable", url.Values{"reason": {"离职"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		if res, _ := get(t, svc, s.URL+"/service/"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("disabled account's session still works: %d", res.StatusCode)
		}
		_, b = get(t, adm, s.URL+path)
		if !strings.Contains(b, "已停用") || !strings.Contains(b, "原因：离职") {
			t.Error("detail shows neither the state nor the reason")
		}
		res, err = s.PostForm(adm, path+"/enable", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 {
			t.Fatalf("enable: %d", res.StatusCode)
		}
	})

	t.Run("password reset", func(t *testing.T) {
		res, err := s.PostForm(adm, path+"/password", url.Values{"password": {"new-pass-1"}, "password2": {"new-pass-2"}})
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != 422 || !strings.Contains(b, "两次输入的密码不一致") || strings.Contains(b, "new-pass-") {
			t.Errorf("mismatch: %d (passwords must not come back)", res.StatusCode)
		}
		res, err = s.PostForm(adm, path+"/password", url.Values{"password": {"new-pass-1"}, "password2": {"new-pass-1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		c := s.Client()
		res, err = s.PostForm(c, "/login", url.Values{"username": {"service"}, "password": {"new-pass-1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != "/service/" {
			t.Errorf("login with the new password: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})

	t.Run("permissions", func(t *testing.T) {
		var salesID int64
		if err := s.App.DB.QueryRow(`SELECT id FROM users WHERE username = 'sales'`).Scan(&salesID); err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("/admin/users/%d", salesID)
		_, b := get(t, adm, s.URL+p)
		if !strings.Contains(b, `name="perm" value="store_manager"`) || strings.Contains(b, `value="store_manager" checked`) {
			t.Fatal("the sales account's page offers no unchecked store-manager box")
		}
		res, err := s.PostForm(adm, p+"/permissions", url.Values{"perm": {"store_manager", "root"}})
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, res); res.StatusCode != 422 || !strings.Contains(b, "未知的权限") {
			t.Errorf("unknown permission: %d", res.StatusCode)
		}
		res, err = s.PostForm(adm, p+"/permissions", url.Values{"perm": {"store_manager"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 {
			t.Fatalf("grant: %d", res.StatusCode)
		}
		_, b = get(t, adm, s.URL+p)
		if !strings.Contains(b, `value="store_manager" checked`) || !strings.Contains(b, "修改权限") {
			t.Error("the grant is not shown checked and in the history")
		}
	})

	t.Run("an owner's page never holds their full mobile", func(t *testing.T) {
		var owner int64
		var mobile string
		if err := s.App.DB.QueryRow(`SELECT id, mobile FROM users WHERE role = 'owner' ORDER BY id LIMIT 1`).Scan(&owner, &mobile); err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("/admin/users/%d", owner)
		_, b := get(t, adm, s.URL+p)
		if strings.Contains(b, mobile) {
			t.Error("the owner's full mobile is in the page")
		}
		res, err := s.PostForm(adm, p, url.Values{"display_name": {"车主改名"}, "role": {"owner"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var got string
		if err := s.App.DB.QueryRow(`SELECT mobile FROM users WHERE id = $1`, owner).Scan(&got); err != nil || res.StatusCode != 303 || got != mobile {
			t.Errorf("owner rename: %d, mobile %q (was %q)", res.StatusCode, got, mobile)
		}
	})

	t.Run("an admin cannot disable themselves", func(t *testing.T) {
		var me int64
		if err := s.App.DB.QueryRow(`SELECT id FROM users WHERE username = 'admin'`).Scan(&me); err != nil {
			t.Fatal(err)
		}
		_, b := get(t, adm, fmt.Sprintf("%s/admin/users/%d", s.URL, me))
		if !strings.Contains(b, `disabled title="不能停用自己的账号"`) {
			t.Error("own account's disable button is not shown disabled with the reason")
		}
		res, err := s.PostForm(adm, fmt.Sprintf("/admin/users/%d/disable", me), url.Values{"reason": {"测试自己"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 422 {
			t.Errorf("self-disable: %d", res.StatusCode)
		}
	})
}

func siteOf(t *testing.T, s *apptest.Server, userID int64) int64 {
	t.Helper()
	var site int64
	if err := s.App.DB.QueryRow(`SELECT site_id FROM users WHERE id = $1`, userID).Scan(&site); err != nil {
		t.Fatal(err)
	}
	return site
}
