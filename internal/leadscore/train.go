package leadscore

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// The model families compared in every training run.
const (
	FamilyLogReg = "logreg"
	FamilyGBDT   = "gbdt"
)

// Families lists the families in the order reports show them.
var Families = []string{FamilyLogReg, FamilyGBDT}

// FamilyLabel is a family's Chinese name.
func FamilyLabel(f string) string {
	switch f {
	case FamilyLogReg:
		return "正则化逻辑回归"
	case FamilyGBDT:
		return "梯度提升树"
	}
	return f
}

// Model is a trained scorer: the encoder of its inputs and one fitted
// family. It is stored as JSON with its version.
type Model struct {
	Family string   `json:"family"`
	Enc    *Encoder `json:"encoder"`
	LR     *LogReg  `json:"logreg,omitempty"`
	GB     *GBDT    `json:"gbdt,omitempty"`
}

func fitFamily(family string, f *Frame, seed uint64) (*Model, error) {
	enc := fitEncoder(f)
	X := enc.encode(f, true)
	p := len(enc.Feats)
	m := &Model{Family: family, Enc: enc}
	switch family {
	case FamilyLogReg:
		lr, err := fitLogReg(X, p, f.Y)
		if err != nil {
			return nil, err
		}
		m.LR = lr
	case FamilyGBDT:
		m.GB = fitGBDT(X, p, f.Y, defaultGBDT, seed)
	default:
		return nil, fmt.Errorf("unknown model family %q", family)
	}
	return m, nil
}

// logit is the model's log-odds for an encoded row.
func (m *Model) logit(x []float64) float64 {
	if m.LR != nil {
		return m.LR.Logit(x)
	}
	return m.GB.Logit(x)
}

// predictFrame returns the probability of every row of f.
func (m *Model) predictFrame(f *Frame) []float64 {
	p := len(m.Enc.Feats)
	x := make([]float64, p)
	cols := m.Enc.colIndex(f)
	out := make([]float64, f.Len())
	for i := range out {
		m.Enc.encodeRow(f, cols, i, x)
		out[i] = sigmoid(m.logit(x))
	}
	return out
}

// Reason is one factor behind a score: the column, the effect on the
// log-odds and the phrase a consultant reads.
type Reason struct {
	Col    string  `json:"col"`
	Text   string  `json:"text"`
	Effect float64 `json:"effect"` // log-odds against the average lead
}

// minEffect is the least contribution (log-odds, about 3 percentage points
// near the middle) a reason must have to be shown.
const minEffect = 0.15

// explain returns the column contributions of an encoded row, largest
// absolute first.
func (m *Model) explain(x []float64) []Reason {
	contrib := make([]float64, len(x))
	if m.LR != nil {
		m.LR.Contrib(x, m.Enc.Feats, contrib)
	} else {
		m.GB.Contrib(x, contrib)
	}
	byCol := make([]float64, len(m.Enc.Cols))
	for k, v := range contrib {
		byCol[m.Enc.Feats[k].Col] += v
	}
	var rs []Reason
	for c, v := range byCol {
		if math.Abs(v) >= minEffect {
			rs = append(rs, Reason{Col: m.Enc.Cols[c].Name, Effect: v})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return math.Abs(rs[i].Effect) > math.Abs(rs[j].Effect) })
	return rs
}

// FamilyResult is one family's validation result in a training run.
type FamilyResult struct {
	Family  string    `json:"family"`
	AUC     float64   `json:"auc"` // mean over folds, or on the later leads
	FoldAUC []float64 `json:"fold_auc,omitempty"`
	Seconds float64   `json:"seconds"`
}

// CalRow is one decile of the calibration table: the mean predicted
// probability of its leads and the share that bought.
type CalRow struct {
	N        int     `json:"n"`
	Pred     float64 `json:"pred"`
	Observed float64 `json:"observed"`
}

// Metrics are the chosen model's figures on data it never saw.
type Metrics struct {
	AUC      float64 `json:"auc"`
	BaseRate float64 `json:"base_rate"`
	// TopPrecision is the share of buyers among the top tenth by score;
	// Lift is TopPrecision / BaseRate.
	TopPrecision float64  `json:"top_precision"`
	Lift         float64  `json:"lift"`
	Calibration  []CalRow `json:"calibration"`
	N            int      `json:"n"`
}

// Report is what a training run measured.
type Report struct {
	Split    string         `json:"split"` // "time" (later leads held out) or "cv"
	Folds    int            `json:"folds,omitempty"`
	Families []FamilyResult `json:"families"`
	Best     string         `json:"best"`
	Valid    Metrics        `json:"valid"`
	NTrain   int            `json:"n_train"` // rows the final model was fitted on
	NValid   int            `json:"n_valid"`
	NPos     int            `json:"n_pos"`
	Seconds  float64        `json:"seconds"`
	// Truth is the AUC of known true probabilities on the validation rows,
	// when the caller has them (generated data).
	Truth float64 `json:"truth_auc,omitempty"`
	// Baseline is the AUC of a fixed scorecard on the same rows (owner
	// churn), when one was measured.
	Baseline float64 `json:"baseline_auc,omitempty"`
}

// TrainOptions choose the validation.
type TrainOptions struct {
	// Folds > 1: k-fold cross-validation (imported history without
	// dates); otherwise the latest ValidShare of the rows by time are held
	// out (the CRM's own leads).
	Folds      int
	ValidShare float64 // default 0.2
	Seed       uint64
	Families   []string // default Families
}

