package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/nevcrm/nevcrm/internal/booking"
)

// developerDate are spellings of a date format that users must never see.
var developerDate = []string{"2006-01-02", "2006/01/02", "YYYY", "yyyy", "15:04"}

// TestNoDeveloperDateInCopy checks every Chinese string literal of the
// program (messages, labels) and every template for a Go date layout or a
// format pattern: users are shown an example date instead.
func TestNoDeveloperDateInCopy(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				return true
			}
			for _, bad := range developerDate {
				if strings.Contains(s, bad) {
					t.Errorf("%s: user-facing text %q contains %q", fset.Position(lit.Pos()), s, bad)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		for _, bad := range developerDate {
			if strings.Contains(string(b), bad) {
				t.Errorf("template %s contains %q", p, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "booking")); err != nil {
		t.Fatalf("the walk did not reach the domain packages: %v", err)
	}
}

func TestRescheduleBlock(t *testing.T) {
	now := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)
	later := now.Add(24 * time.Hour)
	cases := []struct {
		name string
		a    booking.Appointment
		want string
	}{
		{"booked, a day ahead", booking.Appointment{Status: booking.Booked, ScheduledAt: later}, ""},
		{"confirmed, moved twice", booking.Appointment{Status: booking.Confirmed, ScheduledAt: later, RescheduleCount: 2}, ""},
		{"completed", booking.Appointment{Status: booking.Completed, ScheduledAt: later}, "该预约当前状态为已完成，不能改约"},
		{"cancelled", booking.Appointment{Status: booking.Cancelled, ScheduledAt: later}, "该预约当前状态为已取消，不能改约"},
		{"no-show", booking.Appointment{Status: booking.NoShow, ScheduledAt: later}, "该预约当前状态为未到店，不能改约"},
		{"in progress", booking.Appointment{Status: booking.InProgress, ScheduledAt: later}, "该预约当前状态为服务中，不能改约"},
		{"within two hours", booking.Appointment{Status: booking.Booked, ScheduledAt: now.Add(time.Hour)}, "距预约开始不足 2 小时，无法在线改约，请致电网点"},
		{"moved three times", booking.Appointment{Status: booking.Booked, ScheduledAt: later, RescheduleCount: 3}, "每个预约最多改约 3 次，已用完"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := rescheduleBlock(&tc.a, now)
			if got != tc.want {
				t.Errorf("rescheduleBlock = %q, want %q", got, tc.want)
			}
			if tc.a.CanReschedule(now) != (got == "") {
				t.Errorf("CanReschedule = %v but the reason is %q", tc.a.CanReschedule(now), got)
			}
		})
	}
}
