// Package assistant is the owners' smart customer service (智能客服): it
// understands Chinese questions offline (intent by cue phrases and a naive
// Bayes classifier over character n-grams, dates, times, places and the
// service kind by rules), answers from the knowledge base that staff edit
// (package support) with its sources, acts for the owner through the same
// services and permission checks as the pages (booking, work orders,
// vehicles, sites) after showing what it will do and asking for
// confirmation, and hands off to a person by opening a support ticket. An
// OpenAI-compatible model (package llm) may phrase the answers when an
// operator configures one; everything works without it.
package assistant

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// Thresholds of confidence.
const (
	// MinIntent is the intent probability below which the message is not understood.
	MinIntent = 0.45
	// MinAnswer is the knowledge-base confidence below which the assistant
	// says it does not know rather than guessing.
	MinAnswer = 0.40
	// MaxText is the longest message accepted, in characters.
	MaxText = 500
)

// Writer phrases a reply from the facts found (an LLM); nil means the
// assistant's own templates. It must return quickly or fail; on error the
// template reply is used.
type Writer interface {
	Write(ctx context.Context, in WriteInput) (string, error)
}

// WriteInput is what a Writer may see: the question, the intent, the
// draft reply and the articles' text; never the owner's name, mobile,
// plate or VIN (see docs/系统设计.md §9).
type WriteInput struct {
	Question string
	Intent   Intent
	Draft    string
	Articles []string
}

// Service runs conversations.
type Service struct {
	db         *db.DB
	now        func() time.Time
	engine     *Engine
	Support    *support.Service
	Booking    *booking.Service
	Vehicles   *vehicle.Service
	Sites      *site.Service
	WorkOrders *workorder.Service
	Customers  *customer.Service
	// Writer, when set, phrases knowledge-base answers (optional LLM).
	Writer Writer
	// Campaigns, when set, lists the campaigns the acting owner can join
	// now (the campaign area, wired in internal/app); nil: none yet.
	Campaigns func(ctx context.Context, actor *identity.User) ([]CampaignInfo, error)

	mu       sync.Mutex
	kbLocal  int64
	kbVer    string
	kbAt     time.Time
	docsByID map[int64]*Doc
}

// CampaignInfo is a campaign an owner can join, as the chat lists it.
type CampaignInfo struct {
	Title  string
	When   string // "12月6日-12月20日"
	Joined bool
	URL    string
}

// Deps are the services the assistant acts through.
type Deps struct {
	Support    *support.Service
	Booking    *booking.Service
	Vehicles   *vehicle.Service
	Sites      *site.Service
	WorkOrders *workorder.Service
	Customers  *customer.Service
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time, deps Deps) (*Service, error) {
	e, err := DefaultEngine()
	if err != nil {
		return nil, err
	}
	return &Service{db: d, now: db.UTC(now), engine: e, Support: deps.Support, Booking: deps.Booking, Vehicles: deps.Vehicles,
		Sites: deps.Sites, WorkOrders: deps.WorkOrders, Customers: deps.Customers}, nil
}

// Engine returns the service's understanding engine.
func (s *Service) Engine() *Engine { return s.engine }

// refresh rebuilds the index when the knowledge base changed (checked at
// most every 2 s, rebuilt at least every minute).
func (s *Service) refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	local := s.Support.LocalKBVersion()
	if s.docsByID != nil && local == s.kbLocal && now.Sub(s.kbAt) < 2*time.Second {
		return nil
	}
	ver, err := s.Support.KBVersion(ctx)
	if err != nil {
		return err
	}
	if s.docsByID != nil && ver == s.kbVer && now.Sub(s.kbAt) < time.Minute {
		s.kbAt = now
		return nil
	}
	arts, err := s.Support.ActiveArticles(ctx)
	if err != nil {
		return err
	}
	keys := map[string]string{}
	for _, a := range support.DefaultArticles {
		keys[a.Question] = a.Key
	}
	docs := make([]*Doc, 0, len(arts))
	byID := make(map[int64]*Doc, len(arts))
	for _, a := range arts {
		d := &Doc{ID: a.ID, Key: keys[a.Question], Category: a.Category, Question: a.Question, Similar: a.SimilarList(),
			Answer: a.Answer, Keywords: strings.Fields(a.Keywords)}
		docs = append(docs, d)
		byID[a.ID] = d
	}
	s.engine.SetDocs(docs)
	if s.Sites != nil {
		var places []string
		seen := map[string]bool{}
		for _, k := range []site.Kind{site.SwapStation, site.ChargingStation, site.ServiceCenter} {
			sts, err := s.Sites.List(ctx, k, "", 2000)
			if err != nil {
				return err
			}
			for _, st := range sts {
				for _, p := range []string{st.District, st.City} {
					if p != "" && !seen[p] {
						seen[p] = true
						places = append(places, p)
					}
				}
			}
		}
		s.engine.SetPlaces(places)
	}
	s.kbVer, s.kbAt, s.docsByID, s.kbLocal = ver, now, byID, local
	return nil
}

