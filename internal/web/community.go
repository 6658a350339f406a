package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Community serves the owners' community (车友圈): the public feed and post
// pages, writing for owners, and the moderation pages for moderators.
type Community struct {
	*Renderer
	Community *community.Service
	Content   *content.Service
}

// Who may open the moderation pages: the service decides by permission.
var staff = []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}

func init() {
	for k, v := range map[string]string{
		"posted":        "发布成功！",
		"post_held":     "已提交。帖子包含需要审核的内容，审核通过后会公开，审核前只有你自己能看到。",
		"post_saved":    "修改已保存。",
		"post_deleted":  "帖子已删除。",
		"commented":     "评论已发布。",
		"comment_held":  "评论已提交，审核通过后公开。",
		"comment_gone":  "评论已删除。",
		"comment_saved": "评论已修改。",
		"reported":      "举报已提交，感谢你帮助维护车友圈秩序。",
		"nickname":      "昵称已更新。",
		"moderated":     "处理完成，作者已收到通知。",
		"muted":         "已禁言，该车主已收到通知。",
		"unmuted":       "已解除禁言。",
		"word_added":    "敏感词已添加。",
		"word_removed":  "敏感词已删除。",
		"content_saved": "官方内容已保存。",
		"withdrawn":     "已撤回，公众不再能看到。",
		"pinned":        "已置顶。",
		"unpinned":      "已取消置顶。",
	} {
		flashes[k] = v
	}
}

// Routes returns the community pages.
func (h *Community) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Public("GET", "/community", h.feed),
		httpx.Public("GET", "/community/posts/{id}", h.post),
		httpx.Public("GET", "/community/photos/{id}", h.photo),
		httpx.Public("GET", "/community/photos/{id}/thumb", h.photo),
		httpx.Only(owner, "GET", "/community/new", h.newPost),
		httpx.Only(owner, "POST", "/community/posts", h.createPost),
		httpx.Only(owner, "GET", "/community/posts/{id}/edit", h.editPost),
		httpx.Only(owner, "POST", "/community/posts/{id}/edit", h.savePost),
		httpx.Only(owner, "POST", "/community/posts/{id}/delete", h.deletePost),
		httpx.Only(owner, "POST", "/community/posts/{id}/comments", h.comment),
		httpx.Only(owner, "GET", "/community/comments/{id}/edit", h.editComment),
		httpx.Only(owner, "POST", "/community/comments/{id}/edit", h.saveComment),
		httpx.Only(owner, "POST", "/community/comments/{id}/delete", h.deleteComment),
		httpx.Only(owner, "POST", "/community/posts/{id}/like", h.like),
		httpx.Only(owner, "POST", "/community/posts/{id}/favorite", h.favorite),
		httpx.Only(owner, "GET", "/community/posts/{id}/report", h.reportForm),
		httpx.Only(owner, "POST", "/community/posts/{id}/report", h.report),
		httpx.Only(owner, "GET", "/community/me", h.me),
		httpx.Only(owner, "POST", "/community/me/nickname", h.nickname),
		httpx.Only(staff, "GET", "/community/moderation", h.queue),
		httpx.Only(staff, "POST", "/community/moderation/{kind}/{id}", h.moderate),
		httpx.Only(staff, "POST", "/community/moderation/mute", h.mute),
		httpx.Only(staff, "POST", "/community/moderation/unmute", h.unmute),
		httpx.Only(staff, "POST", "/community/moderation/words", h.addWord),
		httpx.Only(staff, "POST", "/community/moderation/words/{id}/delete", h.deleteWord),
		httpx.Only(admin, "GET", "/admin/content", h.contentList),
		httpx.Only(admin, "GET", "/admin/content/new", h.contentNew),
		httpx.Only(admin, "POST", "/admin/content/new", h.contentCreate),
		httpx.Only(admin, "GET", "/admin/content/{kind}/{id}", h.contentEdit),
		httpx.Only(admin, "POST", "/admin/content/{kind}/{id}", h.contentSave),
		httpx.Only(admin, "POST", "/admin/content/{kind}/{id}/withdraw", h.contentWithdraw),
		httpx.Only(admin, "POST", "/admin/content/{kind}/{id}/pin", h.contentPin),
	}
}

