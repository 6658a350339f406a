// Package dbcopy moves a whole NEV CRM database from its SQLite file into an
// empty PostgreSQL database, for a company that outgrows the single file:
// the schema is created by the PostgreSQL migrations at the same version,
// every table's rows are streamed with COPY, foreign-key cycles (users ↔
// customers) are broken by filling the cycle's nullable columns afterwards,
// identity sequences are moved past the copied ids, and each table's row
// count and checksum are compared on both sides at the end.
//
// The background-job queue (River's river_* tables) and the job history and
// output files that hang off it (job_runs, job_file_chunks) are not copied:
// they are transient, and a job's output can be made again.
package dbcopy

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/nevcrm/nevcrm/internal/db"
)

// Skipped are the tables that are not copied (see the package comment);
// goose_db_version is written by the migrations themselves, and the report
// counters and rollups (report_customer_stages, report_lead_statuses,
// report_energy_days, report_appointment_days, report_vehicle_count,
// report_lead_facts, report_lead_days(_all), report_market_days(_all), the
// month rollups report_*_months) by the target's triggers as the customers,
// leads, test drives, opportunities, orders, charging sessions, battery
// swaps, appointments, vehicles, work orders, ratings and feedback arrive (a lead's facts are recomputed from every row there is, so the
// order of arrival does not matter); the comment word rollup
// (report_comment_words) is recounted by the target's word job for the days
// its triggers mark in report_comment_days as the comments arrive.
var Skipped = []string{"goose_db_version", "job_runs", "job_file_chunks", "report_customer_stages", "report_lead_statuses", "report_energy_days", "report_appointment_days", "report_vehicle_count",
	"report_comment_days", "report_comment_words", "report_lead_facts", "report_lead_days", "report_lead_days_all", "report_market_days", "report_market_days_all",
	"report_appointment_months", "report_energy_months", "report_work_order_months", "report_rating_months", "report_feedback_months", "report_sales_months"}

// Refilled are tables that the target's triggers fill as other tables
// arrive, but not completely: customer_tag_list copies a customer's list
// columns when a tag arrives, and a customer's cycle columns (its
// consultant, the customer it was merged into) are filled after every table
// with the triggers off. They are emptied and copied from the source after
// everything else, and checked like every copied table.
var Refilled = []string{"customer_tag_list"}

// skipped reports whether table t is not copied.
func skipped(t string) bool { return strings.HasPrefix(t, "river_") || slices.Contains(Skipped, t) }

// Progress is told, table by table, how many rows are copied of how many.
type Progress func(table string, done, total int64)

// Table is what was copied of one table and what the check found.
type Table struct {
	Name     string
	Rows     int64  // rows in the SQLite table
	Copied   int64  // rows in the PostgreSQL table after the copy
	Checksum string // of the SQLite rows; equal on both sides when OK
	OK       bool
}

// column is one column of a destination table.
type column struct {
	name     string
	pgType   string // information_schema data_type, e.g. "bigint", "timestamp with time zone"
	nullable bool
}

// table is one destination table, its columns and the tables it refers to.
type table struct {
	name     string
	cols     []column
	refs     map[string][]string // referenced table -> referencing columns
	deferred []string            // cycle columns copied as NULL and filled afterwards
	hasID    bool                // an "id" primary key column (identity sequence, deferred updates)
}

