package web

import (
	"net/http"

	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/httpx"
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
	h.render(rw, r, http.StatusOK, "home", &page{Title: "首页", Nav: "home", Data: map[string]any{"Announcements": ann, "News": news}})
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
