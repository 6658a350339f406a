package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/assistant"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// Assistant serves the owners' smart customer-service chat (智能客服).
type Assistant struct {
	*Renderer
	Assistant *assistant.Service
}

// Routes returns the chat pages.
func (h *Assistant) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/owner/assistant", h.chat),
		httpx.Only(owner, "POST", "/owner/assistant", h.ask),
		httpx.Only(owner, "POST", "/owner/assistant/new", h.restart),
	}
}

// chatData is what the chat page shows.
type chatData struct {
	Conversation *assistant.Conversation
	Suggestions  []string
	// Rate offers the rating buttons: the hand-off ticket is resolved and not rated.
	Rate []assistant.Action
	// Poll: a person handles the conversation, so the log refreshes itself.
	Poll bool
}

var suggestions = []string{"明天下午换电", "我的预约", "附近的换电站", "我的电池健康度", "我的车还在保修期吗", "冬天续航下降正常吗", "转人工"}

// chat shows the conversation named by c or ticket, else the latest open
// one, else an empty chat. With htmx it returns the log alone (polling).
func (h *Assistant) chat(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	ctx := r.Context()
	var c *assistant.Conversation
	var err error
	q := r.URL.Query()
	switch {
	case q.Get("c") != "":
		id, perr := strconv.ParseInt(q.Get("c"), 10, 64)
		if perr != nil || id <= 0 {
			h.fail(rw, r, apperr.New(apperr.NotFound, "会话不存在"))
			return
		}
		c, err = h.Assistant.Conversation(ctx, u, id)
	case q.Get("ticket") != "":
		id, _ := strconv.ParseInt(q.Get("ticket"), 10, 64)
		c, err = h.Assistant.ForTicket(ctx, u, id)
		if err == nil && c == nil {
			c, err = h.Assistant.Latest(ctx, u)
		}
	default:
		c, err = h.Assistant.Latest(ctx, u)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.renderChat(rw, r, http.StatusOK, c, "")
}

func (h *Assistant) renderChat(rw http.ResponseWriter, r *http.Request, status int, c *assistant.Conversation, errMsg string) {
	d := &chatData{Conversation: c, Suggestions: suggestions}
	if c != nil && c.Ticket != nil {
		d.Poll = c.Ticket.Live()
		if c.Ticket.Status == "resolved" && c.Ticket.Rating == 0 {
			d.Rate = assistant.RatingActions()
		}
	}
	p := &page{Title: "智能客服", Nav: "assistant", Data: d, Error: errMsg}
	if c != nil {
		p.URL = fmt.Sprintf("/owner/assistant?c=%d", c.ID)
	}
	h.render(rw, r, status, "owner_assistant", p)
}

// ask answers a message; htmx gets the updated log, a plain form post is
// redirected to the conversation (Post/Redirect/Get).
func (h *Assistant) ask(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	u := httpx.User(r)
	var cid int64
	if v := r.PostForm.Get("conversation_id"); v != "" {
		cid, _ = strconv.ParseInt(v, 10, 64)
	}
	rep, err := h.Assistant.Ask(r.Context(), u, cid, r.PostForm.Get("text"))
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
			var c *assistant.Conversation
			if cid > 0 {
				c, _ = h.Assistant.Conversation(r.Context(), u, cid)
			}
			msg := e.Message
			for _, m := range e.Fields {
				msg = m
			}
			h.renderChat(rw, r, http.StatusUnprocessableEntity, c, msg)
			return
		}
		h.fail(rw, r, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		c, err := h.Assistant.Conversation(r.Context(), u, rep.ConversationID)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		h.renderChat(rw, r, http.StatusOK, c, "")
		return
	}
	http.Redirect(rw, r, fmt.Sprintf("/owner/assistant?c=%d#end", rep.ConversationID), http.StatusSeeOther)
}

// restart closes the conversation and opens an empty chat.
func (h *Assistant) restart(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	if id, err := strconv.ParseInt(r.PostForm.Get("conversation_id"), 10, 64); err == nil && id > 0 {
		if err := h.Assistant.Close(r.Context(), httpx.User(r), id); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	http.Redirect(rw, r, "/owner/assistant?new=1", http.StatusSeeOther)
}
