package community_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

var start = time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)

type fixture struct {
	t     testing.TB
	ctx   context.Context
	DB    *db.DB
	Clock *dbtest.Clock
	Svc   *community.Service
	Acc   *account.Service
	Model int64
	A, B  *identity.User // owners with cars
	C     *identity.User // an owner without a car
	Admin *identity.User
	Sales *identity.User // staff without the moderator permission
	Mod   *identity.User // service staff granted moderator
	seq   atomic.Int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	f.Svc = community.NewService(d, vehicle.NewService(d), f.Clock.Now)
	f.Acc = account.NewService(d, f.Clock.Now)
	f.Model = f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen, swap_capable)
		VALUES ('M-1', '启航', '启航 ES6', 'BEV', 75, 520, 25000000, TRUE) RETURNING id`)
	f.A = f.owner("张三", true)
	f.B = f.owner("李四", true)
	f.C = f.owner("王五", false)
	f.Admin = f.staff("admin", identity.RoleAdmin)
	f.Sales = f.staff("sales", identity.RoleSales)
	f.Mod = f.staff("mod", identity.RoleService)
	f.exec(`UPDATE users SET permissions = 'moderator' WHERE id = $1`, f.Mod.ID)
	f.Mod = f.user(f.Mod.ID)
	return f
}

func (f *fixture) id(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.DB.QueryRowContext(f.ctx, q, args...).Scan(&id); err != nil {
		f.t.Fatalf("%v\n%s", err, q)
	}
	return id
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.DB.ExecContext(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%v\n%s", err, q)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.DB.QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%v\n%s", err, q)
	}
	return n
}

func (f *fixture) owner(name string, car bool) *identity.User {
	f.t.Helper()
	n := f.seq.Add(1)
	mobile := fmt.Sprintf("139%08d", n)
	cust := f.id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ($1, $2, 'owner', 'delivered', $3, $3) RETURNING id`, name, mobile, start)
	if car {
		f.exec(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, delivered_at, warranty_end, battery_warranty_end, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $6, $6)`, fmt.Sprintf("LTEST%012d", n), fmt.Sprintf("沪A%05d", n), cust, f.Model,
			"2025-11-20", start.AddDate(-1, 0, 0), "2029-11-20")
	}
	uid := f.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', '!test', $3, TRUE, $4, $4) RETURNING id`, mobile, name, cust, start)
	return f.user(uid)
}

func (f *fixture) staff(username string, role identity.Role) *identity.User {
	uid := f.id(`INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
		VALUES ($1, $1, $2, '!test', TRUE, $3, $3) RETURNING id`, username, string(role), start)
	return f.user(uid)
}

func (f *fixture) user(id int64) *identity.User {
	f.t.Helper()
	u, err := f.Acc.User(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) post(u *identity.User, title, body string) *community.Post {
	f.t.Helper()
	p, err := f.Svc.CreatePost(f.ctx, u, community.PostInput{Topic: "experience", Title: title, Body: body})
	if err != nil {
		f.t.Fatalf("post: %v", err)
	}
	f.Clock.Advance(time.Minute)
	return p
}

func wantCode(t testing.TB, what string, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

func TestPostsFeedAndAuthors(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p1 := f.post(f.A, "冬季续航实测", "早上出门续航掉了不少，**预热电池**有用。")
		p2 := f.post(f.B, "换电站体验", "浦东换电站五分钟换好。")
		if p1.Author.Badge != "启航 ES6" || !strings.HasPrefix(p1.Author.Nickname, "车友") {
			t.Fatalf("author shown as %+v", p1.Author)
		}
		if strings.Contains(p1.Author.Nickname, "张三") || strings.Contains(p1.Author.Nickname, "139") {
			t.Fatalf("author shows name or mobile: %+v", p1.Author)
		}
		if !strings.Contains(string(p1.BodyHTML), "<strong>预热电池</strong>") {
			t.Fatalf("markdown not rendered: %s", p1.BodyHTML)
		}
		// Anonymous visitors read the feed, newest first.
		pg, _, err := f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{})
		if err != nil || len(pg.Items) != 2 || pg.Items[0].ID != p2.ID {
			t.Fatalf("feed: %v %+v", err, pg.Items)
		}
		// A like and a comment make p1 hot.
		if _, err := f.Svc.Like(f.ctx, f.B, p1.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.AddComment(f.ctx, f.C, p1.ID, community.CommentInput{Body: "学到了"}); err != nil {
			t.Fatal(err)
		}
		pg, _, err = f.Svc.Feed(f.ctx, community.Visitor{User: f.B}, community.Filter{Sort: "hot"})
		if err != nil || pg.Items[0].ID != p1.ID || !pg.Items[0].Liked {
			t.Fatalf("hot feed: %v %+v", err, pg.Items[0])
		}
		// Paging with a cursor.
		pg, _, err = f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Limit: 1})
		if err != nil || pg.NextCursor == "" {
			t.Fatalf("page 1: %v %+v", err, pg)
		}
		pg2, _, err := f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Limit: 1, Cursor: pg.NextCursor})
		if err != nil || len(pg2.Items) != 1 || pg2.Items[0].ID != p1.ID {
			t.Fatalf("page 2: %v %+v", err, pg2)
		}
		// Topic filter; bad topic and bad cursor are field errors.
		if pg, _, err := f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Topic: "trip"}); err != nil || len(pg.Items) != 0 {
			t.Fatalf("topic: %v %+v", err, pg)
		}
		_, _, err = f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Topic: "nope"})
		wantCode(t, "bad topic", err, apperr.Invalid)
		_, _, err = f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Cursor: "abc"})
		wantCode(t, "bad cursor", err, apperr.Invalid)
		// Staff and anonymous visitors cannot write.
		_, err = f.Svc.CreatePost(f.ctx, f.Sales, community.PostInput{Topic: "trip", Title: "x", Body: "y"})
		wantCode(t, "staff post", err, apperr.Forbidden)
		_, err = f.Svc.CreatePost(f.ctx, nil, community.PostInput{Topic: "trip", Title: "x", Body: "y"})
		wantCode(t, "anonymous post", err, apperr.Unauthenticated)
		// Validation names the fields.
		_, err = f.Svc.CreatePost(f.ctx, f.A, community.PostInput{Topic: "official", Title: "", Body: strings.Repeat("长", 10001)})
		e := apperr.As(err)
		if e == nil || e.Fields["topic"] == "" || e.Fields["title"] == "" || e.Fields["body"] == "" {
			t.Fatalf("validation: %v", err)
		}
	})
}