// Source is an article a reply is based on.
type Source struct {
	ID         int64   `json:"id"`
	Category   string  `json:"category"`
	Question   string  `json:"question"`
	Confidence float64 `json:"confidence"`
}

// Action is something the owner can do next: send a text (a button that
// answers for them) or open a page.
type Action struct {
	Type  string `json:"type"` // "reply" or "link"
	Label string `json:"label"`
	Text  string `json:"text,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Reply is the assistant's answer to one message.
type Reply struct {
	ConversationID int64    `json:"conversation_id"`
	Intent         Intent   `json:"intent"`
	Reply          string   `json:"reply"`
	Sources        []Source `json:"sources"`
	Actions        []Action `json:"actions"`
	Confidence     float64  `json:"confidence"`
	TicketID       int64    `json:"ticket_id,omitempty"`
	AppointmentID  int64    `json:"appointment_id,omitempty"`
}

// Message is one message of a conversation as the chat shows it.
type Message struct {
	ID        int64     `json:"id"`
	Sender    string    `json:"sender"` // customer, bot, agent
	Author    string    `json:"author,omitempty"`
	Body      string    `json:"body"`
	Intent    string    `json:"intent,omitempty"`
	Sources   []Source  `json:"sources"`
	Actions   []Action  `json:"actions"`
	CreatedAt time.Time `json:"created_at"`
}

// Conversation is an owner's chat with the assistant.
type Conversation struct {
	ID        int64     `json:"id"`
	Status    string    `json:"status"` // bot, handed_off, closed
	TicketID  int64     `json:"ticket_id,omitempty"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Messages  []Message `json:"messages"`
	// Ticket is the hand-off ticket, when there is one.
	Ticket *support.Ticket `json:"-"`
	state  state
	misses int
	custID int64
}

// requireOwner refuses anyone but an owner with a customer record.
func requireOwner(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return apperr.New(apperr.Forbidden, "智能客服仅供车主使用")
	}
	return nil
}

func (s *Service) loadConversation(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Conversation, error) {
	var c Conversation
	var ticket sql.NullInt64
	var st string
	err := q.QueryRowContext(ctx, `SELECT id, customer_id, status, ticket_id, started_at, updated_at, state, misses
		FROM assistant_conversations WHERE id = $1`, id).Scan(&c.ID, &c.custID, &c.Status, &ticket, &c.StartedAt, &c.UpdatedAt, &st, &c.misses)
	if db.NoRows(err) || err == nil && c.custID != actor.CustomerID {
		return nil, apperr.New(apperr.NotFound, "会话不存在")
	}
	if err != nil {
		return nil, err
	}
	c.TicketID = ticket.Int64
	if st != "" {
		if err := json.Unmarshal([]byte(st), &c.state); err != nil {
			c.state = state{}
		}
	}
	return &c, nil
}

// Conversation returns the acting owner's conversation id with its
// messages, the hand-off ticket's replies merged in time order. Another
// owner's conversation is NotFound; non-owners are Forbidden.
func (s *Service) Conversation(ctx context.Context, actor *identity.User, id int64) (*Conversation, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	c, err := s.loadConversation(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, sender, body, intent, extra, created_at FROM assistant_messages
		WHERE conversation_id = $1 ORDER BY id LIMIT 500`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Message
		var extra string
		if err := rows.Scan(&m.ID, &m.Sender, &m.Body, &m.Intent, &extra, &m.CreatedAt); err != nil {
			return nil, err
		}
		if extra != "" {
			var x msgExtra
			if json.Unmarshal([]byte(extra), &x) == nil {
				m.Sources, m.Actions = x.Sources, x.Actions
			}
		}
		c.Messages = append(c.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c.TicketID != 0 {
		t, err := s.Support.Ticket(ctx, actor, c.TicketID)
		if err != nil {
			return nil, err
		}
		c.Ticket = t
		tms, err := s.Support.Messages(ctx, actor, c.TicketID)
		if err != nil {
			return nil, err
		}
		c.Messages = mergeTicket(c.Messages, tms)
	}
	return c, nil
}

// mergeTicket adds the staff's replies on the ticket to the chat, in time
// order (the owner's own messages on the ticket are already in the chat).
func mergeTicket(ms []Message, tms []support.TicketMessage) []Message {
	for _, t := range tms {
		if t.Sender != "agent" {
			continue
		}
		m := Message{ID: -t.ID, Sender: "agent", Author: t.AuthorName, Body: t.Body, CreatedAt: t.CreatedAt}
		i := len(ms)
		for i > 0 && ms[i-1].CreatedAt.After(t.CreatedAt) {
			i--
		}
		ms = append(ms, Message{})
		copy(ms[i+1:], ms[i:])
		ms[i] = m
	}
	return ms
}

// Latest returns the acting owner's most recent conversation that is not
// closed and changed within a day, or nil.
func (s *Service) Latest(ctx context.Context, actor *identity.User) (*Conversation, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM assistant_conversations WHERE customer_id = $1 AND status <> 'closed' AND updated_at >= $2
		ORDER BY started_at DESC, id DESC LIMIT 1`, actor.CustomerID, s.now().Add(-24*time.Hour)).Scan(&id)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Conversation(ctx, actor, id)
}

