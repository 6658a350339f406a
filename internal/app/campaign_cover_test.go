package app_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestCampaignCoverUploadPage: the campaign form posts as multipart with a
// cover picture through the whole middleware chain (body limit, text
// check of the multipart values); the picture is served re-encoded to the
// staff while the campaign is a draft and to nobody else; a file that is
// not a picture comes back beside the field.
func TestCampaignCoverUploadPage(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	c := s.Session(t, "sales")
	img := image.NewRGBA(image.Rect(0, 0, 800, 300))
	for x := range 800 {
		img.Set(x, x%300, color.RGBA{20, 120, 200, 255})
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	post := func(file []byte) *http.Response {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range map[string]string{"name": "封面上传测试", "kind": "launch", "channel": "online", "starts_at": "2026-12-10T10:00",
			"ends_at": "2026-12-10T17:00", "capacity": "0", "holdout_pct": "10", "attribution_days": "30", "benefit_kind": "none"} {
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("cover_image", "cover.png")
		_, _ = fw.Write(file)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/sales/campaigns", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Origin", s.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := post([]byte("not a picture at all"))
	b := readBody(t, res)
	if res.StatusCode != 422 || !strings.Contains(b, "只支持 JPG、PNG 或 WebP 格式的图片") {
		t.Fatalf("a text file as cover: %d", res.StatusCode)
	}
	res = post(pic.Bytes())
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/sales/campaigns/") {
		t.Fatalf("create with a cover: %d %s", res.StatusCode, loc)
	}
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/sales/campaigns/")
	res, err := c.Get(s.URL + "/campaigns/" + id + "/cover?size=thumb")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(readBody(t, res))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}) {
		t.Fatalf("staff cover: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, err = s.Client().Get(s.URL + "/campaigns/" + id + "/cover")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("a draft's cover for a visitor: %d", res.StatusCode)
	}
}

// readBody reads and closes a response's body.
func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
