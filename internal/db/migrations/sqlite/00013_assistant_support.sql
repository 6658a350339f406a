-- +goose Up
-- 智能客服与客服工单 (internal/assistant, internal/support): similar questions
-- of knowledge-base articles, ticket SLA and closing times, the replies on a
-- ticket, the assistant's conversation state and message details, and
-- feedback that is not a star rating (complaints and suggestions from the chat).
-- Keep in step with ../postgres/00013_assistant_support.sql and docs/数据字典.md.

ALTER TABLE kb_articles ADD COLUMN alt_questions TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_articles ADD COLUMN hits INTEGER NOT NULL DEFAULT 0;

ALTER TABLE support_tickets ADD COLUMN due_at DATETIME;
ALTER TABLE support_tickets ADD COLUMN first_response_at DATETIME;
ALTER TABLE support_tickets ADD COLUMN closed_at DATETIME;
CREATE INDEX support_tickets_assignee ON support_tickets (assignee_user_id, status);

-- 客服工单往来消息: what the owner and the staff wrote on a ticket.
CREATE TABLE support_ticket_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    sender          TEXT NOT NULL CHECK (sender IN ('customer', 'agent', 'system')),
    author_user_id  INTEGER REFERENCES users (id),
    body            TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE INDEX support_ticket_messages_ticket ON support_ticket_messages (ticket_id, id);

ALTER TABLE assistant_conversations ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE assistant_conversations ADD COLUMN misses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assistant_messages ADD COLUMN intent TEXT NOT NULL DEFAULT '';
ALTER TABLE assistant_messages ADD COLUMN extra TEXT NOT NULL DEFAULT '';

-- feedback: a complaint or suggestion has no star rating; kind, topic and
-- source are added (SQLite cannot drop NOT NULL in place: the table is rebuilt,
-- new columns last as PostgreSQL appends them).
DROP INDEX feedback_customer;
DROP INDEX feedback_work_order;
ALTER TABLE feedback RENAME TO feedback_before_00013;
CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    appointment_id  INTEGER REFERENCES appointments (id),
    work_order_id   INTEGER REFERENCES work_orders (id),
    ticket_id       INTEGER REFERENCES support_tickets (id),
    rating          INTEGER CHECK (rating >= 1 AND rating <= 5),
    comment         TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'rating' CHECK (kind IN ('rating', 'complaint', 'suggestion')),
    category        TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('charging', 'swap', 'repair', 'battery', 'software', 'billing', 'service', 'other')),
    source          TEXT NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'assistant', 'ticket'))
);
INSERT INTO feedback (id, customer_id, appointment_id, work_order_id, ticket_id, rating, comment, created_at)
    SELECT id, customer_id, appointment_id, work_order_id, ticket_id, rating, comment, created_at FROM feedback_before_00013;
DROP TABLE feedback_before_00013;
CREATE INDEX feedback_customer ON feedback (customer_id);
CREATE INDEX feedback_work_order ON feedback (work_order_id);
CREATE INDEX feedback_kind ON feedback (kind, created_at);

-- +goose Down
DROP INDEX feedback_kind;
ALTER TABLE feedback DROP COLUMN source;
ALTER TABLE feedback DROP COLUMN category;
ALTER TABLE feedback DROP COLUMN kind;
ALTER TABLE assistant_messages DROP COLUMN extra;
ALTER TABLE assistant_messages DROP COLUMN intent;
ALTER TABLE assistant_conversations DROP COLUMN misses;
ALTER TABLE assistant_conversations DROP COLUMN state;
DROP TABLE support_ticket_messages;
DROP INDEX support_tickets_assignee;
ALTER TABLE support_tickets DROP COLUMN closed_at;
ALTER TABLE support_tickets DROP COLUMN first_response_at;
ALTER TABLE support_tickets DROP COLUMN due_at;
ALTER TABLE kb_articles DROP COLUMN hits;
ALTER TABLE kb_articles DROP COLUMN alt_questions;
