package listing

import (
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// BackgroundThreshold is the number of rows above which an export should
// run as a background job (with progress) instead of inside the request: a
// caller counts first (Count) and starts a job when the count is capped or
// above this.
const BackgroundThreshold = 5000

// ExportBatch is the number of rows an exporting service reads per keyset
// page: the export walks the filtered set page by page, so no long read
// transaction is held and memory stays flat.
const ExportBatch = 1000

// Fen is an amount of money in fen (分). An export writes it in yuan (元):
// CSV "12345.60", XLSX the number 12345.6 shown as "12,345.60".
type Fen int64

// Yuan formats f in yuan with two decimals and no grouping, e.g. "-0.05".
func (f Fen) Yuan() string {
	n := int64(f)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// Shanghai is the zone exported times are shown in (UTC+8 all year).
var Shanghai = time.FixedZone("CST", 8*3600)

// DateTimeLayout is how an export writes a time: minutes, Asia/Shanghai.
const DateTimeLayout = "2006-01-02 15:04"

// Writer writes an exported table: one header, then rows, then Close. Cell
// values may be string, bool (是/否), int, int64, float64, Fen (written in
// yuan), time.Time (Asia/Shanghai, "2006-01-02 15:04"; the zero time is an
// empty cell) and nil (empty). Rows are written as they come; nothing holds
// the whole table in memory.
type Writer interface {
	WriteHeader(titles ...string) error
	WriteRow(cells ...any) error
	// Close finishes the file (for XLSX, writes it out) and frees what the
	// writer holds. It must be called once, also after an error.
	Close() error
	// Rows is the number of data rows written so far.
	Rows() int
}

// Format is an export file format.
type Format string

// Export formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat reads a format parameter ("csv" or "xlsx"); anything else is
// an apperr.Invalid error on field "format".
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(strings.TrimSpace(s))) {
	case CSV:
		return CSV, nil
	case XLSX:
		return XLSX, nil
	}
	return "", apperr.Field("format", "导出格式须为 CSV 或 Excel（xlsx）")
}

// ContentTypeOf is the media type of an export file named name (by its
// extension), application/octet-stream for another kind of file.
func ContentTypeOf(name string) string {
	if f, err := ParseFormat(strings.TrimPrefix(path.Ext(name), ".")); err == nil {
		return f.ContentType()
	}
	return "application/octet-stream"
}

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// csvWriter writes RFC 4180 CSV (encoding/csv, CRLF line ends) in UTF-8
// with a byte-order mark, so that Excel opens Chinese text correctly.
type csvWriter struct {
	out    io.Writer
	w      *csv.Writer
	bom    bool
	rows   int
	record []string
}

// NewCSVWriter returns a Writer of CSV on out.
func NewCSVWriter(out io.Writer) Writer {
	w := csv.NewWriter(out)
	w.UseCRLF = true
	return &csvWriter{out: out, w: w}
}

func (c *csvWriter) write(cells []any) error {
	if !c.bom {
		c.bom = true
		if _, err := io.WriteString(c.out, "\ufeff"); err != nil {
			return err
		}
	}
	c.record = c.record[:0]
	for _, v := range cells {
		text := CellText(v)
		if _, isText := v.(string); isText {
			text = defuse(text)
		}
		c.record = append(c.record, text)
	}
	return c.w.Write(c.record)
}

// defuse keeps a spreadsheet from reading text as a formula (CSV
// injection: a customer named "=HYPERLINK(...)"): text that starts with
// = + - @, a tab or a carriage return gets a leading apostrophe, which Excel
// and LibreOffice show as text. Numbers and dates are not text cells and
// keep their sign.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (c *csvWriter) WriteHeader(titles ...string) error {
	cells := make([]any, len(titles))
	for i, t := range titles {
		cells[i] = t
	}
	return c.write(cells)
}

func (c *csvWriter) WriteRow(cells ...any) error {
	if err := c.write(cells); err != nil {
		return err
	}
	c.rows++
	if c.rows%ExportBatch == 0 {
		c.w.Flush()
		return c.w.Error()
	}
	return nil
}

func (c *csvWriter) Close() error {
	if !c.bom {
		if _, err := io.WriteString(c.out, "\ufeff"); err != nil {
			return err
		}
		c.bom = true
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) Rows() int { return c.rows }

// CellText is a cell value as text, as CSV writes it (and XLSX for the
// types it has no cell type for).
func CellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "是"
		}
		return "否"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case Fen:
		return x.Yuan()
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(Shanghai).Format(DateTimeLayout)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Export writes a table to w: the header, then each row that rows yields
// (rows calls emit once per row, in order, and returns the first error
// emit returned), then closes w. It returns the number of rows written.
// Nothing caps the number of rows.
func Export(w Writer, header []string, rows func(emit func(cells ...any) error) error) (int, error) {
	err := w.WriteHeader(header...)
	if err == nil {
		err = rows(w.WriteRow)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return w.Rows(), err
}
