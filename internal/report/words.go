package report

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// Chinese word counting for comments. The module proxy serves no
// maintained pure-Go segmenter light enough to embed (gse adds 33 MB and two
// seconds of start-up; gojieba needs cgo), so comments are segmented by
// forward maximum matching against a dictionary of the words owners use
// about sales, service, charging and the car. Text outside the dictionary
// is skipped, not guessed at: a word that is not listed is never counted.

// lexicon is the dictionary (two to six characters a word).
var lexicon = strings.Fields(`
服务 态度 热情 耐心 专业 不专业 细心 负责 讲解 清楚 沟通 不清 及时 不及时 回复 响应 解释
满意 不满意 非常满意 点赞 好评 差评 失望 推荐 超出预期 一般 还行 不错 很好 很差
技师 顾问 客服 销售 店员 前台 售后 工作人员
预约 准时 按时 守时 迟到 排队 等待 等待时间 太久 太长 很久 效率 很快 快捷 速度 拖延 延误 推迟
流程 简化 繁琐 麻烦 方便 便捷 透明 全程 清晰
费用 价格 收费 乱收费 偏高 太贵 便宜 实惠 优惠 报价 发票 退款 账单 扣费
环境 干净 整洁 脏乱 卫生 休息区 站点 门店 服务中心
维修 保养 返厂 质保 保修 配件 缺货 零件 更换 检测 诊断 故障 问题 解决 没有解决 修好 未解决
交车 提车 交付 清洗 洗车 车辆 外观 内饰 划痕 异响 噪音 漏水
充电 充电桩 充电站 快充 慢充 换电 换电站 电池 电量 续航 掉电 里程 能耗 排队充电
软件 系统 车机 升级 卡顿 闪退 导航 蓝牙 空调 座椅 智能驾驶 辅助驾驶 语音
试驾 活动 积分 权益 会员 App 应用
下次 再来 还来 以后`)

// stopWords are dictionary words too general to be worth listing.
var stopWords = map[string]bool{"下次": true, "以后": true, "问题": true, "车辆": true}

var dictionary, maxWordLen = func() (map[string]bool, int) {
	m := map[string]bool{}
	n := 0
	for _, w := range lexicon {
		m[w] = true
		n = max(n, utf8.RuneCountInString(w))
	}
	return m, n
}()

// Segment splits text into dictionary words by forward maximum matching,
// in order; characters that start no dictionary word are dropped.
func Segment(text string) []string {
	var out []string
	rs := []rune(text)
	for i := 0; i < len(rs); {
		n := 0
		for l := min(maxWordLen, len(rs)-i); l >= 2; l-- {
			if dictionary[string(rs[i:i+l])] {
				n = l
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		out = append(out, string(rs[i:i+n]))
		i += n
	}
	return out
}

// TopWords counts in how many texts each dictionary word appears (a word
// twice in one text counts once; stop words left out) and returns the top
// n, most frequent first, ties by word.
func TopWords(texts []string, n int) []WordCount {
	counts := map[string]int{}
	for _, t := range texts {
		seen := map[string]bool{}
		for _, w := range Segment(t) {
			if !stopWords[w] && !seen[w] {
				seen[w] = true
				counts[w]++
			}
		}
	}
	out := make([]WordCount, 0, len(counts))
	for w, c := range counts {
		out = append(out, WordCount{Word: w, N: c})
	}
	slices.SortFunc(out, func(a, b WordCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Word, b.Word)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// MaxComments is how many of the period's latest comments of each source
// the word count reads.
const MaxComments = 20000

// words fills r.Words from the comments of the ratings and feedback in sc.
func (s *Service) words(ctx context.Context, sc *scope, r *Report) error {
	var texts []string
	read := func(q string, args []any) error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			texts = append(texts, c)
		}
		return rows.Err()
	}
	args := []any{sc.Lo, sc.Hi}
	where := sc.in("w.site_id", &args)
	if err := read(`SELECT w.comment FROM work_order_ratings w WHERE w.created_at >= $1 AND w.created_at < $2 AND w.comment <> '' AND `+where+
		` ORDER BY w.created_at DESC LIMIT `+itoa(MaxComments), args); err != nil {
		return err
	}
	args = []any{sc.Lo, sc.Hi}
	where = "1 = 1"
	if sc.Sites != nil {
		where = sc.in(feedbackSite, &args)
	}
	if err := read(`SELECT f.comment FROM feedback f WHERE f.created_at >= $1 AND f.created_at < $2 AND f.comment <> '' AND `+where+
		` ORDER BY f.created_at DESC LIMIT `+itoa(MaxComments), args); err != nil {
		return err
	}
	r.Words = TopWords(texts, 30)
	for i := range r.Words {
		r.Words[i].Link = sc.drill(serviceRows, "comments", "q", r.Words[i].Word)
	}
	return nil
}
