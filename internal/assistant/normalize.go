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
	"hi": "你好", "thanks": "谢谢", "thank you": "谢谢", "status": "状态", "complaint": "投诉", "app": "app",
	"promotion": "活动", "promotions": "活动", "campaign": "活动", "password": "密码", "failed": "失败", "fail": "失败",
	"fapiao": "发票", "invoice": "发票", "price": "价格", "how much": "多少钱", "suggestion": "建议", "refund": "退款",
	"health": "健康度", "public": "公共", "points": "积分",
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
		out = append(out, rewriteWord(words[i]))
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
			if r, ok := rewrites[rest[:n]]; ok && r != rest[:n] {
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