func TestMarkdownIsSanitised(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[点我](javascript:alert(1))`,
		`[点我](JaVaScRiPt:alert(1))`,
		`![图](https://evil.example/x.png)`,
		`<a href="https://ok.example" onclick="alert(1)">链接</a>`,
		`<iframe src="https://evil.example"></iframe>`,
		"```\n<script>alert(1)</script>\n```",
		`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`<style>body{display:none}</style>`,
		`<svg onload=alert(1)>`,
	} {
		out := strings.ToLower(string(community.RenderMarkdown(src)))
		for _, bad := range []string{"<script", "onerror", "onclick", "onload", "javascript:", "<img", "<iframe", "<style", "<svg", "data:text"} {
			if strings.Contains(out, bad) {
				t.Errorf("%q rendered %q: contains %q", src, out, bad)
			}
		}
	}
	out := string(community.RenderMarkdown("见 [官网](https://example.com) 和 https://example.org"))
	if !strings.Contains(out, `rel="nofollow noreferrer noopener"`) && !strings.Contains(out, `nofollow`) {
		t.Errorf("links lack rel=nofollow: %s", out)
	}
	if !strings.Contains(out, `target="_blank"`) {
		t.Errorf("external links do not open in a new tab: %s", out)
	}
}

func TestCommentsRepliesAndNotifications(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.post(f.A, "家充桩安装", "物业同意后两周装好。")
		c1, err := f.Svc.AddComment(f.ctx, f.B, p.ID, community.CommentInput{Body: "请问哪家装的？"})
		if err != nil {
			t.Fatal(err)
		}
		r1, err := f.Svc.AddComment(f.ctx, f.A, p.ID, community.CommentInput{Body: "官方渠道", ParentID: c1.ID})
		if err != nil || r1.ParentID != c1.ID {
			t.Fatalf("reply: %v %+v", err, r1)
		}
		// A reply to a reply joins the same thread.
		r2, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "同问", ParentID: r1.ID})
		if err != nil || r2.ParentID != c1.ID {
			t.Fatalf("reply to reply: %v %+v", err, r2)
		}
		cs, err := f.Svc.Comments(f.ctx, community.Visitor{}, p.ID)
		if err != nil || len(cs) != 1 || len(cs[0].Replies) != 2 {
			t.Fatalf("tree: %v %+v", err, cs)
		}
		// A: comment by B, and C's reply to A's reply; B: A's reply.
		got := map[string]int{}
		rows, err := d.QueryContext(f.ctx, `SELECT u.display_name, n.kind FROM notifications n JOIN users u ON u.id = n.user_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var who, kind string
			if err := rows.Scan(&who, &kind); err != nil {
				t.Fatal(err)
			}
			got[who+" "+kind]++
		}
		rows.Close()
		want := map[string]int{"张三 community.comment": 1, "张三 community.reply": 1, "李四 community.reply": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("notifications %v, want %v", got, want)
		}
		if n := f.count(`SELECT comment_count FROM posts WHERE id = $1`, p.ID); n != 3 {
			t.Fatalf("comment_count %d", n)
		}
		// Deleting: only one's own; a removed comment with replies stays as a placeholder.
		wantCode(t, "delete other's", f.Svc.DeleteComment(f.ctx, f.A, c1.ID), apperr.Forbidden)
		if err := f.Svc.DeleteComment(f.ctx, f.B, c1.ID); err != nil {
			t.Fatal(err)
		}
		cs, _ = f.Svc.Comments(f.ctx, community.Visitor{}, p.ID)
		if len(cs) != 1 || cs[0].Body != "" || cs[0].Visible() || len(cs[0].Replies) != 2 {
			t.Fatalf("placeholder: %+v", cs[0])
		}
		if n := f.count(`SELECT comment_count FROM posts WHERE id = $1`, p.ID); n != 2 {
			t.Fatalf("comment_count after delete %d", n)
		}
		// Edit and delete posts: own only.
		_, err = f.Svc.EditPost(f.ctx, f.B, p.ID, community.PostInput{Topic: "charging", Title: "改", Body: "改"})
		wantCode(t, "edit other's", err, apperr.Forbidden)
		ed, err := f.Svc.EditPost(f.ctx, f.A, p.ID, community.PostInput{Topic: "charging", Title: "家充桩安装（更新）", Body: "两周装好，电费很低。"})
		if err != nil || ed.EditedAt == nil || ed.Topic != "charging" {
			t.Fatalf("edit: %v %+v", err, ed)
		}
		wantCode(t, "delete other's post", f.Svc.DeletePost(f.ctx, f.B, p.ID), apperr.Forbidden)
		if err := f.Svc.DeletePost(f.ctx, f.A, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Get(f.ctx, community.Visitor{User: f.A}, p.ID)
		wantCode(t, "deleted post", err, apperr.NotFound)
		if n := f.count(`SELECT COUNT(*) FROM comments WHERE post_id = $1`, p.ID) + f.count(`SELECT COUNT(*) FROM post_terms WHERE post_id = $1`, p.ID); n != 0 {
			t.Fatalf("%d rows left after delete", n)
		}
	})
}

