package web

import (
	"net/http"
	"slices"

	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Content serves the public home page with announcements and news.
type Content struct {
	*Renderer
	Content *content.Service
}

// Routes returns the public content pages.
func (h *Content) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Public("GET", "/{$}", h.home),
		httpx.Public("GET", "/news/{id}", h.newsPage),
	}
}

func (h *Content) home(rw http.ResponseWriter, r *http.Request) {
	ann, err := h.Content.Announcements(r.Context(), 5)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	news, err := h.Content.LatestNews(r.Context(), 6)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "home", &page{Title: "首页", Nav: "home",
		Data: map[string]any{"Announcements": ann, "News": news, "Workspaces": workspacesFor(httpx.User(r))}})
}

// workspace is an entry card of the home page.
type workspace struct {
	Title, Text, Href, Link string
	Roles                   []identity.Role // who may open it
	Public                  bool            // shown to anonymous visitors
}

var workspaces = []workspace{
	{Title: "车主", Text: "个人中心、车辆电池健康、换电/充电/维修预约。", Href: "/owner/", Link: "进入个人中心", Roles: owner, Public: true},
	{Title: "系统管理", Text: "系统概览、员工账号。", Href: "/admin/", Link: "进入系统管理", Roles: admin},
	{Title: "销售顾问", Text: "客户与购车旅程、线索与商机、活动效果。", Href: "/sales/", Link: "进入销售工作台", Roles: sales, Public: true},
	{Title: "服务顾问", Text: "预约队列、派工与工位、服务完成与回访。", Href: "/service/", Link: "进入服务工作台", Roles: service, Public: true},
}

// workspacesFor returns the entry cards a visitor sees: anonymous visitors
// the public entry points (each leads through the login), a logged-in user
// only the workspaces their role may open, their own first.
func workspacesFor(u *identity.User) []workspace {
	var out []workspace
	for _, ws := range workspaces {
		if u == nil && ws.Public || u != nil && slices.Contains(ws.Roles, u.Role) {
			out = append(out, ws)
		}
	}
	return out
}

func (h *Content) newsPage(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	n, err := h.Content.GetNews(r.Context(), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "news", &page{Title: n.Title, Nav: "home", Data: n})
}
