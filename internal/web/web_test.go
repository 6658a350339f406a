package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return res, body(t, res)
}

func count(t *testing.T, s *apptest.Server, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ownerTarget returns the demo owner's swap-capable vehicle and a swap
// station of their city, and a date (tomorrow, Shanghai) to book on.
func ownerTarget(t *testing.T, s *apptest.Server) (vehicleID, siteID int64, date string) {
	t.Helper()
	err := s.App.DB.QueryRow(`SELECT v.id, st.id FROM users u JOIN customers c ON c.id = u.customer_id
		JOIN vehicles v ON v.customer_id = c.id JOIN vehicle_models m ON m.id = v.model_id
		JOIN sites st ON st.city = c.city AND st.kind = 'swap_station'
		WHERE u.username = 'owner' AND m.swap_capable = $1 ORDER BY v.id, st.id LIMIT 1`, true).Scan(&vehicleID, &siteID)
	if err != nil {
		t.Fatal(err)
	}
	date = time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
	return
}

func TestPages(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			testPages(t, dialect)
		})
	}
}

func testPages(t *testing.T, dialect db.Dialect) {
	s := apptest.Start(t, dialect)

	t.Run("public home and errors in Chinese", func(t *testing.T) {
		c := s.Client()
		res, b := get(t, c, s.URL+"/")
		if res.StatusCode != 200 || !strings.Contains(b, "公告") || !strings.Contains(b, `lang="zh-CN"`) {
			t.Fatalf("home: %d", res.StatusCode)
		}
		res, b = get(t, c, s.URL+"/no/such/page")
		if res.StatusCode != 404 || !strings.Contains(b, "页面不存在") {
			t.Fatalf("404 page: %d", res.StatusCode)
		}
		res, b = get(t, c, s.URL+"/news/abc")
		if res.StatusCode != 404 || !strings.Contains(b, "页面不存在") {
			t.Fatalf("malformed news id: %d", res.StatusCode)
		}
		res, _ = get(t, c, s.URL+"/owner/")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Fatalf("anonymous /owner/: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res, b = get(t, s.Login(t, "sales"), s.URL+"/owner/")
		if res.StatusCode != 403 || !strings.Contains(b, "无权访问") {
			t.Fatalf("sales on /owner/: %d", res.StatusCode)
		}
	})

	t.Run("static files have hashed names and long caching", func(t *testing.T) {
		_, b := get(t, s.Client(), s.URL+"/")
		i := strings.Index(b, "/static/")
		j := strings.Index(b[i:], `"`)
		res, css := get(t, s.Client(), s.URL+b[i:i+j])
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || len(css) < 1000 {
			t.Fatalf("asset %s: %d %q", b[i:i+j], res.StatusCode, res.Header.Get("Cache-Control"))
		}
		res, _ = get(t, s.Client(), s.URL+"/static/000000000000/css/app.css")
		if res.StatusCode != 404 {
			t.Fatalf("stale asset hash: %d", res.StatusCode)
		}
	})

	t.Run("login keeps the login name, never the password, and rotates the session", func(t *testing.T) {
		c := s.Client()
		res, err := s.PostForm(c, "/login", url.Values{"username": {"owner"}, "password": {"wrong-password"}})
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != 401 || !strings.Contains(b, "用户名/手机号或密码错误") || !strings.Contains(b, `value="owner"`) || strings.Contains(b, "wrong-password") {
			t.Fatalf("failed login page: %d", res.StatusCode)
		}
		res, err = s.PostForm(c, "/login", url.Values{"username": {"owner"}, "password": {"nevcrm-demo"}, "next": {"/owner/appointments"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != "/owner/appointments" {
			t.Fatalf("login redirect: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "nevcrm_session" {
				cookie = ck
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie: %+v", cookie)
		}
		// An open redirect is refused.
		res, _ = s.PostForm(s.Client(), "/login", url.Values{"username": {"owner"}, "password": {"nevcrm-demo"}, "next": {"//evil.example/x"}})
		res.Body.Close()
		if res.Header.Get("Location") != "/owner/" {
			t.Fatalf("next=//evil: redirected to %s", res.Header.Get("Location"))
		}
		// Logout ends the session on the server.
		res, _ = s.PostForm(c, "/logout", nil)
		res.Body.Close()
		res, _ = get(t, c, s.URL+"/owner/")
		if res.StatusCode != 303 {
			t.Fatalf("after logout /owner/: %d", res.StatusCode)
		}
	})

	t.Run("cross-site form posts are refused", func(t *testing.T) {
		c := s.Login(t, "owner")
		vehicleID, siteID, date := ownerTarget(t, s)
		before := count(t, s, `SELECT COUNT(*) FROM appointments`)
		req, _ := http.NewRequest("POST", s.URL+"/owner/appointments", strings.NewReader(url.Values{
			"vehicle_id": {fmt.Sprint(vehicleID)}, "site_id": {fmt.Sprint(siteID)}, "service": {"swap"}, "date": {date}, "minute": {"600"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 403 || count(t, s, `SELECT COUNT(*) FROM appointments`) != before {
			t.Fatalf("cross-site POST: %d", res.StatusCode)
		}
	})

	t.Run("booking form shows errors beside fields and writes nothing", func(t *testing.T) {
		c := s.Login(t, "owner")
		vehicleID, siteID, date := ownerTarget(t, s)
		var other int64
		if err := s.App.DB.QueryRow(`SELECT v.id FROM vehicles v JOIN users u ON u.username = 'owner' WHERE v.customer_id <> u.customer_id ORDER BY v.id LIMIT 1`).Scan(&other); err != nil {
			t.Fatal(err)
		}
		good := url.Values{"vehicle_id": {fmt.Sprint(vehicleID)}, "site_id": {fmt.Sprint(siteID)}, "service": {"swap"}, "date": {date}, "minute": {"600"}}
		with := func(k, v string) url.Values {
			u := url.Values{}
			for kk, vv := range good {
				u[kk] = vv
			}
			u.Set(k, v)
			return u
		}
		cases := []struct {
			name   string
			form   url.Values
			status int
			msg    string
		}{
			{"past date", with("date", "2020-01-01"), 422, "不能预约已经过去的日期"},
			{"malformed date", with("date", "明天"), 422, "请选择日期"},
			{"outside hours", with("minute", "30"), 422, "不在营业时间内"},
			{"malformed slot", with("minute", "ten"), 422, "请选择一个时段"},
			{"other owner's vehicle", with("vehicle_id", fmt.Sprint(other)), 422, "请选择您名下的车辆"},
			{"unknown station", with("site_id", "99999999"), 422, "网点不存在"},
			{"malformed station id", with("site_id", "1 OR 1=1"), 422, "请选择网点"},
			{"oversized note", with("note", strings.Repeat("长", 201)), 422, "备注不能超过 200 个字"},
		}
		for _, tc := range cases {
			before := count(t, s, `SELECT COUNT(*) FROM appointments`)
			res, err := s.PostForm(c, "/owner/appointments", tc.form)
			if err != nil {
				t.Fatal(err)
			}
			b := body(t, res)
			if res.StatusCode != tc.status || !strings.Contains(b, `class="field-error"`) || !strings.Contains(b, tc.msg) {
				t.Errorf("%s: status %d, message %q shown: %v", tc.name, res.StatusCode, tc.msg, strings.Contains(b, tc.msg))
			}
			if after := count(t, s, `SELECT COUNT(*) FROM appointments`); after != before {
				t.Errorf("%s: wrote %d appointments", tc.name, after-before)
			}
		}
	})

	t.Run("book, see it, output escaped, cancel", func(t *testing.T) {
		c := s.Login(t, "owner")
		vehicleID, siteID, date := ownerTarget(t, s)
		_, page := get(t, c, fmt.Sprintf("%s/owner/appointments/new?service=swap&site_id=%d&date=%s", s.URL, siteID, date))
		i := strings.Index(page, `name="minute" value="`)
		if i < 0 {
			t.Fatal("no slot on the booking page")
		}
		page = page[i+len(`name="minute" value="`):]
		// take the first enabled slot
		var slot string
		for _, part := range strings.Split(page, `name="minute" value="`) {
			v, rest, _ := strings.Cut(part, `"`)
			if !strings.HasPrefix(rest, " disabled") {
				slot = v
				break
			}
		}
		res, err := s.PostForm(c, "/owner/appointments", url.Values{"vehicle_id": {fmt.Sprint(vehicleID)}, "site_id": {fmt.Sprint(siteID)},
			"service": {"swap"}, "date": {date}, "minute": {slot}, "note": {"<script>alert(1)</script>"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/owner/appointments?ok=booked") {
			t.Fatalf("book: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		_, list := get(t, c, s.URL+"/owner/appointments?ok=booked")
		if !strings.Contains(list, "预约成功") || !strings.Contains(list, "badge-booked") {
			t.Fatal("booked appointment not listed")
		}
		var id int64
		if err := s.App.DB.QueryRow(`SELECT MAX(id) FROM appointments`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		// The service queue shows the note escaped.
		_, queue := get(t, s.Login(t, "service"), s.URL+"/service/?date="+date)
		if !strings.Contains(queue, fmt.Sprintf(`id="a%d"`, id)) || strings.Contains(queue, "<script>alert(1)") || !strings.Contains(queue, "&lt;script&gt;") {
			t.Fatal("queue does not show the appointment with its note escaped")
		}
		// A flash text cannot be injected through the URL.
		_, b := get(t, c, s.URL+"/owner/appointments?ok=%E4%BD%A0%E4%B8%AD%E5%A5%96%E4%BA%86")
		if strings.Contains(b, "你中奖了") {
			t.Fatal("arbitrary flash text rendered")
		}
		res, err = s.PostForm(c, fmt.Sprintf("/owner/appointments/%d/cancel", id), nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || count(t, s, `SELECT COUNT(*) FROM appointments WHERE id = $1 AND status = 'cancelled'`, id) != 1 {
			t.Fatalf("cancel: %d", res.StatusCode)
		}
	})

	t.Run("register an owner", func(t *testing.T) {
		c := s.Client()
		res, err := s.PostForm(c, "/register", url.Values{"mobile": {"1381234"}, "name": {"王"}, "password": {"short"}, "password2": {"other"}})
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		for _, msg := range []string{"请输入 11 位中国大陆手机号", "姓名须为 2 到 20 个字", "密码长度须为 8 到 72 个字符", "两次输入的密码不一致"} {
			if !strings.Contains(b, msg) {
				t.Errorf("register form lacks %q", msg)
			}
		}
		if res.StatusCode != 422 || strings.Contains(b, `value="short"`) || !strings.Contains(b, `value="1381234"`) {
			t.Errorf("register: status %d; values kept / password dropped wrong", res.StatusCode)
		}
		res, err = s.PostForm(c, "/register", url.Values{"mobile": {"19912345678"}, "name": {"王小明"}, "password": {"secret-pass-1"}, "password2": {"secret-pass-1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != "/owner/?ok=registered" {
			t.Fatalf("register: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res, b = get(t, c, s.URL+"/owner/")
		if res.StatusCode != 200 || !strings.Contains(b, "王小明") {
			t.Fatalf("new owner's dashboard: %d", res.StatusCode)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM customers c JOIN users u ON u.customer_id = c.id
			WHERE u.mobile = '19912345678' AND c.kind = 'prospect' AND c.stage = 'lead' AND c.source = 'app'`); n != 1 {
			t.Error("registration did not create a new prospect customer")
		}
		// The form asks for no VIN; the mobile of an existing customer (a car
		// bought in a store) and of an existing account get one answer that
		// does not say which, and no account is linked.
		_, form := get(t, s.Client(), s.URL+"/register")
		if strings.Contains(form, "vin_suffix") || !strings.Contains(form, "400-820-0000") {
			t.Error("register form still asks for a VIN suffix or lacks the hotline")
		}
		var cid int64
		var storeMobile string
		if err := s.App.DB.QueryRow(`SELECT c.id, c.mobile FROM customers c WHERE EXISTS (SELECT 1 FROM vehicles v WHERE v.customer_id = c.id)
			AND NOT EXISTS (SELECT 1 FROM users u WHERE u.customer_id = c.id OR u.mobile = c.mobile) ORDER BY c.id LIMIT 1`).Scan(&cid, &storeMobile); err != nil {
			t.Fatal(err)
		}
		var answers []string
		for _, mobile := range []string{storeMobile, "19912345678"} {
			res, err := s.PostForm(s.Client(), "/register", url.Values{"mobile": {mobile}, "name": {"冒名者"}, "password": {"secret-pass-2"}, "password2": {"secret-pass-2"}})
			if err != nil {
				t.Fatal(err)
			}
			b := body(t, res)
			if res.StatusCode != 422 || !strings.Contains(b, "该手机号无法自助注册") {
				t.Fatalf("register with taken mobile %s: %d", mobile, res.StatusCode)
			}
			i := strings.Index(b, "该手机号无法自助注册")
			answers = append(answers, b[i:i+200])
		}
		if answers[0] != answers[1] {
			t.Errorf("answers differ: %q", answers)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM users WHERE customer_id = $1`, cid); n != 0 {
			t.Error("registration linked an account to a store customer")
		}
	})

	t.Run("admin creates a staff account", func(t *testing.T) {
		c := s.Login(t, "admin")
		res, err := s.PostForm(c, "/admin/users/new", url.Values{"username": {"X"}, "display_name": {"李"}, "role": {"sales"}, "password": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != 422 || !strings.Contains(b, "用户名须为") || !strings.Contains(b, "须归属一个门店") {
			t.Fatalf("bad staff form: %d", res.StatusCode)
		}
		var store int64
		if err := s.App.DB.QueryRow(`SELECT MIN(id) FROM sites WHERE kind = 'store'`).Scan(&store); err != nil {
			t.Fatal(err)
		}
		res, err = s.PostForm(c, "/admin/users/new", url.Values{"username": {"li.gong"}, "display_name": {"李工"}, "role": {"sales"},
			"site_id": {fmt.Sprint(store)}, "password": {"initial-pass-1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 303 || count(t, s, `SELECT COUNT(*) FROM users WHERE username = 'li.gong' AND role = 'sales'`) != 1 {
			t.Fatalf("create staff: %d", res.StatusCode)
		}
		_, b = get(t, c, s.URL+"/admin/users")
		if !strings.Contains(b, "li.gong") {
			t.Fatal("new account not listed")
		}
	})

	t.Run("dashboards render", func(t *testing.T) {
		for role, path := range map[string]string{"owner": "/owner/", "sales": "/sales/", "service": "/service/", "admin": "/admin/"} {
			res, b := get(t, s.Login(t, role), s.URL+path)
			if res.StatusCode != 200 || !strings.Contains(b, "退出") {
				t.Errorf("%s dashboard: %d", role, res.StatusCode)
			}
		}
		vehicleID, _, _ := ownerTarget(t, s)
		res, b := get(t, s.Login(t, "owner"), fmt.Sprintf("%s/owner/vehicles/%d", s.URL, vehicleID))
		if res.StatusCode != 200 || !strings.Contains(b, "电池健康度") || !strings.Contains(b, "充电记录") || !strings.Contains(b, `id="battery-health"`) {
			t.Errorf("vehicle page: %d", res.StatusCode)
		}
		var newsID int64
		if err := s.App.DB.QueryRow(`SELECT MAX(id) FROM news WHERE status = 'published'`).Scan(&newsID); err != nil {
			t.Fatal(err)
		}
		res, b = get(t, s.Client(), fmt.Sprintf("%s/news/%d", s.URL, newsID))
		if res.StatusCode != 200 || !strings.Contains(b, "返回首页") {
			t.Errorf("news page: %d", res.StatusCode)
		}
		res, b = get(t, s.Login(t, "service"), s.URL+"/service/?date=not-a-date")
		if res.StatusCode != 200 || !strings.Contains(b, "请选择有效的日期") {
			t.Errorf("queue with bad date: %d", res.StatusCode)
		}
	})
	uxChecks(t, s)

	t.Run("notifications", func(t *testing.T) { testNotifications(t, s) })
}