// TestConcurrentLikes: a thousand concurrent likes by 100 owners (ten each)
// count each owner once.
func TestConcurrentLikes(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.post(f.A, "点赞测试", "并发点赞")
		owners := make([]*identity.User, 100)
		for i := range owners {
			owners[i] = f.owner(fmt.Sprintf("车主%d", i), false)
		}
		var wg sync.WaitGroup
		var failed atomic.Int64
		sem := make(chan struct{}, 16)
		for i := 0; i < 1000; i++ {
			wg.Add(1)
			go func(u *identity.User) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := f.Svc.Like(f.ctx, u, p.ID, true); err != nil {
					failed.Add(1)
					t.Errorf("like: %v", err)
				}
			}(owners[i%len(owners)])
		}
		wg.Wait()
		if failed.Load() > 0 {
			t.FailNow()
		}
		if n := f.count(`SELECT like_count FROM posts WHERE id = $1`, p.ID); n != 100 {
			t.Fatalf("like_count %d, want 100", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM post_likes WHERE post_id = $1`, p.ID); n != 100 {
			t.Fatalf("likes %d, want 100", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE kind = 'community.like'`); n != 100 {
			t.Fatalf("like notifications %d, want 100 (one per owner)", n)
		}
		st, err := f.Svc.Like(f.ctx, owners[0], p.ID, false)
		if err != nil || st.Count != 99 {
			t.Fatalf("unlike: %v %+v", err, st)
		}
		// Favourites and the owner's page.
		if _, err := f.Svc.Favorite(f.ctx, f.B, p.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Favorite(f.ctx, f.B, p.ID, true); err != nil {
			t.Fatal(err)
		}
		favs, err := f.Svc.MyFavorites(f.ctx, f.B)
		if err != nil || len(favs) != 1 || favs[0].FavoriteCount != 1 || !favs[0].Favorited {
			t.Fatalf("favourites: %v %+v", err, favs)
		}
		mine, err := f.Svc.MyPosts(f.ctx, f.A)
		if err != nil || len(mine) != 1 || !mine[0].Mine {
			t.Fatalf("my posts: %v %+v", err, mine)
		}
		_, err = f.Svc.Like(f.ctx, f.Admin, p.ID, true)
		wantCode(t, "staff like", err, apperr.Forbidden)
	})
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, h/2, color.RGBA{200, 0, 0, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPhotos(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := community.PostInput{Topic: "trip", Title: "露营", Body: "风景很好", Photos: []community.Upload{{Data: pngBytes(t, 2400, 1200)}, {Data: pngBytes(t, 100, 300)}}}
		p, err := f.Svc.CreatePost(f.ctx, f.A, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Photos) != 2 || p.Photos[0].Width != community.MaxSide || p.Photos[0].Height != 800 || p.PhotoCount != 2 {
			t.Fatalf("photos %+v", p.Photos)
		}
		data, err := f.Svc.PhotoData(f.ctx, community.Visitor{}, p.Photos[0].ID, true)
		if err != nil || !bytes.HasPrefix(data, []byte{0xff, 0xd8}) {
			t.Fatalf("thumb: %v % x", err, data[:min(4, len(data))])
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != community.ThumbSide {
			t.Fatalf("thumb size %+v %v", cfg, err)
		}
		for name, up := range map[string][]byte{
			"html as photo": []byte("<html><script>alert(1)</script></html>"),
			"truncated png": pngBytes(t, 50, 50)[:60],
			"empty":         {},
		} {
			_, err := f.Svc.CreatePost(f.ctx, f.A, community.PostInput{Topic: "trip", Title: "x", Body: "y", Photos: []community.Upload{{Data: up}}})
			if e := apperr.As(err); e == nil || e.Fields["photos"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		ten := make([]community.Upload, 10)
		for i := range ten {
			ten[i] = community.Upload{Data: pngBytes(t, 10, 10)}
		}
		_, err = f.Svc.CreatePost(f.ctx, f.A, community.PostInput{Topic: "trip", Title: "x", Body: "y", Photos: ten})
		wantCode(t, "ten photos", err, apperr.Invalid)
		// Edit: remove one, add one; positions stay 0..n-1.
		ed, err := f.Svc.EditPost(f.ctx, f.A, p.ID, community.PostInput{Topic: "trip", Title: "露营", Body: "风景很好",
			RemovePhotos: []int64{p.Photos[0].ID}, Photos: []community.Upload{{Data: pngBytes(t, 20, 20)}}})
		if err != nil || len(ed.Photos) != 2 || ed.Photos[0].ID != p.Photos[1].ID {
			t.Fatalf("edit photos: %v %+v", err, ed.Photos)
		}
		if n := f.count(`SELECT MAX(position) FROM post_photos WHERE post_id = $1`, p.ID); n != 1 {
			t.Fatalf("positions up to %d", n)
		}
	})
}

func TestSearch(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		inTitle := f.post(f.A, "浦东换电站排队攻略", "晚上去人少。")
		inBody := f.post(f.B, "周末出游", "路上在浦东换电站换了一次电，很快。")
		other := f.post(f.C, "冬季续航", "开暖风续航打八折，ES6 也一样。")
		if _, err := f.Svc.AddComment(f.ctx, f.B, other.ID, community.CommentInput{Body: "家充桩谷电很便宜"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10)
		if err != nil || len(got) != 2 || got[0].ID != inTitle.ID || got[1].ID != inBody.ID {
			t.Fatalf("换电站: %v %v", err, ids(got))
		}
		if !strings.Contains(string(got[0].TitleHTML), "<mark>换电站</mark>") || !strings.Contains(string(got[1].SnippetHTML), "<mark>换电站</mark>") {
			t.Fatalf("highlight: %s / %s", got[0].TitleHTML, got[1].SnippetHTML)
		}
		// Comments are searched; Latin words match case-insensitively.
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "谷电", "", 10); len(got) != 1 || got[0].ID != other.ID || !strings.Contains(string(got[0].SnippetHTML), "评论") {
			t.Fatalf("comment search: %v", ids(got))
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "es6", "", 10); len(got) != 1 || got[0].ID != other.ID {
			t.Fatalf("latin search: %v", ids(got))
		}
		// A single character falls back to a substring match; nothing found is empty.
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "冬", "", 10); len(got) != 1 {
			t.Fatalf("one character: %v", ids(got))
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "火星基地", "", 10); len(got) != 0 {
			t.Fatalf("no match: %v", ids(got))
		}
		// Markup in the query is escaped in the highlight.
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "<b>换电站</b>", "", 10); len(got) == 0 || strings.Contains(string(got[0].TitleHTML), "<b>") {
			t.Fatalf("query markup: %v", got)
		}
		// Edited text is reindexed; hidden posts drop out.
		if _, err := f.Svc.EditPost(f.ctx, f.A, inTitle.ID, community.PostInput{Topic: "charging", Title: "排队攻略", Body: "晚上去人少。"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10); len(got) != 1 || got[0].ID != inBody.ID {
			t.Fatalf("after edit: %v", ids(got))
		}
		if err := f.Svc.Moderate(f.ctx, f.Mod, community.ModAction{Kind: "post", ID: inBody.ID, Action: community.ActHide, Reason: "测试"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10); len(got) != 0 {
			t.Fatalf("after hide: %v", ids(got))
		}
	})
}

