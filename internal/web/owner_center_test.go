package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestOwnerProfile covers the profile page: edit with field errors that keep
// the typed values, marketing consent with its date, and the password
// change that signs out the other sessions.
func TestOwnerProfile(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			testOwnerProfile(t, dialect)
		})
	}
}

func testOwnerProfile(t *testing.T, dialect db.Dialect) {
	// A server of its own: the password of the demo owner changes.
	s := apptest.Start(t, dialect)
	me := s.Login(t, "owner")
	other := s.Login(t, "owner") // another device

	res, b := get(t, me, s.URL+"/owner/profile")
	if res.StatusCode != 200 || !strings.Contains(b, "个人资料") || !strings.Contains(b, `action="/owner/profile/password"`) ||
		!strings.Contains(b, `href="/owner/profile" class="active"`) {
		t.Fatalf("profile page: %d", res.StatusCode)
	}

	res, b = post(t, s, me, "/owner/profile", url.Values{"name": {"王"}, "nickname": {"小王同学"}, "city": {"杭州"}, "preferred_contact": {"fax"}})
	if res.StatusCode != 422 || !strings.Contains(b, "姓名须为 2 到 20 个字") || !strings.Contains(b, "请选择联系偏好") ||
		!strings.Contains(b, `value="小王同学"`) || replaceURL(b) != "/owner/profile" {
		t.Fatalf("bad profile: %d replace %q", res.StatusCode, replaceURL(b))
	}
	res, _ = post(t, s, me, "/owner/profile", url.Values{"name": {"王小明"}, "nickname": {"小王同学"}, "city": {"杭州"}, "preferred_contact": {"wechat"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/owner/profile?ok=profile_saved" {
		t.Fatalf("save profile: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, b = get(t, me, s.URL+"/owner/profile?ok=profile_saved")
	if !strings.Contains(b, "个人资料已保存") || !strings.Contains(b, `value="小王同学"`) || !strings.Contains(b, `<option value="wechat" selected>`) ||
		!strings.Contains(b, `<span class="user-name">王小明</span>`) {
		t.Fatal("saved profile not shown")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'update_profile'`); n != 1 {
		t.Errorf("update_profile audited %d times", n)
	}

	// Consent: given with a date, withdrawn with a date, audited each time.
	res, _ = post(t, s, me, "/owner/profile/consent", url.Values{"consent": {"1"}})
	if res.StatusCode != 303 {
		t.Fatalf("consent: %d", res.StatusCode)
	}
	_, b = get(t, me, s.URL+"/owner/profile")
	if !strings.Contains(b, "<strong>已同意</strong>") || !strings.Contains(b, `id="consent-at"`) {
		t.Fatal("consent not shown with its date")
	}
	post(t, s, me, "/owner/profile/consent", url.Values{"consent": {"0"}})
	_, b = get(t, me, s.URL+"/owner/profile")
	if !strings.Contains(b, "<strong>未同意</strong>") || !strings.Contains(b, "撤回时间") {
		t.Fatal("withdrawn consent not shown")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'consent'`); n < 1 {
		t.Errorf("consent audited %d times", n)
	}

	// Password: wrong current password, mismatch, then a good change.
	res, b = post(t, s, me, "/owner/profile/password", url.Values{"old_password": {"wrong-password"}, "password": {"new-pass-123"}, "password2": {"new-pass-123"}})
	if res.StatusCode != 422 || !strings.Contains(b, "当前密码不正确") || strings.Contains(b, "new-pass-123") || strings.Contains(b, "wrong-password") {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	res, b = post(t, s, me, "/owner/profile/password", url.Values{"old_password": {"nevcrm-demo"}, "password": {"new-pass-123"}, "password2": {"new-pass-124"}})
	if res.StatusCode != 422 || !strings.Contains(b, "两次输入的新密码不一致") {
		t.Fatalf("mismatch: %d", res.StatusCode)
	}
	res, _ = post(t, s, me, "/owner/profile/password", url.Values{"old_password": {"nevcrm-demo"}, "password": {"new-pass-123"}, "password2": {"new-pass-123"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/owner/profile?ok=password_changed" {
		t.Fatalf("change password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := get(t, me, s.URL+"/owner/profile"); res.StatusCode != 200 {
		t.Errorf("the session of the change was signed out: %d", res.StatusCode)
	}
	if res, _ := get(t, other, s.URL+"/owner/profile"); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/login") {
		t.Errorf("the other device is still signed in: %d", res.StatusCode)
	}
	res, _ = post(t, s, s.Client(), "/login", url.Values{"username": {"owner"}, "password": {"new-pass-123"}})
	if res.StatusCode != 303 {
		t.Errorf("login with the new password: %d", res.StatusCode)
	}

	// Staff have no profile page here.
	if res, _ := get(t, s.Session(t, "sales"), s.URL+"/owner/profile"); res.StatusCode != 403 {
		t.Errorf("sales on the owner profile: %d", res.StatusCode)
	}
}

// TestOwnerAppointmentDetail opens an appointment's detail page from the
// list and from a notification, and checks that others cannot.
func TestOwnerAppointmentDetail(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, dbtest.Dialects()[0])
	owner := s.Session(t, "owner")
	a := bookSwap(t, s)
	if _, err := s.App.DB.Exec(`UPDATE appointments SET note = $1 WHERE id = $2`, "请检查左后轮胎压", a.ID); err != nil {
		t.Fatal(err)
	}
	_, b := get(t, owner, s.URL+"/owner/appointments")
	if !strings.Contains(b, fmt.Sprintf(`href="/owner/appointments/%d"`, a.ID)) {
		t.Error("the list does not link to the detail page")
	}
	res, b := get(t, owner, fmt.Sprintf("%s/owner/appointments/%d", s.URL, a.ID))
	if res.StatusCode != 200 || !strings.Contains(b, a.Ref()) || !strings.Contains(b, "请检查左后轮胎压") || !strings.Contains(b, `id="site-hours"`) ||
		!strings.Contains(b, "已预约") || !strings.Contains(b, "网点确认") || !strings.Contains(b, "取消预约") {
		t.Fatalf("detail page: %d", res.StatusCode)
	}
	// Staff confirm: the owner's notification opens the detail page.
	service := s.Session(t, "admin")
	if res, b := post(t, s, service, fmt.Sprintf("/service/appointments/%d/confirm", a.ID), url.Values{"date": {a.Date()}}); res.StatusCode != 303 {
		t.Fatalf("confirm: %d\n%s", res.StatusCode, b)
	}
	var link string
	if err := s.App.DB.QueryRow(`SELECT link FROM notifications WHERE link = $1`, fmt.Sprintf("/owner/appointments/%d", a.ID)).Scan(&link); err != nil {
		t.Fatalf("notification link: %v", err)
	}
	_, b = get(t, owner, s.URL+link)
	if !strings.Contains(b, "网点已确认") {
		t.Error("confirmation missing from the timeline")
	}
	// Not the owner's: 404, never someone else's data; staff: 403.
	res, _ = post(t, s, s.Client(), "/register", url.Values{"mobile": {"13912345678"}, "name": {"李四"}, "password": {"pass-word-1"}, "password2": {"pass-word-1"}})
	if res.StatusCode != 303 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	stranger := s.Client()
	post(t, s, stranger, "/login", url.Values{"username": {"13912345678"}, "password": {"pass-word-1"}})
	if res, _ := get(t, stranger, fmt.Sprintf("%s/owner/appointments/%d", s.URL, a.ID)); res.StatusCode != 404 {
		t.Errorf("another owner's appointment: %d", res.StatusCode)
	}
	if res, _ := get(t, owner, s.URL+"/owner/appointments/abc"); res.StatusCode != 404 {
		t.Errorf("malformed id: %d", res.StatusCode)
	}
	if res, _ := get(t, s.Session(t, "sales"), fmt.Sprintf("%s/owner/appointments/%d", s.URL, a.ID)); res.StatusCode != 403 {
		t.Errorf("sales: %d", res.StatusCode)
	}
}
