package assistant

import (
	"math"
	"sort"
	"strings"
)

// Intent is what an owner's message asks for.
type Intent string

// Intents, exactly the codes of the API.
const (
	BookSwap              Intent = "book_swap"
	BookCharge            Intent = "book_charge"
	BookRepair            Intent = "book_repair"
	AppointmentStatus     Intent = "appointment_status"
	AppointmentCancel     Intent = "appointment_cancel"
	AppointmentReschedule Intent = "appointment_reschedule"
	StationFind           Intent = "station_find"
	ChargingHowto         Intent = "charging_howto"
	BatteryHealth         Intent = "battery_health"
	Range                 Intent = "range"
	Warranty              Intent = "warranty"
	OTA                   Intent = "ota"
	Roadside              Intent = "roadside"
	Purchase              Intent = "purchase"
	TestDrive             Intent = "test_drive"
	Campaign              Intent = "campaign"
	Community             Intent = "community"
	Account               Intent = "account"
	Complaint             Intent = "complaint"
	Feedback              Intent = "feedback"
	Human                 Intent = "human"
	Greeting              Intent = "greeting"
	Other                 Intent = "other"
)

// Intents lists every intent code.
var Intents = []Intent{BookSwap, BookCharge, BookRepair, AppointmentStatus, AppointmentCancel, AppointmentReschedule,
	StationFind, ChargingHowto, BatteryHealth, Range, Warranty, OTA, Roadside, Purchase, TestDrive, Campaign, Community,
	Account, Complaint, Feedback, Human, Greeting, Other}

// Valid reports whether i is one of Intents.
func (i Intent) Valid() bool {
	for _, x := range Intents {
		if x == i {
			return true
		}
	}
	return false
}

// cue is a phrase that, when present, adds weight to an intent: the
// hand-written knowledge the classifier starts from. All cues of an intent
// must be present when a cue lists several words joined by "+".
type cue struct {
	intent Intent
	phrase string
	weight float64
}

