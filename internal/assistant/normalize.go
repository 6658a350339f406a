package assistant

import (
	"sort"
	"strings"
	"unicode"
)

// rewrites map what owners type to the words the classifier, the slot
// parser and the index know: common typos and homophones, pinyin and
// English. Longer entries are applied first (see rewriter).
var rewrites = map[string]string{
	// typos and homophones
	"换电占": "换电站", "换店": "换电", "换点": "换电", "唤电": "换电", "冲电": "充电", "充点": "充电", "重电": "充电",
	"冲个电": "充个电", "快冲": "快充", "慢冲": "慢充", "预定": "预约", "预订": "预约", "予约": "预约", "预曰": "预约",
	"续行": "续航", "续杭": "续航", "序航": "续航", "电赤": "电池", "电驰": "电池", "健康渡": "健康度", "保洋": "保养",
	"报修": "保修", "维休": "维修", "质宝": "质保", "升机": "升级", "人攻": "人工", "转人公": "转人工", "求援": "救援",
	"投述": "投诉", "明早": "明天早上", "明晚": "明天晚上", "今早": "今天早上", "今晚": "今天晚上", "礼拜天": "周日",
	"星期天": "周日", "礼拜": "周", "星期": "周", "周天": "周日", "明儿": "明天", "后儿": "后天", "明日": "明天",
	"今日": "今天", "钟头": "小时", "充电庄": "充电桩", "充电装": "充电桩", "马上": "现在",
	"换电战": "换电站", "换电栈": "换电站", "保样": "保养", "宝养": "保养", "维秀": "维修", "为修": "维修", "预越": "预约",
	"取销": "取消", "取肖": "取消", "去消": "取消", "改越": "改约", "质报": "质保", "保休": "保修",
	"试架": "试驾", "式驾": "试驾", "头诉": "投诉", "投素": "投诉", "电迟": "电池", "电吃": "电池", "健康读": "健康度",
	"里成": "里程", "升极": "升级", "救缓": "救援", "积份": "积分", "优慧": "优惠", "密马": "密码", "发漂": "发票",
	"帐号": "账号", "车有圈": "车友圈", "车有会": "车友会", "人工客户": "人工客服", "在马": "在吗", "冲电桩": "充电桩",
	"充电站点": "充电站", "快速充电": "快充", "换电池站": "换电站", "抛猫": "抛锚", "拖车服务": "拖车",
	// colloquial variants folded to one form
	"咋办": "怎么办", "咋弄": "怎么弄", "咋回事": "怎么回事", "咋": "怎么", "为啥": "为什么", "干啥": "干什么", "啥": "什么",
	"如何": "怎么", "怎样": "怎么", "木有": "没有", "没得": "没有", "嘛": "吗", "可不可以": "能不能",
	// pinyin
	"huandianzhan": "换电站", "huandian": "换电", "chongdianzhuang": "充电桩", "chongdian": "充电", "yuyue": "预约",
	"quxiao": "取消", "gaiyue": "改约", "xuhang": "续航", "dianchi": "电池", "jiankangdu": "健康度", "baoyang": "保养",
	"weixiu": "维修", "zhibao": "质保", "baoxiu": "保修", "shengji": "升级", "jiuyuan": "救援", "zhuanrengong": "转人工",
	"rengong": "人工", "kefu": "客服", "tousu": "投诉", "jianyi": "建议", "huodong": "活动", "shijia": "试驾",
	"mingtian": "明天", "houtian": "后天", "jintian": "今天", "xiawu": "下午", "shangwu": "上午", "wanshang": "晚上",
	"fujin": "附近", "wode": "我的", "wo": "我", "zenme": "怎么", "duoshao": "多少", "nali": "哪里", "zai": "在", "zuijin": "最近", "nihao": "你好", "xiexie": "谢谢", "pudong": "浦东", "minhang": "闵行",
	"xuhui": "徐汇", "jiading": "嘉定", "zhan": "站",
	// English
	"battery swap": "换电", "swap station": "换电站", "swap": "换电", "charging": "充电", "charge": "充电", "charger": "充电桩",
	"booking": "预约", "book": "预约", "appointment": "预约", "reschedule": "改约", "cancel": "取消", "battery health": "电池健康度",
	"battery": "电池", "soh": "健康度", "range": "续航", "warranty": "质保", "repair": "维修", "maintenance": "保养",
	"update": "升级", "upgrade": "升级", "rescue": "救援", "tow": "拖车", "human": "人工", "agent": "人工",
	"test drive": "试驾", "testdrive": "试驾", "station": "站", "nearest": "最近", "nearby": "附近", "tomorrow": "明天",
	"today": "今天", "afternoon": "下午", "morning": "上午", "evening": "晚上", "tonight": "今天晚上", "hello": "你好",
	"hi": "你好", "thanks": "谢谢", "thx": "谢谢", "thank you": "谢谢", "status": "状态", "complaint": "投诉", "app": "app",
	"promotion": "活动", "promotions": "活动", "campaign": "活动", "password": "密码", "failed": "失败", "fail": "失败",
	"fapiao": "发票", "invoice": "发票", "price": "价格", "how much": "多少钱", "suggestion": "建议", "refund": "退款",
	"health": "健康度", "public": "公共", "points": "积分",
	// more pinyin of the domain's everyday words
	"mima": "密码", "denglu": "登录", "zhanghao": "账号", "shoujihao": "手机号", "yanzhengma": "验证码", "jifen": "积分",
	"youhui": "优惠", "fuli": "福利", "youhuiquan": "优惠券", "shequ": "社区", "cheyou": "车友", "tiezi": "帖子",
	"fatie": "发帖", "pinglun": "评论", "fankui": "反馈", "biaoyang": "表扬", "chaping": "差评", "maiche": "买车",
	"jiage": "价格", "duoshaoqian": "多少钱", "tiche": "提车", "jiaoche": "交车", "daikuan": "贷款", "shoufu": "首付",
	"dingche": "订车", "chexing": "车型", "tuoche": "拖车", "paomao": "抛锚", "shigu": "事故", "baotai": "爆胎",
	"chehuole": "车坏了", "huaile": "坏了", "kongtiao": "空调", "cheji": "车机", "daohang": "导航", "gengxin": "更新",
	"banben": "版本", "shuaijian": "衰减", "dianliang": "电量", "kuaichong": "快充", "manchong": "慢充", "chaochong": "超充",
	"chongdianzhan": "充电站", "dongtian": "冬天", "gongli": "公里", "nengpao": "能跑", "duoyuan": "多远", "haodian": "耗电",
	"shiche": "试车", "gaishijian": "改时间", "tuichi": "推迟", "yanhou": "延后", "chexiao": "撤销", "jindu": "进度",
	"xiuhao": "修好", "gongdan": "工单", "zhuangtai": "状态", "chaxun": "查询", "dianhua": "电话", "zhoumo": "周末",
	"xiazhou": "下周", "zaoshang": "早上", "zhongwu": "中午", "bangwo": "帮我", "xiang": "想", "yao": "要", "qu": "去",
	"che": "车", "le": "了", "ji": "几", "dian": "点", "dianzhan": "电站", "haoma": "号码", "zaima": "在吗", "tai": "太",
	"duan": "短", "duo": "多", "shao": "少", "man": "慢", "kuai": "快", "hao": "好", "bu": "不", "mei": "没", "caozuo": "操作",
	"i": "我", "gaidao": "改到", "gaicheng": "改成", "gai": "改", "how far": "多远", "how long": "多久", "go": "",
	// English words that carry nothing here
	"a": "", "an": "", "the": "", "to": "", "at": "", "please": "", "pls": "", "for": "", "of": "", "is": "", "are": "",
	"do": "", "does": "", "can": "", "me": "", "on": "", "in": "", "with": "", "it": "",
	// more English
	"log in": "登录", "login": "登录", "sign in": "登录", "logon": "登录", "verification code": "验证码", "code": "验证码",
	"account": "账号", "phone number": "手机号", "phone": "手机", "community": "社区", "forum": "社区", "post": "帖子",
	"comment": "评论", "coupon": "优惠券", "discount": "优惠", "deal": "优惠", "reward": "奖励", "buy": "买", "purchase": "购买",
	"car": "车", "loan": "贷款", "down payment": "首付", "delivery": "交车", "trade in": "置换", "broke down": "抛锚",
	"broken down": "抛锚", "breakdown": "抛锚", "flat tire": "爆胎", "flat tyre": "爆胎", "accident": "事故", "crash": "撞车",
	"bad": "差", "terrible": "太差", "awful": "太差", "service": "服务", "complain": "投诉", "feedback": "反馈",
	"suggest": "建议", "idea": "建议", "my": "我的", "check": "查", "change": "改", "move": "改到", "postpone": "推迟",
	"delay": "推迟", "time": "时间", "when": "什么时候", "where": "在哪", "how": "怎么", "help": "帮", "need": "需要",
	"want": "想", "fix": "修", "fixed": "修好", "progress": "进度", "winter": "冬天", "km": "公里", "far": "远",
	"software": "软件", "system": "系统", "navigation": "导航", "bluetooth": "蓝牙", "key": "钥匙", "remote": "远程",
	"operator": "人工", "roadside": "道路救援", "assistance": "帮助", "colour": "颜色", "color": "颜色", "voice": "语音", "person": "人工", "real person": "真人", "weather": "天气", "joke": "笑话",
}

