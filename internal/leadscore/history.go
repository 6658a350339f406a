package leadscore

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// placeholders are cell texts that mean "nothing chosen" in exports of
// other systems; they are read as missing.
var placeholders = map[string]bool{"": true, "请选择": true, "--请选择--": true, "select": true, "-- select --": true, "--select--": true,
	"please select": true, "-": true, "--": true, "—": true, "/": true, "n/a": true, "na": true, "null": true, "none": true, "nil": true,
	"无": true, "空": true, "未填写": true, "未选择": true, "unknown": true, "未知": true, "(空)": true, "（空）": true, "#n/a": true}

// missing reports whether cell text s means no value.
func missing(s string) bool { return placeholders[strings.ToLower(strings.TrimSpace(s))] }

// yes/no words, English and Chinese, for outcome and yes/no columns.
var yesWords = map[string]bool{"1": true, "yes": true, "y": true, "true": true, "t": true, "是": true, "有": true, "converted": true, "won": true,
	"win": true, "成交": true, "已成交": true, "赢单": true, "购买": true, "已购买": true, "success": true, "closed won": true, "closed-won": true}
var noWords = map[string]bool{"0": true, "no": true, "n": true, "false": true, "f": true, "否": true, "没有": true, "lost": true, "lose": true,
	"未成交": true, "战败": true, "输单": true, "流失": true, "未购买": true, "failed": true, "closed lost": true, "closed-lost": true}

// parseYesNo reads a yes/no cell: 1, 0 or -1 when it is neither.
func parseYesNo(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case yesWords[s]:
		return 1
	case noWords[s]:
		return 0
	}
	return -1
}

