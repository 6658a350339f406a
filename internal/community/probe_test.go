package community_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
)

func TestProbeSQL(t *testing.T) {
	dsn := os.Getenv("PROBE_DB")
	if dsn == "" {
		t.Skip()
	}
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	run := func(name, q string, args ...any) {
		var best, worst time.Duration
		n := 0
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			rows, err := d.QueryContext(ctx, q, args...)
			if err != nil {
				t.Fatal(name, err)
			}
			n = 0
			for rows.Next() {
				n++
			}
			rows.Close()
			el := time.Since(t0)
			if i == 0 || el < best {
				best = el
			}
			worst = max(worst, el)
		}
		t.Logf("%-40s rows %5d best %8v worst %8v", name, n, best.Round(10*time.Microsecond), worst.Round(10*time.Microsecond))
	}
	score := `SUM(t.weight / (t.weight + 1.2) * CASE t.term WHEN '换电' THEN 0.8 WHEN '电站' THEN 1.2 ELSE 0 END)`
	run("df", `SELECT term, COUNT(*) FROM post_terms WHERE term IN ('换电','电站') GROUP BY term`)
	run("count published", `SELECT COUNT(*) FROM posts WHERE status = 'published'`)
	run("A join posts", `SELECT t.post_id FROM post_terms t JOIN posts p ON p.id = t.post_id WHERE t.term IN ('换电','电站') AND p.status='published' GROUP BY t.post_id HAVING COUNT(*) >= 2 ORDER BY `+score+` DESC, t.post_id DESC LIMIT 500`)
	run("B no join", `SELECT t.post_id FROM post_terms t WHERE t.term IN ('换电','电站') GROUP BY t.post_id HAVING COUNT(*) >= 2 ORDER BY `+score+` DESC, t.post_id DESC LIMIT 500`)
	run("C rarest first", `SELECT r.post_id FROM post_terms r JOIN post_terms t ON t.post_id = r.post_id AND t.term IN ('换电','电站') WHERE r.term = '电站' GROUP BY r.post_id HAVING COUNT(*) >= 2 ORDER BY `+score+` DESC, r.post_id DESC LIMIT 500`)
	run("D one term by weight", `SELECT post_id FROM post_terms WHERE term = '露营' ORDER BY weight DESC, post_id DESC LIMIT 500`)
	run("D' one term group", `SELECT t.post_id FROM post_terms t WHERE t.term IN ('露营') GROUP BY t.post_id HAVING COUNT(*) >= 1 ORDER BY SUM(t.weight/(t.weight+1.2)) DESC, t.post_id DESC LIMIT 500`)
	run("scan postings only", `SELECT post_id, weight FROM post_terms WHERE term IN ('换电','电站')`)
}