// rewriter applies rewrites, longest match first, on whole ASCII words for
// Latin entries and anywhere for Chinese ones.
var rewriter = func() *strings.Replacer {
	keys := make([]string, 0, len(rewrites))
	for k := range rewrites {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	var pairs []string
	for _, k := range keys {
		if strings.IndexFunc(k, func(r rune) bool { return r >= 128 }) >= 0 {
			pairs = append(pairs, k, rewrites[k])
		}
	}
	return strings.NewReplacer(pairs...)
}()

// Normalize folds full-width characters to half width, lower-cases Latin
// letters, turns punctuation into spaces (keeping ':' between digits for
// times, '/', '-' and '.' inside numbers for dates) and rewrites typos,
// pinyin and English (see rewrites).
func Normalize(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch {
		case r == 0x3000:
			r = ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		}
		r = unicode.ToLower(r)
		digitAround := i > 0 && i+1 < len(rs) && isDigitLike(rs[i-1]) && isDigitLike(rs[i+1])
		switch {
		case r == '：':
			r = ':'
			fallthrough
		case r == ':' || r == '/' || r == '-' || r == '.':
			if !digitAround {
				r = ' '
			}
		case r == '%' || r == '+':
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r):
			r = ' '
		}
		b.WriteRune(r)
	}
	out := " " + strings.Join(strings.Fields(b.String()), " ") + " "
	out = latinWords(out)
	return strings.TrimSpace(out)
}

