package assistant

import (
	"math"
	"math/rand/v2"
	"slices"
)

// linear is a multinomial logistic regression over the same character
// n-gram features as the naive Bayes model, trained with L2
// regularisation. Naive Bayes (used before) counts every n-gram as
// independent evidence and so over-trusts phrases seen in a handful of
// examples; the regularised model spreads the weight over the n-grams that
// actually separate the intents, which generalises better to new phrasings.
type linear struct {
	classes []Intent
	feat    map[string]int
	w       [][]float64 // per feature, one weight per class
	bias    []float64
}

// Training settings, chosen by 5-fold cross-validation on the development
// part (TestCrossValidation), never on the test part.
const (
	lrEpochs = 20
	lrRate   = 0.5
	lrL2     = 1e-5
)

// features returns the feature indexes of text (each n-gram once) and the
// value every present feature takes (1/sqrt(n), so long sentences do not
// dominate).
func (m *linear) features(text string, add bool) ([]int, float64) {
	out := make([]int, 0, 64)
	for _, t := range linearTokens(text) {
		i, ok := m.feat[t]
		if !ok {
			if !add {
				continue
			}
			i = len(m.w)
			m.feat[t] = i
			m.w = append(m.w, make([]float64, len(m.classes)))
		}
		out = append(out, i)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil, 0
	}
	return out, 1 / math.Sqrt(float64(len(out)))
}

// trainLinear fits the model by stochastic gradient descent in a fixed
// pseudo-random order (the same model on every start).
func trainLinear(classes []Intent, examples []example) *linear {
	m := &linear{classes: classes, feat: map[string]int{}, bias: make([]float64, len(classes))}
	ci := map[Intent]int{}
	for i, c := range classes {
		ci[c] = i
	}
	type row struct {
		f []int
		v float64
		y int
	}
	rows := make([]row, 0, len(examples))
	for _, e := range examples {
		f, v := m.features(e.text, true)
		rows = append(rows, row{f, v, ci[e.intent]})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]float64, len(classes))
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	step := 0
	for epoch := 0; epoch < lrEpochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			r := rows[k]
			step++
			rate := lrRate / (1 + float64(step)*lrL2*lrRate)
			m.probs(r.f, r.v, p)
			for c := range p {
				g := p[c]
				if c == r.y {
					g--
				}
				m.bias[c] -= rate * g
				for _, i := range r.f {
					w := m.w[i]
					w[c] -= rate * (g*r.v + lrL2*w[c])
				}
			}
		}
	}
	return m
}

// probs fills p with the class probabilities of the features f (value v).
func (m *linear) probs(f []int, v float64, p []float64) {
	maxS := math.Inf(-1)
	for c := range p {
		s := m.bias[c]
		for _, i := range f {
			s += m.w[i][c] * v
		}
		p[c] = s
		maxS = math.Max(maxS, s)
	}
	var sum float64
	for c := range p {
		p[c] = math.Exp(p[c] - maxS)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
}

// logProbs returns the log probability of each class (in m.classes order).
// A sentence whose character pairs the model has mostly never seen ("量子
// 纠缠怎么解释") is judged on a word or two; its scores are flattened in
// proportion, so that it is not confidently put in some intent.
func (m *linear) logProbs(text string) []float64 {
	f, v := m.features(text, false)
	p := make([]float64, len(m.classes))
	m.probs(f, v, p)
	u := textUnits(text)
	known, pairs := 0, 0
	for i := 0; i+1 < len(u); i++ {
		pairs++
		if _, ok := m.feat[u[i]+u[i+1]]; ok {
			known++
		}
	}
	scale := 1.0
	if pairs >= 3 {
		scale = min(1, float64(known)/float64(pairs)/unfamiliar)
	}
	for c := range p {
		p[c] = scale * math.Log(max(p[c], 1e-9))
	}
	return p
}

// unfamiliar is the share of known character pairs below which the model's
// scores are flattened.
const unfamiliar = 0.5

// linearTokens are the n-grams of tokens plus skip-bigrams (two units with
// one between, "换_电" in "换个电"), so that a filler word inside a phrase
// does not hide it.
func linearTokens(text string) []string {
	out := tokens(text)
	u := textUnits(text)
	for i := 0; i+2 < len(u); i++ {
		out = append(out, u[i]+"_"+u[i+2])
	}
	return out
}
