// Package xlsx writes list exports as Excel workbooks (excelize's
// StreamWriter). It is apart from package listing so that domain services,
// which only take a listing.Writer, do not link excelize and what it
// imports; the transports and background jobs pick the writer.
package xlsx

import (
	"fmt"
	"io"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/xuri/excelize/v2"
)

// Open returns a writer of format f on out: listing.NewCSVWriter for CSV,
// NewWriter for XLSX.
func Open(f listing.Format, out io.Writer) (listing.Writer, error) {
	switch f {
	case listing.CSV:
		return listing.NewCSVWriter(out), nil
	case listing.XLSX:
		return NewWriter(out)
	}
	return nil, fmt.Errorf("xlsx: unknown export format %q", f)
}

// Sheet is the name of the exported worksheet.
const Sheet = "Sheet1"

// MaxRows is how many data rows one sheet holds below its header (Excel's
// limit is 1,048,576 rows). Larger exports must use CSV.
const MaxRows = excelize.TotalRows - 1

// ErrTooManyRows refuses an XLSX export larger than one sheet.
var ErrTooManyRows = apperr.Field("format", "Excel 文件最多 1,048,575 行，请改用 CSV 导出")

// writer writes one worksheet with excelize's StreamWriter, which keeps
// rows in a temporary file past a small buffer; Close writes the workbook
// to out and removes the temporary files. Times are date cells shown as
// "yyyy-mm-dd hh:mm" (Asia/Shanghai wall clock), Fen amounts numbers in
// yuan shown as "#,##0.00", bools 是/否; the header row is bold and frozen.
type writer struct {
	out         io.Writer
	f           *excelize.File
	sw          *excelize.StreamWriter
	row         int // the next row number (1-based)
	rows        int
	timeStyle   int
	moneyStyle  int
	headerStyle int
	closed      bool
}

// NewWriter returns a listing.Writer of an XLSX workbook on out.
func NewWriter(out io.Writer) (listing.Writer, error) {
	f := excelize.NewFile()
	x := &writer{out: out, f: f, row: 1}
	var err error
	fail := func(err error) (listing.Writer, error) {
		_ = f.Close()
		return nil, err
	}
	layout := "yyyy-mm-dd hh:mm"
	if x.timeStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &layout}); err != nil {
		return fail(err)
	}
	if x.moneyStyle, err = f.NewStyle(&excelize.Style{NumFmt: 4}); err != nil { // #,##0.00
		return fail(err)
	}
	if x.headerStyle, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return fail(err)
	}
	if x.sw, err = f.NewStreamWriter(Sheet); err != nil {
		return fail(err)
	}
	return x, nil
}

func (x *writer) WriteHeader(titles ...string) error {
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Widths are set before the first row (a StreamWriter rule).
	for i, t := range titles {
		w := float64(len([]rune(t)))*2.2 + 4
		if w < 12 {
			w = 12
		}
		if err := x.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	cells := make([]any, len(titles))
	for i, t := range titles {
		cells[i] = excelize.Cell{StyleID: x.headerStyle, Value: t}
	}
	return x.setRow(cells)
}

func (x *writer) setRow(cells []any) error {
	if x.row > excelize.TotalRows {
		return ErrTooManyRows
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	if err := x.sw.SetRow(cell, cells); err != nil {
		return err
	}
	x.row++
	return nil
}

func (x *writer) WriteRow(cells ...any) error {
	out := make([]any, len(cells))
	for i, v := range cells {
		switch c := v.(type) {
		case nil, string, int, int64, float64:
			out[i] = c
		case listing.Fen:
			out[i] = excelize.Cell{StyleID: x.moneyStyle, Value: float64(c) / 100}
		case time.Time:
			if c.IsZero() {
				continue
			}
			// excelize writes the wall clock of the time's own zone.
			out[i] = excelize.Cell{StyleID: x.timeStyle, Value: c.In(listing.Shanghai).Truncate(time.Minute)}
		default:
			out[i] = listing.CellText(c)
		}
	}
	if err := x.setRow(out); err != nil {
		return err
	}
	x.rows++
	return nil
}

func (x *writer) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	return err
}

func (x *writer) Rows() int { return x.rows }
