package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestOwnerPrivacy covers the privacy center: the download (page and API),
// a deletion request, and an admin erasing it from the queue; an erased
// owner can no longer log in.
func TestOwnerPrivacy(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, dbtest.Dialects()[0])
	res, _ := post(t, s, s.Client(), "/register", url.Values{"mobile": {"13912345671"}, "name": {"钱七"}, "password": {"pass-word-1"}, "password2": {"pass-word-1"}})
	if res.StatusCode != 303 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	me := s.Client()
	post(t, s, me, "/login", url.Values{"username": {"13912345671"}, "password": {"pass-word-1"}})

	res, b := get(t, me, s.URL+"/owner/privacy")
	if res.StatusCode != 200 || !strings.Contains(b, "我们保存了哪些个人信息") || !strings.Contains(b, `href="/owner/privacy/export"`) || !strings.Contains(b, "15 天内") {
		t.Fatalf("privacy page: %d", res.StatusCode)
	}
	for _, path := range []string{"/owner/privacy/export", "/api/v1/me/export"} {
		res, b = get(t, me, s.URL+path)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" || !strings.Contains(res.Header.Get("Content-Disposition"), "nevcrm-my-data-") {
			t.Fatalf("%s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(b)), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range zr.File {
			if f.Name == "data.json" {
				rc, _ := f.Open()
				var buf bytes.Buffer
				buf.ReadFrom(rc)
				rc.Close()
				found = strings.Contains(buf.String(), `"name": "钱七"`) && strings.Contains(buf.String(), "13912345671")
			}
		}
		if !found {
			t.Errorf("%s: data.json without the owner's data", path)
		}
	}
	if res, _ := get(t, s.Session(t, "sales"), s.URL+"/api/v1/me/export"); res.StatusCode != 403 {
		t.Errorf("sales export: %d", res.StatusCode)
	}

	res, _ = post(t, s, me, "/owner/privacy/erase", url.Values{"reason": {"不再需要"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/owner/privacy?ok=erase_requested" {
		t.Fatalf("request: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, b = get(t, me, s.URL+"/owner/privacy")
	if !strings.Contains(b, `id="erase-pending"`) || !strings.Contains(b, `id="erase-withdraw"`) {
		t.Fatal("pending request not shown")
	}
	res, b = post(t, s, me, "/owner/privacy/erase", nil)
	if res.StatusCode != 409 || !strings.Contains(b, "正在处理") {
		t.Errorf("second request: %d", res.StatusCode)
	}
	var id int64
	if err := s.App.DB.QueryRow(`SELECT r.id FROM privacy_requests r JOIN customers c ON c.id = r.customer_id WHERE c.mobile = '13912345671' AND r.status = 'pending'`).Scan(&id); err != nil {
		t.Fatal(err)
	}

	admin := s.Session(t, "admin")
	res, b = get(t, admin, s.URL+"/admin/privacy")
	if res.StatusCode != 200 || !strings.Contains(b, fmt.Sprintf(`id="r%d"`, id)) || !strings.Contains(b, "139****5671") || strings.Contains(b, "13912345671") {
		t.Fatalf("admin queue: %d", res.StatusCode)
	}
	if res, _ := get(t, s.Session(t, "service"), s.URL+"/admin/privacy"); res.StatusCode != 403 {
		t.Errorf("service on the queue: %d", res.StatusCode)
	}
	res, b = post(t, s, admin, fmt.Sprintf("/admin/privacy/%d/reject", id), nil)
	if res.StatusCode != 422 || !strings.Contains(b, "驳回时请填写原因") {
		t.Errorf("reject without a reason: %d", res.StatusCode)
	}
	res, _ = post(t, s, admin, fmt.Sprintf("/admin/privacy/%d/erase", id), url.Values{"reason": {"已核实"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/admin/privacy?ok=erased" {
		t.Fatalf("erase: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := get(t, me, s.URL+"/owner/privacy"); res.StatusCode != 303 {
		t.Errorf("the erased owner is still logged in: %d", res.StatusCode)
	}
	res, _ = post(t, s, s.Client(), "/login", url.Values{"username": {"13912345671"}, "password": {"pass-word-1"}})
	if res.StatusCode == 303 {
		t.Error("the erased owner can log in")
	}
	res, _ = post(t, s, admin, fmt.Sprintf("/admin/privacy/%d/erase", id), nil)
	if res.StatusCode != 409 {
		t.Errorf("second erase: %d", res.StatusCode)
	}
}
