package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Community serves the owners' community (车友圈): the public feed with
// search, posts, comments, likes, favourites and reports for owners, and
// the moderation queue for moderators.
type Community struct {
	*Base
	Community *community.Service
}

// staff may call the moderation endpoints; the service checks the permission.
var staff = []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}

// Routes returns the community endpoints.
func (h *Community) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Public("GET", "/api/v1/community/posts", h.list),
		httpx.Only(owner, "POST", "/api/v1/community/posts", h.create),
		httpx.Public("GET", "/api/v1/community/posts/{id}", h.get),
		httpx.Only(owner, "PATCH", "/api/v1/community/posts/{id}", h.update),
		httpx.Only(owner, "DELETE", "/api/v1/community/posts/{id}", h.remove),
		httpx.Public("GET", "/api/v1/community/posts/{id}/comments", h.comments),
		httpx.Only(owner, "POST", "/api/v1/community/posts/{id}/comments", h.comment),
		httpx.Only(owner, "PATCH", "/api/v1/community/comments/{id}", h.editComment),
		httpx.Only(owner, "DELETE", "/api/v1/community/comments/{id}", h.removeComment),
		httpx.Only(owner, "PUT", "/api/v1/community/posts/{id}/like", h.like),
		httpx.Only(owner, "DELETE", "/api/v1/community/posts/{id}/like", h.like),
		httpx.Only(owner, "PUT", "/api/v1/community/posts/{id}/favorite", h.favorite),
		httpx.Only(owner, "DELETE", "/api/v1/community/posts/{id}/favorite", h.favorite),
		httpx.Only(owner, "POST", "/api/v1/community/reports", h.report),
		httpx.Only(staff, "GET", "/api/v1/community/moderation/queue", h.queue),
		httpx.Only(staff, "POST", "/api/v1/community/moderation/actions", h.moderate),
	}
}

func visitor(r *http.Request) community.Visitor { return community.Visitor{User: httpx.User(r)} }

func (h *Community) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := listing.ParseParams(q)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("limit") == "" {
		p.Limit = 20
	}
	page, total, err := h.Community.Feed(r.Context(), visitor(r), community.Filter{Sort: q.Get("sort"), Topic: q.Get("topic"), Q: q.Get("q"),
		Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(page, total))
}

// postBody is what an owner sends to write or change a post.
type postBody struct {
	Topic          *string  `json:"topic"`
	Title          *string  `json:"title"`
	Body           *string  `json:"body"`
	Photos         []string `json:"photos"` // base64 of JPEG, PNG or WebP files
	RemovePhotoIDs []int64  `json:"remove_photo_ids"`
}

func (b *postBody) input(base *community.Post) (community.PostInput, error) {
	var in community.PostInput
	if base != nil {
		in.Topic, in.Title, in.Body = base.Topic, base.Title, base.Body
	}
	for _, x := range []struct {
		v   *string
		dst *string
	}{{b.Topic, &in.Topic}, {b.Title, &in.Title}, {b.Body, &in.Body}} {
		if x.v != nil {
			*x.dst = *x.v
		}
	}
	if len(b.Photos) > community.MaxPhotos {
		return in, apperr.Field("photos", "每个帖子最多 9 张图片")
	}
	for _, s := range b.Photos {
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return in, apperr.Field("photos", "图片须为 base64 编码的文件内容")
		}
		in.Photos = append(in.Photos, community.Upload{Data: data})
	}
	in.RemovePhotos = b.RemovePhotoIDs
	return in, nil
}

func (h *Community) create(rw http.ResponseWriter, r *http.Request) {
	var b postBody
	if err := decode(r, &b); err != nil {
		h.fail(rw, r, err)
		return
	}
	in, err := b.input(nil)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := h.Community.CreatePost(r.Context(), httpx.User(r), in)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, p)
}

// postWithComments is a post and its comments.
type postWithComments struct {
	*community.Post
	Comments []*community.Comment `json:"comments"`
}

func (h *Community) get(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := h.Community.Get(r.Context(), visitor(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	cs, err := h.Community.Comments(r.Context(), visitor(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if cs == nil {
		cs = []*community.Comment{}
	}
	writeJSON(rw, http.StatusOK, postWithComments{Post: p, Comments: cs})
}

func (h *Community) update(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var b postBody
	if err := decode(r, &b); err != nil {
		h.fail(rw, r, err)
		return
	}
	base, err := h.Community.Get(r.Context(), visitor(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	in, err := b.input(base)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := h.Community.EditPost(r.Context(), httpx.User(r), id, in)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, p)
}

func (h *Community) remove(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Community.DeletePost(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (h *Community) comments(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	cs, err := h.Community.Comments(r.Context(), visitor(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[*community.Comment]{Items: cs}, listing.Total{N: len(cs)}))
}

func (h *Community) comment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var b struct {
		Body     string `json:"body"`
		ParentID int64  `json:"parent_id"`
	}
	if err := decode(r, &b); err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Community.AddComment(r.Context(), httpx.User(r), id, community.CommentInput{Body: b.Body, ParentID: b.ParentID})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, c)
}

func (h *Community) editComment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var b struct {
		Body string `json:"body"`
	}
	if err := decode(r, &b); err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Community.EditComment(r.Context(), httpx.User(r), id, b.Body)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, c)
}

func (h *Community) removeComment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Community.DeleteComment(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

func (h *Community) like(rw http.ResponseWriter, r *http.Request) {
	h.toggle(rw, r, h.Community.Like)
}

func (h *Community) favorite(rw http.ResponseWriter, r *http.Request) {
	h.toggle(rw, r, h.Community.Favorite)
}

// toggle sets (PUT) or clears (DELETE) a like or favourite; both are idempotent.
func (h *Community) toggle(rw http.ResponseWriter, r *http.Request, set func(context.Context, *identity.User, int64, bool) (*community.LikeState, error)) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	st, err := set(r.Context(), httpx.User(r), id, r.Method == http.MethodPut)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, st)
}

func (h *Community) report(rw http.ResponseWriter, r *http.Request) {
	var b struct {
		PostID    int64  `json:"post_id"`
		CommentID int64  `json:"comment_id"`
		Reason    string `json:"reason"`
		Detail    string `json:"detail"`
	}
	if err := decode(r, &b); err != nil {
		h.fail(rw, r, err)
		return
	}
	id, err := h.Community.Report(r.Context(), httpx.User(r), community.ReportInput{PostID: b.PostID, CommentID: b.CommentID, Reason: b.Reason, Detail: b.Detail})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, map[string]any{"id": id, "status": "open"})
}

func (h *Community) queue(rw http.ResponseWriter, r *http.Request) {
	items, err := h.Community.Queue(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[*community.QueueItem]{Items: items}, listing.Total{N: len(items)}))
}

func (h *Community) moderate(rw http.ResponseWriter, r *http.Request) {
	var b struct {
		Kind   string `json:"kind"`
		ID     int64  `json:"id"`
		Action string `json:"action"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &b); err != nil {
		h.fail(rw, r, err)
		return
	}
	err := h.Community.Moderate(r.Context(), httpx.User(r), community.ModAction{Kind: b.Kind, ID: b.ID, Action: b.Action, Reason: b.Reason})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"kind": b.Kind, "id": b.ID, "action": b.Action})
}
