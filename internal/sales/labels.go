package sales

// Code is a stored code with its Chinese label, in lifecycle order.
type Code struct {
	Code  string
	Label string
}

func label(list []Code, c string) string {
	for _, x := range list {
		if x.Code == c {
			return x.Label
		}
	}
	return c
}

func valid(list []Code, c string) bool {
	for _, x := range list {
		if x.Code == c {
			return true
		}
	}
	return false
}

// Sources are where leads come from (leads.source).
var Sources = []Code{
	{"walk_in", "到店"}, {"website", "官网"}, {"app", "App"}, {"call_center", "呼叫中心"}, {"referral", "转介绍"},
	{"event", "活动"}, {"social_media", "社交媒体"}, {"auto_show", "车展"}, {"partner", "合作渠道"},
}

// SourceLabel is the Chinese name of a lead source.
func SourceLabel(c string) string { return label(Sources, c) }

// LeadStatuses are the states of a lead, in lifecycle order.
var LeadStatuses = []Code{{"new", "新线索"}, {"contacted", "已联系"}, {"qualified", "已确认意向"}, {"converted", "已转商机"}, {"lost", "无效/流失"}}

// LeadStatusLabel is the Chinese name of a lead status.
func LeadStatusLabel(c string) string { return label(LeadStatuses, c) }

// Channels are the ways a follow-up happened (follow_ups.channel).
var Channels = []Code{{"phone", "电话"}, {"wechat", "微信"}, {"sms", "短信"}, {"visit", "到店"}, {"email", "邮件"}}

// ChannelLabel is the Chinese name of a follow-up channel.
func ChannelLabel(c string) string { return label(Channels, c) }

// Stages are the opportunity stages in pipeline order; order is 赢单 (won:
// the deal is closed and the vehicle order is recorded on it).
var Stages = []Code{{"intent", "意向"}, {"test_drive", "试驾"}, {"quote", "报价"}, {"order", "赢单"}, {"delivered", "已交付"}, {"lost", "战败"}}

// StageLabel is the Chinese name of an opportunity stage.
func StageLabel(c string) string { return label(Stages, c) }

// Probability is the win probability (%) of each stage.
var Probability = map[string]int{"intent": 10, "test_drive": 30, "quote": 50, "order": 90, "delivered": 100, "lost": 0}

// LostReasons are the reasons offered when a deal or lead is lost (free
// text is accepted too).
var LostReasons = []string{"价格超出预算", "选择了竞品", "暂无购车计划", "对续航不满意", "等待新款", "联系不上", "无效线索"}

// TestDriveStatuses are the states of a test drive.
var TestDriveStatuses = []Code{{"scheduled", "已预约"}, {"done", "已完成"}, {"no_show", "未到店"}, {"cancelled", "已取消"}}

// TestDriveStatusLabel is the Chinese name of a test-drive status.
func TestDriveStatusLabel(c string) string { return label(TestDriveStatuses, c) }

// Outcomes are a finished test drive's result (test_drives.outcome).
var Outcomes = []Code{{"interested", "有意购买"}, {"considering", "还在考虑"}, {"not_interested", "不感兴趣"}}

// OutcomeLabel is the Chinese name of a test-drive outcome.
func OutcomeLabel(c string) string { return label(Outcomes, c) }

// OrderStatuses are the states of a vehicle order.
var OrderStatuses = []Code{{"ordered", "已下单"}, {"delivered", "已交付"}, {"cancelled", "已取消"}}

// OrderStatusLabel is the Chinese name of an order status.
func OrderStatusLabel(c string) string { return label(OrderStatuses, c) }
