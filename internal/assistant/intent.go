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
}

// classifier is a multinomial naive Bayes model over character n-grams,
// plus the cue weights.
type classifier struct {
	classes []Intent
	prior   map[Intent]float64
	logp    map[Intent]map[string]float64
	unseen  map[Intent]float64 // log probability of a feature not seen with the class
}

// example is one labelled training sentence (already normalized).
type example struct {
	text   string
	intent Intent
}

// train builds the classifier from examples with add-alpha smoothing.
func train(examples []example) *classifier {
	const alpha = 0.3
	c := &classifier{prior: map[Intent]float64{}, logp: map[Intent]map[string]float64{}, unseen: map[Intent]float64{}}
	counts := map[Intent]map[string]float64{}
	totals := map[Intent]float64{}
	docs := map[Intent]float64{}
	vocab := map[string]bool{}
	for _, e := range examples {
		if counts[e.intent] == nil {
			counts[e.intent] = map[string]float64{}
		}
		docs[e.intent]++
		for _, t := range tokens(e.text) {
			counts[e.intent][t]++
			totals[e.intent]++
			vocab[t] = true
		}
	}
	v := float64(len(vocab) + 1)
	for in := range counts {
		c.classes = append(c.classes, in)
		// A flattened prior: intents with few examples are not punished much.
		c.prior[in] = math.Log(math.Sqrt(docs[in]))
		lp := make(map[string]float64, len(counts[in]))
		den := totals[in] + alpha*v
		for t, n := range counts[in] {
			lp[t] = math.Log((n + alpha) / den)
		}
		c.logp[in] = lp
		c.unseen[in] = math.Log(alpha / den)
	}
	sort.Slice(c.classes, func(i, j int) bool { return c.classes[i] < c.classes[j] })
	return c
}

// scored is an intent with its probability.
type scored struct {
	Intent Intent
	Prob   float64
}

// classify returns the intents of normalized text, most likely first, with
// probabilities that sum to 1.
func (c *classifier) classify(text string) ([]scored, map[Intent]bool) {
	toks := tokens(text)
	scores := make([]float64, len(c.classes))
	for i, in := range c.classes {
		s := c.prior[in]
		lp := c.logp[in]
		for _, t := range toks {
			if p, ok := lp[t]; ok {
				s += p
			} else {
				s += c.unseen[in]
			}
		}
		scores[i] = s
	}
	// Naive Bayes is over-confident on long inputs: temper by length.
	temper := 1 / math.Max(1, math.Sqrt(float64(len(toks)))/1.5)
	for i := range scores {
		scores[i] *= temper
	}
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