// ForTicket returns the acting owner's conversation that handed off to
// ticket id, or nil.
func (s *Service) ForTicket(ctx context.Context, actor *identity.User, ticketID int64) (*Conversation, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM assistant_conversations WHERE customer_id = $1 AND ticket_id = $2 ORDER BY id DESC LIMIT 1`,
		actor.CustomerID, ticketID).Scan(&id)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Conversation(ctx, actor, id)
}

// Close ends the acting owner's conversation id (a new chat starts next).
func (s *Service) Close(ctx context.Context, actor *identity.User, id int64) error {
	if err := requireOwner(actor); err != nil {
		return err
	}
	if _, err := s.loadConversation(ctx, s.db, actor, id); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `UPDATE assistant_conversations SET status = 'closed', state = '', updated_at = $1 WHERE id = $2`, s.now(), id)
	return err
}

type msgExtra struct {
	Sources []Source `json:"sources,omitempty"`
	Actions []Action `json:"actions,omitempty"`
}

// Ask answers the acting owner's message text in conversation
// conversationID (0 starts a new one). Only owners may ask (Forbidden);
// another owner's conversation is NotFound; an empty or too long text is
// Invalid (field text). Actions are carried out only after the owner
// confirms a proposal in a later message.
func (s *Service) Ask(ctx context.Context, actor *identity.User, conversationID int64, text string) (*Reply, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, apperr.Field("text", "请输入您的问题")
	}
	if utf8.RuneCountInString(text) > MaxText {
		return nil, apperr.Field("text", fmt.Sprintf("问题不能超过 %d 个字", MaxText))
	}
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	var c *Conversation
	if conversationID != 0 {
		var err error
		if c, err = s.loadConversation(ctx, s.db, actor, conversationID); err != nil {
			return nil, err
		}
		if c.Status == "closed" {
			c = nil // a closed chat continues as a new one
		}
	}
	if c == nil {
		var id int64
		if err := s.db.QueryRowContext(ctx, `INSERT INTO assistant_conversations (customer_id, status, started_at, updated_at)
			VALUES ($1, 'bot', $2, $2) RETURNING id`, actor.CustomerID, now).Scan(&id); err != nil {
			return nil, err
		}
		c = &Conversation{ID: id, Status: "bot", StartedAt: now, UpdatedAt: now, custID: actor.CustomerID}
	}
	t := &turn{s: s, actor: actor, c: c, text: text, now: now}
	rep, err := t.respond(ctx)
	if err != nil {
		return nil, err
	}
	rep.ConversationID = c.ID
	if rep.Sources == nil {
		rep.Sources = []Source{}
	}
	if rep.Actions == nil {
		rep.Actions = []Action{}
	}
	if err := s.save(ctx, t, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// save writes the owner's message, the reply and the conversation state in
// one transaction, with the hand-off or feedback the turn asked for.
func (s *Service) save(ctx context.Context, t *turn, rep *Reply) error {
	st, err := json.Marshal(t.c.state)
	if err != nil {
		return err
	}
	if t.c.state.empty() {
		st = nil
	}
	extra, err := json.Marshal(msgExtra{Sources: rep.Sources, Actions: rep.Actions})
	if err != nil {
		return err
	}
	var articleID any
	var conf any
	if len(rep.Sources) > 0 {
		articleID, conf = rep.Sources[0].ID, rep.Sources[0].Confidence
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := t.now
		if t.handoff != nil {
			id, err := s.Support.CreateTicketTx(ctx, tx, t.actor, *t.handoff)
			if err != nil {
				return err
			}
			rep.TicketID = id
			t.c.TicketID, t.c.Status = id, "handed_off"
			rep.Reply = strings.ReplaceAll(rep.Reply, "{ticket}", fmt.Sprint(id))
		}
		if t.forward && t.c.TicketID != 0 {
			if err := s.Support.CustomerReplyTx(ctx, tx, t.actor, t.c.TicketID, t.text); err != nil {
				return err
			}
		}
		if t.feedback != nil {
			t.feedback.TicketID = rep.TicketID
			if _, err := s.Support.RecordFeedbackTx(ctx, tx, t.actor, *t.feedback); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assistant_messages (conversation_id, sender, body, created_at, intent)
			VALUES ($1, 'customer', $2, $3, $4)`, t.c.ID, t.text, now, string(rep.Intent)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assistant_messages (conversation_id, sender, body, kb_article_id, confidence, created_at, intent, extra)
			VALUES ($1, 'bot', $2, $3, $4, $5, $6, $7)`, t.c.ID, rep.Reply, articleID, conf, now.Add(time.Millisecond), string(rep.Intent), string(extra)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE assistant_conversations SET status = $1, ticket_id = $2, state = $3, misses = $4, updated_at = $5 WHERE id = $6`,
			t.c.Status, nullID(t.c.TicketID), string(st), t.c.misses, now, t.c.ID)
		return err
	})
	if err != nil {
		return err
	}
	if id, ok := articleID.(int64); ok {
		// The answer count is a statistic: a failure to count costs no answer.
		_ = s.Support.CountHit(ctx, id)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
