package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBrowserStaffNav checks the staff navigation of sales, service and
// admin: at 1280 px its entries stay on one row (the rest are in groups);
// a group opens its menu on a click, a second group's click closes the
// first, Escape closes it, and a link in it opens its page, where the group
// shows as current. At 768 px the open menu stays on screen and the page
// does not scroll sideways. Screenshots: nav-<role>-{1280,768}.png.
func TestBrowserStaffNav(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	for _, r := range []struct{ user, label, link string }{
		{"sales", "销售", "/owners/mining"},
		{"service", "服务", "/admin/kb"},
		{"admin", "管理员", "/admin/targets"},
	} {
		t.Run(r.user, func(t *testing.T) {
			b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
			b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
			b.login(r.user, r.label)
			if rows := evalJS[float64](b, "nav rows", `new Set([...document.querySelectorAll('nav.main-nav > a, nav.main-nav > details > summary')].map(e => Math.round(e.getBoundingClientRect().top))).size`); rows != 1 {
				b.fail("the %s navigation takes %v rows at 1280 px", r.user, rows)
			}
			group := fmt.Sprintf(`[...document.querySelectorAll('details.nav-group')].find(d => d.querySelector('a[href=%s]'))`, jsString(r.link))
			open := func() {
				b.t.Helper()
				b.do("open the group", chromedp.Evaluate[chromedp.Void](group+`.querySelector('summary').click()`))
				b.wait("the menu", group+`.open && `+group+`.querySelector('.nav-menu').getBoundingClientRect().height > 0`)
			}
			open()
			b.shot(fmt.Sprintf("nav-%s-1280.png", r.user), "viewport")
			if n := evalJS[float64](b, "groups", `document.querySelectorAll('details.nav-group').length`); n > 1 {
				b.do("open another group", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('details.nav-group')].find(d => !d.open).querySelector('summary').click()`))
				b.wait("one group open", `document.querySelectorAll('details.nav-group[open]').length === 1 && !(`+group+`.open)`)
				open()
			}
			b.do("Escape", chromedp.KeyEvent("\x1b"))
			b.wait("closed by Escape", `document.querySelectorAll('details.nav-group[open]').length === 0`)
			open()
			b.do("follow the link", chromedp.Evaluate[chromedp.Void](group+fmt.Sprintf(`.querySelector('a[href=%s]').click()`, jsString(r.link))))
			b.wait("the page", fmt.Sprintf(`location.pathname + location.search === %s`, jsString(r.link)))
			if !evalJS[bool](b, "group current", group+`.classList.contains('active') && !`+group+`.open`) {
				b.fail("the group of %s is not shown as current", r.link)
			}
			b.do("tablet viewport", chromedp.EmulateViewport(768, 1024, chromedp.EmulateMobile))
			b.navigate("/" + r.user + "/")
			open()
			if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 770 {
				b.fail("the page scrolls sideways at 768 px (width %v)", w)
			}
			if right := evalJS[float64](b, "menu right edge", group+`.querySelector('.nav-menu').getBoundingClientRect().right`); right > 768 {
				b.fail("the open menu ends at %v px, off a 768 px screen", right)
			}
			b.shot(fmt.Sprintf("nav-%s-768.png", r.user), "viewport")
		})
	}
}
