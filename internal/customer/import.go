package customer

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// ImportPolicy is what an import does with a row that matches a record
// it already has. For customers a match is the same mobile number (the
// number identifies a customer: the column is unique, so a second record
// with it is never created) or, for a new number, the same name in the
// same city (likely the same person with another number).
type ImportPolicy string

// The import policies.
const (
	// ImportSkip leaves the matched record as it is; the row is skipped.
	ImportSkip ImportPolicy = "skip"
	// ImportUpdate writes the row's non-empty fields into the record its
	// mobile matches; a row that matches only by name and city is skipped
	// (its number differs, so it may be another person).
	ImportUpdate ImportPolicy = "update"
	// ImportCreate creates a new record for a row that matches only by
	// name and city (the pair then shows on the likely-duplicates page);
	// a row whose mobile matches is skipped, as a second record with one
	// number cannot exist.
	ImportCreate ImportPolicy = "create"
)

// ImportOptions are the choices of one import.
type ImportOptions struct {
	Format string // "csv" or "xlsx"
	Policy ImportPolicy
	// Mapping assigns columns to fields by heading (nil: by name only).
	Mapping Mapping
	// StoreID is the store of new records: an admin's choice (0: none);
	// a consultant's records always go to their own store, assigned to them.
	StoreID int64
	// DryRun checks every row and counts what would happen; nothing is written.
	DryRun bool
	// Progress, when set, is called after each batch with the rows done.
	Progress func(done int)
	// OnError, when set, is called for every rejected row (the result
	// lists only the first MaxRowErrors).
	OnError func(RowError)
}

// RowError is one rejected row: its line in the file (the header is line
// 1), the field and the reason.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Label   string `json:"label"`
	Message string `json:"message"`
}

// MaxRowErrors is how many rejected rows a result lists; ErrorRows counts all.
const MaxRowErrors = 1000

// ImportResult is what an import did (or, dry, would do).
type ImportResult struct {
	Rows      int               `json:"rows"`
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Skipped   int               `json:"skipped"`
	ErrorRows int               `json:"error_rows"`
	Errors    []RowError        `json:"errors"`
	Columns   map[string]string `json:"columns"`  // column heading → field label
	Unmapped  []string          `json:"unmapped"` // headings no field takes
	DryRun    bool              `json:"dry_run"`
}

// importBatch is how many rows one transaction writes.
const importBatch = 500

// rowReader yields the rows of a CSV or XLSX file, header first.
type rowReader interface {
	Next() ([]string, error) // io.EOF at the end
	Close() error
}

type csvRows struct{ r *csv.Reader }

func (c csvRows) Next() ([]string, error) { return c.r.Read() }
func (c csvRows) Close() error            { return nil }

type xlsxRows struct {
	f    *excelize.File
	rows *excelize.Rows
}

func (x *xlsxRows) Next() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return x.rows.Columns()
}

func (x *xlsxRows) Close() error {
	x.rows.Close()
	return x.f.Close()
}

// errBadFile answers a file that is neither CSV nor a workbook.
var errBadFile = apperr.Field("file", "无法读取文件：请上传 UTF-8 编码的 CSV 或 Excel（.xlsx）文件")

func openRows(r io.Reader, format string) (rowReader, error) {
	switch format {
	case "csv":
		br := bufio.NewReader(r)
		if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
			_, _ = br.Discard(3)
		}
		cr := csv.NewReader(br)
		cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = -1, true, false
		return csvRows{cr}, nil
	case "xlsx":
		f, err := excelize.OpenReader(r)
		if err != nil {
			return nil, errBadFile
		}
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, errBadFile
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			f.Close()
			return nil, errBadFile
		}
		return &xlsxRows{f: f, rows: rows}, nil
	}
	return nil, apperr.Field("file", "只支持 CSV 与 Excel（.xlsx）文件")
}

// FormatOf returns the import format of a file name ("" when unknown).
func FormatOf(name string) string {
	switch n := strings.ToLower(name); {
	case strings.HasSuffix(n, ".csv"), strings.HasSuffix(n, ".txt"):
		return "csv"
	case strings.HasSuffix(n, ".xlsx"):
		return "xlsx"
	}
	return ""
}

// pendingRow is a checked row waiting for its batch.
type pendingRow struct {
	line    int
	changes map[string]string // field name → text, as Update takes them
	values  map[string]any    // field name → parsed value, for a new record
	tags    []string
}

