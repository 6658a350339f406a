package community_test

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// searchQueries are what owners type: phrases of the generated community's
// vocabulary, a Latin word, a city with a topic, and one that matches nothing.
var searchQueries = []string{"换电站", "冬季续航", "家充桩", "超充", "预热电池", "自驾", "露营", "外放电", "单踏板", "辅助驾驶",
	"OTA", "提车", "交付", "能耗", "长途", "服务中心", "谷电", "排队", "续航打几折", "充电桩", "动能回收", "车机", "哨兵模式",
	"长续航版", "停车场", "跑山", "保养", "电费", "上海换电", "座椅通风", "火星基地"}

// TestSearchQuality measures the bigram search on a generated community:
// for each query, precision of the first 10 results (a result is relevant
// when its title, text or a published comment contains the query) and
// recall within the 50 results returned (relevant posts found ÷ relevant
// posts, at most 50), and the latency of every query (p50, p99). It runs
// on 1,000 customers by default; NEVCRM_SEARCH_BENCH_CUSTOMERS=100000
// measures a larger set (docs/测试说明.md has the numbers).
func TestSearchQuality(t *testing.T) {
	t.Parallel()
	customers := 1000
	if s := os.Getenv("NEVCRM_SEARCH_BENCH_CUSTOMERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("NEVCRM_SEARCH_BENCH_CUSTOMERS=%q", s)
		}
		customers = n
	}
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: customers, Seed: 7, Months: 24, Now: now}); err != nil {
			t.Fatal(err)
		}
		svc := community.NewService(d, vehicle.NewService(d), func() time.Time { return now })
		docs := corpus(t, d)
		var posts int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE status = 'published'`).Scan(&posts); err != nil {
			t.Fatal(err)
		}
		var sumP, sumR float64
		var judged int
		var lat []time.Duration
		for _, q := range searchQueries {
			var got []*community.Post
			for rep := 0; rep < 5; rep++ {
				start := time.Now()
				var err error
				got, err = svc.Search(ctx, community.Visitor{}, q, "", community.SearchLimit)
				lat = append(lat, time.Since(start))
				if err != nil {
					t.Fatal(err)
				}
			}
			relevant := 0
			for _, text := range docs {
				if strings.Contains(text, strings.ToLower(q)) {
					relevant++
				}
			}
			hits10, hits := 0, 0
			for i, p := range got {
				if strings.Contains(docs[p.ID], strings.ToLower(q)) {
					hits++
					if i < 10 {
						hits10++
					}
				}
			}
			if relevant == 0 {
				if len(got) != 0 {
					t.Errorf("%s: nothing is relevant but %d results", q, len(got))
				}
				continue
			}
			p10 := float64(hits10) / float64(min(10, len(got), relevant))
			if len(got) == 0 {
				p10 = 0
			}
			r := float64(hits) / float64(min(relevant, community.SearchLimit))
			t.Logf("%-8s relevant %5d  results %2d  P@10 %.2f  recall %.2f", q, relevant, len(got), p10, r)
			sumP += p10
			sumR += r
			judged++
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
		meanP, meanR := sumP/float64(judged), sumR/float64(judged)
		t.Logf("%s: %d customers, %d published posts, %d queries × 5: P@10 %.3f, recall %.3f, latency p50 %v p99 %v",
			d.Dialect, customers, posts, len(searchQueries), meanP, meanR, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
		if meanP < 0.9 || meanR < 0.9 {
			t.Errorf("search quality P@10 %.3f, recall %.3f: want both at least 0.9", meanP, meanR)
		}
	})
}

// corpus returns the searchable text of every published post, lower-cased
// in ASCII, by id.
func corpus(t *testing.T, d *db.DB) map[int64]string {
	ctx := context.Background()
	docs := map[int64]string{}
	rows, err := d.QueryContext(ctx, `SELECT id, title, body FROM posts WHERE status = 'published'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var title, body string
		if err := rows.Scan(&id, &title, &body); err != nil {
			t.Fatal(err)
		}
		docs[id] = strings.ToLower(title + "\n" + body)
	}
	rows.Close()
	rows, err = d.QueryContext(ctx, `SELECT c.post_id, c.body FROM comments c JOIN posts p ON p.id = c.post_id
		WHERE c.status = 'published' AND p.status = 'published'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			t.Fatal(err)
		}
		docs[id] += "\n" + strings.ToLower(body)
	}
	return docs
}
