package report

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Customer360 reads what the customer 360° page shows besides the record
// itself: the customer's vehicles and ONE timeline of everything that
// happened with them, across the areas that own those tables (a read-only
// join, as reports are). Every method first asks the customer service
// whether the actor may see the customer.
type Customer360 struct {
	db        *db.DB
	customers *customer.Service
}

// NewCustomer360 returns the 360° reader on d.
func NewCustomer360(d *db.DB, customers *customer.Service) *Customer360 {
	return &Customer360{db: d, customers: customers}
}

// Vehicle is a customer's car with its battery health.
type Vehicle struct {
	ID          int64     `json:"id"`
	VIN         string    `json:"vin"`
	Plate       string    `json:"plate"`
	Model       string    `json:"model"`
	Color       string    `json:"color"`
	MileageKm   int64     `json:"mileage_km"`
	BatterySOH  float64   `json:"battery_soh"`
	PurchasedOn time.Time `json:"purchased_on"`
}

// SOHWarn reports a battery below 90 % state of health.
func (v *Vehicle) SOHWarn() bool { return v.BatterySOH < 90 }

// Vehicles returns customer id's vehicles, newest first. Errors as
// customer.Service.Visible (NotFound for another store's customer).
func (c *Customer360) Vehicles(ctx context.Context, actor *identity.User, id int64) ([]Vehicle, error) {
	if err := c.customers.Visible(ctx, actor, id); err != nil {
		return nil, err
	}
	rows, err := c.db.QueryContext(ctx, `SELECT v.id, v.vin, COALESCE(v.plate, ''), m.name, v.color, v.mileage_km, v.battery_soh, v.purchased_on
		FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id WHERE v.customer_id = $1 ORDER BY v.purchased_on DESC, v.id DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Vehicle
	for rows.Next() {
		var v Vehicle
		if err := rows.Scan(&v.ID, &v.VIN, &v.Plate, &v.Model, &v.Color, &v.MileageKm, &v.BatterySOH, &v.PurchasedOn); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Event is one thing that happened with a customer.
type Event struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`   // lead, follow_up, test_drive, opportunity, opportunity_closed, order, delivery, campaign, appointment, work_order, feedback, ticket, note
	Label  string    `json:"label"`  // the kind in Chinese
	Title  string    `json:"title"`  // what happened, e.g. "试驾 星河 S7"
	Status string    `json:"status"` // the record's status code ("" when none)
	Body   string    `json:"body"`   // details: a follow-up's content, a note
	RefID  int64     `json:"ref_id"` // the id of the record in its own table
	uid    int64
}

// eventKinds are the timeline's kinds with their Chinese names, in the
// order of their number in the union's unique key.
var eventKinds = []struct{ kind, label string }{
	{"lead", "线索"}, {"follow_up", "跟进"}, {"test_drive", "试驾"}, {"opportunity", "商机"}, {"opportunity_closed", "商机结束"},
	{"order", "订单"}, {"delivery", "交付"}, {"campaign", "活动报名"}, {"appointment", "预约"}, {"work_order", "维修工单"},
	{"feedback", "评价"}, {"ticket", "客服工单"}, {"note", "备注"},
}

// EventKindLabel is the Chinese name of an event kind.
func EventKindLabel(kind string) string {
	for _, k := range eventKinds {
		if k.kind == kind {
			return k.label
		}
	}
	return kind
}

// timelineUnion is every event of customer $1 as (at, uid, kind, title,
// status, body, ref): one branch per source table, each served by the
// table's customer index. uid = id*16 + the kind's number is unique across
// the union and is the keyset tie-break.
const timelineUnion = `
SELECT l.created_at AS at, l.id*16+0 AS uid, 'lead' AS kind, l.source AS title, l.status AS status, l.lost_reason AS body, l.id AS ref
	FROM leads l WHERE l.customer_id = $1
UNION ALL SELECT f.created_at, f.id*16+1, 'follow_up', f.channel, '', f.content, f.id FROM follow_ups f WHERE f.customer_id = $1
UNION ALL SELECT t.scheduled_at, t.id*16+2, 'test_drive', COALESCE(m.name, ''), t.status, t.feedback, t.id
	FROM test_drives t LEFT JOIN vehicle_models m ON m.id = t.model_id WHERE t.customer_id = $1
UNION ALL SELECT o.created_at, o.id*16+3, 'opportunity', COALESCE(m.name, ''), o.stage, '', o.id
	FROM opportunities o LEFT JOIN vehicle_models m ON m.id = o.model_id WHERE o.customer_id = $1
UNION ALL SELECT o.closed_at, o.id*16+4, 'opportunity_closed', COALESCE(m.name, ''), o.stage, o.lost_reason, o.id
	FROM opportunities o LEFT JOIN vehicle_models m ON m.id = o.model_id WHERE o.customer_id = $1 AND o.closed_at IS NOT NULL
UNION ALL SELECT v.ordered_at, v.id*16+5, 'order', v.code, v.status, m.name, v.id
	FROM vehicle_orders v JOIN vehicle_models m ON m.id = v.model_id WHERE v.customer_id = $1
UNION ALL SELECT v.delivered_at, v.id*16+6, 'delivery', v.code, 'delivered', m.name, v.id
	FROM vehicle_orders v JOIN vehicle_models m ON m.id = v.model_id WHERE v.customer_id = $1 AND v.delivered_at IS NOT NULL
UNION ALL SELECT p.joined_at, p.id*16+7, 'campaign', c.name, p.status, '', p.id
	FROM campaign_participations p JOIN campaigns c ON c.id = p.campaign_id WHERE p.customer_id = $1
UNION ALL SELECT a.scheduled_at, a.id*16+8, 'appointment', a.service_kind, a.status, a.note, a.id FROM appointments a WHERE a.customer_id = $1
UNION ALL SELECT w.opened_at, w.id*16+9, 'work_order', w.code, w.status, w.complaint, w.id FROM work_orders w WHERE w.customer_id = $1
UNION ALL SELECT b.created_at, b.id*16+10, 'feedback', CAST(b.rating AS TEXT), '', b.comment, b.id FROM feedback b WHERE b.customer_id = $1
UNION ALL SELECT s.created_at, s.id*16+11, 'ticket', s.subject, s.status, s.description, s.id FROM support_tickets s WHERE s.customer_id = $1
UNION ALL SELECT n.created_at, n.id*16+12, 'note', COALESCE(u.display_name, ''), '', n.body, n.id
	FROM customer_notes n LEFT JOIN users u ON u.id = n.user_id WHERE n.customer_id = $1`

// timelineOrder is the timeline's one sort: newest first.
var timelineOrder = listing.Order{Name: "at_desc", Key: "t.at", ID: "t.uid", Kind: listing.KeyTime, Desc: true}

// Timeline returns one page of everything that happened with customer id,
// newest first (keyset pages of limit events; cursor is the previous
// page's next_cursor). Errors as customer.Service.Visible, Invalid on
// "limit" or "cursor".
func (c *Customer360) Timeline(ctx context.Context, actor *identity.User, id int64, limit int, cursor string) (listing.Page[Event], error) {
	var page listing.Page[Event]
	if err := c.customers.Visible(ctx, actor, id); err != nil {
		return page, err
	}
	limit, err := listing.CheckLimit(limit)
	if err != nil {
		return page, err
	}
	cur, err := timelineOrder.Decode(cursor)
	if err != nil {
		return page, err
	}
	w := &listing.Where{}
	w.Arg(id) // $1 of the union
	timelineOrder.After(w, cur)
	rows, err := c.db.QueryContext(ctx, `SELECT t.at, t.uid, t.kind, t.title, t.status, t.body, t.ref FROM (`+timelineUnion+`) t`+
		w.SQL()+` ORDER BY `+timelineOrder.OrderBy()+` LIMIT `+w.Arg(limit+1), w.Args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at sql.NullTime
		if err := rows.Scan(&at, &e.uid, &e.Kind, &e.Title, &e.Status, &e.Body, &e.RefID); err != nil {
			return page, err
		}
		e.At = at.Time.UTC()
		describe(&e)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	return listing.NewPage(out, limit, func(e Event) string { return timelineOrder.Encode(e.At, e.uid) }), nil
}

var (
	leadSources = map[string]string{"website": "官网", "app": "App", "walk_in": "到店", "referral": "转介绍", "event": "活动",
		"call_center": "呼叫中心", "social_media": "社交媒体", "auto_show": "车展", "partner": "合作伙伴"}
	channels     = map[string]string{"phone": "电话", "sms": "短信", "wechat": "微信", "visit": "到店拜访", "email": "邮件"}
	serviceKinds = map[string]string{"charging": "充电", "swap": "换电", "repair": "维修保养", "test_drive": "试驾"}
	statusLabels = map[string]string{
		"new": "新建", "contacted": "已联系", "qualified": "已确认意向", "converted": "已转化", "lost": "已流失",
		"scheduled": "已预约", "done": "已完成", "cancelled": "已取消", "no_show": "未到店",
		"intent": "意向", "test_drive": "试驾", "quote": "报价", "order": "下单", "delivered": "已交付",
		"ordered": "已下单", "registered": "已报名", "attended": "已参加",
		"booked": "已预约", "confirmed": "已确认", "in_progress": "进行中", "completed": "已完成",
		"open": "待处理", "waiting_parts": "待料", "closed": "已关闭", "assigned": "已分派", "pending": "等待中", "resolved": "已解决",
	}
)

// StatusLabel is a status code in Chinese.
func (e Event) StatusLabel() string {
	if l, ok := statusLabels[e.Status]; ok {
		return l
	}
	return e.Status
}

// describe fills the event's label and writes its title in Chinese.
func describe(e *Event) {
	e.Label = EventKindLabel(e.Kind)
	switch e.Kind {
	case "lead":
		e.Title = "新线索（" + or(leadSources[e.Title], e.Title) + "）"
	case "follow_up":
		e.Title = or(channels[e.Title], e.Title) + "跟进"
	case "test_drive":
		e.Title = strings.TrimSpace("试驾 " + e.Title)
	case "opportunity":
		e.Title = strings.TrimSpace("新商机 " + e.Title)
	case "opportunity_closed":
		if e.Status == "lost" {
			e.Title = strings.TrimSpace("商机输单 " + e.Title)
		} else {
			e.Title = strings.TrimSpace("商机赢单 " + e.Title)
		}
	case "order":
		e.Title = "下单 " + e.Title
	case "delivery":
		e.Title = "交付新车 " + e.Title
	case "campaign":
		e.Title = "报名活动：" + e.Title
	case "appointment":
		e.Title = or(serviceKinds[e.Title], e.Title) + "预约"
	case "work_order":
		e.Title = "维修工单 " + e.Title
	case "feedback":
		e.Title = "服务评价 " + e.Title + " 星"
	case "ticket":
		e.Title = "客服工单：" + e.Title
	case "note":
		if e.Title != "" {
			e.Title = e.Title + " 的备注"
		} else {
			e.Title = "备注"
		}
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