// Import reads customers from r (a CSV file in UTF-8, or an Excel
// workbook's first sheet; the first row names the columns, matched to the
// fields by opt.Mapping, else by their Chinese names as the export writes
// them, by field name or by a common alias: see ImportFields) and creates
// a prospect for each new person (source 批量导入 unless a 来源 column says
// otherwise). A row that matches a record (the same mobile; or the same
// name in the same city) is skipped, updated or created as opt.Policy
// says (see ImportPolicy; updates are audited as import_customer). Rows
// are checked as the edit form checks them; a bad row is reported with
// its line and written not at all, the others are. Rows are written in
// transactions of 500, so a file of any size imports in constant memory.
// Sales staff import into their own store, assigned to themselves; admins
// into opt.StoreID.
// Errors: Forbidden for other roles; Invalid on "policy" for an unknown
// policy, on "file" for an unreadable file, on "mapping" when no column
// is 姓名 or 手机号; NotFound for an unknown store.
func (s *Service) Import(ctx context.Context, actor *identity.User, r io.Reader, opt ImportOptions) (*ImportResult, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleSales, identity.RoleAdmin, identity.RoleSystem) {
		return nil, apperr.New(apperr.Forbidden, "只有销售顾问和管理员可以导入客户")
	}
	if !ValidPolicy(opt.Policy) {
		return nil, errPolicy
	}
	store, sales := opt.StoreID, int64(0)
	if actor.Is(identity.RoleSales) {
		store, sales = actor.SiteID, actor.ID
	}
	if store != 0 {
		var kind string
		err := s.db.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, store).Scan(&kind)
		if db.NoRows(err) || err == nil && kind != "store" {
			return nil, apperr.Field("store_id", "请选择有效的门店")
		}
		if err != nil {
			return nil, err
		}
	}
	ir, err := OpenImport(r, ImportFields(), opt)
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	res := ir.Result
	models := map[string]any{} // the model column's texts, parsed once
	var batch []pendingRow
	seen := map[string]int{} // mobile → first line, within the file
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.importBatch(ctx, actor, batch, opt, store, sales, res)
		batch = batch[:0]
		if opt.Progress != nil {
			opt.Progress(res.Rows)
		}
		return err
	}
	for {
		line, vals, err := ir.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		p := pendingRow{line: line, changes: map[string]string{}, values: map[string]any{}}
		bad := false
		for _, f := range Fields {
			text, ok := vals[f.name]
			if !ok && f.name != "name" && f.name != "mobile" || !importable(f) {
				continue
			}
			if text == "" && f.name != "name" && f.name != "mobile" {
				continue
			}
			var value any
			var msg string
			if f.name == "model_id" {
				v, ok := models[text]
				if !ok {
					v, _, msg = f.parse(s, ctx, nil, text)
					if msg == "" {
						models[text] = v
					}
				}
				value = v
			} else {
				value, _, msg = f.parse(s, ctx, nil, text)
			}
			if msg != "" {
				ir.Fail(line, f.name, msg)
				bad = true
				break
			}
			p.changes[f.name], p.values[f.name] = text, value
		}
		if bad {
			continue
		}
		for _, t := range strings.FieldsFunc(vals["tags"], func(r rune) bool { return strings.ContainsRune(",，;；、 ", r) }) {
			if utf8.RuneCountInString(t) <= MaxTagLen {
				p.tags = append(p.tags, t)
			}
		}
		mobile := p.changes["mobile"]
		if first, dup := seen[mobile]; dup {
			ir.Fail(line, "mobile", fmt.Sprintf("与第 %d 行手机号相同", first))
			continue
		}
		seen[mobile] = line
		batch = append(batch, p)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if !opt.DryRun {
		err := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "import_customers",
			Entity: "customers", Detail: map[string]any{"rows": res.Rows, "created": res.Created, "updated": res.Updated,
				"skipped": res.Skipped, "errors": res.ErrorRows, "policy": string(opt.Policy), "store_id": store}})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// importBatch writes one batch of checked rows in a transaction (or, dry,
