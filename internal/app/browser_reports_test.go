package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBrowserReports drives chromium through the reports as their users
// read them on the demo data: the store manager opens every sales report
// tab, changes the period with a quick range and the grouping (the address
// keeps both, and every tab keeps the period), clicks a figure to open the
// rows behind it (as many as the figure says), exports them as a file the
// browser downloads, and goes back to the report; then the service user
// does the same on the service reports, down to the ratings behind a word
// of the comments. No tab is empty, every chart is drawn, and at 390 px no
// page scrolls sideways. The pages are saved as screenshots at 1280 and
// 390 px (see TestBrowserJourney for where they go).
func TestBrowserReports(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 120*time.Second)
	downloads := t.TempDir()
	if _, err := chromedp.Call(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	desk := func() { b.do("desk viewport", chromedp.EmulateViewport(1280, 900)) }
	phone := func() {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	}
	noSideScroll := func(what string) {
		if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 392 {
			b.fail("%s scrolls sideways at 390 px (width %v)", what, w)
		}
	}
	query := func() string { return evalJS[string](b, "address", `location.search`) }
	// clickLink clicks the first link under sel whose text is text.
	clickLink := func(sel, text string) {
		b.t.Helper()
		if !evalJS[bool](b, "click "+text, fmt.Sprintf(`(() => {
			const a = [...document.querySelectorAll(%s)].find(e => e.innerText.trim() === %s);
			if (!a) return false;
			a.click();
			return true;
		})()`, jsString(sel+" a"), jsString(text))) {
			b.fail("no link %q under %s", text, sel)
		}
	}
	// tabFilled checks a report tab: the tab is current, at least one table
	// has rows, every chart has been drawn, no table says it is empty.
	tabFilled := func(label string) {
		b.t.Helper()
		b.wait("tab "+label, fmt.Sprintf(`(() => { const a = document.querySelector('nav.tabs a[aria-current=page]'); return a && a.innerText.trim() === %s; })()`, jsString(label)))
		b.wait(label+": charts drawn", `[...document.querySelectorAll('.chart')].every(c => c.querySelector('canvas, svg') !== null)`)
		if n := evalJS[float64](b, label+" rows", `document.querySelectorAll('.report-table tbody tr').length`); n == 0 {
			b.fail("tab %s has no table rows on the demo data", label)
		}
		if empty := evalJS[string](b, label+" empty tables", `[...document.querySelectorAll('.report-table')].filter(s => s.querySelector('p.empty')).map(s => s.querySelector('h2').innerText).join(', ')`); empty != "" {
			b.fail("tab %s: empty tables on the demo data: %s", label, empty)
		}
	}
	// drill clicks figure (a link) and checks the rows page: it lists as
	// many rows as the figure said (want, digits only), and returns the
	// number.
	countRe := regexp.MustCompile(`[\d,]+`)
	drill := func(sel, want string) {
		b.t.Helper()
		b.do("open the rows behind "+sel, chromedp.Click(chromedp.CSS(sel)))
		b.wait("rows page", `location.pathname.endsWith('/reports/rows') && document.querySelector('#rows-count') !== null`)
		got := countRe.FindString(b.text("#rows-count"))
		if strings.ReplaceAll(got, ",", "") != strings.ReplaceAll(want, ",", "") {
			b.fail("the figure says %s, its rows page counts %q", want, b.text("#rows-count"))
		}
		if evalJS[float64](b, "rows", `document.querySelectorAll('#drill-rows tbody tr').length`) == 0 {
			b.fail("rows page behind %s lists nothing", want)
		}
	}
	// download clicks the rows page's CSV button and returns the file's
	// lines once the browser has saved it.
	download := func(prefix string) []string {
		b.t.Helper()
		b.do("export CSV", chromedp.Click(chromedp.CSS(`#export-form button[value=csv]`)))
		deadline := time.Now().Add(30 * time.Second)
		for {
			files, _ := filepath.Glob(filepath.Join(downloads, prefix+"*.csv"))
			if len(files) == 1 {
				body, err := os.ReadFile(files[0])
				if err == nil && len(body) > 0 {
					os.Remove(files[0])
					if !strings.HasPrefix(string(body), "\ufeff") {
						b.fail("downloaded %s has no BOM", files[0])
					}
					return strings.Split(strings.TrimSpace(strings.TrimPrefix(string(body), "\ufeff")), "\n")
				}
			}
			if time.Now().After(deadline) {
				entries, _ := os.ReadDir(downloads)
				b.fail("no %s*.csv downloaded (folder holds %v)", prefix, entries)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	desk()

	// 1. The store manager (the login page sends a consultant to /sales/).
	b.navigate("/login")
	b.do("log in as manager",
		chromedp.SendKeys(chromedp.ID("username"), "manager"),
		chromedp.SendKeys(chromedp.ID("password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	b.wait("manager home", `location.pathname === '/sales/'`)
	b.navigate("/sales/reports")
	b.wait("sales reports", `document.querySelector('#report-tiles') !== null`)
	b.contains("h1", "报表与分析 · ") // locked to the manager's store

	// A quick range and a grouping: the address keeps both.
	clickLink(".report-ranges", "近 12 个月")
	b.wait("12 months in the address", `location.search.includes('from=') && document.querySelector('#from').value !== ''`)
	from, to := b.value("#from"), b.value("#to")
	if q := query(); !strings.Contains(q, "from="+from) || !strings.Contains(q, "to="+to) {
		b.fail("address %q does not keep the period %s..%s", q, from, to)
	}
	b.do("group by month", chromedp.SetValue(chromedp.ID("by"), "month"))
	b.do("apply", chromedp.Click(chromedp.CSS(`#report-filter button[type=submit]`)))
	b.wait("grouped by month", `location.search.includes('by=month')`)
	if q := query(); !strings.Contains(q, "from="+from) || !strings.Contains(q, "tab=performance") {
		b.fail("address %q lost the period or the tab", q)
	}
	if b.value("#by") != "month" || b.value("#from") != from {
		b.fail("the form does not show the filter of the address")
	}
	tabFilled("销售业绩")
	b.shot("reports-sales-performance.png", "body")

	// Every tab keeps the period and has figures.
	for _, tab := range []string{"目标达成", "转化漏斗", "线索来源", "活动 ROI", "市场趋势", "销售业绩"} {
		clickLink("nav.tabs", tab)
		tabFilled(tab)
		if q := query(); !strings.Contains(q, "from="+from) || !strings.Contains(q, "to="+to) {
			b.fail("tab %s: address %q lost the period", tab, q)
		}
		if tab == "转化漏斗" {
			b.shot("reports-sales-funnel.png", "body")
		}
		if tab == "市场趋势" {
			b.shot("reports-sales-market.png", "body")
		}
	}

	// A figure: the deliveries tile opens the deliveries behind it.
	want := b.text("#report-tiles .card:nth-child(2) .stat-value")
	back := evalJS[string](b, "report address", `location.pathname + location.search`)
	drill("#report-tiles .card:nth-child(2) .stat-value a", want)
	b.contains("h1", "交付明细")
	b.shot("reports-sales-rows.png", "body")
	lines := download("交付明细-")
	if n := strings.ReplaceAll(countRe.FindString(b.text("#rows-count")), ",", ""); fmt.Sprint(len(lines)-1) != n || !strings.HasPrefix(lines[0], "订单号,客户") {
		b.fail("downloaded %d lines (header %q), the page counts %s rows", len(lines), lines[0], n)
	}
	phone()
	noSideScroll("rows page")
	b.shot("reports-sales-rows-mobile.png", "viewport")
	clickLink(".page-actions", "返回报表")
	b.wait("back on the report", `location.pathname === '/sales/reports' && document.querySelector('#report-tiles') !== null`)
	if q := query(); !strings.Contains(q, "from="+from) || !strings.Contains(back, "from="+from) {
		b.fail("back on the report at %q, the period %s is lost", q, from)
	}
	noSideScroll("sales report")
	// Each tab's name stays on one line; the tiles' figures fit their cards.
	if bad := evalJS[string](b, "tab heights", `[...document.querySelectorAll('nav.tabs a')].filter(a => a.getBoundingClientRect().height > 44).map(a => a.innerText).join(', ')`); bad != "" {
		b.fail("tabs wrap at 390 px: %s", bad)
	}
	if bad := evalJS[string](b, "tile widths", `[...document.querySelectorAll('#report-tiles .stat-value')].filter(v => v.scrollWidth > v.clientWidth + 1).map(v => v.innerText).join(', ')`); bad != "" {
		b.fail("figures overflow their tiles at 390 px: %s", bad)
	}
	b.shot("reports-sales-mobile.png", "viewport")
	desk()
	b.logout()

	// 2. The service user: the feedback, service and energy tabs.
	b.login("service", "服务顾问")
	b.navigate("/service/reports")
	b.wait("service reports", `document.querySelector('#report-tiles') !== null`)
	clickLink(".report-ranges", "近 12 个月")
	b.wait("12 months in the address", `location.search.includes('from=')`)
	sfrom, sto := b.value("#from"), b.value("#to")
	tabFilled("客户反馈")
	b.wait("word cloud", `document.querySelectorAll('#table-words a.word').length > 0`)
	b.shot("reports-service-feedback.png", "body")
	for _, tab := range []string{"服务指标", "充换电"} {
		clickLink("nav.tabs", tab)
		tabFilled(tab)
		b.shot(map[string]string{"服务指标": "reports-service-kpis.png", "充换电": "reports-service-energy.png"}[tab], "body")
	}
	clickLink("nav.tabs", "客户反馈")
	tabFilled("客户反馈")
	// The ratings tile opens the ratings; a word opens the ratings and
	// feedback that use it.
	feedback := evalJS[string](b, "report address", `location.pathname + location.search`)
	drill("#report-tiles .card:nth-child(1) .stat-value a", b.text("#report-tiles .card:nth-child(1) .stat-value"))
	b.contains("h1", "评价明细")
	lines = download("维修保养评价明细-")
	if n := strings.ReplaceAll(countRe.FindString(b.text("#rows-count")), ",", ""); fmt.Sprint(len(lines)-1) != n {
		b.fail("downloaded %d lines, the page counts %s rows", len(lines), n)
	}
	b.navigate(feedback)
	b.wait("the word cloud again", `document.querySelectorAll('#table-words a.word').length > 0`)
	word := b.text("#table-words a.word:first-child")
	b.do("open the rows with a word", chromedp.Click(chromedp.CSS("#table-words a.word:first-child")))
	b.wait("rows with the word", `location.pathname === '/service/reports/rows' && document.querySelector('#rows-count') !== null`)
	w := strings.Fields(word)[0]
	if !evalJS[bool](b, "comments with "+w, fmt.Sprintf(`[...document.querySelectorAll('#drill-rows tbody tr')].length > 0 &&
		[...document.querySelectorAll('#drill-rows tbody tr')].every(r => r.innerText.includes(%s))`, jsString(w))) {
		b.fail("the rows behind the word %q do not all contain it", w)
	}
	b.shot("reports-service-rows.png", "body")
	phone()
	noSideScroll("service rows page")
	b.navigate("/service/reports?tab=feedback&from=" + sfrom + "&to=" + sto)
	b.wait("service report", `document.querySelector('#report-tiles') !== null`)
	noSideScroll("service report")
	b.shot("reports-service-mobile.png", "viewport")
}
