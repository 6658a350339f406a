package leadscore

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Kind is how a column of training data is read.
type Kind string

// The column kinds.
const (
	Numeric     Kind = "numeric"
	Categorical Kind = "categorical"
	YesNo       Kind = "yesno"
	FreeText    Kind = "text"
)

// KindLabel is the kind's Chinese name.
func KindLabel(k Kind) string {
	switch k {
	case Numeric:
		return "数值"
	case Categorical:
		return "类别"
	case YesNo:
		return "是/否"
	case FreeText:
		return "文本"
	}
	return string(k)
}

// Column is one input of a model: numbers (NaN: missing) for Numeric and
// YesNo (0/1), strings ("" missing) for Categorical and FreeText.
type Column struct {
	Name  string    `json:"name"`
	Label string    `json:"label"` // Chinese name used in reasons
	Kind  Kind      `json:"kind"`
	Num   []float64 `json:"-"`
	Str   []string  `json:"-"`
}

// Frame is a table of examples: columns, the outcome (1 bought, 0 not) and
// the example's time (for the time-based split; zero for imported history).
type Frame struct {
	Cols  []*Column
	Y     []float64
	Times []int64 // unix seconds; nil when unknown
	IDs   []int64
}

// Len is the number of examples.
func (f *Frame) Len() int { return len(f.Y) }

// subset returns the rows idx of f (columns share nothing with f).
func (f *Frame) subset(idx []int) *Frame {
	out := &Frame{Y: make([]float64, len(idx))}
	for k, i := range idx {
		out.Y[k] = f.Y[i]
	}
	if f.IDs != nil {
		out.IDs = make([]int64, len(idx))
		for k, i := range idx {
			out.IDs[k] = f.IDs[i]
		}
	}
	for _, c := range f.Cols {
		nc := &Column{Name: c.Name, Label: c.Label, Kind: c.Kind}
		if c.Num != nil {
			nc.Num = make([]float64, len(idx))
			for k, i := range idx {
				nc.Num[k] = c.Num[i]
			}
		}
		if c.Str != nil {
			nc.Str = make([]string, len(idx))
			for k, i := range idx {
				nc.Str[k] = c.Str[i]
			}
		}
		out.Cols = append(out.Cols, nc)
	}
	return out
}

// Feature is one encoded input of a model: a column's scaled value, its
// missing indicator, or one level of a categorical column.
type Feature struct {
	Col   int     `json:"col"`
	Name  string  `json:"name"`
	Level string  `json:"level,omitempty"` // categorical level; "" for the value itself
	Miss  bool    `json:"miss,omitempty"`  // missing indicator
	Len   bool    `json:"len,omitempty"`   // text length (log)
	Log   bool    `json:"log,omitempty"`   // value through log1p before scaling
	Mean  float64 `json:"mean"`            // of the scaled input on the training rows (the baseline of reasons)
	Shift float64 `json:"shift"`
	Scale float64 `json:"scale"`
}

// Encoder turns a Frame's columns into a dense matrix, fitted on training
// rows: numbers standardised (log1p first when skewed), a missing
// indicator where training rows had gaps, categorical levels seen at least
// minLevel times one-hot (rarer ones together as "other"), texts by
// presence and length.
type Encoder struct {
	Cols  []ColumnSpec `json:"cols"`
	Feats []Feature    `json:"feats"`
}

// ColumnSpec is a column an Encoder reads.
type ColumnSpec struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Kind  Kind   `json:"kind"`
}

// emptyLevel is the level of an empty categorical cell.
const emptyLevel = "（空）"

// maxLevels bounds the one-hot levels of one categorical column.
const maxLevels = 40

