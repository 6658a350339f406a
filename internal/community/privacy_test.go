package community_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/privacy"
)

// TestPrivacyExport checks that the owner's "下载我的数据" holds their
// community data: nickname, posts, comments and replies, likes,
// favourites, reports and mutes, and none of another owner's.
func TestPrivacyExport(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.Svc.SetNickname(f.ctx, f.A, "续航达人"); err != nil {
			t.Fatal(err)
		}
		own := f.post(f.A, "我的冬季续航记录", "早上九点出门，续航掉了两成。")
		other := f.post(f.B, "别人的换电体验", "换电五分钟。")
		c, err := f.Svc.AddComment(f.ctx, f.A, other.ID, community.CommentInput{Body: "我也去过这个换电站"})
		if err != nil {
			t.Fatal(err)
		}
		bc, err := f.Svc.AddComment(f.ctx, f.B, own.ID, community.CommentInput{Body: "B 的评论不属于 A"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.AddComment(f.ctx, f.A, own.ID, community.CommentInput{Body: "谢谢支持", ParentID: bc.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Like(f.ctx, f.A, other.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Favorite(f.ctx, f.A, other.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Report(f.ctx, f.A, community.ReportInput{PostID: other.ID, Reason: "spam", Detail: "像广告"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Mute(f.ctx, f.Mod, f.A.CustomerID, 3, "刷屏"); err != nil {
			t.Fatal(err)
		}

		var buf bytes.Buffer
		if err := privacy.NewService(d, f.Clock.Now).Export(f.ctx, f.A, &buf); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[zf.Name] = string(b)
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(files["data.json"]), &data); err != nil {
			t.Fatal(err)
		}
		section := func(name string) []map[string]any {
			t.Helper()
			raw, ok := data[name].([]any)
			if !ok {
				t.Fatalf("export has no section %s: %v", name, data[name])
			}
			out := make([]map[string]any, len(raw))
			for i, r := range raw {
				out[i] = r.(map[string]any)
			}
			if _, ok := files[name+".csv"]; !ok {
				t.Errorf("export has no %s.csv", name)
			}
			return out
		}
		if p := section("community_profile"); len(p) != 1 || p[0]["nickname"] != "续航达人" || p[0]["badge"] != "启航 ES6" {
			t.Errorf("profile: %v", p)
		}
		if p := section("community_posts"); len(p) != 1 || p[0]["title"] != own.Title || !strings.Contains(p[0]["body"].(string), "续航掉了两成") {
			t.Errorf("posts: %v", p)
		}
		cs := section("community_comments")
		if len(cs) != 2 || cs[0]["body"] != "我也去过这个换电站" || cs[0]["post_title"] != other.Title || cs[1]["body"] != "谢谢支持" ||
			cs[1]["reply_to"] != float64(bc.ID) || cs[0]["id"] != float64(c.ID) {
			t.Errorf("comments: %v", cs)
		}
		for _, name := range []string{"community_likes", "community_favorites"} {
			if l := section(name); len(l) != 1 || l[0]["post_id"] != float64(other.ID) {
				t.Errorf("%s: %v", name, l)
			}
		}
		if r := section("community_reports"); len(r) != 1 || r[0]["reason"] != "spam" || r[0]["detail"] != "像广告" {
			t.Errorf("reports: %v", r)
		}
		if m := section("community_mutes"); len(m) != 1 || m[0]["reason"] != "刷屏" {
			t.Errorf("mutes: %v", m)
		}
		for name, v := range data {
			if b, _ := json.Marshal(v); strings.HasPrefix(name, "community_") && strings.Contains(string(b), "B 的评论不属于 A") {
				t.Errorf("another owner's comment is in the export's %s", name)
			}
		}
		if !strings.Contains(files["README.txt"], "community_posts.csv") || !strings.HasPrefix(files["community_comments.csv"], "\ufeff评论号,") {
			t.Errorf("read-me or CSV header: %q", files["community_comments.csv"][:20])
		}
	})
}