func ids(ps []*community.Post) []int64 {
	var out []int64
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestModeration(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Banned words: only moderators manage them.
		_, err := f.Svc.AddBannedWord(f.ctx, f.Sales, "加微信", "block")
		wantCode(t, "sales adds word", err, apperr.Forbidden)
		if _, err := f.Svc.AddBannedWord(f.ctx, f.Mod, "加微信", "block"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.AddBannedWord(f.ctx, f.Admin, "退车", "hold"); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.AddBannedWord(f.ctx, f.Admin, "退车", "hold")
		wantCode(t, "duplicate word", err, apperr.Invalid)
		_, err = f.Svc.CreatePost(f.ctx, f.A, community.PostInput{Topic: "trip", Title: "优惠", Body: "详情加微信"})
		if e := apperr.As(err); e == nil || e.Fields["body"] == "" {
			t.Fatalf("blocked word: %v", err)
		}
		held, err := f.Svc.CreatePost(f.ctx, f.A, community.PostInput{Topic: "trip", Title: "想退车", Body: "有点后悔"})
		if err != nil || held.Visible() || held.Moderation != community.ModHeld {
			t.Fatalf("held: %v %+v", err, held)
		}
		_, err = f.Svc.Get(f.ctx, community.Visitor{User: f.B}, held.ID)
		wantCode(t, "held post to others", err, apperr.NotFound)
		// Reports reach the queue.
		p := f.post(f.B, "普通帖子", "内容")
		_, err = f.Svc.Report(f.ctx, f.B, community.ReportInput{PostID: p.ID, Reason: "spam"})
		wantCode(t, "report own", err, apperr.Invalid)
		if _, err := f.Svc.Report(f.ctx, f.A, community.ReportInput{PostID: p.ID, Reason: "spam", Detail: "广告"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Report(f.ctx, f.A, community.ReportInput{PostID: p.ID, Reason: "abuse"})
		wantCode(t, "report twice", err, apperr.Conflict)
		_, err = f.Svc.Report(f.ctx, f.A, community.ReportInput{PostID: p.ID, Reason: "nope"})
		wantCode(t, "bad reason", err, apperr.Invalid)
		_, err = f.Svc.Queue(f.ctx, f.Sales)
		wantCode(t, "sales queue", err, apperr.Forbidden)
		q, err := f.Svc.Queue(f.ctx, f.Mod)
		if err != nil || len(q) != 2 {
			t.Fatalf("queue: %v %+v", err, q)
		}
		// Hide needs a reason; the author sees it; others do not see the post.
		err = f.Svc.Moderate(f.ctx, f.Mod, community.ModAction{Kind: "post", ID: p.ID, Action: community.ActHide})
		wantCode(t, "hide without reason", err, apperr.Invalid)
		if err := f.Svc.Moderate(f.ctx, f.Mod, community.ModAction{Kind: "post", ID: p.ID, Action: community.ActHide, Reason: "含广告信息"}); err != nil {
			t.Fatal(err)
		}
		mine, err := f.Svc.Get(f.ctx, community.Visitor{User: f.B}, p.ID)
		if err != nil || mine.ModerationReason != "含广告信息" || mine.Visible() {
			t.Fatalf("author view: %v %+v", err, mine)
		}
		_, err = f.Svc.Get(f.ctx, community.Visitor{}, p.ID)
		wantCode(t, "hidden to public", err, apperr.NotFound)
		if n := f.count(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.id = $1 AND n.kind = 'community.moderated' AND n.body LIKE '%含广告信息%'`, f.B.ID); n != 1 {
			t.Fatalf("author notified %d times", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM community_reports WHERE status = 'actioned'`); n != 1 {
			t.Fatalf("reports actioned %d", n)
		}
		// Restore and approve held content; delete is final.
		if err := f.Svc.Moderate(f.ctx, f.Admin, community.ModAction{Kind: "post", ID: p.ID, Action: community.ActRestore}); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.Moderate(f.ctx, f.Admin, community.ModAction{Kind: "post", ID: held.ID, Action: community.ActRestore}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Get(f.ctx, community.Visitor{}, held.ID); err != nil {
			t.Fatalf("approved post: %v", err)
		}
		if err := f.Svc.Moderate(f.ctx, f.Admin, community.ModAction{Kind: "post", ID: held.ID, Action: community.ActDelete, Reason: "重复发帖"}); err != nil {
			t.Fatal(err)
		}
		err = f.Svc.Moderate(f.ctx, f.Admin, community.ModAction{Kind: "post", ID: held.ID, Action: community.ActRestore})
		wantCode(t, "restore deleted", err, apperr.Conflict)
		// Comments: hidden ones leave the count.
		c, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "骂人的话"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.Moderate(f.ctx, f.Mod, community.ModAction{Kind: "comment", ID: c.ID, Action: community.ActHide, Reason: "人身攻击"}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT comment_count FROM posts WHERE id = $1`, p.ID); n != 0 {
			t.Fatalf("comment_count %d", n)
		}
		// Every action is audited.
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'community_%'`); n != 7 {
			t.Fatalf("audit entries %d, want 7", n)
		}
		// Mutes stop writing until they end.
		if _, err := f.Svc.Mute(f.ctx, f.Mod, f.C.CustomerID, 1, "多次辱骂"); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "再来"})
		wantCode(t, "muted comment", err, apperr.Forbidden)
		f.Clock.Advance(25 * time.Hour)
		if _, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "我改了"}); err != nil {
			t.Fatalf("after mute: %v", err)
		}
	})
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.Svc.Limits = community.Limits{Posts: 2, PostWindow: time.Hour, Comments: 3, CommentWindow: 10 * time.Minute, Reports: 1}
		p := f.post(f.A, "一", "一")
		f.post(f.A, "二", "二")
		_, err := f.Svc.CreatePost(f.ctx, f.A, community.PostInput{Topic: "trip", Title: "三", Body: "三"})
		wantCode(t, "third post", err, apperr.RateLimited)
		if e := apperr.As(err); e.RetryAfter <= 0 || e.RetryAfter > time.Hour {
			t.Fatalf("retry after %v", e.RetryAfter)
		}
		f.post(f.B, "别人不受影响", "是的")
		for i := 0; i < 3; i++ {
			if _, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "顶"}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "顶"})
		wantCode(t, "fourth comment", err, apperr.RateLimited)
		f.Clock.Advance(11 * time.Minute)
		if _, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "顶"}); err != nil {
			t.Fatalf("after window: %v", err)
		}
	})
}

