package app_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestCustomerImportPages: a consultant uploads a CSV, the background
// check reports the bad row with a downloadable report, the import runs as
// a job and creates the good rows in the consultant's store; nobody else
// sees the upload; a second run is refused.
func TestCustomerImportPages(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite, func(c *config.Config) { c.Worker, c.JobWorkers = true, 2 })
	sales, other := s.Session(t, "sales"), s.Session(t, "manager")
	upload := func(c *http.Client, name, body, target string) *http.Response {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		io.WriteString(fw, body)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/sales/"+target+"/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", s.URL)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	// A file of another kind comes back to the form with the reason.
	if res := upload(sales, "客户.pdf", "x", "customers"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("pdf upload: %d, want 422", res.StatusCode)
	}
	csv := "姓名,客户电话,城市,标签\n导入甲,13711110001,上海,导入测试\n导入乙,1371111,上海,\n导入丙,13711110003,上海,\n"
	uploaded := func(res *http.Response) string {
		t.Helper()
		loc := res.Header.Get("Location")
		m := regexp.MustCompile(`^/sales/customer-imports/(\d+)\?ok=import_uploaded$`).FindStringSubmatch(loc)
		if res.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("upload: %d → %q", res.StatusCode, loc)
		}
		return "/sales/customer-imports/" + m[1]
	}
	page := uploaded(upload(sales, "新客户.csv", csv, "customers"))
	// The mapping step: a preview, 客户电话 not matched by name.
	p := get(t, sales, s.URL+page)
	if !strings.Contains(p, `id="mapping-form"`) || !strings.Contains(p, "13711110001") || strings.Contains(p, `<option value="mobile" selected>`) {
		t.Fatalf("mapping step:\n%s", p)
	}
	if r, err := s.PostForm(sales, page+"/mapping", url.Values{"col_0": {"name"}, "col_1": {""}, "col_2": {"city"}, "col_3": {"tags"}, "policy": {"skip"}}); err != nil ||
		r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("mapping without a mobile column: %v %v", r.StatusCode, err)
	}
	if r, err := s.PostForm(sales, page+"/mapping", url.Values{"col_0": {"name"}, "col_1": {"mobile"}, "col_2": {"city"}, "col_3": {"tags"}, "policy": {"skip"}}); err != nil ||
		r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mapping: %v %v", r.StatusCode, err)
	}
	waitFor := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			p := get(t, sales, s.URL+page)
			if strings.Contains(p, want) {
				return p
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q:\n%s", page, want, p)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	p = waitFor(`id="run-import"`)
	if !strings.Contains(p, "下载错误报告") {
		t.Error("the check does not offer the error report")
	}
	report := regexp.MustCompile(`href="(/jobs/\d+/file)"`).FindStringSubmatch(p)
	if report == nil {
		t.Fatal("no report link")
	}
	if r := get(t, sales, s.URL+report[1]); !strings.Contains(r, "3,手机号,请填写 11 位手机号") {
		t.Errorf("error report = %q", r)
	}
	var n int
	s.App.DB.QueryRow(`SELECT COUNT(*) FROM customers WHERE name LIKE '导入%'`).Scan(&n)
	if n != 0 {
		t.Fatalf("the check wrote %d customers", n)
	}
	// Another user does not see the upload.
	if r, err := other.Get(s.URL + page); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("another user's GET: %v %v", r.StatusCode, err)
	}
	if r, err := s.PostForm(sales, page+"/run", url.Values{}); err != nil || r.StatusCode != http.StatusSeeOther {
		t.Fatalf("run: %v %v", r.StatusCode, err)
	}
	waitFor("已导入")
	var store int64
	if err := s.App.DB.QueryRow(`SELECT COUNT(*), MIN(store_id) FROM customers WHERE name LIKE '导入%'`).Scan(&n, &store); err != nil || n != 2 {
		t.Fatalf("imported %d customers: %v", n, err)
	}
	if r, err := s.PostForm(sales, page+"/run", url.Values{}); err != nil || r.StatusCode != http.StatusConflict {
		t.Errorf("second run: %v %v", r.StatusCode, err)
	}
	// The next file with the same headings comes with the mapping chosen.
	page = uploaded(upload(sales, "又一批.csv", "姓名,客户电话,城市,标签\n导入丁,13711110004,上海,\n", "customers"))
	if p := get(t, sales, s.URL+page); !strings.Contains(p, `<option value="mobile" selected>`) {
		t.Errorf("the remembered mapping is not offered:\n%s", p)
	}
	// Leads: the same steps from the lead list.
	page = uploaded(upload(sales, "线索.csv", "客户,电话,渠道\n线索甲,13711110005,车展\n", "leads"))
	if r, err := s.PostForm(sales, page+"/mapping", url.Values{"col_0": {"name"}, "col_1": {"mobile"}, "col_2": {"source"}, "policy": {"create"}}); err != nil ||
		r.StatusCode != http.StatusSeeOther {
		t.Fatalf("lead mapping: %v %v", r.StatusCode, err)
	}
	waitFor(`id="run-import"`)
	if r, err := s.PostForm(sales, page+"/run", url.Values{}); err != nil || r.StatusCode != http.StatusSeeOther {
		t.Fatalf("lead run: %v %v", r.StatusCode, err)
	}
	waitFor("已导入")
	if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE c.mobile = '13711110005' AND l.source = 'auto_show'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("imported %d leads: %v", n, err)
	}
}