// only looks up which rows match a record).
func (s *Service) importBatch(ctx context.Context, actor *identity.User, batch []pendingRow, opt ImportOptions, store, sales int64, res *ImportResult) error {
	return s.db.InBulkTx(ctx, func(tx *sql.Tx) error {
		q := db.PrepareOnce(tx, s.db.Dialect)
		known, err := knownMobiles(ctx, tx, batch)
		if err != nil {
			return err
		}
		similar, err := sameNameCity(ctx, tx, batch, known)
		if err != nil {
			return err
		}
		now := s.now()
		for _, p := range batch {
			id, exists := known[p.changes["mobile"]]
			switch {
			case exists && opt.Policy != ImportUpdate, !exists && similar[p.changes["name"]+"\x1f"+p.changes["city"]] && opt.Policy != ImportCreate:
				res.Skipped++
				continue
			case exists:
				res.Updated++
				if opt.DryRun {
					continue
				}
				d, err := load(ctx, q, id)
				if err != nil {
					return err
				}
				if !seesAll(actor) && d.StoreID != store {
					// Another store's customer: a consultant may not change it.
					res.Updated--
					res.Skipped++
					continue
				}
				changes := map[string]string{}
				for k, v := range p.changes {
					if k != "mobile" {
						changes[k] = v
					}
				}
				if err := s.apply(ctx, q, actor, d, true, changes, "import_customer"); err != nil {
					return err
				}
			default:
				res.Created++
				if opt.DryRun {
					continue
				}
				if id, err = s.insertImported(ctx, q, p, store, sales, now); err != nil {
					return err
				}
			}
			for _, t := range p.tags {
				if _, err := q.ExecContext(ctx, `INSERT INTO customer_tags (customer_id, tag, created_by, created_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT (customer_id, tag) DO NOTHING`, id, t, nullID(identity.ID(actor)), now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// inList returns "$n, $n+1, ..." for vals appended to args.
func inList(args *[]any, vals []string) string {
	marks := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		marks[i] = fmt.Sprintf("$%d", len(*args))
	}
	return strings.Join(marks, ", ")
}

// knownMobiles returns the customers of the batch's mobile numbers.
func knownMobiles(ctx context.Context, tx *sql.Tx, batch []pendingRow) (map[string]int64, error) {
	mobiles := make([]string, len(batch))
	for i, p := range batch {
		mobiles[i] = p.changes["mobile"]
	}
	var args []any
	rows, err := tx.QueryContext(ctx, `SELECT id, mobile FROM customers WHERE mobile IN (`+inList(&args, mobiles)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := map[string]int64{}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			return nil, err
		}
		known[m] = id
	}
	return known, rows.Err()
}

// sameNameCity returns the name+"\x1f"+city pairs of the batch's new
// numbers that a current customer (not merged, not erased) already has.
func sameNameCity(ctx context.Context, tx *sql.Tx, batch []pendingRow, known map[string]int64) (map[string]bool, error) {
	var names []string
	want := map[string]bool{}
	for _, p := range batch {
		if _, ok := known[p.changes["mobile"]]; ok || p.changes["city"] == "" {
			continue
		}
		key := p.changes["name"] + "\x1f" + p.changes["city"]
		if !want[key] {
			want[key] = true
			names = append(names, p.changes["name"])
		}
	}
	found := map[string]bool{}
	if len(names) == 0 {
		return found, nil
	}
	var args []any
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT name, city FROM customers WHERE name IN (`+inList(&args, names)+`)
		AND merged_into_id IS NULL AND erased_at IS NULL`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			return nil, err
		}
		if want[n+"\x1f"+c] {
			found[n+"\x1f"+c] = true
		}
	}
	return found, rows.Err()
}

// insertImported creates the prospect of row p through q.
func (s *Service) insertImported(ctx context.Context, q db.Querier, p pendingRow, store, sales int64, now any) (int64, error) {
	cols := []string{"kind", "source", "store_id", "sales_user_id", "created_at", "updated_at"}
	vals := []any{"prospect", "import", nullID(store), nullID(sales), now, now}
	for _, f := range Fields {
		v, ok := p.values[f.name]
		if !ok || !importable(f) {
			continue
		}
		if f.name == "source" {
			vals[1] = v
			continue
		}
		cols, vals = append(cols, f.column), append(vals, v)
		if f.name == "consent_marketing" && v == true {
			cols, vals = append(cols, "consent_at"), append(vals, now)
		}
	}
	marks := make([]string, len(vals))
	for i := range vals {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO customers (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`) RETURNING id`, vals...).Scan(&id)
	return id, err
}

// ImportFile is an uploaded file waiting to be checked or imported, or
// imported (customer_imports).
type ImportFile struct {
	ID                                         int64
	FileName                                   string
	Format                                     string
	Size                                       int64
	Target                                     string // customers or leads
	Policy                                     ImportPolicy
	Mapping                                    Mapping // the mapping step's choice (nil before it)
	StoreID                                    int64
	Status                                     string // uploaded, checked, queued, done, failed
	JobID                                      int64  // the latest check or import job
	Rows, Created, Updated, Skipped, ErrorRows int
	CreatedAt                                  time.Time
	UserID                                     int64
}

// AwaitsMapping reports whether the upload waits for its column mapping
// (the step before the check).
func (f *ImportFile) AwaitsMapping() bool { return f.Status == "uploaded" && f.JobID == 0 }

// PolicyLabel is the import's duplicate policy in Chinese.
func (f *ImportFile) PolicyLabel() string {
	return map[ImportPolicy]string{ImportSkip: "跳过", ImportUpdate: "更新", ImportCreate: "仍然新建"}[f.Policy]
}

// TargetLabel is what the file imports, in Chinese.
func (f *ImportFile) TargetLabel() string {
	return map[string]string{"customers": "客户", "leads": "线索"}[f.Target]
}

// StatusLabel is the import's status in Chinese.
func (f *ImportFile) StatusLabel() string {
	if f.AwaitsMapping() {
		return "已上传，待确认列映射"
	}
	return map[string]string{"uploaded": "已上传，检查中", "checked": "已检查，待导入", "queued": "导入中", "done": "已导入", "failed": "失败"}[f.Status]
}

// MaxImportBytes is the largest file an upload takes (about a million rows).
const MaxImportBytes = 100 << 20

// importChunk is the size of the stored pieces of an upload.
const importChunk = 1 << 20

// Upload stores an uploaded file of target (customers or leads; the
// name decides CSV or Excel) with the store of its new records, for the
// mapping step (SetMapping) and then ImportJob to read; status uploaded,
// policy skip until the mapping step says otherwise. Who may import may
// upload; Invalid on "file" for another kind of file, an empty one or one
// over MaxImportBytes.
func (s *Service) Upload(ctx context.Context, actor *identity.User, target, name string, r io.Reader, store int64) (*ImportFile, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleSales, identity.RoleAdmin) {
		return nil, apperr.New(apperr.Forbidden, "只有销售顾问和管理员可以导入")
	}
	if target != "customers" && target != "leads" {
		return nil, apperr.Field("target", "请选择导入客户还是线索")
	}
	format := FormatOf(name)
	if format == "" {
		return nil, apperr.Field("file", "只支持 CSV 与 Excel（.xlsx）文件")
	}
	policy := ImportSkip
	if actor.Is(identity.RoleSales) {
		store = actor.SiteID
	}
	now := s.now()
	var f *ImportFile
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO customer_imports (user_id, target, file_name, format, size_bytes, policy, store_id, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 0, $5, $6, 'uploaded', $7, $7) RETURNING id`,
			actor.ID, target, cleanName(name), format, string(policy), nullID(store), now).Scan(&id); err != nil {
			return err
		}
		buf := make([]byte, importChunk)
		var size int64
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				size += int64(n)
				if size > MaxImportBytes {
					return apperr.Field("file", fmt.Sprintf("文件不能超过 %d MB，请拆分后分批导入", MaxImportBytes>>20))
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO customer_import_chunks (import_id, seq, data) VALUES ($1, $2, $3)`, id, seq, buf[:n]); err != nil {
					return err
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return apperr.Field("file", "文件上传不完整，请重新上传")
			}
		}
		if size == 0 {
			return apperr.Field("file", "文件是空的")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_imports SET size_bytes = $1 WHERE id = $2`, size, id); err != nil {
			return err
		}
		f = &ImportFile{ID: id, Target: target, FileName: cleanName(name), Format: format, Size: size, Policy: policy, StoreID: store, Status: "uploaded",
			CreatedAt: now, UserID: actor.ID}
		return nil
	})
	return f, err
}

