package listing_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/listing"
)

var exportAt = time.Date(2026, 11, 29, 6, 30, 59, 0, time.UTC) // 14:30 in Shanghai

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	w := listing.NewCSVWriter(&buf)
	n, err := listing.Export(w, []string{"姓名", "备注", "金额（元）", "时间", "启用", "数量"}, func(emit func(...any) error) error {
		rows := [][]any{
			{"王小明", `说 "你好", 然后`, listing.Fen(1234560), exportAt, true, 3},
			{"多行\n文本", "", listing.Fen(-5), time.Time{}, false, int64(-7)},
			{"=1+1", nil, listing.Fen(0), exportAt.Add(24 * time.Hour), true, 1.5},
		}
		for _, r := range rows {
			if err := emit(r...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeff姓名,备注,") {
		t.Fatalf("CSV does not start with a BOM and the header: %q", out[:20])
	}
	if !strings.Contains(out, "\r\n") {
		t.Error("CSV lines do not end in CRLF (RFC 4180)")
	}
	if !strings.Contains(out, `"说 ""你好"", 然后"`) {
		t.Errorf("quotes and commas not escaped: %q", out)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"姓名", "备注", "金额（元）", "时间", "启用", "数量"},
		{"王小明", `说 "你好", 然后`, "12345.60", "2026-11-29 14:30", "是", "3"},
		{"多行\n文本", "", "-0.05", "", "否", "-7"},
		{"'=1+1", "", "0.00", "2026-11-30 14:30", "是", "1.5"},
	}
	if len(records) != len(want) {
		t.Fatalf("records = %q", records)
	}
	for i := range want {
		if !slices.Equal(records[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, records[i], want[i])
		}
	}

	// An empty export still is a valid file with its BOM and header.
	buf.Reset()
	if n, err := listing.Export(listing.NewCSVWriter(&buf), []string{"a"}, func(func(...any) error) error { return nil }); err != nil || n != 0 {
		t.Fatal(n, err)
	}
	if buf.String() != "\ufeffa\r\n" {
		t.Errorf("empty export = %q", buf.String())
	}
	// The rows function's error comes back.
	boom := errors.New("boom")
	buf.Reset()
	if _, err := listing.Export(listing.NewCSVWriter(&buf), []string{"a"}, func(func(...any) error) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("error = %v, want boom", err)
	}
}

func TestParseFormat(t *testing.T) {
	for s, want := range map[string]listing.Format{"csv": listing.CSV, " XLSX ": listing.XLSX} {
		if f, err := listing.ParseFormat(s); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := listing.ParseFormat("pdf"); err == nil {
		t.Error("pdf accepted")
	}
	if !strings.HasPrefix(listing.CSV.ContentType(), "text/csv") || !strings.Contains(listing.XLSX.ContentType(), "spreadsheetml") {
		t.Error("content types")
	}
}

// TestCSVDefusesFormulas: text that a spreadsheet would run as a formula
// gets a leading apostrophe; numbers keep their sign.
func TestCSVDefusesFormulas(t *testing.T) {
	var b strings.Builder
	w := listing.NewCSVWriter(&b)
	if err := w.WriteHeader("姓名", "金额"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"=1+2", "+86", "-x", "@SUM(A1)", "\tTAB", "王芳"} {
		if err := w.WriteRow(name, int64(-5)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimPrefix(b.String(), "\ufeff"), "\r\n")
	want := []string{"姓名,金额", "'=1+2,-5", "'+86,-5", "'-x,-5", "'@SUM(A1),-5", "'\tTAB,-5", "王芳,-5"}
	for i, line := range want {
		if got[i] != line {
			t.Errorf("line %d = %q, want %q", i, got[i], line)
		}
	}
}
