package xlsx_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/xuri/excelize/v2"
)

func TestXLSXReadBack(t *testing.T) {
	at := time.Date(2026, 11, 29, 6, 30, 59, 0, time.UTC) // 14:30 in Shanghai
	var buf bytes.Buffer
	w, err := xlsx.Open(listing.XLSX, &buf)
	if err != nil {
		t.Fatal(err)
	}
	const extra = 3000
	n, err := listing.Export(w, []string{"姓名", "金额（元）", "时间", "启用", "数量", "备注"}, func(emit func(...any) error) error {
		if err := emit("王小明", listing.Fen(1234560), at, true, 3, `说 "你好", <b>&</b>`); err != nil {
			return err
		}
		if err := emit("李娜", listing.Fen(-5), time.Time{}, false, int64(-7), nil); err != nil {
			return err
		}
		for i := range extra {
			if err := emit(fmt.Sprintf("客户%05d", i), listing.Fen(i), at, i%2 == 0, i, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != extra+2 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("the written workbook does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(xlsx.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != extra+3 {
		t.Fatalf("rows = %d, want %d", len(rows), extra+3)
	}
	want := [][]string{
		{"姓名", "金额（元）", "时间", "启用", "数量", "备注"},
		{"王小明", "12,345.60", "2026-11-29 14:30", "是", "3", `说 "你好", <b>&</b>`},
		{"李娜", "-0.05", "", "否", "-7"},
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
	if last := rows[len(rows)-1]; last[0] != fmt.Sprintf("客户%05d", extra-1) {
		t.Errorf("last row = %q", last)
	}
	// The amount is a number cell (yuan), the time a date cell.
	raw, err := f.GetCellValue(xlsx.Sheet, "B2", excelize.Options{RawCellValue: true})
	if err != nil || raw != "12345.6" {
		t.Errorf("raw amount = %q, %v", raw, err)
	}
	if typ, _ := f.GetCellType(xlsx.Sheet, "C2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("time cell type = %v, want a number (date) cell", typ)
	}
}

// Closing removes excelize's temporary files.
func TestXLSXNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// Enough rows to pass excelize's in-memory chunk (16 MiB) and spill.
	long := string(bytes.Repeat([]byte("长"), 300))
	_, err = listing.Export(w, []string{"a", "b"}, func(emit func(...any) error) error {
		for i := range 20000 {
			if err := emit(i, long); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Error("nothing written")
	}
}

func TestOpenCSV(t *testing.T) {
	var buf bytes.Buffer
	w, err := xlsx.Open(listing.CSV, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listing.Export(w, []string{"a"}, func(emit func(...any) error) error { return emit("b") }); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "\ufeffa\r\nb\r\n" {
		t.Errorf("CSV = %q", buf.String())
	}
	if _, err := xlsx.Open("pdf", &buf); err == nil {
		t.Error("pdf accepted")
	}
}
