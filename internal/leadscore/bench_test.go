package leadscore

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// benchLeads is n synthetic leads shaped like the CRM's (the generator's
// conversion model over the same columns), for speed measurements that
// need no database.
func benchLeads(n int) ([]*leadRow, *Frame) {
	r := rand.New(rand.NewPCG(9, 9))
	sources := []string{"walk_in", "website", "app", "call_center", "referral", "event", "social_media", "auto_show", "partner"}
	cities := []string{"上海", "深圳", "杭州", "成都", "广州", "重庆", "北京", "郑州", "西安", "天津", "苏州", "武汉", "长沙", "东莞", "佛山", "南京", "合肥", "宁波", "青岛", "昆明", "厦门", "南宁"}
	rows := make([]*leadRow, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		src := sources[r.IntN(len(sources))]
		l := &leadRow{ID: int64(i + 1), Source: src, Campaign: r.IntN(5) == 0, TestDrive: r.IntN(3) == 0, Visits: r.IntN(4),
			BudgetFen: int64(20000000 * math.Exp(0.15*r.NormFloat64())), PriceFen: 20000000, City: cities[r.IntN(len(cities))],
			RespMins: int(math.Exp(math.Log(25) + 1.1*r.NormFloat64())), FollowUps: r.IntN(4), Powertrain: []string{"BEV", "PHEV", "EREV"}[r.IntN(3)],
			Contact: []string{"phone", "wechat", "sms", "email"}[r.IntN(4)], Consent: r.IntN(10) < 7, PriorLeads: r.IntN(2),
			Created: base.Add(time.Duration(i) * time.Minute)}
		p := truthProb(l)
		l.Status = "lost"
		if r.Float64() < p {
			l.Status = "converted"
		}
		rows[i] = l
	}
	return rows, leadFrame(rows)
}

// BenchmarkTrain100k measures one family's fit on 100,000 leads (a full
// training run fits each family twice: on the earlier 80 % and on all).
func BenchmarkTrain100k(b *testing.B) {
	_, f := benchLeads(100000)
	for _, fam := range Families {
		b.Run(fam, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := fitFamily(fam, f, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScore measures scoring with reasons, per lead (ns/op is one
// lead), for each family, without the database.
func BenchmarkScore(b *testing.B) {
	rows, f := benchLeads(20000)
	for _, fam := range Families {
		m, err := fitFamily(fam, f, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fam, func(b *testing.B) {
			b.ResetTimer()
			for i := 0; i < b.N; {
				k := min(2000, b.N-i)
				score(m, 1, rows[:k])
				i += k
			}
		})
	}
}