// parseNumber reads a number cell: thousands separators, a currency sign,
// a percent sign and full-width digits are accepted.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		switch r {
		case ',', '，', '¥', '￥', '$', ' ':
			return -1
		}
		return r
	}, s)
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	for _, suf := range []string{"元", "万元", "万", "km", "公里", "分钟", "天", "次"} {
		if strings.HasSuffix(s, suf) {
			v, err := strconv.ParseFloat(strings.TrimSuffix(s, suf), 64)
			if err != nil {
				return 0, false
			}
			if strings.HasPrefix(suf, "万") {
				v *= 10000
			}
			return v, true
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	if pct {
		v /= 100
	}
	return v, true
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006-1-2", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04", "2006/1/2 15:04", time.RFC3339, "2006年1月2日"}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// HistoryColumn is a column of an imported history as detected.
type HistoryColumn struct {
	Name  string `json:"name"`
	Kind  Kind   `json:"kind"`
	Date  bool   `json:"date,omitempty"` // a date, used as days since 2000
	Used  bool   `json:"used"`           // false: excluded, the id or the outcome
	Why   string `json:"why,omitempty"`  // why not used
	Fill  int    `json:"fill"`           // non-missing cells
	Level int    `json:"levels"`         // distinct values
}

// KindLabel is the detected kind's Chinese name.
func (c HistoryColumn) KindLabel() string {
	if c.Date {
		return "日期"
	}
	return KindLabel(c.Kind)
}

// HistoryImport is one imported file of closed leads.
type HistoryImport struct {
	ID         int64
	FileName   string
	OutcomeCol string
	IDCol      string
	Excluded   []string
	Columns    []HistoryColumn
	Rows       int
	Positive   int
	Skipped    int // rows without a readable outcome
	CreatedAt  time.Time
	Seconds    float64 `json:"-"`
}

// HistoryInput describes an import: the CSV, the outcome column (1/0,
// yes/no, 是/否, converted/lost …), an optional id column and the columns
// to leave out (filled in after the fact, so they leak the outcome).
type HistoryInput struct {
	FileName string
	Outcome  string
	IDCol    string
	Exclude  []string
}

// MaxHistoryRows bounds one import.
const MaxHistoryRows = 500000

// ImportHistory reads a CSV export of closed leads from another system
// (UTF-8, comma, semicolon or tab separated, a header row), detects each
// column's kind and stores the rows for training (TrainInput.Source
// "history"). Admins and the system may call it (Forbidden otherwise);
// Invalid naming the field (file, outcome, id, exclude) for a file that
// cannot be read, an unknown column, or an outcome column with fewer than
// 20 rows of either value.
func (s *Service) ImportHistory(ctx context.Context, actor *identity.User, r io.Reader, in HistoryInput) (*HistoryImport, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	start := time.Now()
	header, records, err := readCSV(r)
	if err != nil {
		return nil, err
	}
	find := func(name string) int {
		name = strings.TrimSpace(name)
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				return i
			}
		}
		return -1
	}
	oc := find(in.Outcome)
	if strings.TrimSpace(in.Outcome) == "" || oc < 0 {
		return nil, apperr.Field("outcome", fmt.Sprintf("文件中没有结果列“%s”（列名：%s）", in.Outcome, strings.Join(header, "、")))
	}
	ic := -1
	if strings.TrimSpace(in.IDCol) != "" {
		if ic = find(in.IDCol); ic < 0 {
			return nil, apperr.Field("id", "文件中没有编号列“"+in.IDCol+"”")
		}
	}
	excluded := map[int]bool{}
	var exNames []string
	for _, e := range in.Exclude {
		if strings.TrimSpace(e) == "" {
			continue
		}
		k := find(e)
		if k < 0 {
			return nil, apperr.Field("exclude", "文件中没有要排除的列“"+e+"”")
		}
		excluded[k] = true
		exNames = append(exNames, header[k])
	}
	// Outcomes.
	var keep []int
	var outcome []int
	skipped := 0
	for i, rec := range records {
		y := parseYesNo(rec[oc])
		if y < 0 {
			skipped++
			continue
		}
		keep = append(keep, i)
		outcome = append(outcome, y)
	}
	pos := 0
	for _, y := range outcome {
		pos += y
	}
	if pos < 20 || len(outcome)-pos < 20 {
		return nil, apperr.Field("outcome", fmt.Sprintf("结果列“%s”可识别的成交 %d 条、未成交 %d 条，各至少需要 20 条（可用 1/0、是/否、yes/no、converted/lost）",
			header[oc], pos, len(outcome)-pos))
	}
	// Detect the columns.
	cols := make([]HistoryColumn, len(header))
	for j, h := range header {
		c := HistoryColumn{Name: strings.TrimSpace(h)}
		switch {
		case j == oc:
			c.Why = "结果列"
		case j == ic:
			c.Why = "编号列"
		case excluded[j]:
			c.Why = "已排除（事后填写，会泄露结果）"
		default:
			c.Used = true
		}
		vals := make([]string, 0, len(keep))
		for _, i := range keep {
			vals = append(vals, records[i][j])
		}
		detect(&c, vals)
		if c.Used && c.Fill == 0 {
			c.Used, c.Why = false, "整列为空"
		}
		cols[j] = c
	}
	now := s.now()
	hi := &HistoryImport{FileName: in.FileName, OutcomeCol: header[oc], Excluded: exNames, Columns: cols, Rows: len(keep), Positive: pos, Skipped: skipped, CreatedAt: now}
	if ic >= 0 {
		hi.IDCol = header[ic]
	}
	colJSON, _ := json.Marshal(cols)
	exJSON, _ := json.Marshal(append([]string{}, exNames...))
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO lead_history_imports (file_name, outcome_col, id_col, excluded, columns, n_rows, n_pos, skipped, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			hi.FileName, hi.OutcomeCol, hi.IDCol, string(exJSON), string(colJSON), hi.Rows, hi.Positive, hi.Skipped, nullUser(actor), now).Scan(&hi.ID); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO lead_history_rows (import_id, row_no, ext_id, outcome, vals) VALUES ($1, $2, $3, $4, $5)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for k, i := range keep {
			rec := records[i]
			ext := ""
			if ic >= 0 {
				ext = rec[ic]
			}
			vj, _ := json.Marshal(rec)
			if _, err := st.ExecContext(ctx, hi.ID, k+1, ext, outcome[k], string(vj)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "import_lead_history", Entity: "lead_history_imports", EntityID: hi.ID,
			Detail: map[string]any{"file": hi.FileName, "rows": hi.Rows, "outcome": hi.OutcomeCol, "excluded": exNames}})
	})
	if err != nil {
		return nil, err
	}
	hi.Seconds = time.Since(start).Seconds()
	return hi, nil
}

