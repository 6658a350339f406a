package customer

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// The import machinery shared by every import target: reading a CSV or
// XLSX file row by row, matching its columns to a target's fields (by
// name, by alias, or by a mapping the user chose), reporting rejected rows,
// and the mappings remembered per user and heading set. The customer
// import (Import) and the lead import (sales.ImportLeads) are built on it.

// ImportField is a column an import can fill: a field name, the Chinese
// label the mapping step shows (and that a heading matches), other
// headings it is known by, and whether every file must have it.
type ImportField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Aliases  []string `json:"aliases,omitempty"`
	Required bool     `json:"required"`
}

// matches reports whether heading h names field f: its label, its name
// (any case) or one of its aliases.
func (f ImportField) matches(h string) bool {
	return h == f.Label || strings.EqualFold(h, f.Name) || slices.Contains(f.Aliases, h)
}

// importAliases are other headings of the customer fields, besides their
// labels and names.
var importAliases = map[string][]string{"name": {"客户姓名", "客户"}, "mobile": {"手机", "电话", "手机号码", "联系电话"},
	"budget": {"预算"}, "model_id": {"车型", "意向"}, "notes": {"备注"}, "city": {"所在城市"}}

// importable are the fields an import fills: the editable ones but the
// consultant (a new record goes to the importing consultant; a manager
// reassigns on the record).
func importable(f field) bool { return !f.manage }

// ImportFields are the fields a customer import fills, in the edit form's
// order, then 标签 (tags, comma separated).
func ImportFields() []ImportField {
	var out []ImportField
	for _, f := range Fields {
		if importable(f) {
			out = append(out, ImportField{Name: f.name, Label: f.label, Aliases: importAliases[f.name], Required: f.name == "name" || f.name == "mobile"})
		}
	}
	return append(out, ImportField{Name: "tags", Label: "标签"})
}

// Mapping assigns a file's columns to fields by heading: heading → field
// name, "" to leave the column out. Headings it does not name are matched
// automatically (MatchColumns). It is the JSON object of a mapping file
// (nevcrm import --mapping) and what the mapping step stores.
type Mapping map[string]string

// ParseMapping reads a mapping file, a JSON object of heading → field
// name ("" leaves the column out), for fields. Invalid on "mapping" for
// anything else or a field that fields does not have.
func ParseMapping(data []byte, fields []ImportField) (Mapping, error) {
	var m Mapping
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, apperr.Field("mapping", "列映射须为 JSON 对象，如 {\"客户电话\": \"mobile\", \"内部编号\": \"\"}")
	}
	for h, name := range m {
		if name != "" && !slices.ContainsFunc(fields, func(f ImportField) bool { return f.Name == name }) {
			return nil, apperr.Field("mapping", fmt.Sprintf("列“%s”映射到未知字段“%s”；可用字段：%s", h, name, fieldNames(fields)))
		}
	}
	return m, nil
}

func fieldNames(fields []ImportField) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name + "（" + f.Label + "）"
	}
	return strings.Join(names, "、")
}

// cleanHeading trims a heading and the byte-order mark of the first.
func cleanHeading(h string) string { return strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) }

// MatchColumns returns the field of each column of header ("" for a
// column no field takes): the mapping's choice for a heading it names,
// else the field whose label, name or alias the heading is. A field takes
// one column only: the mapping's choices first, then the automatic
// matches, each in column order.
func MatchColumns(header []string, fields []ImportField, m Mapping) []string {
	out := make([]string, len(header))
	taken := map[string]bool{}
	for i, h := range header {
		if name, ok := m[cleanHeading(h)]; ok && name != "" && !taken[name] {
			out[i], taken[name] = name, true
		}
	}
	for i, h := range header {
		h = cleanHeading(h)
		if _, ok := m[h]; ok || h == "" {
			continue
		}
		for _, f := range fields {
			if f.matches(h) && !taken[f.Name] {
				out[i], taken[f.Name] = f.Name, true
				break
			}
		}
	}
	return out
}

// CheckColumns returns Invalid on "mapping" naming the required fields
// that no column takes.
func CheckColumns(fields []ImportField, cols []string) error {
	var missing []string
	for _, f := range fields {
		if f.Required && !slices.Contains(cols, f.Name) {
			missing = append(missing, "“"+f.Label+"”")
		}
	}
	if len(missing) > 0 {
		return apperr.Field("mapping", "须有"+strings.Join(missing, "和")+"列：请在列映射中为它们选择文件中的列（与导出文件的列名相同的列会自动对应）")
	}
	return nil
}

