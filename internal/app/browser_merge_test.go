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

	// Import: upload a CSV, wait for the check, import.
	csv := filepath.Join(t.TempDir(), "新客户.csv")
	if err := os.WriteFile(csv, []byte("姓名,手机号,城市,意向车型,预算（元）,标签\n浏览器甲,13766660001,深圳,,25万,车展\n浏览器乙,1376666,深圳,,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.navigate("/sales/customers")
	b.do("open the import", chromedp.Click(chromedp.CSS(`a[href="/sales/customers/import"]`)))
	b.wait("import form", `document.getElementById('import-form') !== null`)
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{csv}))
	b.do("upload", chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)))
	b.wait("checked", `document.getElementById('run-import') !== null`)
	b.contains("#import-counts", "下载错误报告")
	b.shot("sales-import.png", "body")
	b.do("import", chromedp.Click(chromedp.CSS(`#run-import button[type=submit]`)))
	b.wait("confirm dialog", `document.querySelector('dialog.dialog[open]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog.dialog[open] button[value="ok"]`)))
	b.wait("imported", `document.querySelector('.badge-import-done') !== null`)
}