// ErrTooFew is returned when there are too few examples or outcomes.
var ErrTooFew = errors.New("too few closed leads to train on")

// Train compares the families on held-out data, picks the one with the
// best validation AUC, and refits it on all rows. valid receives the
// validation rows' indices and predictions of the chosen family (for
// comparisons by the caller; may be nil).
func Train(f *Frame, opt TrainOptions, valid func(idx []int, pred []float64)) (*Model, *Report, error) {
	start := time.Now()
	n := f.Len()
	var pos int
	for _, y := range f.Y {
		if y > 0.5 {
			pos++
		}
	}
	if n < 200 || pos < 20 || n-pos < 20 {
		return nil, nil, fmt.Errorf("%w: %d examples, %d bought", ErrTooFew, n, pos)
	}
	fams := opt.Families
	if len(fams) == 0 {
		fams = Families
	}
	if opt.ValidShare <= 0 || opt.ValidShare >= 0.9 {
		opt.ValidShare = 0.2
	}
	rep := &Report{NPos: pos}
	// folds: pairs of (train, valid) index sets.
	var folds [][2][]int
	if opt.Folds > 1 {
		rep.Split, rep.Folds = "cv", opt.Folds
		perm := rand.New(rand.NewPCG(opt.Seed, 11)).Perm(n)
		for k := 0; k < opt.Folds; k++ {
			var tr, va []int
			for r, i := range perm {
				if r%opt.Folds == k {
					va = append(va, i)
				} else {
					tr = append(tr, i)
				}
			}
			folds = append(folds, [2][]int{tr, va})
		}
	} else {
		rep.Split = "time"
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		if f.Times != nil {
			sort.SliceStable(order, func(a, b int) bool { return f.Times[order[a]] < f.Times[order[b]] })
		}
		cut := n - int(float64(n)*opt.ValidShare)
		folds = append(folds, [2][]int{order[:cut], order[cut:]})
	}
	preds := map[string][]float64{}
	var validIdx []int
	for _, fd := range folds {
		validIdx = append(validIdx, fd[1]...)
	}
	for _, fam := range fams {
		t0 := time.Now()
		fr := FamilyResult{Family: fam}
		var all []float64
		for k, fd := range folds {
			m, err := fitFamily(fam, f.subset(fd[0]), opt.Seed+uint64(k))
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", fam, err)
			}
			vf := f.subset(fd[1])
			pr := m.predictFrame(vf)
			fr.FoldAUC = append(fr.FoldAUC, AUC(pr, vf.Y))
			all = append(all, pr...)
		}
		var s float64
		for _, a := range fr.FoldAUC {
			s += a
		}
		fr.AUC = s / float64(len(fr.FoldAUC))
		fr.Seconds = time.Since(t0).Seconds()
		if len(folds) == 1 {
			fr.FoldAUC = nil
		}
		preds[fam] = all
		rep.Families = append(rep.Families, fr)
	}
	best := rep.Families[0]
	for _, fr := range rep.Families[1:] {
		if fr.AUC > best.AUC {
			best = fr
		}
	}
	rep.Best = best.Family
	yv := make([]float64, len(validIdx))
	for k, i := range validIdx {
		yv[k] = f.Y[i]
	}
	rep.Valid = Evaluate(preds[best.Family], yv)
	rep.Valid.AUC = best.AUC
	rep.NValid = len(validIdx)
	if valid != nil {
		valid(validIdx, preds[best.Family])
	}
	m, err := fitFamily(best.Family, f, opt.Seed)
	if err != nil {
		return nil, nil, err
	}
	rep.NTrain = n
	rep.Seconds = time.Since(start).Seconds()
	return m, rep, nil
}

// AUC is the area under the ROC curve of scores p for outcomes y (the
// chance that a random buyer scores above a random non-buyer; ties half).
func AUC(p, y []float64) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var rankSum, npos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if y[idx[k]] > 0.5 {
				rankSum += avg
				npos++
			}
		}
		i = j
	}
	nneg := float64(len(p)) - npos
	if npos == 0 || nneg == 0 {
		return 0.5
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

// Evaluate computes AUC, top-decile precision and lift, and a ten-row
// calibration table (by predicted probability) of predictions p.
func Evaluate(p, y []float64) Metrics {
	m := Metrics{N: len(p), AUC: AUC(p, y)}
	if len(p) == 0 {
		return m
	}
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	var pos float64
	for _, v := range y {
		pos += v
	}
	m.BaseRate = pos / float64(len(y))
	top := max(1, len(p)/10)
	var tp float64
	for _, i := range idx[:top] {
		tp += y[i]
	}
	m.TopPrecision = tp / float64(top)
	if m.BaseRate > 0 {
		m.Lift = m.TopPrecision / m.BaseRate
	}
	// Deciles from the lowest prediction up.
	for d := 9; d >= 0; d-- {
		lo, hi := d*len(idx)/10, (d+1)*len(idx)/10
		if hi <= lo {
			continue
		}
		var sp, sy float64
		for _, i := range idx[lo:hi] {
			sp += p[i]
			sy += y[i]
		}
		k := float64(hi - lo)
		m.Calibration = append(m.Calibration, CalRow{N: hi - lo, Pred: sp / k, Observed: sy / k})
	}
	return m
}