// cleanName keeps a file name printable and short.
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// GetImport returns upload id to its uploader or an admin (NotFound for
// anyone else).
func (s *Service) GetImport(ctx context.Context, actor *identity.User, id int64) (*ImportFile, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	var f ImportFile
	var store, job, user sql.NullInt64
	var mapping string
	err := s.db.QueryRowContext(ctx, `SELECT id, target, file_name, format, size_bytes, policy, mapping, store_id, status, job_id, total_rows, created_rows,
		updated_rows, skipped_rows, error_rows, created_at, user_id FROM customer_imports WHERE id = $1`, id).
		Scan(&f.ID, &f.Target, &f.FileName, &f.Format, &f.Size, &f.Policy, &mapping, &store, &f.Status, &job, &f.Rows, &f.Created, &f.Updated, &f.Skipped,
			&f.ErrorRows, &f.CreatedAt, &user)
	if db.NoRows(err) || err == nil && !seesAll(actor) && user.Int64 != actor.ID {
		return nil, apperr.New(apperr.NotFound, "导入记录不存在")
	}
	if err != nil {
		return nil, err
	}
	f.StoreID, f.JobID, f.UserID = store.Int64, job.Int64, user.Int64
	if mapping != "" {
		_ = json.Unmarshal([]byte(mapping), &f.Mapping)
	}
	return &f, nil
}

