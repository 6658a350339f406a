package customer_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// listCase is one filter of the customer list as the page sends it.
type listCase struct {
	name  string
	admin bool // as an admin (all stores); else as a consultant of the largest store
	query url.Values
}

// benchListDB opens NEVCRM_BENCH_DB (a SQLite file or a postgres:// URL,
// migrated to this version first: use a copy) or, without it, a SQLite
// database with 20,000 synthetic customers.
func benchListDB(b testing.TB) *db.DB {
	ctx := context.Background()
	dsn := os.Getenv("NEVCRM_BENCH_DB")
	if dsn == "" {
		d := dbtest.Open(b, db.SQLite)
		w := newWorld(b, d)
		fillCustomers(b, w, 20000)
		return d
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	// The generator writes no customer tags: tag one customer in ten
	// 高意向, one in a thousand 车展 and one in 100,000 VIP (into the copy).
	var tags int
	if err := d.QueryRow(`SELECT COUNT(*) FROM (SELECT 1 FROM customer_tags LIMIT 1) t`).Scan(&tags); err != nil {
		b.Fatal(err)
	}
	if tags == 0 {
		for _, t := range []struct {
			tag  string
			mod  int
			rest int
		}{{"高意向", 10, 0}, {"车展", 1000, 7}, {"VIP", 100000, 3}} {
			if _, err := d.ExecContext(ctx, `INSERT INTO customer_tags (customer_id, tag, created_at) SELECT id, $1, created_at FROM customers WHERE id % $2 = $3`,
				t.tag, t.mod, t.rest); err != nil {
				b.Fatal(err)
			}
		}
		for _, t := range []string{"customer_tags", "customer_tag_list"} {
			if _, err := d.ExecContext(ctx, `ANALYZE `+t); err != nil {
				b.Fatal(err)
			}
		}
	}
	return d
}

// fillCustomers adds n customers to w's two stores, with every listed
// column varied, a tag on one in ten and a car on one in a hundred.
func fillCustomers(b testing.TB, w *world, n int) {
	cities := []string{"上海", "杭州", "苏州", "南京", "宁波", "无锡"}
	stages := []string{"lead", "interested", "test_drive", "negotiation", "ordered", "delivered", "lost"}
	sources := []string{"website", "app", "walk_in", "referral", "event", "call_center"}
	tx, err := w.d.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		store, sales := w.storeA, w.alice.ID
		if i%3 == 0 {
			store, sales = w.storeB, w.carol.ID
		}
		kind := "prospect"
		if i%5 == 0 {
			kind = "owner"
		}
		var contact any
		if i%4 != 0 {
			contact = w.now.Add(-time.Duration(i%400) * 24 * time.Hour)
		}
		var id int64
		err := tx.QueryRow(`INSERT INTO customers (name, mobile, city, kind, stage, source, store_id, sales_user_id, preferred_model_id, consent_marketing,
				last_contact_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			fmt.Sprintf("%c%d", []rune("王李张刘陈杨")[i%6], i), fmt.Sprintf("139%08d", i), cities[i%len(cities)], kind, stages[i%len(stages)],
			sources[i%len(sources)], store, sales, w.model, i%2 == 0, contact, w.now.Add(-time.Duration(i)*time.Minute)).Scan(&id)
		if err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			if _, err := tx.Exec(`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, $2, $3)`, id, []string{"高意向", "车展", "老客户"}[i%3], w.now); err != nil {
				b.Fatal(err)
			}
		}
		if i%100 == 0 {
			if _, err := tx.Exec(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
				VALUES ($1, $2, $3, $4, '2025-01-01', '2030-01-01', '2033-01-01', $5, $5)`, fmt.Sprintf("LSVAB1234%08d", i), fmt.Sprintf("沪A%05d", i), id, w.model, w.now); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// listCases derives the filters to measure from the data (the largest
// store and one of its consultants, the most and least common city and
// tag, a customer's mobile, a car's VIN and plate, the contact dates):
// every filter of the list page alone, as a consultant and as an admin,
// every sort, every search kind, and combinations of two and three.
func listCases(b testing.TB, d *db.DB) (cases []listCase, admin, consultant *identity.User) {
	one := func(q string, args ...any) string {
		var s string
		if err := d.QueryRow(q, args...).Scan(&s); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return s
	}
	store := one(`SELECT CAST(store_id AS TEXT) FROM customers WHERE store_id IS NOT NULL GROUP BY store_id ORDER BY COUNT(*) DESC, store_id LIMIT 1`)
	sales := one(`SELECT CAST(sales_user_id AS TEXT) FROM customers WHERE store_id = $1 AND sales_user_id IS NOT NULL GROUP BY sales_user_id
		ORDER BY COUNT(*) DESC, sales_user_id LIMIT 1`, store)
	var storeID, salesID, adminID int64
	fmt.Sscan(store, &storeID)
	fmt.Sscan(sales, &salesID)
	_ = d.QueryRow(`SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1`).Scan(&adminID)
	admin = &identity.User{ID: adminID, Role: identity.RoleAdmin, Active: true}
	consultant = &identity.User{ID: salesID, Role: identity.RoleSales, SiteID: storeID, Active: true}
	city := one(`SELECT city FROM customers GROUP BY city ORDER BY COUNT(*) DESC, city LIMIT 1`)
	rareCity := one(`SELECT city FROM customers WHERE city <> '' GROUP BY city ORDER BY COUNT(*), city LIMIT 1`)
	tag := one(`SELECT tag FROM customer_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag LIMIT 1`)
	rareTag := one(`SELECT tag FROM customer_tags GROUP BY tag ORDER BY COUNT(*), tag LIMIT 1`)
	model := one(`SELECT CAST(preferred_model_id AS TEXT) FROM customers WHERE preferred_model_id IS NOT NULL GROUP BY preferred_model_id
		ORDER BY COUNT(*) DESC, preferred_model_id LIMIT 1`)
	mobile := one(`SELECT mobile FROM customers WHERE store_id = $1 AND mobile NOT LIKE 'merged:%' ORDER BY id LIMIT 1`, store)
	name := one(`SELECT name FROM customers WHERE store_id = $1 ORDER BY id LIMIT 1`, store)
	vin := one(`SELECT vin FROM vehicles ORDER BY id LIMIT 1`)
	plate := one(`SELECT COALESCE(plate, '') FROM vehicles WHERE plate IS NOT NULL ORDER BY id LIMIT 1`)
	var last time.Time
	// The latest contact (the generator records none: then the newest record).
	err := d.QueryRow(`SELECT last_contact_at FROM customers WHERE last_contact_at IS NOT NULL ORDER BY last_contact_at DESC LIMIT 1`).Scan(&last)
	if db.NoRows(err) {
		err = d.QueryRow(`SELECT created_at FROM customers ORDER BY created_at DESC LIMIT 1`).Scan(&last)
	}
	if err != nil {
		b.Fatal(err)
	}
	day := func(t time.Time) string { return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }
	recent, old := day(last.AddDate(0, 0, -7)), day(last.AddDate(0, -6, 0))
	singles := []struct{ name, k, v string }{
		{"全部（最近建档）", "", ""},
		{"搜索：姓名前缀", "q", string([]rune(name)[:1])},
		{"搜索：完整姓名", "q", name},
		{"搜索：完整手机号", "q", mobile},
		{"搜索：手机尾号四位", "q", mobile[7:]},
		{"搜索：手机号前 7 位", "q", mobile[:7]},
		{"搜索：VIN", "q", vin},
		{"搜索：车牌", "q", plate},
		{"客户类型：车主", "kind", "owner"},
		{"客户类型：潜客", "kind", "prospect"},
		{"旅程阶段：已下单", "stage", "ordered"},
		{"旅程阶段：已流失", "stage", "lost"},
		{"城市（最多）", "city", city},
		{"城市（最少）", "city", rareCity},
		{"来源：车展", "source", "auto_show"},
		{"来源：批量导入", "source", "import"},
		{"意向车型", "model_id", model},
		{"标签（最常见）", "tag", tag},
		{"标签（最少见）", "tag", rareTag},
		{"销售顾问", "sales_user_id", sales},
		{"最近联系 ≥ 7 天前", "contact_after", recent},
		{"最近联系 < 半年前", "contact_before", old},
		{"从未联系", "no_contact", "1"},
		{"营销授权：已同意", "consent", "1"},
		{"营销授权：未同意", "consent", "0"},
		{"排序：最早建档", "sort", "created_asc"},
		{"排序：最近更新", "sort", "updated_desc"},
		{"排序：姓名", "sort", "name_asc"},
	}
	for _, asAdmin := range []bool{false, true} {
		who := "顾问"
		if asAdmin {
			who = "管理员"
		}
		for _, s := range singles {
			q := url.Values{}
			if s.k != "" {
				q.Set(s.k, s.v)
			}
			cases = append(cases, listCase{name: who + " " + s.name, admin: asAdmin, query: q})
		}
		if asAdmin {
			cases = append(cases, listCase{name: "管理员 门店", admin: true, query: url.Values{"store_id": {store}}})
		}
	}
	combos := []struct {
		name string
		q    string
	}{
		{"阶段 + 城市", "stage=negotiation&city=" + url.QueryEscape(city)},
		{"类型 + 车型 + 授权", "kind=prospect&model_id=" + model + "&consent=1"},
		{"标签 + 阶段", "tag=" + url.QueryEscape(tag) + "&stage=interested"},
		{"少见标签 + 未同意授权", "tag=" + url.QueryEscape(rareTag) + "&consent=0"},
		{"标签 + 城市 + 排序姓名", "tag=" + url.QueryEscape(tag) + "&city=" + url.QueryEscape(city) + "&sort=name_asc"},
		{"来源 + 未同意授权", "source=referral&consent=0"},
		{"联系区间 + 阶段", "contact_after=" + old + "&contact_before=" + recent + "&stage=test_drive"},
		{"从未联系 + 车主", "no_contact=1&kind=owner"},
		{"顾问 + 阶段 + 最近更新", "sales_user_id=" + sales + "&stage=interested&sort=updated_desc"},
		{"姓名前缀 + 城市", "q=" + url.QueryEscape(string([]rune(name)[:1])) + "&city=" + url.QueryEscape(city)},
		{"少见城市 + 标签", "city=" + url.QueryEscape(rareCity) + "&tag=" + url.QueryEscape(tag)},
		{"来源 + 车型 + 联系 ≥ 7 天前", "source=website&model_id=" + model + "&contact_after=" + recent},
		{"标签 + 车主 + 最近更新", "tag=" + url.QueryEscape(tag) + "&kind=owner&sort=updated_desc"},
		{"标签 + 来源：批量导入", "tag=" + url.QueryEscape(tag) + "&source=import"},
		{"姓名前缀 + 标签", "q=" + url.QueryEscape(string([]rune(name)[:1])) + "&tag=" + url.QueryEscape(tag)},
	}
	for _, asAdmin := range []bool{false, true} {
		who := "顾问"
		if asAdmin {
			who = "管理员"
		}
		for _, c := range combos {
			q, err := url.ParseQuery(c.q)
			if err != nil {
				b.Fatal(err)
			}
			cases = append(cases, listCase{name: who + " " + c.name, admin: asAdmin, query: q})
		}
	}
	return cases, admin, consultant
}

// BenchmarkCustomerList measures the customer list (List: the capped count
// and the first page of 20, what /sales/customers and GET
// /api/v1/customers run) for every filter of the page, as a consultant and
// as an admin, and a primary-key lookup of one customer in the same run as
// the baseline; each case reports p50 and p99 of its requests, and the
// parent prints the table of docs/测试说明.md. NEVCRM_BENCH_DB names the
// database (see benchListDB); run with -benchtime 100x or so.
func BenchmarkCustomerList(b *testing.B) {
	d := benchListDB(b)
	s := customer.NewService(d, time.Now)
	cases, admin, consultant := listCases(b, d)
	var customers int64
	if err := d.QueryRow(`SELECT MAX(id) FROM customers`).Scan(&customers); err != nil {
		b.Fatal(err)
	}
	type result struct {
		p50, p99 time.Duration
		rows     string
	}
	results := map[string]result{}
	measure := func(b *testing.B, do func(i int) string) {
		var times []time.Duration
		rows := ""
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			rows = do(i)
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		p := func(q float64) time.Duration { return times[int(math.Ceil(q*float64(len(times))))-1] }
		b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
		results[b.Name()] = result{p(0.5), p(0.99), rows}
	}
	names := []string{"baseline"}
	b.Run("baseline", func(b *testing.B) {
		measure(b, func(i int) string {
			var name string
			if err := d.QueryRow(`SELECT name FROM customers WHERE id = $1`, int64(i*7919)%customers+1).Scan(&name); err != nil && !db.NoRows(err) {
				b.Fatal(err)
			}
			return "1"
		})
	})
	for _, c := range cases {
		actor := consultant
		if c.admin {
			actor = admin
		}
		f, err := customer.FilterFromQuery(c.query)
		if err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		names = append(names, c.name)
		b.Run(c.name, func(b *testing.B) {
			measure(b, func(int) string {
				_, total, err := s.List(context.Background(), actor, f)
				if err != nil {
					b.Fatal(err)
				}
				return total.Label()
			})
		})
	}
	var t strings.Builder
	fmt.Fprintf(&t, "database: %s, %d customers\n| 筛选 | 命中 | p50 | p99 | p99 ÷ 基线 p99 |\n|---|---:|---:|---:|---:|\n", d.Dialect, customers)
	base := results[b.Name()+"/baseline"]
	worst := ""
	var worstP99 time.Duration
	for _, n := range names {
		r, ok := results[b.Name()+"/"+strings.ReplaceAll(n, " ", "_")]
		if !ok {
			continue
		}
		if n != "baseline" && r.p99 > worstP99 {
			worst, worstP99 = n, r.p99
		}
		fmt.Fprintf(&t, "| %s | %s | %.2f ms | %.2f ms | %.0f |\n", strings.Replace(n, "baseline", "基线：按主键查客户", 1), r.rows,
			float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, float64(r.p99)/float64(max(base.p99, 1)))
	}
	fmt.Fprintf(&t, "slowest p99: %s %.2f ms\n", worst, float64(worstP99.Microseconds())/1000)
	b.Log("\n" + t.String())
}