// cues are strong signals that few training sentences would teach.
var cues = []cue{
	{Human, "转人工", 8}, {Human, "人工客服", 5}, {Human, "找人工", 8}, {Human, "真人", 6}, {Human, "人工服务", 6},
	{Human, "找客服", 5}, {Human, "跟客服", 5}, {Human, "转接", 5}, {Human, "人工", 3}, {Human, "活人", 6}, {Human, "机器人+不行", 4},
	{Complaint, "投诉", 8}, {Complaint, "差评", 5}, {Complaint, "太差", 4}, {Complaint, "垃圾", 5}, {Complaint, "坑", 3},
	{Complaint, "不满意", 4}, {Complaint, "态度", 3}, {Complaint, "骗", 3}, {Complaint, "退钱", 2}, {Complaint, "气死", 4}, {Complaint, "不耐烦", 5}, {Complaint, "等了", 2}, {Complaint, "还要等", 3}, {Complaint, "还没修好", 5}, {Complaint, "烂", 4}, {Complaint, "不满", 4}, {Complaint, "生气", 4}, {Complaint, "差劲", 5},
	{Feedback, "希望", 3}, {Account, "泄露", 5}, {Account, "隐私", 5}, {Account, "个人信息", 4}, {Range, "跑多远", 5}, {Range, "费电", 4},
	{Range, "耗电", 4}, {Purchase, "落地价", 5}, {Purchase, "车价", 4}, {Purchase, "价格", 2},
	{Roadside, "没动力", 5}, {Roadside, "撞了", 5}, {Roadside, "追尾", 5}, {Roadside, "事故", 4}, {Roadside, "剐蹭", 4}, {Roadside, "路边", 3}, {Roadside, "开不动", 5}, {Range, "能耗", 4}, {Range, "省电", 4}, {Range, "动能回收", 4},
	{Purchase, "交车", 4}, {Purchase, "提车", 3}, {Purchase, "下定", 4}, {Purchase, "贷款", 4}, {Community, "其他车主", 4}, {TestDrive, "体验", 3},
	{AppointmentStatus, "的预约", 3},
	{Feedback, "建议", 6}, {Feedback, "希望你们", 5}, {Feedback, "提个意见", 6}, {Feedback, "反馈", 4}, {Feedback, "要是能", 3},
	{Feedback, "表扬", 6}, {Feedback, "点赞", 3},
	{AppointmentCancel, "取消", 6}, {AppointmentCancel, "不去了", 6}, {AppointmentCancel, "不约了", 6}, {AppointmentCancel, "退掉", 4},
	{AppointmentCancel, "去不了", 5}, {AppointmentCancel, "不用了", 2}, {AppointmentCancel, "撤销", 6}, {AppointmentCancel, "不要了", 5}, {AppointmentCancel, "作废", 6},
	{AppointmentReschedule, "改约", 7}, {AppointmentReschedule, "改到", 6}, {AppointmentReschedule, "改成", 5}, {AppointmentReschedule, "换个时间", 6},
	{AppointmentReschedule, "推迟", 5}, {AppointmentReschedule, "延后", 5}, {AppointmentReschedule, "提前到", 5}, {AppointmentReschedule, "改时间", 7},
	{AppointmentReschedule, "挪到", 6}, {AppointmentReschedule, "换个日子", 6}, {AppointmentReschedule, "换一天", 6}, {AppointmentReschedule, "往后推", 5}, {AppointmentReschedule, "改一下", 3}, {AppointmentReschedule, "换到", 3},
	{AppointmentStatus, "我的预约", 5}, {AppointmentStatus, "预约状态", 6}, {AppointmentStatus, "约了", 3}, {AppointmentStatus, "修好了", 6},
	{AppointmentStatus, "维修进度", 6}, {AppointmentStatus, "工单", 4}, {AppointmentStatus, "几点的", 3}, {AppointmentStatus, "查+预约", 3},
	{AppointmentStatus, "修得怎么样", 6}, {AppointmentStatus, "进度", 3}, {AppointmentStatus, "修完", 5}, {AppointmentStatus, "什么情况", 5},
	{AppointmentStatus, "修好", 5},
	{Greeting, "你好", 3}, {Greeting, "您好", 3}, {Greeting, "在吗", 4}, {Greeting, "早上好", 3}, {Greeting, "谢谢", 4}, {Greeting, "哈喽", 4},
	{StationFind, "附近", 3}, {StationFind, "最近的", 3}, {StationFind, "在哪", 3}, {StationFind, "哪里有", 4}, {StationFind, "哪有", 3},
	{BatteryHealth, "健康度", 4}, {BatteryHealth, "衰减", 3}, {Warranty, "质保", 5}, {Warranty, "保修", 5}, {Warranty, "保几年", 6}, {Warranty, "过保", 6}, {Warranty, "免费换", 4}, {Range, "续航", 5},
	{OTA, "升级", 4}, {OTA, "ota", 6}, {OTA, "版本", 3}, {Roadside, "救援", 6}, {Roadside, "拖车", 5}, {Roadside, "趴窝", 6},
	{Roadside, "抛锚", 6}, {TestDrive, "试驾", 6}, {Campaign, "活动", 4}, {Campaign, "优惠", 2}, {Campaign, "积分", 4},
	{Community, "车友", 5}, {Community, "发帖", 5}, {Community, "社区", 5}, {Account, "密码", 5}, {Account, "手机号", 4},
	{Account, "账号", 4}, {Account, "发票", 3},
	// General vocabulary of each intent (domain words, not phrasings of any labelled question).
	{Complaint, "不专业", 4}, {Complaint, "没人管", 4}, {Complaint, "乱收费", 5}, {Complaint, "多收", 4}, {Complaint, "12315", 6},
	{Complaint, "谁负责", 4}, {Complaint, "敷衍", 5}, {Complaint, "失望", 4}, {Complaint, "离谱", 4}, {Complaint, "无语", 3},
	{Complaint, "服务差", 5}, {Complaint, "乱七八糟", 4}, {Complaint, "没人修", 4},
	{Campaign, "福利", 4}, {Campaign, "奖励", 3}, {Campaign, "券", 3}, {Campaign, "老带新", 5}, {Campaign, "兑换", 3},
	{Campaign, "抽奖", 4}, {Campaign, "促销", 4},
	{Account, "验证码", 5}, {Account, "登录", 4}, {Account, "登陆", 4}, {Account, "专票", 4}, {Account, "注销", 5},
	{Account, "解绑", 5}, {Account, "登不上", 5}, {Account, "登不进", 5}, {Account, "绑定", 3}, {Account, "实名", 4},
	{Community, "帖子", 5}, {Community, "评论", 3}, {Community, "车友会", 5}, {Community, "车主群", 5},
	{Purchase, "买车", 5}, {Purchase, "订车", 5}, {Purchase, "车型", 3}, {Purchase, "配置", 3}, {Purchase, "首付", 5},
	{Purchase, "分期", 5}, {Purchase, "置换", 4}, {Purchase, "上牌", 4}, {Purchase, "绿牌", 4}, {Purchase, "订一台", 5}, {Purchase, "颜色", 3},
	{OTA, "车机", 4}, {OTA, "蓝牙钥匙", 5}, {OTA, "远程", 3}, {OTA, "导航", 2}, {OTA, "辅助驾驶", 4}, {OTA, "自动驾驶", 4},
	{OTA, "泊车", 4}, {OTA, "卡顿", 3},
	{Roadside, "爆胎", 6}, {Roadside, "坏在", 5}, {Roadside, "熄火", 5}, {Roadside, "动不了", 4}, {Roadside, "被撞", 5},
	{Range, "百公里", 4}, {Range, "跑多少", 4}, {Range, "多远", 3},
	{BatteryHealth, "电芯", 4}, {BatteryHealth, "鼓包", 5},
	{Other, "天气", 5}, {Other, "下雨", 5}, {Other, "电影", 5}, {Other, "好吃", 5}, {Other, "餐厅", 5}, {Other, "外卖", 6},
	{Other, "股票", 6}, {Other, "酒店", 5}, {Other, "机票", 6}, {Other, "快递", 5}, {Other, "笑话", 6}, {Other, "唱歌", 5},
	{Other, "无聊", 4}, {Other, "你是谁", 5}, {Other, "油价", 5}, {Other, "股市", 6}, {Other, "世界杯", 6}, {Other, "火星", 5},
	{Other, "新闻", 4}, {Other, "彩票", 6}, {Other, "游戏", 4}, {Other, "翻译", 5}, {Other, "作业", 5}, {Other, "写诗", 6},
	{Other, "代码", 5}, {Other, "火车票", 6}, {Other, "几点了", 5}, {Other, "足球", 5}, {Other, "篮球", 5}, {Other, "明星", 5},
	{Other, "旅游", 4}, {Other, "笨", 4}, {Other, "傻", 4}, {Other, "吃饭", 4}, {Other, "减肥", 5}, {Other, "菜谱", 5}, {Other, "做饭", 5},
	{Human, "客服电话", 4}, {Human, "客服", 2},
	{Feedback, "想法", 4}, {Feedback, "好评", 4}, {Feedback, "意见", 5}, {Feedback, "就好了", 3},
	{AppointmentStatus, "约的", 3}, {AppointmentStatus, "预约的", 3}, {AppointmentStatus, "修到", 4}, {AppointmentStatus, "好了没", 4},
	{AppointmentStatus, "做完", 3},
	{AppointmentCancel, "来不了", 5}, {AppointmentCancel, "不去", 4}, {AppointmentCancel, "退了", 3},
	{AppointmentReschedule, "改个时间", 7}, {AppointmentReschedule, "挪", 4}, {AppointmentReschedule, "改期", 7},
	{AppointmentReschedule, "往后", 3}, {AppointmentReschedule, "改天", 4}, {AppointmentReschedule, "改+时间", 5},
	{AppointmentReschedule, "能改", 4}, {AppointmentReschedule, "可以改", 4},
}