// OpenUpload returns a reader of upload id's file, read chunk by chunk.
func (s *Service) OpenUpload(ctx context.Context, id int64) io.Reader {
	return &uploadReader{ctx: ctx, s: s, id: id}
}

type uploadReader struct {
	ctx  context.Context
	s    *Service
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (u *uploadReader) Read(p []byte) (int, error) {
	for len(u.buf) == 0 {
		if u.done {
			return 0, io.EOF
		}
		err := u.s.db.QueryRowContext(u.ctx, `SELECT data FROM customer_import_chunks WHERE import_id = $1 AND seq = $2`, u.id, u.seq).Scan(&u.buf)
		if db.NoRows(err) {
			u.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		u.seq++
	}
	n := copy(p, u.buf)
	u.buf = u.buf[n:]
	return n, nil
}

// ImportJob checks (Dry) or imports upload ImportID as its uploader, in
// the background (app registers the handler).
type ImportJob struct {
	ImportID int64 `json:"import_id"`
	Dry      bool  `json:"dry"`
}

// Kind names the customer import job.
func (ImportJob) Kind() string { return "import_customers" }

// SetImportJob starts the job that checks or imports upload id and moves
// the upload to status (queued for an import), in one transaction: enqueue
// adds the job in tx, so the job runs only once the upload names it (a job
// enqueued first could finish, and record "checked", before the upload was
// set back to status). It returns the job's id. The uploader or an admin
// only.
func (s *Service) SetImportJob(ctx context.Context, actor *identity.User, id int64, status string, enqueue func(tx *sql.Tx) (int64, error)) (int64, error) {
	if _, err := s.GetImport(ctx, actor, id); err != nil {
		return 0, err
	}
	var job int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if job, err = enqueue(tx); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE customer_imports SET job_id = $1, status = $2, updated_at = $3 WHERE id = $4`, job, status, s.now(), id)
		return err
	})
	return job, err
}

// Importer imports the rows of r: Service.Import for customers,
// sales.Service.ImportLeads for leads.
type Importer func(ctx context.Context, actor *identity.User, r io.Reader, opt ImportOptions) (*ImportResult, error)

// RunImport checks (dry) or imports upload id for actor, its uploader,
// with imp (the importer of the upload's target) and its stored choices
// (mapping, policy, store), and records the counts and the new status
// (checked after a check, done after an import; failed on an error). A
// second import of an imported file is a Conflict. errs, when set,
// receives the error report (CSV: 行号, 字段, 原因) of every rejected row.
func (s *Service) RunImport(ctx context.Context, actor *identity.User, id int64, dry bool, imp Importer, progress func(done int), errs io.Writer) (*ImportResult, error) {
	f, err := s.GetImport(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !dry && f.Status == "done" {
		return nil, apperr.New(apperr.Conflict, "这个文件已经导入过了")
	}
	opt := ImportOptions{Format: f.Format, Policy: f.Policy, Mapping: f.Mapping, StoreID: f.StoreID, DryRun: dry, Progress: progress}
	var w *csv.Writer
	if errs != nil {
		w = csv.NewWriter(errs)
		_ = w.Write([]string{"行号", "字段", "原因"})
		opt.OnError = func(e RowError) { _ = w.Write([]string{strconv.Itoa(e.Line), e.Label, e.Message}) }
	}
	res, err := imp(ctx, actor, s.OpenUpload(ctx, id), opt)
	status := map[bool]string{true: "checked", false: "done"}[dry]
	if err != nil {
		status = "failed"
	}
	if res == nil {
		res = &ImportResult{}
	}
	if _, uerr := s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE customer_imports SET status = $1, total_rows = $2, created_rows = $3,
		updated_rows = $4, skipped_rows = $5, error_rows = $6, updated_at = $7 WHERE id = $8`,
		status, res.Rows, res.Created, res.Updated, res.Skipped, res.ErrorRows, s.now(), id); uerr != nil && err == nil {
		err = uerr
	}
	if w != nil {
		w.Flush()
		if err == nil {
			err = w.Error()
		}
	}
	return res, err
}