func TestNickname(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.Svc.SetNickname(f.ctx, f.A, "浦东换电侠"); err != nil {
			t.Fatal(err)
		}
		_, err := f.Svc.SetNickname(f.ctx, f.B, "浦东换电侠")
		wantCode(t, "taken", err, apperr.Invalid)
		_, err = f.Svc.SetNickname(f.ctx, f.B, "电话13912345678")
		wantCode(t, "phone", err, apperr.Invalid)
		_, err = f.Svc.SetNickname(f.ctx, f.B, "<b>x</b>")
		wantCode(t, "markup", err, apperr.Invalid)
		p := f.post(f.A, "标题", "正文")
		if p.Author.Nickname != "浦东换电侠" {
			t.Fatalf("nickname %q", p.Author.Nickname)
		}
	})
}

func TestErase(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		own := f.post(f.A, "要注销的车主的帖子", "正文")
		other := f.post(f.B, "别人的帖子", "正文")
		if _, err := f.Svc.AddComment(f.ctx, f.B, own.ID, community.CommentInput{Body: "别人的评论"}); err != nil {
			t.Fatal(err)
		}
		c, err := f.Svc.AddComment(f.ctx, f.A, other.ID, community.CommentInput{Body: "我的手机号是多少来着"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.AddComment(f.ctx, f.C, other.ID, community.CommentInput{Body: "回复", ParentID: c.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Like(f.ctx, f.A, other.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Favorite(f.ctx, f.A, other.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Report(f.ctx, f.A, community.ReportInput{PostID: other.ID, Reason: "other", Detail: "我的举报说明"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Mute(f.ctx, f.Mod, f.A.CustomerID, 1, "测试"); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE body LIKE '%手机号%'`); n != 1 {
			t.Fatalf("B was told of A's comment %d times", n)
		}
		err = d.InTx(f.ctx, func(tx *sql.Tx) error { return community.Erase(f.ctx, tx, f.A.CustomerID, f.A.ID, start) })
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.Get(f.ctx, community.Visitor{}, own.ID)
		wantCode(t, "erased owner's post", err, apperr.NotFound)
		p, err := f.Svc.Get(f.ctx, community.Visitor{}, other.ID)
		if err != nil || p.LikeCount != 0 || p.FavoriteCount != 0 || p.CommentCount != 1 {
			t.Fatalf("other post after erase: %v %+v", err, p)
		}
		cs, _ := f.Svc.Comments(f.ctx, community.Visitor{}, other.ID)
		if len(cs) != 1 || cs[0].Body != "" || len(cs[0].Replies) != 1 {
			t.Fatalf("placeholder: %+v", cs)
		}
		if n := f.count(`SELECT COUNT(*) FROM comments WHERE body LIKE '%手机号%'`) + f.count(`SELECT COUNT(*) FROM community_profiles WHERE customer_id = $1`, f.A.CustomerID); n != 0 {
			t.Fatalf("%d rows of the erased owner left", n)
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "手机号", "", 10); len(got) != 0 {
			t.Fatalf("erased comment still searchable: %v", ids(got))
		}
		// The notification that quoted the comment to B keeps no text of it.
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE body LIKE '%手机号%' OR title LIKE $1`, fmt.Sprintf("车友%d 评论%%", f.A.CustomerID)); n != 0 {
			t.Fatalf("%d notifications still quote the erased owner", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE link = $1 AND title LIKE '%已注销%'`, fmt.Sprintf("/community/posts/%d#c%d", other.ID, c.ID)); n != 1 {
			t.Fatalf("redacted notification: %d", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM community_reports WHERE reporter_customer_id = $1`, f.A.CustomerID) +
			f.count(`SELECT COUNT(*) FROM community_mutes WHERE customer_id = $1`, f.A.CustomerID); n != 0 {
			t.Fatalf("%d reports or mutes of the erased owner left", n)
		}
	})
}

// TestBackfill: posts loaded without search entries or hot scores (older
// data, an import, a generator) get them; a second run changes nothing;
// hidden posts stay out of the index.
func TestBackfill(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Written by the service: already complete.
		done := f.post(f.A, "冬季续航实测", "预热电池有用。")
		created := start.Add(-48 * time.Hour)
		bare := f.id(`INSERT INTO posts (customer_id, topic, title, body, status, like_count, comment_count, created_at, updated_at)
			VALUES ($1, 'charging', '浦东换电站排队攻略', '晚上去人少', 'published', 3, 1, $2, $2) RETURNING id`, f.B.CustomerID, created)
		f.exec(`INSERT INTO comments (post_id, customer_id, body, status, created_at) VALUES ($1, $2, '谷电很便宜', 'published', $3)`, bare, f.A.CustomerID, created)
		hidden := f.id(`INSERT INTO posts (customer_id, topic, title, body, status, moderation, created_at, updated_at)
			VALUES ($1, 'charging', '换电站广告', '加微信', 'hidden', 'hidden', $2, $2) RETURNING id`, f.B.CustomerID, created)
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10); len(got) != 0 {
			t.Fatalf("bare post found before the backfill: %v", ids(got))
		}
		res, err := community.Backfill(f.ctx, d)
		if err != nil || res.Indexed != 1 || res.Scored != 2 {
			t.Fatalf("backfill: %+v %v", res, err)
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10); len(got) != 1 || got[0].ID != bare {
			t.Fatalf("after the backfill: %v", ids(got))
		}
		if got, _ := f.Svc.Search(f.ctx, community.Visitor{}, "谷电", "", 10); len(got) != 1 || got[0].ID != bare {
			t.Fatalf("comment of the bare post: %v", ids(got))
		}
		var score int64
		if err := d.QueryRowContext(f.ctx, `SELECT hot_score FROM posts WHERE id = $1`, bare).Scan(&score); err != nil || score != community.HotScore(3, 1, created) {
			t.Fatalf("hot score %d, want %d (%v)", score, community.HotScore(3, 1, created), err)
		}
		if n := f.count(`SELECT COUNT(*) FROM post_terms WHERE post_id = $1`, hidden); n != 0 {
			t.Fatalf("hidden post indexed: %d terms", n)
		}
		before := f.count(`SELECT COUNT(*) FROM post_terms`)
		if res, err := community.Backfill(f.ctx, d); err != nil || res != (community.BackfillResult{}) {
			t.Fatalf("second run: %+v %v", res, err)
		}
		if after := f.count(`SELECT COUNT(*) FROM post_terms`); after != before || f.count(`SELECT COUNT(*) FROM post_terms WHERE post_id = $1`, done.ID) == 0 {
			t.Fatalf("second run changed the index: %d -> %d", before, after)
		}
	})
}

// TestSearchPages: search results page through the feed's cursor shape,
// each result once, up to the total; a cursor is tied to its query and
// topic; single-character queries page too.
func TestSearchPages(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.Svc.Limits.Posts = 0
		want := map[int64]bool{}
		for i := range 7 {
			p := f.post([]*identity.User{f.A, f.B, f.C}[i%3], fmt.Sprintf("换电站体验第%d篇", i+1), strings.Repeat("换电站很快。", i+1))
			want[p.ID] = true
		}
		f.post(f.A, "冬季续航", "预热电池。")
		for _, q := range []string{"换电站", "换"} {
			got := map[int64]bool{}
			cursor, pages := "", 0
			for {
				pg, total, err := f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Q: q, Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s page %d: %v", q, pages+1, err)
				}
				pages++
				if total.N != 7 {
					t.Fatalf("%s: total %+v", q, total)
				}
				for _, p := range pg.Items {
					if got[p.ID] || !want[p.ID] {
						t.Fatalf("%s: page %d has post %d again or unexpected", q, pages, p.ID)
					}
					got[p.ID] = true
				}
				if !pg.HasNext() {
					break
				}
				cursor = pg.NextCursor
				if pages == 1 {
					_, _, err := f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Q: "续航", Limit: 3, Cursor: cursor})
					wantCode(t, "cursor of another query", err, apperr.Invalid)
					_, _, err = f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Q: q, Topic: "trip", Limit: 3, Cursor: cursor})
					wantCode(t, "cursor of another topic", err, apperr.Invalid)
					_, _, err = f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Limit: 3, Cursor: cursor})
					wantCode(t, "search cursor in the feed", err, apperr.Invalid)
				}
			}
			if pages != 3 || len(got) != 7 {
				t.Fatalf("%s: %d results in %d pages", q, len(got), pages)
			}
		}
		// The best match still comes first on the first page.
		pg, _, err := f.Svc.Feed(f.ctx, community.Visitor{}, community.Filter{Q: "换电站", Limit: 3})
		if err != nil || len(pg.Items) != 3 || !strings.Contains(string(pg.Items[0].TitleHTML), "<mark>") {
			t.Fatalf("first page: %v %v", err, pg.Items)
		}
	})
}

