package app_test

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestBrowserCommunityJourney walks the community on a 390 px phone in a
// real browser: the demo owner posts with a photo (Markdown rendered, a
// script tag inert); another owner comments, edits the comment and likes; the first owner sees
// both in the bell; a third owner reports the post; the service user, made
// a moderator, hides it from the queue with a reason, which the author then
// reads on the post while the public gets 404. No page scrolls sideways.
func TestBrowserCommunityJourney(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 120*time.Second)
	ctx := b.ctx
	sys := identity.System()
	author, err := s.App.Accounts.UserByLogin(ctx, sys, "owner")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notify.MarkAllRead(ctx, author); err != nil {
		t.Fatal(err)
	}
	// Two more owners with app accounts (generated owners log in by mobile),
	// not muted (the generator mutes some authors of hidden content).
	var mobiles []string
	rows, err := s.App.DB.QueryContext(ctx, `SELECT mobile FROM users WHERE role = 'owner' AND active AND id <> $1 AND mobile <> ''
		AND NOT EXISTS (SELECT 1 FROM community_mutes m WHERE m.customer_id = users.customer_id) ORDER BY id LIMIT 2`, author.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		mobiles = append(mobiles, m)
	}
	rows.Close()
	if len(mobiles) != 2 {
		t.Fatalf("the demo data has %d other owner accounts, want 2", len(mobiles))
	}
	svc, err := s.App.Accounts.UserByLogin(ctx, sys, "service")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Accounts.SetPermissions(ctx, sys, svc.ID, []identity.Perm{identity.PermModerator}); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "露营照片.png")
	writePNG(t, photo)

	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	noSideways := func(page string) {
		b.t.Helper()
		if w := evalJS[int](b, "page width", `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			b.fail("%s scrolls sideways by %d px at 390 px", page, w)
		}
	}

	// 1. The demo owner writes a post with a photo.
	b.login("owner", "车主")
	b.navigate("/community")
	b.wait("the feed", `document.querySelector('#feed') !== null`)
	noSideways("the feed")
	b.shot("community-feed-mobile.png", "viewport")
	b.do("发帖", chromedp.Click(chromedp.ID("new-post")))
	b.wait("the editor", `location.pathname === '/community/new' && document.querySelector('#post-submit') !== null`)
	// Without a title the form comes back with the message beside the field.
	b.do("submit empty", chromedp.Click(chromedp.ID("post-submit")))
	b.wait("title error", `document.querySelector('.field.has-error #title') !== null`)
	b.do("fill the post",
		chromedp.SetValue(chromedp.ID("topic"), "trip"),
		chromedp.SendKeys(chromedp.ID("title"), "周末带娃露营，外放电太好用了"),
		chromedp.SetValue(chromedp.ID("body"), "用外放电煮火锅，一晚上只用了 **8%** 的电。\n\n- 电磁炉\n- 投影仪\n\n<script>document.title='xss'</script>"),
		chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photo}),
	)
	noSideways("the editor")
	b.shot("community-editor-mobile.png", "viewport")
	b.do("发布", chromedp.Click(chromedp.ID("post-submit")))
	b.wait("the new post", `location.pathname.startsWith('/community/posts/') && document.querySelector('#post') !== null`)
	b.contains(".alert-success", "发布成功")
	postPath := evalJS[string](b, "post path", `location.pathname`)
	b.contains(".cm-body strong", "8%")
	if n := evalJS[int](b, "scripts in the post", `document.querySelectorAll('.cm-body script').length`); n != 0 {
		b.fail("the post body holds %d script elements", n)
	}
	if title := evalJS[string](b, "title", `document.title`); title == "xss" {
		b.fail("script in the post ran")
	}
	b.wait("the photo loaded", `(() => { const i = document.querySelector('.cm-photos img'); return i && i.complete && i.naturalWidth > 0; })()`)
	b.contains(".cm-meta .cm-car", "")
	if txt := b.text(".cm-meta"); strings.Contains(txt, author.Mobile) || strings.Contains(txt, author.DisplayName) {
		b.fail("the author line %q shows the owner's name or mobile", txt)
	}
	b.logout()

	// 2. Another owner comments and likes.
	loginOwner(b, mobiles[0])
	b.navigate(postPath)
	b.do("write a comment", chromedp.SendKeys(chromedp.ID("comment-body"), "太实用了，请问用的什么电磁炉？"))
	b.do("发表评论", chromedp.Click(chromedp.ID("comment-submit")))
	b.wait("the comment", `document.querySelector('.cm-comment .cm-comment-body') !== null && location.search.includes('ok=commented')`)
	b.contains(".cm-comment .cm-comment-body", "电磁炉")
	// The commenter corrects the comment: an empty text comes back with the
	// message beside the field; the saved edit is marked 已编辑.
	b.do("编辑评论", chromedp.Click(chromedp.CSS(`.cm-comment a[id^="edit-c"]`)))
	b.wait("the comment editor", `location.pathname.endsWith('/edit') && document.querySelector('#comment-save') !== null`)
	noSideways("the comment editor")
	b.shot("community-comment-edit-mobile.png", "viewport")
	b.do("empty the comment", chromedp.SetValue(chromedp.ID("comment-body"), "  "))
	b.do("保存修改 (empty)", chromedp.Click(chromedp.ID("comment-save")))
	b.wait("body error", `document.querySelector('.field.has-error #comment-body') !== null`)
	b.do("rewrite the comment", chromedp.SetValue(chromedp.ID("comment-body"), "太实用了，请问用的什么牌子的电磁炉？功率多大？"))
	b.do("保存修改", chromedp.Click(chromedp.ID("comment-save")))
	b.wait("the edited comment", `location.search.includes('ok=comment_saved') && document.querySelector('.cm-comment .cm-edited') !== null`)
	b.contains(".cm-comment .cm-comment-body", "功率多大")
	b.contains(".alert-success", "评论已修改")
	b.do("点赞", chromedp.Click(chromedp.ID("like-btn")))
	b.wait("liked", `document.querySelector('#like-count') && document.querySelector('#like-count').innerText === '1' && document.querySelector('#like-btn').getAttribute('aria-pressed') === 'true'`)
	noSideways("the post")
	b.shot("community-post-mobile.png", "viewport")
	b.logout()

	// 3. The author sees the comment and the like in the bell.
	b.login("owner", "车主")
	b.wait("unread bell", `document.querySelector('#bell .bell-count') !== null`)
	b.navigate("/notifications")
	b.wait("notifications", `document.readyState === 'complete'`)
	b.contains("main", "评论了你的帖子")
	b.contains("main", "赞了你的帖子")
	b.shot("community-notifications-mobile.png", "viewport")
	b.logout()

	// 4. A third owner reports the post.
	loginOwner(b, mobiles[1])
	b.navigate(postPath)
	b.do("举报", chromedp.Click(chromedp.ID("report-post")))
	b.wait("the report form", `document.querySelector('#report-submit') !== null`)
	b.do("choose a reason", chromedp.Click(chromedp.CSS(`input[name=reason][value=spam]`)))
	b.do("detail", chromedp.SendKeys(chromedp.ID("detail"), "像是在卖货"))
	b.do("提交举报", chromedp.Click(chromedp.ID("report-submit")))
	b.wait("reported", `location.search.includes('ok=reported')`)
	b.contains(".alert-success", "举报已提交")
	b.logout()

	// 5. The moderator hides it from the queue with a reason.
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
	b.login("service", "服务顾问")
	b.navigate("/community/moderation")
	id := strings.TrimPrefix(postPath, "/community/posts/")
	item := "#q-post-" + id
	b.wait("the reported post in the queue", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(item)))
	b.contains(item+" .cm-reasons", "像是在卖货")
	b.shot("community-moderation.png", "body")
	b.do("hide with a reason",
		chromedp.SetValue(chromedp.CSS(item+` select[name=action]`), "hide"),
		chromedp.SendKeys(chromedp.CSS(item+` input[name=reason]`), "商业推广，请勿在车友圈发布"),
		chromedp.Click(chromedp.CSS(item+` form.cm-modform button[type=submit]`)),
	)
	b.wait("moderated", `location.search.includes('ok=moderated')`)
	if n := evalJS[int](b, "queue item", fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(item))); n != 0 {
		b.fail("the hidden post is still in the queue")
	}
	b.logout()

	// 6. The public no longer sees it; the author reads why.
	b.navigate(postPath)
	b.wait("404", `document.readyState === 'complete'`)
	b.contains("main", "不存在")
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.login("owner", "车主")
	b.navigate(postPath)
	b.wait("the author's view", `document.querySelector('#moderation-state') !== null`)
	b.contains("#moderation-state", "商业推广")
	b.navigate("/community/me")
	b.wait("my posts", `document.querySelector('.cm-state') !== null`)
	b.contains(".cm-state", "商业推广")
	noSideways("my community page")
	b.shot("community-me-mobile.png", "viewport")
	var audited int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'community_hide' AND entity = 'post' AND entity_id = $1`, id).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit of the hide: %d, %v", audited, err)
	}
}

// loginOwner logs in a generated owner by mobile.
func loginOwner(b *browser, mobile string) {
	b.t.Helper()
	b.navigate("/login")
	b.do("log in as "+mobile,
		chromedp.SendKeys(chromedp.ID("username"), mobile),
		chromedp.SendKeys(chromedp.ID("password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	b.wait("owner home", `location.pathname === '/owner/' && document.readyState === 'complete'`)
}

// writePNG writes a small landscape picture to path.
func writePNG(t *testing.T, path string) {
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			c := color.RGBA{120, 180, 230, 255}
			if y > 380 {
				c = color.RGBA{80, 140, 70, 255}
			}
			img.Set(x, y, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
