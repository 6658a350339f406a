package app_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBrowserCustomerMerge walks the store manager's duplicate clean-up in
// chromium: from the customer list to the likely duplicates, the merge page
// with a field taken from the other record, the confirmation dialog, and
// the survivor's page with the merge in its history; the pages fit a
// tablet (768 px) without sideways scrolling. Screenshots as
// TestBrowserJourney (sales-duplicates.png, sales-merge.png).
func TestBrowserCustomerMerge(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite, func(c *config.Config) { c.Worker, c.JobWorkers = true, 2 })
	addDuplicate(t, s.App.DB)
	b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
	b.navigate("/login")
	b.do("log in as the store manager",
		chromedp.SendKeys(chromedp.ID("username"), "manager"),
		chromedp.SendKeys(chromedp.ID("password"), "nevcrm-demo"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	b.wait("sales home", `location.pathname === '/sales/' && document.readyState === 'complete'`)
	b.navigate("/sales/customers")
	b.do("open the likely duplicates", chromedp.Click(chromedp.CSS(`a[href="/sales/customers/duplicates"]`)))
	b.wait("duplicates page", `location.pathname === '/sales/customers/duplicates' && document.querySelector('.duplicate-group a[href*="/merge?from="]') !== null`)
	b.shot("sales-duplicates.png", "body")
	b.do("open a merge", chromedp.Click(chromedp.CSS(`.duplicate-group a[href*="/merge?from="]`)))
	b.wait("merge page", `document.getElementById('merge-fields') !== null`)
	into := evalJS[string](b, "survivor", `location.pathname.split('/')[3]`)
	b.do("take the other record's mobile", chromedp.Click(chromedp.CSS(`input[name="take_mobile"][value="from"]`)))
	b.shot("sales-merge.png", "body")
	b.do("tablet width", chromedp.EmulateViewport(768, 1024))
	if w := evalJS[int](b, "page width", `document.documentElement.scrollWidth`); w > 768 {
		b.fail("the merge page scrolls sideways at 768 px (%d px)", w)
	}
	b.do("desk width", chromedp.EmulateViewport(1280, 900))
	b.do("merge", chromedp.Click(chromedp.CSS(`#merge-form button[type=submit]`)))
	b.wait("confirm dialog", `document.querySelector('dialog.dialog[open]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog.dialog[open] button[value="ok"]`)))
	b.wait("survivor page", `location.pathname === '/sales/customers/`+into+`' && document.readyState === 'complete'`)
	b.contains(".alert-success", "档案已合并")
	b.contains("body", "合并档案")

	// Import: upload a CSV, map the column the import does not know by
	// name, wait for the check, import.
	csv := filepath.Join(t.TempDir(), "新客户.csv")
	if err := os.WriteFile(csv, []byte("姓名,客户电话,城市,意向车型,预算（元）,标签,内部编号\n浏览器甲,13766660001,深圳,,25万,车展,K-1\n浏览器乙,1376666,深圳,,,,K-2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.navigate("/sales/customers")
	b.do("open the import", chromedp.Click(chromedp.CSS(`a[href="/sales/customers/import"]`)))
	b.wait("import form", `document.getElementById('import-form') !== null`)
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{csv}))
	b.do("upload", chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)))
	b.wait("mapping step", `document.getElementById('mapping-form') !== null`)
	b.contains("#mapping", "13766660001")
	if v := b.value(`select[name="col_0"]`); v != "name" {
		b.fail("姓名 is not matched by name: %q", v)
	}
	if v := b.value(`select[name="col_1"]`); v != "" {
		b.fail("客户电话 was matched to %q", v)
	}
	b.do("check without a mobile column", chromedp.Click(chromedp.CSS(`#mapping-form button[type=submit]`)))
	b.wait("the mapping comes back with the reason", `document.getElementById('mapping-error') !== null`)
	b.contains("#mapping-error", "手机号")
	b.do("map 客户电话 to the mobile", chromedp.SetValue(chromedp.CSS(`select[name="col_1"]`), "mobile"))
	b.do("choose create", chromedp.Click(chromedp.CSS(`input[name="policy"][value="create"]`)))
	b.shot("sales-import-mapping.png", "body")
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	if w := evalJS[int](b, "page width", `document.documentElement.scrollWidth`); w > 390 {
		b.fail("the mapping step scrolls sideways at 390 px (%d px)", w)
	}
	b.shot("sales-import-mapping-phone.png", "body")
	b.do("desk width", chromedp.EmulateViewport(1280, 900))
	b.do("save the mapping", chromedp.Click(chromedp.CSS(`#mapping-form button[type=submit]`)))
	b.wait("checked", `document.getElementById('run-import') !== null`)
	b.contains("#import-counts", "下载错误报告")
	b.shot("sales-import.png", "body")
	b.do("import", chromedp.Click(chromedp.CSS(`#run-import button[type=submit]`)))
	b.wait("confirm dialog", `document.querySelector('dialog.dialog[open]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog.dialog[open] button[value="ok"]`)))
	b.wait("imported", `document.querySelector('.badge-import-done') !== null`)
}