// feedItem is a post or an official news item in the feed.
type feedItem struct {
	Post *community.Post
	News *content.News
	At   time.Time
}

// feedView is the data of the feed page.
type feedView struct {
	Items         []feedItem
	Pinned        []content.News
	Announcements []content.Announcement
	Topics        []community.Topic
	Topic, Sort   string
	Q             string
	Next          string // URL of the next page, "" on the last
	Official      bool
	CanWrite      bool
	CanModerate   bool
	Searched      bool
	Total         listing.Total
	SearchMax     int // the most results a search pages through
}

// TopicLabel names the chosen topic.
func (v *feedView) TopicLabel() string { return community.TopicLabel(v.Topic) }

// URL returns the feed's address with key set to value (and no cursor).
func (v *feedView) URL(key, value string) string {
	q := url.Values{}
	if v.Topic != "" {
		q.Set("topic", v.Topic)
	}
	if v.Sort != "" && v.Sort != "latest" {
		q.Set("sort", v.Sort)
	}
	if v.Q != "" {
		q.Set("q", v.Q)
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if key == "topic" {
		q.Del("q")
	}
	if len(q) == 0 {
		return "/community"
	}
	return "/community?" + q.Encode()
}

func (h *Community) feed(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	q := r.URL.Query()
	v := &feedView{Topics: community.Topics, Topic: q.Get("topic"), Sort: q.Get("sort"), Q: strings.TrimSpace(q.Get("q")), SearchMax: community.SearchMax,
		CanWrite: u != nil && u.Role == identity.RoleOwner, CanModerate: community.CanModerate(u)}
	if v.Sort == "" {
		v.Sort = "latest"
	}
	if v.Topic == community.TopicOfficial {
		v.Official = true
		if err := h.officialPage(r, v); err != nil {
			h.fail(rw, r, err)
			return
		}
		h.render(rw, r, http.StatusOK, "community_feed", &page{Title: "车友圈", Nav: "community", Data: v})
		return
	}
	params, err := listing.ParseParams(q)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	pg, total, err := h.Community.Feed(r.Context(), community.Visitor{User: u}, community.Filter{Sort: v.Sort, Topic: v.Topic, Q: v.Q, Cursor: params.Cursor, Limit: 20})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v.Searched = v.Q != ""
	v.Total = total
	for _, p := range pg.Items {
		v.Items = append(v.Items, feedItem{Post: p, At: p.CreatedAt})
	}
	first := params.Cursor == ""
	if !v.Searched && v.Topic == "" && first {
		if v.Pinned, err = h.Content.PinnedNews(r.Context(), 3); err != nil {
			h.fail(rw, r, err)
			return
		}
		if v.Announcements, err = h.Content.Announcements(r.Context(), 3); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	// Official news published between this page's posts joins the latest feed.
	if !v.Searched && v.Topic == "" && v.Sort == "latest" {
		upper := h.Community.Now()
		if s, err := time.Parse(time.RFC3339Nano, q.Get("since")); err == nil && !first {
			upper = s
		}
		var lower time.Time
		if pg.HasNext() && len(pg.Items) > 0 {
			lower = pg.Items[len(pg.Items)-1].CreatedAt
		}
		news, err := h.Content.NewsBetween(r.Context(), lower, upper, 10)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		for i := range news {
			v.Items = append(v.Items, feedItem{News: &news[i], At: news[i].PublishedAt})
		}
		sort.SliceStable(v.Items, func(i, j int) bool { return v.Items[i].At.After(v.Items[j].At) })
	}
	if pg.HasNext() {
		next := url.Values{}
		for k, vals := range q {
			next[k] = vals
		}
		next.Set("cursor", pg.NextCursor)
		next.Del("ok")
		if len(pg.Items) > 0 {
			next.Set("since", pg.Items[len(pg.Items)-1].CreatedAt.Format(time.RFC3339Nano))
		}
		v.Next = "/community?" + next.Encode()
	}
	h.render(rw, r, http.StatusOK, "community_feed", &page{Title: "车友圈", Nav: "community", Data: v})
}

// officialPage fills v with a page of official news.
func (h *Community) officialPage(r *http.Request, v *feedView) error {
	var before time.Time
	if s := r.URL.Query().Get("before"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return apperr.Field("before", "翻页位置无效，请从第一页重新查看")
		}
		before = t
	}
	const limit = 20
	news, err := h.Content.NewsBefore(r.Context(), before, limit+1)
	if err != nil {
		return err
	}
	if len(news) > limit {
		news = news[:limit]
		v.Next = "/community?topic=official&before=" + url.QueryEscape(news[limit-1].PublishedAt.Format(time.RFC3339Nano))
	}
	for i := range news {
		v.Items = append(v.Items, feedItem{News: &news[i], At: news[i].PublishedAt})
	}
	return nil
}

// postView is the data of a post page.
type postView struct {
	Post        *community.Post
	Comments    []*community.Comment
	CanWrite    bool
	CanModerate bool
	MutedUntil  time.Time
	ReplyTo     int64
}

func (h *Community) loadPost(r *http.Request, id int64) (*postView, error) {
	u := httpx.User(r)
	p, err := h.Community.Get(r.Context(), community.Visitor{User: u}, id)
	if err != nil {
		return nil, err
	}
	cs, err := h.Community.Comments(r.Context(), community.Visitor{User: u}, id)
	if err != nil {
		return nil, err
	}
	v := &postView{Post: p, Comments: cs, CanWrite: u != nil && u.Role == identity.RoleOwner && p.Visible(), CanModerate: community.CanModerate(u)}
	if v.CanWrite {
		if v.MutedUntil, err = h.Community.MutedUntil(r.Context(), u); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (h *Community) post(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.loadPost(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "community_post", &page{Title: v.Post.Title, Nav: "community", Data: v})
}

func (h *Community) photo(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	thumb := strings.HasSuffix(r.URL.Path, "/thumb")
	data, err := h.Community.PhotoData(r.Context(), community.Visitor{User: httpx.User(r)}, id, thumb)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	serveJPEG(rw, r, fmt.Sprintf(`"p%d-%t"`, id, thumb), data)
}

// serveJPEG writes a stored JPEG (a community photo, a campaign cover)
// with its ETag, answering 304 when the browser already has it.
func serveJPEG(rw http.ResponseWriter, r *http.Request, etag string, data []byte) {
	rw.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	rw.Header().Set("Content-Type", "image/jpeg")
	rw.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = rw.Write(data)
}

// editorView is the data of the post editor.
type editorView struct {
	Post   *community.Post // nil for a new post
	Topics []community.Topic
	Muted  time.Time
}

func (h *Community) newPost(rw http.ResponseWriter, r *http.Request) {
	muted, err := h.Community.MutedUntil(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p := &page{Title: "发帖", Nav: "community", Data: &editorView{Topics: community.Topics, Muted: muted}, Form: url.Values{"topic": {r.URL.Query().Get("topic")}}}
	h.render(rw, r, http.StatusOK, "community_editor", p)
}

// MaxUploadBody bounds a request that carries photos (app.limitBody).
const MaxUploadBody = community.MaxPhotos*community.MaxPhotoBytes + 2<<20

// readPostForm parses the editor's multipart form and its photos.
func readPostForm(r *http.Request) (community.PostInput, error) {
	var in community.PostInput
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		if strings.Contains(err.Error(), "too large") {
			return in, apperr.Field("photos", "上传的图片总大小超出限制（每张最多 8 MB）")
		}
		return in, apperr.New(apperr.Invalid, "表单无法解析")
	}
	in.Topic, in.Title, in.Body = r.FormValue("topic"), r.FormValue("title"), r.FormValue("body")
	if r.MultipartForm != nil {
		files := r.MultipartForm.File["photos"]
		if len(files) > community.MaxPhotos {
			return in, apperr.Field("photos", "每个帖子最多 9 张图片")
		}
		for _, fh := range files {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			if fh.Size > community.MaxPhotoBytes {
				return in, apperr.Field("photos", "每张图片不能超过 8 MB")
			}
			f, err := fh.Open()
			if err != nil {
				return in, apperr.Field("photos", "图片读取失败，请重新选择")
			}
			b, err := io.ReadAll(io.LimitReader(f, community.MaxPhotoBytes+1))
			f.Close()
			if err != nil {
				return in, apperr.Field("photos", "图片读取失败，请重新选择")
			}
			in.Photos = append(in.Photos, community.Upload{Data: b})
		}
	}
	for _, s := range r.Form["remove_photo"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.RemovePhotos = append(in.RemovePhotos, id)
		}
	}
	return in, nil
}

func (h *Community) createPost(rw http.ResponseWriter, r *http.Request) {
	in, err := readPostForm(r)
	var p *community.Post
	if err == nil {
		p, err = h.Community.CreatePost(r.Context(), httpx.User(r), in)
	}
	if err != nil {
		h.editorError(rw, r, nil, err)
		return
	}
	flash := "posted"
	if !p.Visible() {
		flash = "post_held"
	}
	redirect(rw, r, fmt.Sprintf("/community/posts/%d", p.ID), flash)
}

// editorError shows the editor again with the error; photos must be chosen again.
func (h *Community) editorError(rw http.ResponseWriter, r *http.Request, post *community.Post, err error) {
	e := apperr.As(err)
	if e != nil && e.Code == apperr.Invalid && r.MultipartForm != nil && len(r.MultipartForm.File["photos"]) > 0 && e.Fields["photos"] == "" {
		if e.Fields == nil {
			e.Fields = map[string]string{}
		}
		e.Fields["photos"] = "请重新选择图片（出错后需要重新选择）"
	}
	muted, _ := h.Community.MutedUntil(r.Context(), httpx.User(r))
	url := "/community/new"
	if post != nil {
		url = fmt.Sprintf("/community/posts/%d/edit", post.ID)
	}
	h.formError(rw, r, "community_editor", &page{Title: "发帖", Nav: "community", URL: url,
		Data: &editorView{Post: post, Topics: community.Topics, Muted: muted}}, err)
}

func (h *Community) ownPost(r *http.Request) (*community.Post, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	p, err := h.Community.Get(r.Context(), community.Visitor{User: httpx.User(r)}, id)
	if err != nil {
		return nil, err
	}
	if !p.Mine {
		return nil, apperr.New(apperr.Forbidden, "只能编辑自己的帖子")
	}
	return p, nil
}

func (h *Community) editPost(rw http.ResponseWriter, r *http.Request) {
	p, err := h.ownPost(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	form := url.Values{"topic": {p.Topic}, "title": {p.Title}, "body": {p.Body}}
	h.render(rw, r, http.StatusOK, "community_editor", &page{Title: "编辑帖子", Nav: "community", Form: form,
		Data: &editorView{Post: p, Topics: community.Topics}})
}

func (h *Community) savePost(rw http.ResponseWriter, r *http.Request) {
	p, err := h.ownPost(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	in, err := readPostForm(r)
	var saved *community.Post
	if err == nil {
		saved, err = h.Community.EditPost(r.Context(), httpx.User(r), p.ID, in)
	}
	if err != nil {
		h.editorError(rw, r, p, err)
		return
	}
	flash := "post_saved"
	if !saved.Visible() {
		flash = "post_held"
	}
	redirect(rw, r, fmt.Sprintf("/community/posts/%d", p.ID), flash)
}

func (h *Community) deletePost(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Community.DeletePost(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/community/me", "post_deleted")
}

func (h *Community) comment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	parent := formInt(r, "parent_id")
	c, err := h.Community.AddComment(r.Context(), httpx.User(r), id, community.CommentInput{Body: r.PostForm.Get("body"), ParentID: parent})
	if err != nil {
		v, lerr := h.loadPost(r, id)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		v.ReplyTo = parent
		h.formError(rw, r, "community_post", &page{Title: v.Post.Title, Nav: "community", URL: fmt.Sprintf("/community/posts/%d", id), Data: v}, err)
		return
	}
	flash := "commented"
	if !c.Visible() {
		flash = "comment_held"
	}
	redirect(rw, r, fmt.Sprintf("/community/posts/%d?ok=%s#c%d", id, flash, c.ID), "")
}

func (h *Community) editComment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *community.Comment
	if err == nil {
		c, err = h.Community.MyComment(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "community_comment_edit", &page{Title: "编辑评论", Nav: "community", Data: c, Form: url.Values{"body": {c.Body}}})
}

func (h *Community) saveComment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *community.Comment
	if err == nil {
		c, err = h.Community.MyComment(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	saved, err := h.Community.EditComment(r.Context(), httpx.User(r), id, r.PostForm.Get("body"))
	if err != nil {
		h.formError(rw, r, "community_comment_edit", &page{Title: "编辑评论", Nav: "community", Data: c}, err)
		return
	}
	flash := "comment_saved"
	if !saved.Visible() {
		flash = "comment_held"
	}
	redirect(rw, r, fmt.Sprintf("/community/posts/%d?ok=%s#c%d", saved.PostID, flash, saved.ID), "")
}

func (h *Community) deleteComment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Community.DeleteComment(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	back := "/community/me?tab=comments"
	if p, perr := strconv.ParseInt(r.FormValue("post_id"), 10, 64); perr == nil && p > 0 {
		back = fmt.Sprintf("/community/posts/%d", p)
	}
	redirect(rw, r, back, "comment_gone")
}

func (h *Community) like(rw http.ResponseWriter, r *http.Request)     { h.toggle(rw, r, "like") }
func (h *Community) favorite(rw http.ResponseWriter, r *http.Request) { h.toggle(rw, r, "favorite") }

// toggle likes or favourites a post; htmx requests get the post's action
// bar back, plain forms a redirect to the post.
func (h *Community) toggle(rw http.ResponseWriter, r *http.Request, what string) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	on := r.FormValue("on") != "0"
	u := httpx.User(r)
	if what == "like" {
		_, err = h.Community.Like(r.Context(), u, id, on)
	} else {
		_, err = h.Community.Favorite(r.Context(), u, id, on)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		p, err := h.Community.Get(r.Context(), community.Visitor{User: u}, id)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		h.render(rw, r, http.StatusOK, "community_post", &page{Title: p.Title, Nav: "community", Data: &postView{Post: p, CanWrite: true}})
		return
	}
	redirect(rw, r, fmt.Sprintf("/community/posts/%d", id), "")
}

// reportView is the data of the report form.
type reportView struct {
	Post    *community.Post
	Comment *community.Comment
	Reasons []struct{ Code, Label string }
}

func (h *Community) loadReport(r *http.Request) (*reportView, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	u := httpx.User(r)
	p, err := h.Community.Get(r.Context(), community.Visitor{User: u}, id)
	if err != nil {
		return nil, err
	}
	v := &reportView{Post: p, Reasons: community.Reasons}
	if cid, _ := strconv.ParseInt(r.FormValue("comment_id"), 10, 64); cid > 0 {
		cs, err := h.Community.Comments(r.Context(), community.Visitor{User: u}, id)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			for _, x := range append([]*community.Comment{c}, c.Replies...) {
				if x.ID == cid {
					v.Comment = x
				}
			}
		}
		if v.Comment == nil {
			return nil, apperr.New(apperr.NotFound, "评论不存在或已被删除")
		}
	}
	return v, nil
}

func (h *Community) reportForm(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadReport(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "community_report", &page{Title: "举报", Nav: "community", Data: v})
}

func (h *Community) report(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	v, err := h.loadReport(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	in := community.ReportInput{PostID: v.Post.ID, Reason: r.PostForm.Get("reason"), Detail: r.PostForm.Get("detail")}
	if v.Comment != nil {
		in.CommentID = v.Comment.ID
	}
	if _, err := h.Community.Report(r.Context(), httpx.User(r), in); err != nil {
		back := fmt.Sprintf("/community/posts/%d/report", v.Post.ID)
		if in.CommentID != 0 {
			back += fmt.Sprintf("?comment_id=%d", in.CommentID)
		}
		h.formError(rw, r, "community_report", &page{Title: "举报", Nav: "community", URL: back, Data: v}, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/community/posts/%d", v.Post.ID), "reported")
}

// meView is the data of the owner's community page.
type meView struct {
	Tab        string
	Profile    *community.Profile
	Posts      []*community.Post
	Comments   []*community.Comment
	Favorites  []*community.Post
	MutedUntil time.Time
}

func (h *Community) loadMe(r *http.Request) (*meView, error) {
	u := httpx.User(r)
	v := &meView{Tab: r.URL.Query().Get("tab")}
	var err error
	if v.Profile, err = h.Community.MyProfile(r.Context(), u); err != nil {
		return nil, err
	}
	if v.MutedUntil, err = h.Community.MutedUntil(r.Context(), u); err != nil {
		return nil, err
	}
	switch v.Tab {
	case "comments":
		v.Comments, err = h.Community.MyComments(r.Context(), u)
	case "favorites":
		v.Favorites, err = h.Community.MyFavorites(r.Context(), u)
	default:
		v.Tab = "posts"
		v.Posts, err = h.Community.MyPosts(r.Context(), u)
	}
	return v, err
}

func (h *Community) me(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadMe(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "community_me", &page{Title: "我的车友圈", Nav: "community-me", Data: v, Form: url.Values{"nickname": {v.Profile.Nickname}}})
}

func (h *Community) nickname(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	if _, err := h.Community.SetNickname(r.Context(), httpx.User(r), r.PostForm.Get("nickname")); err != nil {
		v, lerr := h.loadMe(r)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		h.formError(rw, r, "community_me", &page{Title: "我的车友圈", Nav: "community-me", URL: "/community/me", Data: v}, err)
		return
	}
	redirect(rw, r, "/community/me", "nickname")
}

// queueView is the data of the moderation page.
type queueView struct {
	Items []*community.QueueItem
	Words []community.BannedWord
}

func (h *Community) loadQueue(r *http.Request) (*queueView, error) {
	u := httpx.User(r)
	items, err := h.Community.Queue(r.Context(), u)
	if err != nil {
		return nil, err
	}
	words, err := h.Community.BannedWords(r.Context(), u)
	if err != nil {
		return nil, err
	}
	return &queueView{Items: items, Words: words}, nil
}

func (h *Community) queue(rw http.ResponseWriter, r *http.Request) {
	v, err := h.loadQueue(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "community_moderation", &page{Title: "车友圈审核", Nav: "moderation", Data: v})
}

// queueError shows the moderation page again with err beside its form.
func (h *Community) queueError(rw http.ResponseWriter, r *http.Request, err error) {
	v, lerr := h.loadQueue(r)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	h.formError(rw, r, "community_moderation", &page{Title: "车友圈审核", Nav: "moderation", URL: "/community/moderation", Data: v}, err)
}

func (h *Community) moderate(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	err = h.Community.Moderate(r.Context(), httpx.User(r), community.ModAction{Kind: r.PathValue("kind"), ID: id,
		Action: r.PostForm.Get("action"), Reason: r.PostForm.Get("reason")})
	if err != nil {
		h.queueError(rw, r, err)
		return
	}
	back := "/community/moderation"
	if b := r.PostForm.Get("back"); strings.HasPrefix(b, "/community/posts/") {
		back = b
	}
	redirect(rw, r, back, "moderated")
}

func (h *Community) mute(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	days, _ := strconv.Atoi(r.PostForm.Get("days"))
	if _, err := h.Community.Mute(r.Context(), httpx.User(r), formInt(r, "customer_id"), days, r.PostForm.Get("reason")); err != nil {
		h.queueError(rw, r, err)
		return
	}
	redirect(rw, r, "/community/moderation", "muted")
}

func (h *Community) unmute(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	if err := h.Community.Unmute(r.Context(), httpx.User(r), formInt(r, "customer_id")); err != nil {
		h.queueError(rw, r, err)
		return
	}
	redirect(rw, r, "/community/moderation", "unmuted")
}

func (h *Community) addWord(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	if _, err := h.Community.AddBannedWord(r.Context(), httpx.User(r), r.PostForm.Get("word"), r.PostForm.Get("action")); err != nil {
		h.queueError(rw, r, err)
		return
	}
	redirect(rw, r, "/community/moderation#words", "word_added")
}

func (h *Community) deleteWord(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Community.DeleteBannedWord(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/community/moderation#words", "word_removed")
}
