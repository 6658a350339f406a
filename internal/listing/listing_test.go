package listing_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/listing"
)

var (
	byTime   = listing.Order{Name: "created_desc", Key: "t.at", ID: "t.id", Kind: listing.KeyTime, Desc: true}
	byName   = listing.Order{Name: "name_asc", Key: "t.name", ID: "t.id", Kind: listing.KeyString}
	byNumber = listing.Order{Name: "grp_asc", Key: "t.grp", ID: "t.id", Kind: listing.KeyInt}
)

func TestCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 29, 6, 30, 5, 123456789, time.FixedZone("CST", 8*3600))
	cases := []struct {
		name  string
		order listing.Order
		key   any
		want  any
	}{
		{"time", byTime, at, at.UTC()},
		{"time without fraction", byTime, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"string", byName, "王小明 \"引号\" / 斜杠", "王小明 \"引号\" / 斜杠"},
		{"empty string", byName, "", ""},
		{"int64", byNumber, int64(-42), int64(-42)},
		{"int", byNumber, 7, int64(7)},
		{"large int", byNumber, int64(1) << 62, int64(1) << 62},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.order.Encode(tc.key, 12345)
			if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
				t.Fatalf("cursor %q is not URL-safe", s)
			}
			if url.QueryEscape(s) != s {
				t.Fatalf("cursor %q changes when escaped", s)
			}
			c, err := tc.order.Decode(s)
			if err != nil {
				t.Fatal(err)
			}
			if c.Sort != tc.order.Name || c.ID != 12345 {
				t.Errorf("cursor = %+v", c)
			}
			if k, ok := c.Key.(time.Time); ok {
				if !k.Equal(tc.want.(time.Time)) || k.Location() != time.UTC {
					t.Errorf("key = %v, want %v in UTC", k, tc.want)
				}
			} else if c.Key != tc.want {
				t.Errorf("key = %#v, want %#v", c.Key, tc.want)
			}
		})
	}
	if c, err := byTime.Decode(""); c != nil || err != nil {
		t.Errorf("empty cursor = %v, %v; want nil, nil", c, err)
	}
}

