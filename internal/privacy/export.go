package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Category is one kind of personal data the product holds, why, and how
// long (shown on the privacy page).
type Category struct {
	Name      string
	Items     string
	Purpose   string
	Retention string
}

// Categories are what the privacy page lists.
var Categories = []Category{
	{"身份与联系方式", "姓名、昵称、手机号、城市、联系偏好", "开通与登录账号、预约与服务通知、回访", "账号存续期间；删除后匿名化"},
	{"账号与安全", "登录名、密码（仅存不可逆的哈希）、登录时间与来源地址", "保护账号安全、排查异常登录", "账号存续期间；登录与操作记录随审计日志保存"},
	{"车辆", "车架号、车牌、车型、里程、电池健康度、软件版本、归属记录", "电池健康与质保服务、预约与维修", "车辆质保期内；删除后与您脱钩保留（法定质保与召回义务）"},
	{"补能记录", "充电与换电的时间、地点、电量、费用", "账单、电池健康分析", "按财务记录的要求保存；删除后与您脱钩保留"},
	{"预约与维修", "预约、备注、工单、维修项目与费用、评价", "提供服务、质保判定、服务质量改进", "维修记录按法规保留；删除后匿名化保留"},
	{"营销授权", "是否同意接收营销信息及时间", "仅向同意者发送营销信息", "随时可撤回"},
	{"站内通知", "发给您的通知", "告知服务进度", "删除账号时一并删除"},
	{"车友圈", "昵称与车型徽章、帖子与图片、评论与回复、点赞、收藏、举报、被禁言记录", "车友交流、内容审核与社区秩序",
		"删除后帖子连同其评论与图片删除，评论只留无文字的占位，点赞、收藏、举报与昵称删除"},
}

// Section is one part of the export: a JSON key and a CSV file, the
// columns with their Chinese titles, and the query of the owner's rows
// ($1: the customer id, or the user id when ByUser).
type Section struct {
	Name    string // JSON key and CSV file name ("vehicles")
	Title   string // Chinese name in the read-me
	Columns []Column
	Query   string
	ByUser  bool
}

// Column is one exported column.
type Column struct {
	Key   string // JSON key
	Title string // CSV header
}

func cols(kv ...string) []Column {
	out := make([]Column, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Column{kv[i], kv[i+1]})
	}
	return out
}

