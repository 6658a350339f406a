package report

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/site"
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

// commentWords returns the distinct counted words of one comment (stop
// words left out), in order of first appearance.
func commentWords(text string) []string {
	var out []string
	for _, w := range Segment(text) {
		if !stopWords[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// TopWords counts in how many texts each dictionary word appears (a word
// twice in one text counts once; stop words left out) and returns the top
// n, most frequent first, ties by word.
func TopWords(texts []string, n int) []WordCount {
	counts := map[string]int{}
	for _, t := range texts {
		for _, w := range commentWords(t) {
			counts[w]++
		}
	}
	return topWords(counts, n)
}

// topWords returns the n most frequent words of counts, most frequent
// first, ties by word.
func topWords(counts map[string]int, n int) []WordCount {
	out := make([]WordCount, 0, len(counts))
	for w, c := range counts {
		if c > 0 {
			out = append(out, WordCount{Word: w, N: c})
		}
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

// dayRange is a run of consecutive local days, first and last included.
type dayRange struct{ first, last string }

// bounds returns the UTC instants the range covers: [start of first, start
// of the day after last).
func (d dayRange) bounds() (time.Time, time.Time, error) {
	lo, err := time.ParseInLocation("2006-01-02", d.first, site.Shanghai)
	if err != nil {
		return lo, lo, err
	}
	hi, err := time.ParseInLocation("2006-01-02", d.last, site.Shanghai)
	return lo.UTC(), hi.AddDate(0, 0, 1).UTC(), err
}

// dayRuns merges sorted local days into runs of consecutive days.
func dayRuns(days []string) []dayRange {
	var out []dayRange
	for _, d := range days {
		if n := len(out); n > 0 {
			if t, err := time.Parse("2006-01-02", out[n-1].last); err == nil && t.AddDate(0, 0, 1).Format("2006-01-02") == d {
				out[n-1].last = d
				continue
			}
		}
		out = append(out, dayRange{d, d})
	}
	return out
}

// eachComment calls fn with the site (0 for none) and text of every
// non-empty comment of a work-order rating or feedback created in [lo, hi)
// at a site in sites (nil: every comment, with or without a site).
func eachComment(ctx context.Context, q db.Querier, lo, hi time.Time, sites *scope, fn func(site int64, text string)) error {
	read := func(query string, args []any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var site int64
			var c string
			if err := rows.Scan(&site, &c); err != nil {
				return err
			}
			fn(site, c)
		}
		return rows.Err()
	}
	args := []any{lo, hi}
	where := "1 = 1"
	if sites != nil {
		where = sites.in("w.site_id", &args)
	}
	if err := read(`SELECT w.site_id, w.comment FROM work_order_ratings w WHERE w.created_at >= $1 AND w.created_at < $2 AND w.comment <> '' AND `+where, args); err != nil {
		return err
	}
	args = []any{lo, hi}
	where = "1 = 1"
	if sites != nil && sites.Sites != nil {
		where = sites.in(feedbackSite, &args)
	}
	return read(`SELECT COALESCE(f.site_id, 0), f.comment FROM feedback f WHERE f.created_at >= $1 AND f.created_at < $2 AND f.comment <> '' AND `+where, args)
}

// CountCommentWords brings the word rollup (report_comment_words) up to
// date: every local day marked in report_comment_days is recounted from
// its comments, replaced and unmarked, each day in its own transaction; a
// day changed while it was being counted stays marked for the next run. It
// returns how many days it counted. The report job runs it every minute;
// reports are exact either way, as they count still-marked days
// themselves.
func (s *Service) CountCommentWords(ctx context.Context) (int, error) {
	type mark struct {
		day     string
		pending int64
	}
	var marks []mark
	rows, err := s.db.QueryContext(ctx, `SELECT day, pending FROM report_comment_days ORDER BY day`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.day, &m.pending); err != nil {
			rows.Close()
			return 0, err
		}
		marks = append(marks, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, m := range marks {
		err := s.db.InTx(ctx, func(tx *sql.Tx) error {
			lo, hi, err := dayRange{m.day, m.day}.bounds()
			if err != nil {
				return err
			}
			counts := map[int64]map[string]int{0: {}}
			if err := eachComment(ctx, tx, lo, hi, nil, func(site int64, text string) {
				for _, w := range commentWords(text) {
					counts[0][w]++
					if site != 0 {
						if counts[site] == nil {
							counts[site] = map[string]int{}
						}
						counts[site][w]++
					}
				}
			}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM report_comment_words WHERE day = $1`, m.day); err != nil {
				return err
			}
			var vals []string
			var args []any
			flush := func() error {
				if len(vals) == 0 {
					return nil
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO report_comment_words (site_id, day, word, n) VALUES `+strings.Join(vals, ", "), args...)
				vals, args = vals[:0], args[:0]
				return err
			}
			for site, ws := range counts {
				for w, n := range ws {
					k := len(args)
					vals = append(vals, fmt.Sprintf("($%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4))
					args = append(args, site, m.day, w, n)
					if len(vals) == 200 {
						if err := flush(); err != nil {
							return err
						}
					}
				}
			}
			if err := flush(); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM report_comment_days WHERE day = $1 AND pending = $2`, m.day, m.pending)
			return err
		})
		if err != nil {
			return i, err
		}
	}
	return len(marks), nil
}

// words fills r.Words with the 30 words found in the most comments of the
// ratings and feedback in sc: the rollup's counts for the days the word job
// has counted, plus the comments of the days still marked as changed,
// segmented here.
func (s *Service) words(ctx context.Context, sc *scope, r *Report) error {
	var pending []string
	rows, err := s.db.QueryContext(ctx, `SELECT day FROM report_comment_days WHERE day >= $1 AND day <= $2 ORDER BY day`, sc.Filter.From, sc.Filter.To)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		pending = append(pending, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	runs := dayRuns(pending)
	counts := map[string]int{}
	args := []any{sc.Filter.From, sc.Filter.To}
	where := "site_id = 0"
	if sc.Sites != nil {
		where = sc.in("site_id", &args)
	}
	for _, run := range runs {
		args = append(args, run.first, run.last)
		where += fmt.Sprintf(" AND NOT (day >= $%d AND day <= $%d)", len(args)-1, len(args))
	}
	wrows, err := s.db.QueryContext(ctx, `SELECT word, CAST(SUM(n) AS BIGINT) FROM report_comment_words WHERE day >= $1 AND day <= $2 AND `+where+` GROUP BY word`, args...)
	if err != nil {
		return err
	}
	defer wrows.Close()
	for wrows.Next() {
		var w string
		var n int
		if err := wrows.Scan(&w, &n); err != nil {
			return err
		}
		counts[w] += n
	}
	if err := wrows.Err(); err != nil {
		return err
	}
	wrows.Close()
	for _, run := range runs {
		lo, hi, err := run.bounds()
		if err != nil {
			return err
		}
		if err := eachComment(ctx, s.db, lo, hi, sc, func(_ int64, text string) {
			for _, w := range commentWords(text) {
				counts[w]++
			}
		}); err != nil {
			return err
		}
	}
	r.Words = topWords(counts, 30)
	for i := range r.Words {
		r.Words[i].Link = sc.drill(serviceRows, "comments", "q", r.Words[i].Word)
	}
	return nil
}
