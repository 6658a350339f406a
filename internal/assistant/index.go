package assistant

import (
	"math"
	"sort"
	"strings"
)

// Doc is a knowledge-base article as the index sees it.
type Doc struct {
	ID       int64
	Key      string // the default article's key, for the labelled set; may be empty
	Category string
	Question string
	Similar  []string
	Answer   string
	Keywords []string
}

// Hit is an article found for a question, with its score and a confidence
// between 0 and 1.
type Hit struct {
	Doc        *Doc
	Score      float64
	Confidence float64
}

// index is BM25 over character unigrams and bigrams (and Latin words) of
// each article's question, similar questions (weight 1), keywords (weight
// 2) and answer (weight 0.3).
type index struct {
	docs []*Doc
	tf   []map[string]float64
	lens []float64
	avg  float64
	df   map[string]float64
	idf  map[string]float64
}

// terms returns the index terms of normalized text: unigrams, bigrams and
// Latin words, with stop characters left out of the unigrams.
func terms(s string) []string {
	var units []string
	for _, f := range strings.Fields(s) {
		rs := []rune(f)
		for i := 0; i < len(rs); {
			if rs[i] < 128 {
				j := i
				for j < len(rs) && rs[j] < 128 {
					j++
				}
				units = append(units, string(rs[i:j]))
				i = j
				continue
			}
			units = append(units, string(rs[i]))
			i++
		}
		units = append(units, " ")
	}
	var out []string
	for i, u := range units {
		if u == " " {
			continue
		}
		if !stopChars[u] {
			out = append(out, u)
		}
		if i+1 < len(units) && units[i+1] != " " {
			out = append(out, u+units[i+1])
		}
	}
	return out
}

// stopChars are characters too common to tell articles apart alone.
var stopChars = map[string]bool{"的": true, "了": true, "吗": true, "呢": true, "啊": true, "是": true, "我": true, "你": true,
	"么": true, "什": true, "怎": true, "有": true, "在": true, "个": true, "要": true, "吧": true, "能": true, "可": true, "以": true,
	"和": true, "一": true, "不": true, "会": true, "多": true, "少": true, "这": true, "那": true, "哪": true, "how": true, "to": true}

func newIndex(docs []*Doc) *index {
	ix := &index{docs: docs, df: map[string]float64{}, idf: map[string]float64{}}
	var sum float64
	for _, d := range docs {
		tf := map[string]float64{}
		add := func(text string, w float64) {
			for _, t := range terms(Normalize(text)) {
				tf[t] += w
			}
		}
		add(d.Question, 1)
		for _, q := range d.Similar {
			add(q, 1)
		}
		for _, k := range d.Keywords {
			add(k, 2)
		}
		add(d.Answer, 0.3)
		var l float64
		for t, n := range tf {
			ix.df[t]++
			l += n
		}
		ix.tf = append(ix.tf, tf)
		ix.lens = append(ix.lens, l)
		sum += l
	}
	if len(docs) > 0 {
		ix.avg = sum / float64(len(docs))
	}
	n := float64(len(docs))
	for t, df := range ix.df {
		ix.idf[t] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	return ix
}

// search returns the best k articles for normalized text. boost, when not
// empty, is a category whose articles score 30% higher (the intent's).
func (ix *index) search(text string, k int, boost string) []Hit {
	const k1, b = 1.2, 0.75
	qt := terms(text)
	if len(qt) == 0 || len(ix.docs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var uniq []string
	var qmass float64
	// A word no article has counts fully against the coverage: the
	// question is about something the knowledge base does not know.
	unseen := math.Log(1 + (float64(len(ix.docs))+0.5)/0.5)
	for _, t := range qt {
		if !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
			if idf, ok := ix.idf[t]; ok {
				qmass += idf
			} else {
				qmass += unseen
			}
		}
	}
	hits := make([]Hit, 0, len(ix.docs))
	for i, d := range ix.docs {
		var s, covered float64
		for _, t := range uniq {
			f := ix.tf[i][t]
			if f == 0 {
				continue
			}
			idf := ix.idf[t]
			s += idf * f * (k1 + 1) / (f + k1*(1-b+b*ix.lens[i]/ix.avg))
			covered += idf
		}
		if s == 0 {
			continue
		}
		if boost != "" && d.Category == boost {
			s *= 1.3
		}
		cov := 0.0
		if qmass > 0 {
			cov = covered / qmass
		}
		hits = append(hits, Hit{Doc: d, Score: s, Confidence: cov})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > k {
		hits = hits[:k]
	}
	// Confidence: how much of the question the best article covers, and how
	// clearly it beats the runner-up.
	for i := range hits {
		second := 0.0
		if i == 0 && len(hits) > 1 {
			second = hits[1].Score
		}
		margin := 1.0
		if i == 0 {
			margin = hits[0].Score / (hits[0].Score + second + 0.5)
		}
		hits[i].Confidence = math.Min(1, hits[i].Confidence*(0.5+margin))
	}
	return hits
}