// HeaderSignature identifies a set of headings (trimmed, in order): the
// key of a remembered mapping.
func HeaderSignature(header []string) string {
	h := sha256.New()
	for _, c := range header {
		h.Write([]byte(cleanHeading(c)))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ImportReader reads the data rows of an import file with its columns
// matched to fields, and collects the rejected rows into Result.
type ImportReader struct {
	rows   rowReader
	Header []string // the headings, trimmed
	Cols   []string // the field of each column ("" none)
	Result *ImportResult
	fields []ImportField
	opt    ImportOptions
	line   int
}

// OpenImport opens r (opt.Format) for an import of fields: it reads the
// header row, matches the columns (opt.Mapping first) and checks that the
// required fields have a column. Invalid on "file" for an unreadable file,
// on "mapping" for a missing required column.
func OpenImport(r io.Reader, fields []ImportField, opt ImportOptions) (*ImportReader, error) {
	rows, err := openRows(r, opt.Format)
	if err != nil {
		return nil, err
	}
	header, err := rows.Next()
	if err != nil {
		rows.Close()
		return nil, errBadFile
	}
	ir := &ImportReader{rows: rows, fields: fields, opt: opt, line: 1,
		Result: &ImportResult{Columns: map[string]string{}, Errors: []RowError{}, DryRun: opt.DryRun}}
	for _, h := range header {
		ir.Header = append(ir.Header, cleanHeading(h))
	}
	ir.Cols = MatchColumns(ir.Header, fields, opt.Mapping)
	for i, name := range ir.Cols {
		switch {
		case name != "":
			ir.Result.Columns[ir.Header[i]] = ir.label(name)
		case ir.Header[i] != "":
			ir.Result.Unmapped = append(ir.Result.Unmapped, ir.Header[i])
		}
	}
	if err := CheckColumns(fields, ir.Cols); err != nil {
		rows.Close()
		return nil, err
	}
	return ir, nil
}

// Close releases the file.
func (ir *ImportReader) Close() error { return ir.rows.Close() }

func (ir *ImportReader) label(name string) string {
	for _, f := range ir.fields {
		if f.Name == name {
			return f.Label
		}
	}
	return name
}

// Fail rejects the row at line for field (may be "") with msg.
func (ir *ImportReader) Fail(line int, field, msg string) {
	e := RowError{Line: line, Field: field, Label: ir.label(field), Message: msg}
	if field == "" {
		e.Label = ""
	}
	ir.Result.ErrorRows++
	if len(ir.Result.Errors) < MaxRowErrors {
		ir.Result.Errors = append(ir.Result.Errors, e)
	}
	if ir.opt.OnError != nil {
		ir.opt.OnError(e)
	}
}

// Next returns the next data row that is not blank: its line in the file
// and its trimmed values by field name (columns no field takes are left
// out; a short row leaves fields out). It counts the row in Result.Rows.
// A row the CSV reader cannot parse, or with text that is not UTF-8, is
// rejected (Fail) and skipped. io.EOF at the end; errBadFile when the file
// breaks off.
func (ir *ImportReader) Next(ctx context.Context) (int, map[string]string, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		ir.line++
		rec, err := ir.rows.Next()
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				ir.Result.Rows++
				ir.Fail(ir.line, "", "无法解析这一行："+pe.Err.Error())
				continue
			}
			return 0, nil, errBadFile
		}
		blank := true
		for _, c := range rec {
			blank = blank && strings.TrimSpace(c) == ""
		}
		if blank {
			continue
		}
		ir.Result.Rows++
		vals := make(map[string]string, len(ir.Cols))
		bad := ""
		for i, name := range ir.Cols {
			if name == "" || i >= len(rec) {
				continue
			}
			text := strings.TrimSpace(rec[i])
			if !utf8.ValidString(text) {
				bad = name
				break
			}
			vals[name] = text
		}
		if bad != "" {
			ir.Fail(ir.line, bad, "含有无法识别的字符，请用 UTF-8 保存文件")
			continue
		}
		return ir.line, vals, nil
	}
}

// Preview is the start of an uploaded file, for the mapping step.
type Preview struct {
	Header []string
	Rows   [][]string // the first data rows, each as long as Header
}

// PreviewRows is how many data rows the mapping step shows.
const PreviewRows = 5