// TestEditComment: authors edit their own comments and replies; the text
// is checked as a new comment's (blocked words refused, held words sent
// to review); the edit is marked, reindexed and audited; another owner,
// staff and anonymous visitors cannot, and another owner gets NotFound.
func TestEditComment(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p := f.post(f.A, "冬季续航", "早上出门续航掉了不少。")
		c, err := f.Svc.AddComment(f.ctx, f.B, p.ID, community.CommentInput{Body: "试试预热电池"})
		if err != nil {
			t.Fatal(err)
		}
		reply, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "同问", ParentID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(time.Hour)
		got, err := f.Svc.EditComment(f.ctx, f.B, c.ID, "  试试出门前预热电池，浦东换电站也很快  ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Body != "试试出门前预热电池，浦东换电站也很快" || got.EditedAt == nil || got.EditedAt.Sub(got.CreatedAt) < time.Hour || !got.Visible() || got.PostTitle != p.Title {
			t.Fatalf("edited: %+v", got)
		}
		if hits, _ := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10); len(hits) != 1 || hits[0].ID != p.ID {
			t.Fatalf("edited text not searchable: %v", ids(hits))
		}
		cs, _ := f.Svc.Comments(f.ctx, community.Visitor{}, p.ID)
		if len(cs) != 1 || cs[0].EditedAt == nil || len(cs[0].Replies) != 1 {
			t.Fatalf("comments after edit: %+v", cs)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'community_edit_comment' AND entity_id = $1`, c.ID); n != 1 {
			t.Fatalf("edit audited %d times", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'community_edit_comment' AND detail LIKE '%预热%'`); n != 0 {
			t.Fatal("the audit keeps the comment's text")
		}
		// Replies are edited the same way.
		if _, err := f.Svc.EditComment(f.ctx, f.C, reply.ID, "同问，补充一下"); err != nil {
			t.Fatal(err)
		}

		// Others: another owner gets NotFound (as for a missing comment); staff and anonymous are refused.
		_, err = f.Svc.EditComment(f.ctx, f.A, c.ID, "改别人的评论")
		wantCode(t, "another owner's comment", err, apperr.NotFound)
		_, err = f.Svc.MyComment(f.ctx, f.A, c.ID)
		wantCode(t, "another owner's comment for editing", err, apperr.NotFound)
		_, err = f.Svc.EditComment(f.ctx, f.B, 999999, "x")
		wantCode(t, "missing comment", err, apperr.NotFound)
		_, err = f.Svc.EditComment(f.ctx, f.Admin, c.ID, "x")
		wantCode(t, "admin", err, apperr.Forbidden)
		_, err = f.Svc.EditComment(f.ctx, nil, c.ID, "x")
		wantCode(t, "anonymous", err, apperr.Unauthenticated)
		_, err = f.Svc.EditComment(f.ctx, f.B, c.ID, "   ")
		wantCode(t, "empty", err, apperr.Invalid)
		_, err = f.Svc.EditComment(f.ctx, f.B, c.ID, strings.Repeat("长", community.MaxComment+1))
		wantCode(t, "too long", err, apperr.Invalid)

		// Banned words: block refuses on "body", hold takes the comment out of view.
		if _, err := f.Svc.AddBannedWord(f.ctx, f.Mod, "加微信", "block"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.AddBannedWord(f.ctx, f.Mod, "代充", "hold"); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.EditComment(f.ctx, f.B, c.ID, "详情加微信")
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Fields["body"] == "" {
			t.Fatalf("blocked word: %v", err)
		}
		held, err := f.Svc.EditComment(f.ctx, f.B, c.ID, "有代充服务吗")
		if err != nil || held.Visible() || held.Moderation != community.ModHeld {
			t.Fatalf("held word: %+v %v", held, err)
		}
		if pp, _ := f.Svc.Get(f.ctx, community.Visitor{}, p.ID); pp.CommentCount != 1 {
			t.Fatalf("comment count after hold: %d", pp.CommentCount)
		}
		if hits, _ := f.Svc.Search(f.ctx, community.Visitor{}, "换电站", "", 10); len(hits) != 0 {
			t.Fatalf("held comment still searchable: %v", ids(hits))
		}
		// Still held after another edit; a moderator's hide is final for the author.
		if again, err := f.Svc.EditComment(f.ctx, f.B, c.ID, "有没有充电服务"); err != nil || again.Visible() {
			t.Fatalf("edit of a held comment: %+v %v", again, err)
		}
		if err := f.Svc.Moderate(f.ctx, f.Mod, community.ModAction{Kind: "comment", ID: reply.ID, Action: community.ActHide, Reason: "测试"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.EditComment(f.ctx, f.C, reply.ID, "再改")
		wantCode(t, "hidden by a moderator", err, apperr.Conflict)
		// Removed by its author: gone.
		mine, err := f.Svc.AddComment(f.ctx, f.C, p.ID, community.CommentInput{Body: "删掉的评论"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.DeleteComment(f.ctx, f.C, mine.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.EditComment(f.ctx, f.C, mine.ID, "复活")
		wantCode(t, "removed", err, apperr.NotFound)
		// Muted owners cannot edit.
		ok, err := f.Svc.AddComment(f.ctx, f.A, p.ID, community.CommentInput{Body: "作者回复"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Mute(f.ctx, f.Mod, f.A.CustomerID, 1, "测试"); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.EditComment(f.ctx, f.A, ok.ID, "禁言中改评论")
		wantCode(t, "muted", err, apperr.Forbidden)
	})
}