// Sections are the areas' parts of the export; AddSection adds more (an
// area that stores the owner's personal data registers its own).
var sections = []Section{
	{"profile", "个人资料", cols("name", "姓名", "nickname", "昵称", "mobile", "手机号", "gender", "性别", "birth_year", "出生年份", "province", "省份",
		"city", "城市", "preferred_contact", "联系偏好", "consent_marketing", "同意营销信息", "consent_at", "授权或撤回时间", "created_at", "建档时间"),
		`SELECT name, nickname, mobile, gender, birth_year, province, city, preferred_contact, CASE WHEN consent_marketing THEN 1 ELSE 0 END,
		 consent_at, created_at FROM customers WHERE id = $1`, false},
	{"account", "账号", cols("username", "用户名", "mobile", "登录手机号", "display_name", "显示名", "created_at", "开通时间", "last_login_at", "最近登录"),
		`SELECT COALESCE(username, ''), COALESCE(mobile, ''), display_name, created_at, last_login_at FROM users WHERE id = $1`, false},
	{"vehicles", "名下车辆", cols("vin", "车架号", "plate", "车牌", "model", "车型", "color", "颜色", "purchased_on", "购车日期", "mileage_km", "里程（公里）",
		"battery_soh", "电池健康度（%）", "software_version", "软件版本"),
		`SELECT v.vin, COALESCE(v.plate, ''), m.name, v.color, v.purchased_on, v.mileage_km, v.battery_soh, v.software_version
		 FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id WHERE v.customer_id = $1 ORDER BY v.id`, false},
	{"vehicle_ownerships", "车辆归属记录", cols("vin", "车架号", "via", "方式", "started_at", "开始", "ended_at", "结束"),
		`SELECT v.vin, o.via, o.started_at, o.ended_at FROM vehicle_ownerships o JOIN vehicles v ON v.id = o.vehicle_id
		 WHERE o.customer_id = $1 ORDER BY o.started_at, o.id`, false},
	{"charging_sessions", "充电记录", cols("vin", "车架号", "place", "地点", "fast", "快充", "started_at", "开始", "ended_at", "结束", "energy_kwh", "电量（kWh）",
		"start_soc", "开始电量（%）", "end_soc", "结束电量（%）", "cost_fen", "费用（分）"),
		`SELECT v.vin, COALESCE(st.name, c.location_kind), CASE WHEN c.fast THEN 1 ELSE 0 END, c.started_at, c.ended_at, c.energy_kwh, c.start_soc, c.end_soc, c.cost_fen
		 FROM charging_sessions c JOIN vehicles v ON v.id = c.vehicle_id LEFT JOIN sites st ON st.id = c.site_id
		 WHERE c.customer_id = $1 ORDER BY c.started_at, c.id`, false},
	{"battery_swaps", "换电记录", cols("vin", "车架号", "station", "换电站", "swapped_at", "时间", "soc_out", "换下电量（%）", "soc_in", "换上电量（%）", "cost_fen", "费用（分）"),
		`SELECT v.vin, st.name, b.swapped_at, b.soc_out, b.soc_in, b.cost_fen FROM battery_swaps b JOIN vehicles v ON v.id = b.vehicle_id
		 JOIN sites st ON st.id = b.site_id WHERE b.customer_id = $1 ORDER BY b.swapped_at, b.id`, false},
	{"appointments", "预约", cols("id", "预约号", "service_kind", "服务", "site", "网点", "scheduled_at", "预约时间", "status", "状态", "note", "备注",
		"result", "服务结果", "cancel_reason", "取消原因", "created_at", "下单时间"),
		`SELECT a.id, a.service_kind, st.name, a.scheduled_at, a.status, a.note, a.result, a.cancel_reason, a.created_at
		 FROM appointments a JOIN sites st ON st.id = a.site_id WHERE a.customer_id = $1 ORDER BY a.created_at, a.id`, false},
	{"work_orders", "维修工单", cols("code", "工单号", "site", "服务中心", "opened_at", "进厂", "status", "状态", "mileage_km", "进厂里程", "complaint", "问题描述",
		"diagnosis", "检查结果", "total_fen", "车主支付（分）", "warranty_fen", "质保承担（分）"),
		`SELECT w.code, st.name, w.opened_at, w.status, w.mileage_km, w.complaint, w.diagnosis, w.total_fen, w.warranty_fen
		 FROM work_orders w JOIN sites st ON st.id = w.site_id WHERE w.customer_id = $1 ORDER BY w.opened_at, w.id`, false},
	{"community_profile", "车友圈资料", cols("nickname", "昵称", "badge", "车型徽章", "created_at", "创建时间", "updated_at", "更新时间"),
		`SELECT nickname, badge, created_at, updated_at FROM community_profiles WHERE customer_id = $1`, false},
	{"community_posts", "车友圈帖子", cols("id", "帖子号", "topic", "话题", "title", "标题", "body", "正文", "status", "状态", "moderation", "审核",
		"moderation_reason", "处理原因", "photo_count", "图片数", "like_count", "点赞数", "comment_count", "评论数", "favorite_count", "收藏数",
		"created_at", "发布时间", "edited_at", "最后编辑"),
		`SELECT id, topic, title, body, status, moderation, moderation_reason, photo_count, like_count, comment_count, favorite_count, created_at, edited_at
		 FROM posts WHERE customer_id = $1 ORDER BY created_at, id`, false},
	{"community_comments", "车友圈评论与回复", cols("id", "评论号", "post_id", "帖子号", "post_title", "帖子标题", "reply_to", "回复的评论号",
		"body", "内容", "status", "状态", "moderation", "审核", "moderation_reason", "处理原因", "created_at", "时间", "edited_at", "最后编辑"),
		`SELECT c.id, c.post_id, p.title, COALESCE(c.parent_id, 0), c.body, c.status, c.moderation, c.moderation_reason, c.created_at, c.edited_at
		 FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.customer_id = $1 ORDER BY c.created_at, c.id`, false},
	{"community_likes", "车友圈点赞", cols("post_id", "帖子号", "post_title", "帖子标题", "created_at", "时间"),
		`SELECT l.post_id, p.title, l.created_at FROM post_likes l JOIN posts p ON p.id = l.post_id WHERE l.customer_id = $1 ORDER BY l.created_at, l.post_id`, false},
	{"community_favorites", "车友圈收藏", cols("post_id", "帖子号", "post_title", "帖子标题", "created_at", "时间"),
		`SELECT f.post_id, p.title, f.created_at FROM post_favorites f JOIN posts p ON p.id = f.post_id WHERE f.customer_id = $1 ORDER BY f.created_at, f.post_id`, false},
	{"community_reports", "车友圈举报", cols("post_id", "帖子号", "comment_id", "评论号", "reason", "原因", "detail", "说明", "status", "处理状态", "created_at", "时间"),
		`SELECT r.post_id, COALESCE(r.comment_id, 0), r.reason, r.detail, r.status, r.created_at FROM community_reports r
		 WHERE r.reporter_customer_id = $1 ORDER BY r.created_at, r.id`, false},
	{"community_mutes", "车友圈禁言记录", cols("until", "禁言至", "reason", "原因", "created_at", "时间"),
		`SELECT until, reason, created_at FROM community_mutes WHERE customer_id = $1 ORDER BY created_at, id`, false},
	{"notifications", "站内通知", cols("kind", "类型", "title", "标题", "body", "内容", "created_at", "时间"),
		`SELECT kind, title, body, created_at FROM notifications WHERE user_id = $1 ORDER BY created_at, id`, false},
	{"privacy_requests", "删除申请", cols("status", "状态", "reason", "原因", "requested_at", "申请时间", "decided_at", "处理时间", "decision_note", "处理说明"),
		`SELECT status, reason, requested_at, decided_at, decision_note FROM privacy_requests WHERE customer_id = $1 ORDER BY requested_at, id`, false},
	{"account_activity", "账号操作记录", cols("action", "操作", "created_at", "时间", "ip", "来源地址"),
		`SELECT action, created_at, ip FROM audit_log WHERE user_id = $1 ORDER BY created_at, id`, false},
}

