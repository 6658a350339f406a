package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/site"
)

// The official content editor (/admin/content): news and announcements,
// drafted, scheduled, published, withdrawn and pinned by admins. Its
// handlers hang off Community, whose feed shows what it publishes.

// contentView is the data of the editor's list.
type contentView struct {
	News, Announcements []*content.Item
}

func (h *Community) contentList(rw http.ResponseWriter, r *http.Request) {
	news, anns, err := h.Content.Items(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_content", &page{Title: "官方内容", Nav: "content", Data: &contentView{News: news, Announcements: anns}})
}

// contentForm is the data of the editor's form.
type contentForm struct {
	Kind       string
	Item       *content.Item // nil for a new one
	Categories []struct{ Code, Label string }
}

// KindLabel names the kind.
func (f *contentForm) KindLabel() string {
	if f.Kind == "announcement" {
		return "公告"
	}
	return "资讯"
}

const contentTimeLayout = "2006-01-02T15:04"

func itemForm(it *content.Item) url.Values {
	f := url.Values{"title": {it.Title}, "summary": {it.Summary}, "body": {it.Body}, "category": {it.Category},
		"publish_at": {it.PublishedAt.In(site.Shanghai).Format(contentTimeLayout)}}
	if it.Important {
		f.Set("important", "1")
	}
	if it.Pinned {
		f.Set("pinned", "1")
	}
	if it.ExpiresAt != nil {
		f.Set("expires_at", it.ExpiresAt.In(site.Shanghai).Format(contentTimeLayout))
	}
	return f
}

func contentKind(s string) (string, error) {
	if s != "news" && s != "announcement" {
		return "", apperr.New(apperr.NotFound, "页面不存在")
	}
	return s, nil
}

func (h *Community) contentNew(rw http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	if kind != "announcement" {
		kind = "news"
	}
	form := url.Values{"category": {"company"}}
	h.render(rw, r, http.StatusOK, "admin_content_edit", &page{Title: "新建官方内容", Nav: "content", Form: form,
		Data: &contentForm{Kind: kind, Categories: content.Categories()}})
}

// readItem parses the editor's form.
func readItem(r *http.Request, kind string) (content.ItemInput, error) {
	if err := r.ParseForm(); err != nil {
		return content.ItemInput{}, apperr.New(apperr.Invalid, "表单无法解析")
	}
	f := r.PostForm
	in := content.ItemInput{Kind: kind, Title: f.Get("title"), Summary: f.Get("summary"), Body: f.Get("body"), Category: f.Get("category"),
		Important: f.Get("important") != "", Pinned: f.Get("pinned") != "", Publish: f.Get("publish") == "1"}
	var v apperr.Validator
	if s := strings.TrimSpace(f.Get("publish_at")); s != "" {
		t, err := time.ParseInLocation(contentTimeLayout, s, site.Shanghai)
		v.Check(err == nil, "publish_at", "请填写正确的发布时间")
		in.PublishAt = t
	}
	if s := strings.TrimSpace(f.Get("expires_at")); s != "" && kind == "announcement" {
		t, err := time.ParseInLocation(contentTimeLayout, s, site.Shanghai)
		v.Check(err == nil, "expires_at", "请填写正确的结束时间")
		if err == nil {
			in.ExpiresAt = &t
		}
	}
	return in, v.Err()
}

func (h *Community) contentCreate(rw http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	if kind != "announcement" {
		kind = "news"
	}
	in, err := readItem(r, kind)
	if err == nil {
		_, err = h.Content.SaveItem(r.Context(), httpx.User(r), 0, in)
	}
	if err != nil {
		h.formError(rw, r, "admin_content_edit", &page{Title: "新建官方内容", Nav: "content", URL: "/admin/content/new?kind=" + kind,
			Data: &contentForm{Kind: kind, Categories: content.Categories()}}, err)
		return
	}
	redirect(rw, r, "/admin/content", "content_saved")
}

func (h *Community) contentItem(r *http.Request) (*content.Item, error) {
	kind, err := contentKind(r.PathValue("kind"))
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return h.Content.Item(r.Context(), httpx.User(r), kind, id)
}

func (h *Community) contentEdit(rw http.ResponseWriter, r *http.Request) {
	it, err := h.contentItem(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_content_edit", &page{Title: "编辑官方内容", Nav: "content", Form: itemForm(it),
		Data: &contentForm{Kind: it.Kind, Item: it, Categories: content.Categories()}})
}

func (h *Community) contentSave(rw http.ResponseWriter, r *http.Request) {
	it, err := h.contentItem(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	in, err := readItem(r, it.Kind)
	if err == nil {
		_, err = h.Content.SaveItem(r.Context(), httpx.User(r), it.ID, in)
	}
	if err != nil {
		h.formError(rw, r, "admin_content_edit", &page{Title: "编辑官方内容", Nav: "content", URL: fmt.Sprintf("/admin/content/%s/%d", it.Kind, it.ID),
			Data: &contentForm{Kind: it.Kind, Item: it, Categories: content.Categories()}}, err)
		return
	}
	redirect(rw, r, "/admin/content", "content_saved")
}

func (h *Community) contentWithdraw(rw http.ResponseWriter, r *http.Request) {
	it, err := h.contentItem(r)
	if err == nil {
		err = h.Content.Withdraw(r.Context(), httpx.User(r), it.Kind, it.ID)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/admin/content", "withdrawn")
}

func (h *Community) contentPin(rw http.ResponseWriter, r *http.Request) {
	it, err := h.contentItem(r)
	if err == nil && it.Kind != "news" {
		err = apperr.New(apperr.Invalid, "只有资讯可以置顶")
	}
	on := r.FormValue("on") != "0"
	if err == nil {
		err = h.Content.SetPinned(r.Context(), httpx.User(r), it.ID, on)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	flash := "pinned"
	if !on {
		flash = "unpinned"
	}
	redirect(rw, r, "/admin/content", flash)
}