// PreviewImport reads the header and the first PreviewRows data rows of
// upload id, for its uploader or an admin (NotFound for anyone else);
// Invalid on "file" when the file cannot be read.
func (s *Service) PreviewImport(ctx context.Context, actor *identity.User, id int64) (*Preview, error) {
	f, err := s.GetImport(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	rows, err := openRows(s.OpenUpload(ctx, id), f.Format)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	header, err := rows.Next()
	if err != nil {
		return nil, errBadFile
	}
	p := &Preview{}
	for _, h := range header {
		p.Header = append(p.Header, cleanHeading(h))
	}
	for len(p.Rows) < PreviewRows {
		rec, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			return nil, errBadFile
		}
		row := make([]string, len(p.Header))
		blank := true
		for i := range row {
			if i < len(rec) {
				row[i] = strings.ToValidUTF8(strings.TrimSpace(rec[i]), "\ufffd")
				blank = blank && row[i] == ""
			}
		}
		if !blank {
			p.Rows = append(p.Rows, row)
		}
	}
	return p, nil
}

// RememberedMapping returns the mapping actor last chose for a target's
// file with these headings (nil when none).
func (s *Service) RememberedMapping(ctx context.Context, actor *identity.User, target string, header []string) (Mapping, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	var text string
	err := s.db.QueryRowContext(ctx, `SELECT mapping FROM customer_import_mappings WHERE user_id = $1 AND target = $2 AND signature = $3`,
		actor.ID, target, HeaderSignature(header)).Scan(&text)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Mapping
	if json.Unmarshal([]byte(text), &m) != nil {
		return nil, nil
	}
	return m, nil
}

// ValidPolicy reports whether p is an import policy.
func ValidPolicy(p ImportPolicy) bool {
	return p == ImportSkip || p == ImportUpdate || p == ImportCreate
}

// errPolicy answers a missing or unknown policy.
var errPolicy = apperr.Field("policy", "请选择遇到已有记录时跳过、更新还是新建")

// SetMapping records the column mapping (every column's field, "" for
// none, as the mapping step submits it for header) and the duplicate
// policy of upload id, remembers the mapping for its uploader and this
// set of headings, and leaves the upload ready for its check (a checked
// upload goes back to that step, to be checked again). The uploader or an
// admin only (NotFound otherwise); Conflict while a check or the import
// runs and after the import; Invalid on "policy", or on "mapping" when fields' required
// columns are missing or a field is chosen for two columns.
func (s *Service) SetMapping(ctx context.Context, actor *identity.User, id int64, header, cols []string, fields []ImportField, policy ImportPolicy) error {
	f, err := s.GetImport(ctx, actor, id)
	if err != nil {
		return err
	}
	if !f.AwaitsMapping() && f.Status != "checked" {
		return apperr.New(apperr.Conflict, "检查或导入正在进行或已完成，列映射不能再改；请重新上传文件")
	}
	if !ValidPolicy(policy) {
		return errPolicy
	}
	if len(cols) != len(header) {
		return apperr.Field("mapping", "列映射与文件的列数不符，请刷新页面后重试")
	}
	m := Mapping{}
	seen := map[string]string{}
	for i, name := range cols {
		h := cleanHeading(header[i])
		if name != "" {
			if !slices.ContainsFunc(fields, func(f ImportField) bool { return f.Name == name }) {
				return apperr.Field("mapping", "请为每一列选择有效的字段")
			}
			if prev, dup := seen[name]; dup {
				return apperr.Field("mapping", fmt.Sprintf("“%s”列和“%s”列选了同一个字段，每个字段只能对应一列", prev, h))
			}
			seen[name] = h
		}
		if _, dup := m[h]; !dup {
			m[h] = name
		}
	}
	if err := CheckColumns(fields, cols); err != nil {
		return err
	}
	mj, _ := json.Marshal(m)
	hj, _ := json.Marshal(header)
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE customer_imports SET mapping = $1, headers = $2, policy = $3, status = 'uploaded', job_id = NULL,
			updated_at = $4 WHERE id = $5 AND (status = 'uploaded' AND job_id IS NULL OR status = 'checked')`,
			string(mj), string(hj), string(policy), now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "检查或导入已经开始，列映射不能再改")
			}
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO customer_import_mappings (user_id, target, signature, mapping, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id, target, signature) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at`,
			actor.ID, f.Target, HeaderSignature(header), string(mj), now)
		return err
	})
}
