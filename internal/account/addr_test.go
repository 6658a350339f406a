package account

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestThrottleAddr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7":              "203.0.113.7",
		"203.0.113.7:4431":         "203.0.113.7",
		"::ffff:203.0.113.7":       "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":     "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":     "2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:443":    "2001:db8:1:2::/64",
		"":                         "",
		"not-an-address\xff\x00zz": "not-an-address?zz",
	} {
		if got := throttleAddr(in); got != want {
			t.Errorf("throttleAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	ua := strings.Repeat("a", 299) + "中"
	got := cleanText(ua, 300)
	if !utf8.ValidString(got) || len(got) != 299 {
		t.Errorf("cut inside a character: %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if got := cleanText("abc\xff\xfe\x00d", 300); got != "abc?d" {
		t.Errorf("cleanText = %q", got)
	}
}