// fitEncoder fits an Encoder on f.
func fitEncoder(f *Frame) *Encoder {
	e := &Encoder{}
	n := f.Len()
	minLevel := max(10, n/500)
	for ci, c := range f.Cols {
		e.Cols = append(e.Cols, ColumnSpec{Name: c.Name, Label: c.Label, Kind: c.Kind})
		switch c.Kind {
		case Numeric, YesNo:
			var vals []float64
			miss := 0
			for _, v := range c.Num {
				if math.IsNaN(v) {
					miss++
				} else {
					vals = append(vals, v)
				}
			}
			if len(vals) == 0 {
				continue
			}
			feat := Feature{Col: ci, Name: c.Name}
			if c.Kind == Numeric && skewed(vals) {
				feat.Log = true
				for i := range vals {
					vals[i] = math.Log1p(vals[i])
				}
			}
			mean, sd := meanSD(vals)
			if sd == 0 {
				sd = 1
			}
			feat.Shift, feat.Scale = mean, sd
			if c.Kind == YesNo {
				feat.Shift, feat.Scale = 0, 1
			}
			e.Feats = append(e.Feats, feat)
			if miss > 0 && miss < n {
				e.Feats = append(e.Feats, Feature{Col: ci, Name: c.Name, Miss: true, Scale: 1})
			}
		case Categorical:
			counts := map[string]int{}
			for _, s := range c.Str {
				if s == "" {
					s = emptyLevel
				}
				counts[s]++
			}
			type lc struct {
				l string
				n int
			}
			var ls []lc
			for l, k := range counts {
				if k >= minLevel && k < n {
					ls = append(ls, lc{l, k})
				}
			}
			sort.Slice(ls, func(i, j int) bool { return ls[i].n > ls[j].n || (ls[i].n == ls[j].n && ls[i].l < ls[j].l) })
			if len(ls) > maxLevels {
				ls = ls[:maxLevels]
			}
			for _, x := range ls {
				e.Feats = append(e.Feats, Feature{Col: ci, Name: c.Name, Level: x.l, Scale: 1})
			}
		case FreeText:
			e.Feats = append(e.Feats, Feature{Col: ci, Name: c.Name, Miss: true, Scale: 1})
			var vals []float64
			for _, s := range c.Str {
				vals = append(vals, math.Log1p(float64(len([]rune(s)))))
			}
			mean, sd := meanSD(vals)
			if sd == 0 {
				sd = 1
			}
			e.Feats = append(e.Feats, Feature{Col: ci, Name: c.Name, Len: true, Shift: mean, Scale: sd})
		}
	}
	return e
}

// skewed reports whether non-negative values have a long right tail (a
// count or a duration): then log1p makes a linear model fit better.
func skewed(vals []float64) bool {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	if s[0] < 0 {
		return false
	}
	med := s[len(s)/2]
	p99 := s[len(s)*99/100]
	return p99 > 8*med+8
}

func meanSD(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 1
	}
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(len(v)))
}

// colIndex maps the encoder's columns to f's columns by name (-1: absent).
func (e *Encoder) colIndex(f *Frame) []int {
	by := map[string]int{}
	for i, c := range f.Cols {
		by[c.Name] = i
	}
	out := make([]int, len(e.Cols))
	for i, c := range e.Cols {
		j, ok := by[c.Name]
		if !ok {
			j = -1
		}
		out[i] = j
	}
	return out
}

// encodeRow writes row i of f into x (len(e.Feats)).
func (e *Encoder) encodeRow(f *Frame, cols []int, i int, x []float64) {
	for k, ft := range e.Feats {
		ci := cols[ft.Col]
		var v float64
		if ci >= 0 {
			c := f.Cols[ci]
			switch {
			case ft.Level != "":
				if c.Str[i] == ft.Level || (c.Str[i] == "" && ft.Level == emptyLevel) {
					v = 1
				}
			case c.Kind == FreeText && ft.Miss:
				if strings.TrimSpace(c.Str[i]) == "" {
					v = 1
				}
			case ft.Len:
				v = (math.Log1p(float64(len([]rune(c.Str[i])))) - ft.Shift) / ft.Scale
			case ft.Miss:
				if math.IsNaN(c.Num[i]) {
					v = 1
				}
			default:
				raw := c.Num[i]
				if math.IsNaN(raw) {
					v = 0 // the mean, with the missing indicator set
				} else {
					if ft.Log {
						raw = math.Log1p(math.Max(raw, 0))
					}
					v = (raw - ft.Shift) / ft.Scale
				}
			}
		}
		x[k] = v
	}
}

// encode returns f as a row-major matrix with len(e.Feats) columns and
// sets each feature's Mean when fit is true.
func (e *Encoder) encode(f *Frame, fit bool) []float64 {
	p, n := len(e.Feats), f.Len()
	X := make([]float64, n*p)
	cols := e.colIndex(f)
	for i := 0; i < n; i++ {
		e.encodeRow(f, cols, i, X[i*p:(i+1)*p])
	}
	if fit && n > 0 {
		for k := range e.Feats {
			var s float64
			for i := 0; i < n; i++ {
				s += X[i*p+k]
			}
			e.Feats[k].Mean = s / float64(n)
		}
	}
	return X
}

// FeatureLabel names an encoded feature in Chinese for a model card.
func (e *Encoder) FeatureLabel(k int) string {
	ft := e.Feats[k]
	c := e.Cols[ft.Col]
	switch {
	case ft.Level != "":
		return c.Label + "：" + levelText(c.Name, ft.Level)
	case ft.Miss && c.Kind == FreeText:
		return c.Label + "（空）"
	case ft.Miss:
		return c.Label + "（缺失）"
	case ft.Len:
		return c.Label + "（长度）"
	}
	return c.Label
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }
