package assistant

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/site"
)

// Period is a part of the day an owner names without a clock time.
type Period string

// Periods of the day.
const (
	Morning   Period = "morning"   // 早上、上午: before noon
	Noon      Period = "noon"      // 中午: 11:00-14:00
	Afternoon Period = "afternoon" // 下午: 12:00-18:00
	Evening   Period = "evening"   // 晚上、傍晚、下班后: from 18:00
)

// Label is the period's Chinese name.
func (p Period) Label() string {
	return map[Period]string{Morning: "上午", Noon: "中午", Afternoon: "下午", Evening: "晚上"}[p]
}

// span is the period's local minutes [from, to).
func (p Period) span() (int, int) {
	switch p {
	case Morning:
		return 0, 12 * 60
	case Noon:
		return 11 * 60, 14 * 60
	case Afternoon:
		return 12 * 60, 18 * 60
	case Evening:
		return 17*60 + 30, 24 * 60
	}
	return 0, 24 * 60
}

// Slots are what a message says about a booking.
type Slots struct {
	Date   string // local date "2006-01-02", or ""
	Period Period // or ""
	Minute int    // local minutes after midnight, or -1
	Kind   string // "swap", "charging", "repair" or ""
	Place  string // a district or city named, or ""
	Near   bool   // "附近", "最近的"
}

// Empty reports whether nothing was found.
func (s Slots) Empty() bool {
	return s.Date == "" && s.Period == "" && s.Minute < 0 && s.Kind == "" && s.Place == "" && !s.Near
}