// Copy copies every table of src (SQLite) into dst (PostgreSQL), which must
// hold no data: dst is migrated first, and both schemas must then be at the
// same migration version (migrate the SQLite file first otherwise). When
// every table checks out it runs VACUUM (ANALYZE) on dst, so that the
// planner has statistics and index-only scans find the copied pages
// all-visible (without it a million-customer copy stays slow until
// autovacuum gets to it, if it is on). It returns one Table per copied
// table, in copy order; an error if a table's count or checksum differs
// after the copy. progress may be nil.
func Copy(ctx context.Context, src, dst *db.DB, progress Progress) ([]Table, error) {
	if src.Dialect != db.SQLite || dst.Dialect != db.Postgres {
		return nil, errors.New("dbcopy: copies from SQLite to PostgreSQL only")
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	if err := src.CheckSchema(ctx); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if err := dst.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	dv, err := dst.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if sv != dv {
		return nil, fmt.Errorf("dbcopy: schema versions differ (SQLite %d, PostgreSQL %d)", sv, dv)
	}
	tables, err := loadTables(ctx, dst)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, fmt.Errorf("dbcopy: target table %s already holds %d rows: copy into an empty database", t.name, n)
		}
	}
	order, err := copyOrder(tables)
	if err != nil {
		return nil, err
	}
	var out []Table
	for _, t := range order {
		if slices.Contains(Refilled, t.name) {
			out = append(out, Table{Name: t.name}) // copied last, below
			continue
		}
		n, err := copyTable(ctx, src, dst, t, progress)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		out = append(out, Table{Name: t.name, Rows: n})
	}
	for _, t := range order {
		if err := fillDeferred(ctx, src, dst, t); err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		if t.hasID {
			if _, err := dst.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX(id) FROM `+quote(t.name)+`), 0) + 1, false)`, t.name); err != nil {
				return nil, fmt.Errorf("sequence of %s: %w", t.name, err)
			}
		}
	}
	for _, t := range order {
		if !slices.Contains(Refilled, t.name) {
			continue
		}
		if _, err := dst.ExecContext(ctx, `DELETE FROM `+quote(t.name)); err != nil {
			return nil, fmt.Errorf("refill %s: %w", t.name, err)
		}
		n, err := copyTable(ctx, src, dst, t, progress)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		out[slices.IndexFunc(out, func(x Table) bool { return x.Name == t.name })].Rows = n
	}
	checked, err := verify(ctx, src, dst, order)
	for i := range checked {
		checked[i].Rows = out[i].Rows
	}
	if err != nil {
		return checked, err
	}
	if _, err := dst.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
		return checked, fmt.Errorf("vacuum: %w", err)
	}
	return checked, nil
}

// Verify compares every copied table of src (SQLite) and dst (PostgreSQL):
// row counts and checksums. It returns one Table per table and an error
// naming the tables that differ.
func Verify(ctx context.Context, src, dst *db.DB) ([]Table, error) {
	tables, err := loadTables(ctx, dst)
	if err != nil {
		return nil, err
	}
	order, err := copyOrder(tables)
	if err != nil {
		return nil, err
	}
	return verify(ctx, src, dst, order)
}

func verify(ctx context.Context, src, dst *db.DB, order []*table) ([]Table, error) {
	var out []Table
	var bad []string
	for _, t := range order {
		r := Table{Name: t.name}
		var err error
		if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&r.Rows); err != nil {
			return nil, err
		}
		if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&r.Copied); err != nil {
			return nil, err
		}
		if r.Checksum, err = checksum(ctx, src, t); err != nil {
			return nil, err
		}
		dsum, err := checksum(ctx, dst, t)
		if err != nil {
			return nil, err
		}
		r.OK = r.Copied == r.Rows && dsum == r.Checksum
		if !r.OK {
			bad = append(bad, t.name)
		}
		out = append(out, r)
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("dbcopy: %s differ between the databases", strings.Join(bad, ", "))
	}
	return out, nil
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// loadTables reads the destination's tables (public schema, without the
// skipped ones), their columns and their foreign keys.
func loadTables(ctx context.Context, dst *db.DB) (map[string]*table, error) {
	tables := map[string]*table{}
	rows, err := dst.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'YES'
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tn string
		var c column
		if err := rows.Scan(&tn, &c.name, &c.pgType, &c.nullable); err != nil {
			return nil, err
		}
		if skipped(tn) {
			continue
		}
		t := tables[tn]
		if t == nil {
			t = &table{name: tn, refs: map[string][]string{}}
			tables[tn] = t
		}
		t.cols = append(t.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fks, err := dst.QueryContext(ctx, `SELECT cl.relname, rf.relname, a.attname
		FROM pg_constraint k
		JOIN pg_class cl ON cl.oid = k.conrelid
		JOIN pg_class rf ON rf.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
		WHERE k.contype = 'f'`)
	if err != nil {
		return nil, err
	}
	defer fks.Close()
	for fks.Next() {
		var from, to, col string
		if err := fks.Scan(&from, &to, &col); err != nil {
			return nil, err
		}
		if t := tables[from]; t != nil && from != to {
			t.refs[to] = append(t.refs[to], col)
		}
	}
	if err := fks.Err(); err != nil {
		return nil, err
	}
	pks, err := dst.QueryContext(ctx, `SELECT cl.relname FROM pg_constraint k
		JOIN pg_class cl ON cl.oid = k.conrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
		WHERE k.contype = 'p' AND a.attname = 'id' AND a.attidentity <> '' AND cardinality(k.conkey) = 1`)
	if err != nil {
		return nil, err
	}
	defer pks.Close()
	for pks.Next() {
		var tn string
		if err := pks.Scan(&tn); err != nil {
			return nil, err
		}
		if t := tables[tn]; t != nil {
			t.hasID = true
		}
	}
	return tables, pks.Err()
}

// copyOrder orders the tables so that each comes after the tables it refers
// to. A cycle is broken at a table whose references into the cycle are all
// nullable columns of a table with an id: those columns are copied as NULL
// and filled afterwards (fillDeferred).
func copyOrder(tables map[string]*table) ([]*table, error) {
	names := make([]string, 0, len(tables))
	for n := range tables {
		names = append(names, n)
	}
	slices.Sort(names)
	var order []*table
	done := map[string]bool{}
	for len(order) < len(tables) {
		progressed := false
		for _, n := range names {
			t := tables[n]
			if done[n] || !ready(t, tables, done) {
				continue
			}
			order, done[n], progressed = append(order, t), true, true
		}
		if progressed {
			continue
		}
		// Only cycles are left: defer the nullable references of the
		// first table that can be broken.
		broke := false
		for _, n := range names {
			t := tables[n]
			if done[n] || !t.hasID {
				continue
			}
			var cols []string
			ok := true
			for to, cs := range t.refs {
				if done[to] || tables[to] == nil {
					continue
				}
				for _, c := range cs {
					if !t.nullable(c) {
						ok = false
					}
				}
				cols = append(cols, cs...)
			}
			if !ok {
				continue
			}
			slices.Sort(cols)
			t.deferred = cols
			for to := range t.refs {
				if !done[to] {
					delete(t.refs, to)
				}
			}
			broke = true
			break
		}
		if !broke {
			return nil, errors.New("dbcopy: a foreign-key cycle without nullable columns cannot be copied")
		}
	}
	return order, nil
}

// ready reports whether every table t refers to is copied (or not copied at all).
func ready(t *table, tables map[string]*table, done map[string]bool) bool {
	for to := range t.refs {
		if tables[to] != nil && !done[to] {
			return false
		}
	}
	return true
}

func (t *table) nullable(col string) bool {
	for _, c := range t.cols {
		if c.name == col {
			return c.nullable
		}
	}
	return false
}

// selectList is the column list of t for reading, in dst's order; JSON
// columns are read as text.
func (t *table) selectList() string {
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		if isJSON(c.pgType) {
			b.WriteString("CAST(" + quote(c.name) + " AS TEXT)")
			continue
		}
		b.WriteString(quote(c.name))
	}
	return b.String()
}

func isJSON(pgType string) bool { return pgType == "json" || pgType == "jsonb" }

// copyTable streams t's rows from src into dst with COPY and returns how
// many rows it copied.
func copyTable(ctx context.Context, src, dst *db.DB, t *table, progress Progress) (int64, error) {
	var total int64
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&total); err != nil {
		return 0, err
	}
	progress(t.name, 0, total)
	if total == 0 {
		return 0, nil
	}
	rows, err := src.QueryContext(ctx, `SELECT `+t.selectList()+` FROM `+quote(t.name))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	conn, err := dst.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int64
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		n, err = pc.CopyFrom(ctx, pgx.Identifier{t.name}, names, &source{rows: rows, t: t, progress: progress, total: total})
		return err
	})
	return n, err
}

// source feeds rows of the SQLite table to pgx's CopyFrom, converting each
// value to the destination column's type.
type source struct {
	rows     *sql.Rows
	t        *table
	vals     []any
	err      error
	n        int64
	total    int64
	progress Progress
}

func (s *source) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		s.progress(s.t.name, s.n, s.total)
		return false
	}
	raw := make([]any, len(s.t.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if s.err = s.rows.Scan(ptrs...); s.err != nil {
		return false
	}
	for i, c := range s.t.cols {
		if slices.Contains(s.t.deferred, c.name) {
			raw[i] = nil
			continue
		}
		if raw[i], s.err = convert(raw[i], c.pgType); s.err != nil {
			s.err = fmt.Errorf("column %s: %w", c.name, s.err)
			return false
		}
	}
	s.vals = raw
	if s.n++; s.n%10000 == 0 {
		s.progress(s.t.name, s.n, s.total)
	}
	return true
}

func (s *source) Values() ([]any, error) { return s.vals, nil }
func (s *source) Err() error             { return s.err }

// convert turns a value read from SQLite into one pgx encodes as pgType.
func convert(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case "timestamp with time zone", "timestamp without time zone", "date":
		switch x := v.(type) {
		case time.Time:
			return x, nil
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, x); err == nil {
					return t, nil
				}
			}
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	default: // text, jsonb and the like
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	}
	return nil, fmt.Errorf("cannot store %T %v as %s", v, v, pgType)
}

// fillDeferred sets t's deferred cycle columns from src, 5,000 rows a
// statement.
func fillDeferred(ctx context.Context, src, dst *db.DB, t *table) (err error) {
	if len(t.deferred) > 0 {
		// An append-only table refuses UPDATE by trigger; filling a cycle
		// column is still copying the row, not changing it.
		if _, err := dst.ExecContext(ctx, `ALTER TABLE `+quote(t.name)+` DISABLE TRIGGER USER`); err != nil {
			return err
		}
		defer func() {
			if _, e := dst.ExecContext(context.WithoutCancel(ctx), `ALTER TABLE `+quote(t.name)+` ENABLE TRIGGER USER`); err == nil {
				err = e
			}
		}()
	}
	for _, col := range t.deferred {
		rows, err := src.QueryContext(ctx, `SELECT id, `+quote(col)+` FROM `+quote(t.name)+` WHERE `+quote(col)+` IS NOT NULL ORDER BY id`)
		if err != nil {
			return err
		}
		var ids, vals []int64
		flush := func() error {
			if len(ids) == 0 {
				return nil
			}
			_, err := dst.ExecContext(ctx, `UPDATE `+quote(t.name)+` AS t SET `+quote(col)+` = v.val
				FROM (SELECT unnest(CAST($1 AS BIGINT[])) AS id, unnest(CAST($2 AS BIGINT[])) AS val) AS v WHERE t.id = v.id`, ids, vals)
			ids, vals = ids[:0], vals[:0]
			return err
		}
		for rows.Next() {
			var id, v int64
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			ids, vals = append(ids, id), append(vals, v)
			if len(ids) == 5000 {
				if err := flush(); err != nil {
					rows.Close()
					return err
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// checksum is an order-independent checksum of t's rows in d: the sum,
// modulo 2^64, of a hash of each row's values written in one canonical form
// on both databases (booleans as 0/1, times in UTC to the microsecond that
// PostgreSQL keeps, dates as days, floats in shortest form), with the row
// count.
func checksum(ctx context.Context, d *db.DB, t *table) (string, error) {
	rows, err := d.QueryContext(ctx, `SELECT `+t.selectList()+` FROM `+quote(t.name))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	raw := make([]any, len(t.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var sum, n uint64
	var b []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		b = b[:0]
		for i, c := range t.cols {
			if b, err = canonical(b, raw[i], c.pgType); err != nil {
				return "", fmt.Errorf("%s.%s: %w", t.name, c.name, err)
			}
			b = append(b, 0x1f)
		}
		h := sha256.Sum256(b)
		sum += binary.LittleEndian.Uint64(h[:8])
		n++
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	out := binary.LittleEndian.AppendUint64(nil, sum)
	return strconv.FormatUint(n, 10) + ":" + hex.EncodeToString(out), nil
}

// canonical appends v in the checksum's canonical form for pgType; JSON is
// compared as its re-encoded value, since PostgreSQL's jsonb reformats it.
func canonical(b []byte, v any, pgType string) ([]byte, error) {
	if v == nil {
		return append(b, "\\N"...), nil
	}
	if isJSON(pgType) {
		var s []byte
		switch x := v.(type) {
		case string:
			s = []byte(x)
		case []byte:
			s = x
		}
		var j any
		if err := json.Unmarshal(s, &j); err != nil {
			return nil, err
		}
		out, err := json.Marshal(j)
		return append(b, out...), err
	}
	return canonicalScalar(b, v, pgType), nil
}

func canonicalScalar(b []byte, v any, pgType string) []byte {
	switch x := v.(type) {
	case bool:
		if x {
			return append(b, '1')
		}
		return append(b, '0')
	case int64:
		if pgType == "boolean" && x != 0 {
			return append(b, '1')
		}
		if pgType == "double precision" || pgType == "real" {
			return strconv.AppendFloat(b, float64(x), 'g', -1, 64)
		}
		return strconv.AppendInt(b, x, 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int16:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case float32:
		return strconv.AppendFloat(b, float64(x), 'g', -1, 64)
	case time.Time:
		if pgType == "date" {
			return x.AppendFormat(b, "2006-01-02")
		}
		return x.UTC().Truncate(time.Microsecond).AppendFormat(b, time.RFC3339Nano)
	case []byte:
		return append(b, x...)
	case string:
		return append(b, x...)
	}
	return fmt.Append(b, v)
}