// readCSV reads a header and records (all padded to the header's width).
func readCSV(r io.Reader) ([]string, [][]string, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(4096)
	line := string(first)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if !utf8.ValidString(line) {
		return nil, nil, apperr.Field("file", "文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8”后再导入")
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	switch {
	case strings.Count(line, "\t") > strings.Count(line, ","):
		cr.Comma = '\t'
	case strings.Count(line, ";") > strings.Count(line, ","):
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err != nil {
		return nil, nil, apperr.Field("file", "无法读取表头：请上传带表头的 CSV 文件")
	}
	if len(header) < 2 {
		return nil, nil, apperr.Field("file", "文件至少需要两列（特征列和结果列）")
	}
	var recs [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, apperr.Field("file", fmt.Sprintf("第 %d 行无法读取：%v", len(recs)+2, err))
		}
		if len(recs) >= MaxHistoryRows {
			return nil, nil, apperr.Field("file", fmt.Sprintf("一次最多导入 %d 行", MaxHistoryRows))
		}
		for len(rec) < len(header) {
			rec = append(rec, "")
		}
		recs = append(recs, rec[:len(header)])
	}
	return header, recs, nil
}

// detect sets c's kind from its values.
func detect(c *HistoryColumn, vals []string) {
	distinct := map[string]bool{}
	nums, yn, dates := 0, 0, 0
	var runes int
	for _, v := range vals {
		if missing(v) {
			continue
		}
		c.Fill++
		v = strings.TrimSpace(v)
		distinct[v] = true
		runes += utf8.RuneCountInString(v)
		if _, ok := parseNumber(v); ok {
			nums++
		}
		if parseYesNo(v) >= 0 {
			yn++
		}
		if _, ok := parseDate(v); ok {
			dates++
		}
	}
	c.Level = len(distinct)
	c.Kind = Categorical
	if c.Fill == 0 {
		return
	}
	avg := float64(runes) / float64(c.Fill)
	switch {
	case yn == c.Fill && len(distinct) <= 4:
		c.Kind = YesNo
	case nums == c.Fill:
		c.Kind = Numeric
	case dates == c.Fill:
		c.Kind, c.Date = Numeric, true
	case avg > 16 || (len(distinct) > c.Fill/2 && avg > 6):
		c.Kind = FreeText
	}
}

// historyFrame reads import id (0: the latest) as a Frame.
func (s *Service) historyFrame(ctx context.Context, id int64) (*Frame, int64, error) {
	if id == 0 {
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM lead_history_imports`).Scan(&id)
		if err != nil {
			return nil, 0, err
		}
		if id == 0 {
			return nil, 0, apperr.New(apperr.NotFound, "还没有导入历史线索：请先导入（nevcrm leads import-history）")
		}
	}
	var colJSON string
	err := s.db.QueryRowContext(ctx, `SELECT columns FROM lead_history_imports WHERE id = $1`, id).Scan(&colJSON)
	if db.NoRows(err) {
		return nil, 0, apperr.New(apperr.NotFound, "历史线索导入不存在")
	}
	if err != nil {
		return nil, 0, err
	}
	var hc []HistoryColumn
	if err := json.Unmarshal([]byte(colJSON), &hc); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT outcome, vals FROM lead_history_rows WHERE import_id = $1 ORDER BY row_no`, id)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	f := &Frame{}
	var used []int
	for j, c := range hc {
		if !c.Used {
			continue
		}
		used = append(used, j)
		f.Cols = append(f.Cols, &Column{Name: c.Name, Label: c.Name, Kind: c.Kind})
	}
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for rows.Next() {
		var y int
		var vj string
		if err := rows.Scan(&y, &vj); err != nil {
			return nil, 0, err
		}
		var rec []string
		if err := json.Unmarshal([]byte(vj), &rec); err != nil {
			return nil, 0, err
		}
		f.Y = append(f.Y, float64(y))
		for k, j := range used {
			col, c := f.Cols[k], hc[j]
			v := ""
			if j < len(rec) {
				v = rec[j]
			}
			switch col.Kind {
			case Numeric, YesNo:
				x := math.NaN()
				if !missing(v) {
					switch {
					case c.Date:
						if t, ok := parseDate(v); ok {
							x = t.Sub(epoch).Hours() / 24
						}
					case col.Kind == YesNo:
						if b := parseYesNo(v); b >= 0 {
							x = float64(b)
						}
					default:
						if n, ok := parseNumber(v); ok {
							x = n
						}
					}
				}
				col.Num = append(col.Num, x)
			default:
				if missing(v) {
					v = ""
				}
				col.Str = append(col.Str, strings.TrimSpace(v))
			}
		}
	}
	return f, id, rows.Err()
}

// Histories lists the imports, newest first. Admins and the system only.
func (s *Service) Histories(ctx context.Context, actor *identity.User) ([]*HistoryImport, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, file_name, outcome_col, id_col, excluded, columns, n_rows, n_pos, skipped, created_at
		FROM lead_history_imports ORDER BY id DESC LIMIT 50`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*HistoryImport
	for rows.Next() {
		var h HistoryImport
		var ex, cols string
		if err := rows.Scan(&h.ID, &h.FileName, &h.OutcomeCol, &h.IDCol, &ex, &cols, &h.Rows, &h.Positive, &h.Skipped, &h.CreatedAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(ex), &h.Excluded)
		_ = json.Unmarshal([]byte(cols), &h.Columns)
		out = append(out, &h)
	}
	return out, rows.Err()
}
