package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

type communityPost struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	BodyHTML  string `json:"body_html"`
	Status    string `json:"status"`
	LikeCount int    `json:"like_count"`
	Author    struct {
		Nickname string `json:"nickname"`
		Badge    string `json:"badge"`
	} `json:"author"`
	Photos []struct {
		ID    int64 `json:"id"`
		Width int   `json:"width"`
	} `json:"photos"`
	TitleHTML string `json:"title_html"`
	Comments  []struct {
		ID   int64  `json:"id"`
		Body string `json:"body"`
	} `json:"comments"`
}

// TestCommunityAPI: the public list and search, an owner's post with a
// photo, another owner's comment and idempotent likes, a report, and the
// moderator's queue and decision, on every database of the run.
func TestCommunityAPI(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			e := &env{s: apptest.Start(t, dialect), ctx: context.Background()}
			author := e.s.Login(t, "owner")
			other := e.register(t, "13600009901", "评论的车主")

			// Anonymous visitors read the list in the shared shape.
			var list struct {
				Items      []communityPost `json:"items"`
				NextCursor string          `json:"next_cursor"`
				Total      int             `json:"total"`
			}
			e.ok(t, nil, 200, "GET", "/api/v1/community/posts?limit=5", nil, &list)
			if len(list.Items) == 0 || list.Total < len(list.Items) {
				t.Fatalf("public list: %+v", list)
			}
			e.do(t, nil, "GET", "/api/v1/community/posts?topic=nope", nil).wantError(t, 422, "invalid", "topic")
			e.do(t, nil, "POST", "/api/v1/community/posts", map[string]any{"topic": "trip", "title": "x", "body": "y"}).wantError(t, 401, "unauthenticated", "")

			// An owner posts with a photo; Markdown is rendered, script dropped.
			var buf bytes.Buffer
			if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 200, 100))); err != nil {
				t.Fatal(err)
			}
			var p communityPost
			e.ok(t, author, 201, "POST", "/api/v1/community/posts", map[string]any{"topic": "charging", "title": "API 发帖：换电站实测",
				"body": "**五分钟**换好<script>alert(1)</script>", "photos": []string{base64.StdEncoding.EncodeToString(buf.Bytes())}}, &p)
			if !strings.Contains(p.BodyHTML, "<strong>五分钟</strong>") || strings.Contains(p.BodyHTML, "<script") || len(p.Photos) != 1 || p.Photos[0].Width != 200 {
				t.Fatalf("created: %+v", p)
			}
			e.do(t, author, "POST", "/api/v1/community/posts", map[string]any{"topic": "trip", "title": "x", "body": "y", "photos": []string{"不是图片"}}).
				wantError(t, 422, "invalid", "photos")
			e.do(t, author, "POST", "/api/v1/community/posts", map[string]any{"topic": "charging", "title": "", "body": "y"}).wantError(t, 422, "invalid", "title")

			// Another owner comments and likes twice: counted once.
			path := fmt.Sprintf("/api/v1/community/posts/%d", p.ID)
			var cm struct {
				ID       int64   `json:"id"`
				Body     string  `json:"body"`
				EditedAt *string `json:"edited_at"`
			}
			e.ok(t, other, 201, "POST", path+"/comments", map[string]any{"body": "请问是哪个站？"}, &cm)
			if cm.EditedAt != nil {
				t.Fatalf("new comment marked edited: %+v", cm)
			}
			// Its author edits it; the post's author gets 404, as for a missing comment.
			cpath := fmt.Sprintf("/api/v1/community/comments/%d", cm.ID)
			e.ok(t, other, 200, "PATCH", cpath, map[string]any{"body": "请问是哪个换电站？"}, &cm)
			if cm.Body != "请问是哪个换电站？" || cm.EditedAt == nil {
				t.Fatalf("edited comment: %+v", cm)
			}
			e.do(t, author, "PATCH", cpath, map[string]any{"body": "改别人的"}).wantError(t, 404, "not_found", "")
			e.do(t, nil, "PATCH", cpath, map[string]any{"body": "x"}).wantError(t, 401, "unauthenticated", "")
			e.do(t, other, "PATCH", cpath, map[string]any{"body": " "}).wantError(t, 422, "invalid", "body")
			var st struct {
				On    bool `json:"on"`
				Count int  `json:"count"`
			}
			e.ok(t, other, 200, "PUT", path+"/like", nil, &st)
			e.ok(t, other, 200, "PUT", path+"/like", nil, &st)
			if !st.On || st.Count != 1 {
				t.Fatalf("like twice: %+v", st)
			}
			e.ok(t, other, 200, "PUT", path+"/favorite", nil, &st)
			var got communityPost
			e.ok(t, nil, 200, "GET", path, nil, &got)
			if got.LikeCount != 1 || len(got.Comments) != 1 || got.Author.Nickname == "" {
				t.Fatalf("read back: %+v", got)
			}
			// The author may edit; the other owner may not.
			e.do(t, other, "PATCH", path, map[string]any{"title": "改标题"}).wantError(t, 403, "forbidden", "")
			e.ok(t, author, 200, "PATCH", path, map[string]any{"title": "API 发帖：换电站实测（更新）"}, &got)

			// Search finds it with the match marked.
			e.ok(t, nil, 200, "GET", "/api/v1/community/posts?q="+urlQuery("换电站实测"), nil, &list)
			if len(list.Items) == 0 || list.Items[0].ID != p.ID || !strings.Contains(list.Items[0].TitleHTML, "<mark>") {
				t.Fatalf("search: %+v", list.Items)
			}

			// Search pages through the shared list shape: every result once.
			seen := map[int64]bool{}
			next, pages := "", 0
			for {
				var pg struct {
					Items      []communityPost `json:"items"`
					NextCursor string          `json:"next_cursor"`
					Total      int             `json:"total"`
				}
				e.ok(t, nil, 200, "GET", "/api/v1/community/posts?limit=4&q="+urlQuery("换电")+"&cursor="+next, nil, &pg)
				pages++
				for _, it := range pg.Items {
					if seen[it.ID] {
						t.Fatalf("page %d repeats post %d", pages, it.ID)
					}
					seen[it.ID] = true
				}
				if pg.NextCursor == "" || pages == 3 {
					if pg.NextCursor == "" && len(seen) != pg.Total || pages == 3 && pg.Total <= 8 {
						t.Fatalf("search pages: %d results in %d pages, total %d", len(seen), pages, pg.Total)
					}
					if pages == 3 {
						// A cursor belongs to its query.
						e.do(t, nil, "GET", "/api/v1/community/posts?limit=4&q="+urlQuery("续航")+"&cursor="+pg.NextCursor, nil).wantError(t, 422, "invalid", "cursor")
					}
					break
				}
				if len(pg.Items) != 4 {
					t.Fatalf("page %d has %d items", pages, len(pg.Items))
				}
				next = pg.NextCursor
			}

			// A report, then the queue: service staff need the moderator permission.
			e.ok(t, other, 201, "POST", "/api/v1/community/reports", map[string]any{"post_id": p.ID, "reason": "spam", "detail": "广告"}, nil)
			e.do(t, other, "POST", "/api/v1/community/reports", map[string]any{"post_id": p.ID, "reason": "spam"}).wantError(t, 409, "conflict", "")
			e.do(t, e.s.Login(t, "service"), "GET", "/api/v1/community/moderation/queue", nil).wantError(t, 403, "forbidden", "")
			admin := e.s.Login(t, "admin")
			var q struct {
				Items []struct {
					Kind    string   `json:"kind"`
					ID      int64    `json:"id"`
					Reasons []string `json:"reasons"`
				} `json:"items"`
			}
			e.ok(t, admin, 200, "GET", "/api/v1/community/moderation/queue", nil, &q)
			found := false
			for _, it := range q.Items {
				found = found || it.Kind == "post" && it.ID == p.ID
			}
			if !found {
				t.Fatalf("queue lacks the reported post: %+v", q.Items)
			}
			e.do(t, admin, "POST", "/api/v1/community/moderation/actions", map[string]any{"kind": "post", "id": p.ID, "action": "hide"}).
				wantError(t, 422, "invalid", "reason")
			e.ok(t, admin, 200, "POST", "/api/v1/community/moderation/actions", map[string]any{"kind": "post", "id": p.ID, "action": "hide", "reason": "测试隐藏"}, nil)
			e.do(t, nil, "GET", path, nil).wantError(t, 404, "not_found", "")
			e.ok(t, author, 200, "GET", path, nil, &got)
			if got.Status != "hidden" {
				t.Fatalf("author's view: %+v", got)
			}
			e.ok(t, author, 204, "DELETE", path, nil, nil)
			e.do(t, author, "GET", path, nil).wantError(t, 404, "not_found", "")
		})
	}
}

func urlQuery(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