func init() {
	for i := range sections {
		switch sections[i].Name {
		case "account", "notifications", "account_activity":
			sections[i].ByUser = true
		}
	}
}

// AddSection adds an area's section to every export (at start, before
// serving).
func AddSection(sec Section) { sections = append(sections, sec) }

// ExportFileName is the download's name for now.
func ExportFileName(now time.Time) string {
	return "nevcrm-my-data-" + now.In(shanghai).Format("20060102-150405") + ".zip"
}

var shanghai = time.FixedZone("CST", 8*3600)

// Export writes a zip of all the acting owner's personal data to w: one
// data.json with every section, one CSV per section (UTF-8 with BOM, for
// Excel) and a read-me; times are in Asia/Shanghai. It is audited
// (privacy.export). Owners only (Forbidden). It reads everything before
// writing, so a failure writes nothing.
func (s *Service) Export(ctx context.Context, actor *identity.User, w io.Writer) error {
	if err := requireOwner(actor); err != nil {
		return err
	}
	now := s.now()
	data := map[string]any{"exported_at": now.In(shanghai).Format(time.RFC3339)}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	readme := "蔚能 NEV CRM · 我的个人信息副本\r\n导出时间：" + now.In(shanghai).Format("2006-01-02 15:04:05") + "（北京时间）\r\n\r\n" +
		"data.json 包含下列全部内容；每一部分另有一个 CSV 文件，可用 Excel 打开。金额单位为分，时间为北京时间。\r\n\r\n"
	for _, sec := range sections {
		rows, err := s.rows(ctx, sec, actor)
		if err != nil {
			return fmt.Errorf("export %s: %w", sec.Name, err)
		}
		items := make([]map[string]any, 0, len(rows))
		for _, r := range rows {
			m := make(map[string]any, len(sec.Columns))
			for i, c := range sec.Columns {
				m[c.Key] = r[i]
			}
			items = append(items, m)
		}
		if sec.Name == "profile" || sec.Name == "account" {
			if len(items) > 0 {
				data[sec.Name] = items[0]
			} else {
				data[sec.Name] = nil
			}
		} else {
			data[sec.Name] = items
		}
		f, err := zw.Create(sec.Name + ".csv")
		if err != nil {
			return err
		}
		cw := listing.NewCSVWriter(f)
		titles := make([]string, len(sec.Columns))
		for i, c := range sec.Columns {
			titles[i] = c.Title
		}
		if err := cw.WriteHeader(titles...); err != nil {
			return err
		}
		for _, r := range rows {
			if err := cw.WriteRow(r...); err != nil {
				return err
			}
		}
		if err := cw.Close(); err != nil {
			return err
		}
		readme += fmt.Sprintf("%s.csv\t%s（%d 条）\r\n", sec.Name, sec.Title, len(rows))
	}
	f, err := zw.Create("data.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(data); err != nil {
		return err
	}
	if f, err = zw.Create("README.txt"); err != nil {
		return err
	}
	if _, err := io.WriteString(f, readme); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := audit.Record(ctx, s.db, now, audit.Entry{UserID: actor.ID, Action: "privacy.export", Entity: "customers", EntityID: actor.CustomerID,
		Detail: map[string]any{"bytes": buf.Len()}}); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// rows runs sec's query for actor: each value as JSON and CSV show it
// (times in Shanghai, bytes as text, NULL as empty).
func (s *Service) rows(ctx context.Context, sec Section, actor *identity.User) ([][]any, error) {
	arg := actor.CustomerID
	if sec.ByUser {
		arg = actor.ID
	}
	rs, err := s.db.QueryContext(ctx, sec.Query, arg)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(sec.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				vals[i] = ""
			case []byte:
				vals[i] = string(x)
			case time.Time:
				vals[i] = x.In(shanghai).Format("2006-01-02 15:04:05")
			}
		}
		out = append(out, vals)
	}
	return out, rs.Err()
}