// classifier is a regularised logistic regression over character n-grams
// (see linear) plus the cue weights. (Until 2026-11-29 it was a naive
// Bayes model; on the development part's cross-validation the regularised
// model alone did better than any mix of the two, see docs/系统设计.md §9.5.)
type classifier struct {
	classes []Intent
	lin     *linear
}

// example is one labelled training sentence (already normalized).
type example struct {
	text   string
	intent Intent
}

// train builds the classifier from examples.
func train(examples []example) *classifier {
	c := &classifier{}
	seen := map[Intent]bool{}
	for _, e := range examples {
		if !seen[e.intent] {
			seen[e.intent] = true
			c.classes = append(c.classes, e.intent)
		}
	}
	sort.Slice(c.classes, func(i, j int) bool { return c.classes[i] < c.classes[j] })
	c.lin = trainLinear(c.classes, examples)
	return c
}

// scored is an intent with its probability.
type scored struct {
	Intent Intent
	Prob   float64
}

// classify returns the intents of normalized text, most likely first, with
// probabilities that sum to 1: the model's log probabilities plus the cue
// weights of the cue phrases found, renormalized.
func (c *classifier) classify(text string) ([]scored, map[Intent]bool) {
	scores := c.lin.logProbs(text)
	cued := map[Intent]bool{}
	for _, cu := range cues {
		if hasCue(text, cu.phrase) {
			cued[cu.intent] = true
			for i, in := range c.classes {
				if in == cu.intent {
					scores[i] += cu.weight
				}
			}
		}
	}
	maxS := math.Inf(-1)
	for _, s := range scores {
		maxS = math.Max(maxS, s)
	}
	var sum float64
	out := make([]scored, len(c.classes))
	for i, in := range c.classes {
		p := math.Exp(scores[i] - maxS)
		out[i] = scored{in, p}
		sum += p
	}
	for i := range out {
		out[i].Prob /= sum
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Prob > out[j].Prob })
	return out, cued
}

func hasCue(text, phrase string) bool {
	for _, p := range strings.Split(phrase, "+") {
		if !strings.Contains(text, p) {
			return false
		}
	}
	return true
}