func isDigitLike(r rune) bool { return (r >= '0' && r <= '9') || (r >= 0xFF10 && r <= 0xFF19) }

// latinWords rewrites runs of Latin letters (pinyin and English) through
// rewrites, and Chinese typos anywhere.
func latinWords(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if rs[i] < 128 && unicode.IsLetter(rs[i]) {
			j := i
			for j < len(rs) && ((rs[j] < 128 && unicode.IsLetter(rs[j])) || (rs[j] == ' ' && j+1 < len(rs) && rs[j+1] < 128 && unicode.IsLetter(rs[j+1]))) {
				j++
			}
			b.WriteString(rewriteLatin(string(rs[i:j])))
			i = j
			continue
		}
		b.WriteRune(rs[i])
		i++
	}
	return rewriter.Replace(b.String())
}

// rewriteLatin rewrites a run of Latin words: known phrases and words are
// replaced; a word of glued pinyin ("huandianzhan") is split greedily.
func rewriteLatin(run string) string {
	words := strings.Fields(run)
	var out []string
	for i := 0; i < len(words); i++ {
		if i+1 < len(words) {
			if r, ok := rewrites[words[i]+" "+words[i+1]]; ok {
				out = append(out, r)
				i++
				continue
			}
		}
		// Pinyin typed with spaces between syllables ("huan dian"):
		// join up to four words when together they are known pinyin.
		joined := false
		for n := min(4, len(words)-i); n >= 2; n-- {
			w := strings.Join(words[i:i+n], "")
			if r := rewriteWord(w); r != w {
				out = append(out, r)
				i += n - 1
				joined = true
				break
			}
		}
		if !joined {
			out = append(out, rewriteWord(words[i]))
		}
	}
	return strings.Join(out, " ")
}

func rewriteWord(w string) string {
	if r, ok := rewrites[w]; ok {
		return r
	}
	// Greedy split of glued pinyin: longest known prefix first.
	var parts []string
	rest := w
	for rest != "" {
		found := false
		for n := len(rest); n >= 2; n-- {
			if r, ok := rewrites[rest[:n]]; ok && r != rest[:n] && r != "" {
				parts = append(parts, r)
				rest = rest[n:]
				found = true
				break
			}
		}
		if !found {
			return w
		}
	}
	return strings.Join(parts, "")
}

// tokens returns the features of normalized text: each Chinese character,
// each Latin or digit word, and the bigrams and trigrams of the sequence.
func tokens(s string) []string {
	units := textUnits(s)
	out := make([]string, 0, len(units)*3)
	out = append(out, units...)
	for i := 0; i+1 < len(units); i++ {
		out = append(out, units[i]+units[i+1])
	}
	for i := 0; i+2 < len(units); i++ {
		out = append(out, units[i]+units[i+1]+units[i+2])
	}
	return out
}

// textUnits splits normalized text into Chinese characters and Latin or
// digit words.
func textUnits(s string) []string {
	var units []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == ' ':
			i++
			continue
		case r < 128:
			j := i
			for j < len(rs) && rs[j] < 128 && rs[j] != ' ' {
				j++
			}
			units = append(units, string(rs[i:j]))
			i = j
			continue
		}
		units = append(units, string(r))
		i++
	}
	return units
}