func TestCursorRefused(t *testing.T) {
	good := byTime.Encode(time.Date(2026, 11, 29, 6, 30, 0, 0, time.UTC), 99)
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	// A payload edited with its check recomputed by someone who does not
	// know the check's domain prefix is still refused.
	payload := strings.Replace(string(raw[:len(raw)-8]), `"i":99`, `"i":98`, 1)
	cases := []struct {
		name   string
		order  listing.Order
		cursor string
	}{
		{"payload byte changed", byTime, flip(10)},
		{"check byte changed", byTime, flip(len(raw) - 1)},
		{"edited id, old check", byTime, base64.RawURLEncoding.EncodeToString(append([]byte(payload), raw[len(raw)-8:]...))},
		{"truncated", byTime, good[:len(good)-3]},
		{"extended", byTime, good + "AA"},
		{"not base64", byTime, "!!!" + good},
		{"padding", byTime, good + "="},
		{"garbage", byTime, "abc"},
		{"only check bytes", byTime, base64.RawURLEncoding.EncodeToString(raw[len(raw)-8:])},
		{"plain JSON", byTime, base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"s":"created_desc","k":"2026-01-01T00:00:00Z","i":1}`))},
		{"other sort", byName, good},
		{"other sort, same kind", listing.Order{Name: "created_asc", Key: "t.at", ID: "t.id", Kind: listing.KeyTime}, good},
		{"too long", byTime, strings.Repeat("A", listing.MaxCursorLen+1)},
		{"string key for an int sort", listing.Order{Name: "name_asc", Kind: listing.KeyInt}, byName.Encode("王", 1)},
		{"int key for a time sort", listing.Order{Name: "grp_asc", Kind: listing.KeyTime}, byNumber.Encode(5, 1)},
		{"zero id", byName, byName.Encode("x", 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.order.Decode(tc.cursor)
			if c != nil {
				t.Errorf("decoded %+v", c)
			}
			apperrtest.WantField(t, err, "cursor")
			if msg := apperr.As(err).Fields["cursor"]; !strings.Contains(msg, "翻页") {
				t.Errorf("message %q is not the Chinese cursor message", msg)
			}
		})
	}
}

func TestEncodeWrongKindPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Encode with a string key for a time order did not panic")
		}
	}()
	byTime.Encode("2026-01-01", 1)
}

func TestParseParams(t *testing.T) {
	good := byName.Encode("王", 3)
	cases := []struct {
		query  string
		limit  int
		cursor string
		field  string
	}{
		{"", listing.DefaultLimit, "", ""},
		{"limit=1", 1, "", ""},
		{"limit=200", 200, "", ""},
		{"limit=+20", 20, "", ""},
		{"limit=%2050%20", 50, "", ""},
		{"limit=&cursor=", listing.DefaultLimit, "", ""},
		{"limit=10&cursor=" + good, 10, good, ""},
		{"limit=0", 0, "", "limit"},
		{"limit=-5", 0, "", "limit"},
		{"limit=201", 0, "", "limit"},
		{"limit=abc", 0, "", "limit"},
		{"limit=1.5", 0, "", "limit"},
		{"limit=99999999999999999999", 0, "", "limit"},
		{"cursor=abc%2Bdef", 0, "", "cursor"},
		{"cursor=abc%3D", 0, "", "cursor"},
		{"cursor=" + strings.Repeat("A", listing.MaxCursorLen+1), 0, "", "cursor"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			p, err := listing.ParseParams(q)
			if tc.field != "" {
				apperrtest.WantField(t, err, tc.field)
				return
			}
			if err != nil || p.Limit != tc.limit || p.Cursor != tc.cursor {
				t.Errorf("ParseParams = %+v, %v; want limit %d cursor %q", p, err, tc.limit, tc.cursor)
			}
		})
	}
	for n, want := range map[int]int{0: listing.DefaultLimit, 1: 1, 200: 200} {
		if got, err := listing.CheckLimit(n); err != nil || got != want {
			t.Errorf("CheckLimit(%d) = %d, %v", n, got, err)
		}
	}
	for _, n := range []int{-1, 201} {
		_, err := listing.CheckLimit(n)
		apperrtest.WantField(t, err, "limit")
	}
}

func TestOrders(t *testing.T) {
	orders := listing.Orders{byTime, byName}
	if o, err := orders.Lookup(""); err != nil || o.Name != byTime.Name {
		t.Errorf("default = %v, %v", o.Name, err)
	}
	if o, err := orders.Lookup("name_asc"); err != nil || o.Name != byName.Name {
		t.Errorf("name_asc = %v, %v", o.Name, err)
	}
	for _, bad := range []string{"grp_asc", "t.name; DROP TABLE users", "NAME_ASC"} {
		_, err := orders.Lookup(bad)
		apperrtest.WantField(t, err, "sort")
	}
	if got := byTime.OrderBy(); got != "t.at DESC, t.id DESC" {
		t.Errorf("OrderBy = %q", got)
	}
	if got := byName.OrderBy(); got != "t.name ASC, t.id ASC" {
		t.Errorf("OrderBy = %q", got)
	}
}

func TestWhere(t *testing.T) {
	var w listing.Where
	if w.SQL() != "" {
		t.Errorf("empty Where = %q", w.SQL())
	}
	w.And("t.grp = " + w.Arg(int64(3)))
	w.And("t.name LIKE " + w.Arg("王%"))
	c, err := byTime.Decode(byTime.Encode(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), 77))
	if err != nil {
		t.Fatal(err)
	}
	before := w.Clone()
	byTime.After(&w, c)
	if got, want := w.SQL(), " WHERE t.grp = $1 AND t.name LIKE $2 AND (t.at, t.id) < ($3, $4)"; got != want {
		t.Errorf("SQL = %q, want %q", got, want)
	}
	if len(w.Args) != 4 || w.Args[2] != c.Key || w.Args[3] != int64(77) {
		t.Errorf("args = %v", w.Args)
	}
	if before.SQL() != " WHERE t.grp = $1 AND t.name LIKE $2" || len(before.Args) != 2 {
		t.Errorf("clone changed: %q %v", before.SQL(), before.Args)
	}
	var asc listing.Where
	byName.After(&asc, &listing.Cursor{Sort: "name_asc", Key: "王", ID: 1})
	if got := asc.SQL(); got != " WHERE (t.name, t.id) > ($1, $2)" {
		t.Errorf("ascending SQL = %q", got)
	}
	byName.After(&asc, nil)
	if len(asc.Args) != 2 {
		t.Error("After with a nil cursor added a condition")
	}
}

func TestPage(t *testing.T) {
	b, err := json.Marshal(listing.Page[int]{})
	if err != nil || string(b) != `{"items":[],"next_cursor":""}` {
		t.Errorf("empty page JSON = %s, %v", b, err)
	}
	p := listing.NewPage([]int{1, 2, 3}, 2, func(last int) string { return "after-" + string(rune('0'+last)) })
	if len(p.Items) != 2 || p.NextCursor != "after-2" || !p.HasNext() {
		t.Errorf("page = %+v", p)
	}
	b, _ = json.Marshal(p)
	if string(b) != `{"items":[1,2],"next_cursor":"after-2"}` {
		t.Errorf("page JSON = %s", b)
	}
	last := listing.NewPage([]int{1, 2}, 2, func(int) string { t.Error("cursor made for the last page"); return "x" })
	if len(last.Items) != 2 || last.HasNext() {
		t.Errorf("last page = %+v", last)
	}
	var back listing.Page[int]
	if err := json.Unmarshal([]byte(`{"items":[5],"next_cursor":"c"}`), &back); err != nil || back.Items[0] != 5 || back.NextCursor != "c" {
		t.Errorf("unmarshal = %+v, %v", back, err)
	}
}

func TestLabels(t *testing.T) {
	cases := []struct {
		total listing.Total
		want  string
	}{
		{listing.Total{N: 0}, "共 0 条"},
		{listing.Total{N: 7}, "共 7 条"},
		{listing.Total{N: 1284}, "共 1,284 条"},
		{listing.Total{N: 10000}, "共 10,000 条"},
		{listing.Total{N: 10000, Capped: true}, "10,000+ 条"},
	}
	for _, tc := range cases {
		if got := tc.total.Label(); got != tc.want {
			t.Errorf("%+v.Label() = %q, want %q", tc.total, got, tc.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := listing.Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for f, want := range map[listing.Fen]string{0: "0.00", 5: "0.05", 123456: "1234.56", -5: "-0.05", -100: "-1.00"} {
		if got := f.Yuan(); got != want {
			t.Errorf("Fen(%d).Yuan() = %q, want %q", f, got, want)
		}
	}
}