var (
	reMonthDay = regexp.MustCompile(`(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})(?:日|号)?`)
	reISO      = regexp.MustCompile(`(20\d\d)[-/.](\d{1,2})[-/.](\d{1,2})`)
	reSlash    = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})[/.-](\d{1,2})(?:[^\d]|$)`)
	reDayOnly  = regexp.MustCompile(`(\d{1,2}|[一二三四五六七八九十]{1,3})(?:号|日)`)
	reWeekday  = regexp.MustCompile(`(下下|下个|下|这个|这|本)?周([一二三四五六日末1-7])`)
	reClock    = regexp.MustCompile(`(\d{1,2}):(\d{2})`)
	reHour     = regexp.MustCompile(`(\d{1,2}|[零一二两三四五六七八九十]{1,3})\s*(?:点|时)(半|一刻|三刻|钟|整|(\d{1,2}|[一二三四五六七八九十]{1,3})分?)?`)
	reInDays   = regexp.MustCompile(`(\d|[一二三四五六七两])天(?:后|以后|之后)`)
	// reLittle is "一点" meaning "a little" (近一点, 快一点), not one o'clock.
	reLittle = regexp.MustCompile(`([近快早晚慢多少好便宜有远])一点`)
)

// cnNum parses a small number in digits or Chinese numerals (up to 99).
func cnNum(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10, true
	case len(rs) == 1:
		n, ok := digits[rs[0]]
		return n, ok
	case len(rs) == 2 && rs[0] == '十':
		n, ok := digits[rs[1]]
		return 10 + n, ok
	case len(rs) == 2 && rs[1] == '十':
		n, ok := digits[rs[0]]
		return n * 10, ok
	case len(rs) == 3 && rs[1] == '十':
		a, ok1 := digits[rs[0]]
		b, ok2 := digits[rs[2]]
		return a*10 + b, ok1 && ok2
	}
	return 0, false
}

// places recognised without the database: districts of the cities the
// network serves (the sites' own districts are added at run time).
var knownPlaces = []string{"浦东", "闵行", "徐汇", "嘉定", "静安", "黄浦", "长宁", "普陀", "虹口", "杨浦", "宝山", "松江", "青浦", "奉贤",
	"朝阳", "海淀", "丰台", "东城", "西城", "通州", "顺义", "昌平", "大兴", "天河", "越秀", "海珠", "番禺", "白云", "南山", "福田",
	"罗湖", "宝安", "龙岗", "西湖", "滨江", "余杭", "萧山", "拱墅", "上城", "武侯", "锦江", "高新", "江北", "渝中", "江宁", "鼓楼",
	"玄武", "雨花台", "上海", "北京", "广州", "深圳", "杭州", "成都", "重庆", "南京", "武汉", "西安", "苏州", "天津"}

// ParseSlots reads dates, times, the service kind and the place from
// normalized text, relative to now (any zone; read in Asia/Shanghai).
// places are extra place names to look for (site districts), longest first
// is not required.
func ParseSlots(text string, now time.Time, places []string) Slots {
	s := Slots{Minute: -1}
	text = reLittle.ReplaceAllString(text, "$1")
	local := now.In(site.Shanghai)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	day := func(t time.Time) { s.Date = t.Format("2006-01-02") }

	// Dates, most specific first.
	if m := reISO.FindStringSubmatch(text); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		if valid(y, mo, d) {
			day(time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC))
		}
		text = strings.Replace(text, m[0], " ", 1)
	} else if m := reMonthDay.FindStringSubmatch(text); m != nil {
		mo, ok1 := cnNum(m[1])
		d, ok2 := cnNum(m[2])
		if ok1 && ok2 {
			if t, ok := nextDate(today, mo, d); ok {
				day(t)
			}
		}
		text = strings.Replace(text, m[0], " ", 1)
	} else if m := reSlash.FindStringSubmatch(text); m != nil && !strings.Contains(m[0], ":") {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		if t, ok := nextDate(today, mo, d); ok {
			day(t)
			text = strings.Replace(text, m[0], " ", 1)
		}
	}
	if s.Date == "" {
		switch {
		case strings.Contains(text, "大后天"):
			day(today.AddDate(0, 0, 3))
		case strings.Contains(text, "后天"):
			day(today.AddDate(0, 0, 2))
		case strings.Contains(text, "明天"):
			day(today.AddDate(0, 0, 1))
		case strings.Contains(text, "今天") || strings.Contains(text, "今儿") || strings.Contains(text, "现在") || strings.Contains(text, "等会"):
			day(today)
		}
	}
	if s.Date == "" {
		if m := reWeekday.FindStringSubmatch(text); m != nil {
			wd := map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "末": 6, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}[m[2]]
			cur := int(today.Weekday())
			if cur == 0 {
				cur = 7
			}
			monday := today.AddDate(0, 0, 1-cur)
			var t time.Time
			switch m[1] {
			case "下下":
				t = monday.AddDate(0, 0, 14+wd-1)
			case "下", "下个":
				t = monday.AddDate(0, 0, 7+wd-1)
			case "这", "这个", "本":
				t = monday.AddDate(0, 0, wd-1)
			default: // the coming one: this week if not past, else next week
				t = monday.AddDate(0, 0, wd-1)
				if t.Before(today) {
					t = t.AddDate(0, 0, 7)
				}
			}
			day(t)
		} else if m := reInDays.FindStringSubmatch(text); m != nil {
			if n, ok := cnNum(m[1]); ok {
				day(today.AddDate(0, 0, n))
			}
		} else if m := reDayOnly.FindStringSubmatch(text); m != nil {
			if d, ok := cnNum(m[1]); ok && d >= 1 && d <= 31 {
				mo := int(today.Month())
				if d < today.Day() {
					mo++
				}
				if t, ok := nextDate(today, mo, d); ok {
					day(t)
				}
			}
		}
	}

	// Parts of the day.
	switch {
	case containsAny(text, "凌晨"):
		s.Period = Morning
	case containsAny(text, "早上", "上午", "早晨", "一早", "早点", "大早"):
		s.Period = Morning
	case containsAny(text, "中午", "午饭", "午休"):
		s.Period = Noon
	case containsAny(text, "下午", "午后"):
		s.Period = Afternoon
	case containsAny(text, "晚上", "傍晚", "下班后", "下班以后", "下班", "夜里", "晚饭后"):
		s.Period = Evening
	}

	// Clock times.
	hour, minute := -1, 0
	if m := reClock.FindStringSubmatch(text); m != nil {
		hour, _ = strconv.Atoi(m[1])
		minute, _ = strconv.Atoi(m[2])
	} else if m := reHour.FindStringSubmatch(text); m != nil {
		if h, ok := cnNum(m[1]); ok {
			hour = h
			switch {
			case m[2] == "半":
				minute = 30
			case m[2] == "一刻":
				minute = 15
			case m[2] == "三刻":
				minute = 45
			case m[3] != "":
				if n, ok := cnNum(m[3]); ok && n < 60 {
					minute = n
				}
			}
		}
	}
	if hour >= 0 && hour <= 24 {
		switch {
		case (s.Period == Afternoon || s.Period == Evening) && hour < 12:
			hour += 12
		case s.Period == Noon && hour < 6:
			hour += 12
		case s.Period == "" && hour >= 1 && hour <= 6:
			// "3点" with no part of the day: an afternoon, as people book.
			hour += 12
		}
		if hour < 24 {
			s.Minute = hour*60 + minute
		}
	}

	// Service kind.
	switch {
	case containsAny(text, "换电", "换电池", "换个电池", "换块电池"):
		s.Kind = "swap"
	case containsAny(text, "充电", "充个电", "快充", "慢充", "补电", "超充", "充一下"):
		s.Kind = "charging"
	case containsAny(text, "保养", "首保", "维修", "修车", "修一下", "检修", "检测", "检查", "异响", "坏了", "故障", "修理", "四轮定位", "换轮胎", "补胎", "4s店", "服务中心", "售后", "要修",
		"机油", "轮胎", "换胎", "胎压", "刹车", "雨刮", "滤芯", "补漆", "喷漆", "钣金", "漏水", "异味"):
		s.Kind = "repair"
	}

	// Place.
	s.Near = containsAny(text, "附近", "最近", "离我近", "近一点", "就近", "周边", "旁边")
	best := ""
	for _, list := range [][]string{places, knownPlaces} {
		for _, p := range list {
			short := trimDistrict(p)
			if short != "" && strings.Contains(text, short) && len([]rune(short)) > len([]rune(best)) {
				best = short
			}
		}
	}
	s.Place = best
	return s
}

// trimDistrict drops the administrative suffix: "浦东新区" → "浦东", "闵行区" → "闵行".
func trimDistrict(p string) string {
	for _, suf := range []string{"新区", "区", "县", "市"} {
		if strings.HasSuffix(p, suf) && len([]rune(p)) > len([]rune(suf))+1 {
			return strings.TrimSuffix(p, suf)
		}
	}
	return p
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func valid(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d
}

// nextDate is month/day in today's year, or next year's when it has passed.
func nextDate(today time.Time, mo, d int) (time.Time, bool) {
	y := today.Year()
	if mo > 12 {
		mo, y = mo-12, y+1
	}
	if !valid(y, mo, d) {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Before(today) {
		if !valid(y+1, mo, d) {
			return time.Time{}, false
		}
		t = time.Date(y+1, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	}
	return t, true
}
