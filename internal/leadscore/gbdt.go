package leadscore

import (
	"math"
	"math/rand/v2"
	"sort"
)

// GBDT is a gradient-boosted ensemble of small regression trees on the
// log-odds (logistic loss, second-order leaf values, histogram splits).
type GBDT struct {
	Base  float64 `json:"base"`
	Trees []Tree  `json:"trees"`
}

// Tree is one tree; node 0 is the root. A node with Left < 0 is a leaf.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Node splits on feature F: x[F] <= T goes left. V is the tree's output
// at the node (the leaf value for a leaf; for inner nodes what the tree
// would say if it stopped there — the basis of the per-feature reasons).
type Node struct {
	F     int     `json:"f"`
	T     float64 `json:"t"`
	Left  int     `json:"l"`
	Right int     `json:"r"`
	V     float64 `json:"v"`
	B     int     `json:"-"` // the threshold's bin, while training
}

// gbdtParams tune the boosting.
type gbdtParams struct {
	Rounds   int     // most trees
	Depth    int     // tree depth
	Rate     float64 // learning rate
	MinLeaf  float64 // least hessian weight in a leaf
	Lambda   float64 // L2 on leaf values
	Bins     int     // histogram bins per feature (≤ 255)
	Patience int     // rounds without improvement on the held-back rows before stopping
}

var defaultGBDT = gbdtParams{Rounds: 400, Depth: 3, Rate: 0.1, MinLeaf: 5, Lambda: 1, Bins: 32, Patience: 25}

// binning maps each feature's values to at most Bins ordered bins.
type binning struct {
	cuts [][]float64 // per feature: upper bounds of bins 0..k-1 (bin k above the last)
}

func makeBinning(X []float64, n, p, bins int) *binning {
	b := &binning{cuts: make([][]float64, p)}
	step := max(1, n/20000)
	vals := make([]float64, 0, n/step+1)
	for j := 0; j < p; j++ {
		vals = vals[:0]
		for i := 0; i < n; i += step {
			vals = append(vals, X[i*p+j])
		}
		sort.Float64s(vals)
		var distinct []float64
		for i, v := range vals {
			if i == 0 || v != vals[i-1] {
				distinct = append(distinct, v)
			}
		}
		var cuts []float64
		if len(distinct) <= bins {
			for i := 0; i+1 < len(distinct); i++ {
				cuts = append(cuts, (distinct[i]+distinct[i+1])/2)
			}
		} else {
			for q := 1; q < bins; q++ {
				v := vals[q*len(vals)/bins]
				if len(cuts) == 0 || v > cuts[len(cuts)-1] {
					cuts = append(cuts, v)
				}
			}
		}
		b.cuts[j] = cuts
	}
	return b
}

func (b *binning) apply(X []float64, n, p int) []uint8 {
	out := make([]uint8, n*p)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			c := b.cuts[j]
			out[i*p+j] = uint8(sort.SearchFloat64s(c, X[i*p+j]))
		}
	}
	return out
}

// fitGBDT boosts trees on X (n×p), y; a tenth of the rows (seeded) is
// held back to stop when the log loss on them stops improving.
func fitGBDT(X []float64, p int, y []float64, prm gbdtParams, seed uint64) *GBDT {
	n := len(y)
	bn := makeBinning(X, n, p, prm.Bins)
	Xb := bn.apply(X, n, p)
	r := rand.New(rand.NewPCG(seed, 7))
	var train, hold []int
	for i := 0; i < n; i++ {
		if n >= 2000 && r.IntN(10) == 0 {
			hold = append(hold, i)
		} else {
			train = append(train, i)
		}
	}
	var pos float64
	for _, i := range train {
		pos += y[i]
	}
	rate := math.Min(math.Max(pos/float64(len(train)), 1e-4), 1-1e-4)
	m := &GBDT{Base: math.Log(rate / (1 - rate))}
	F := make([]float64, n)
	for i := range F {
		F[i] = m.Base
	}
	g := make([]float64, n)
	h := make([]float64, n)
	best, bestN, since := math.Inf(1), 0, 0
	idx := make([]int, len(train))
	for round := 0; round < prm.Rounds; round++ {
		for _, i := range train {
			pr := sigmoid(F[i])
			g[i], h[i] = pr-y[i], pr*(1-pr)
		}
		copy(idx, train)
		t := growTree(Xb, p, bn, g, h, idx, prm)
		m.Trees = append(m.Trees, t)
		for i := 0; i < n; i++ {
			F[i] += t.leafBinned(Xb[i*p : (i+1)*p])
		}
		if len(hold) == 0 {
			continue
		}
		var loss float64
		for _, i := range hold {
			loss += logLoss(sigmoid(F[i]), y[i])
		}
		if loss < best-1e-9 {
			best, bestN, since = loss, len(m.Trees), 0
		} else if since++; since >= prm.Patience {
			break
		}
	}
	if len(hold) > 0 && bestN > 0 {
		m.Trees = m.Trees[:bestN]
	}
	return m
}

// leafBinned is the tree's output for a binned row (thresholds are bin
// upper bounds, so x <= T is bin <= the cut's index).
func (t *Tree) leafBinned(xb []uint8) float64 {
	k := 0
	for {
		nd := &t.Nodes[k]
		if nd.Left < 0 {
			return nd.V
		}
		if int(xb[nd.F]) <= nd.B {
			k = nd.Left
		} else {
			k = nd.Right
		}
	}
}

type hist struct{ g, h float64 }

type growNode struct {
	id   int
	idx  []int
	hs   []hist // p*bins
	G, H float64
}

// growTree grows one tree depth-wise on the rows idx.
func growTree(Xb []uint8, p int, bn *binning, g, h []float64, idx []int, prm gbdtParams) Tree {
	nb := prm.Bins + 1
	t := Tree{}
	build := func(rows []int) []hist {
		hs := make([]hist, p*nb)
		for _, i := range rows {
			row := Xb[i*p : (i+1)*p]
			gi, hi := g[i], h[i]
			for j, b := range row {
				e := &hs[j*nb+int(b)]
				e.g += gi
				e.h += hi
			}
		}
		return hs
	}
	var G, H float64
	for _, i := range idx {
		G += g[i]
		H += h[i]
	}
	leafV := func(G, H float64) float64 { return -G / (H + prm.Lambda) * prm.Rate }
	t.Nodes = append(t.Nodes, Node{Left: -1, Right: -1, V: leafV(G, H)})
	level := []growNode{{id: 0, idx: idx, hs: build(idx), G: G, H: H}}
	for depth := 0; depth < prm.Depth && len(level) > 0; depth++ {
		var next []growNode
		for _, nd := range level {
			bestGain, bestF, bestB := 0.0, -1, 0
			var bestGL, bestHL float64
			parent := nd.G * nd.G / (nd.H + prm.Lambda)
			for j := 0; j < p; j++ {
				k := len(bn.cuts[j])
				if k == 0 {
					continue
				}
				var GL, HL float64
				for b := 0; b < k; b++ {
					e := nd.hs[j*nb+b]
					GL += e.g
					HL += e.h
					GR, HR := nd.G-GL, nd.H-HL
					if HL < prm.MinLeaf || HR < prm.MinLeaf {
						continue
					}
					gain := GL*GL/(HL+prm.Lambda) + GR*GR/(HR+prm.Lambda) - parent
					if gain > bestGain {
						bestGain, bestF, bestB, bestGL, bestHL = gain, j, b, GL, HL
					}
				}
			}
			if bestF < 0 {
				continue
			}
			// Partition the rows in place.
			rows := nd.idx
			lo := 0
			for i := range rows {
				if int(Xb[rows[i]*p+bestF]) <= bestB {
					rows[lo], rows[i] = rows[i], rows[lo]
					lo++
				}
			}
			left, right := rows[:lo], rows[lo:]
			li, ri := len(t.Nodes), len(t.Nodes)+1
			GR, HR := nd.G-bestGL, nd.H-bestHL
			t.Nodes = append(t.Nodes, Node{Left: -1, Right: -1, V: leafV(bestGL, bestHL)}, Node{Left: -1, Right: -1, V: leafV(GR, HR)})
			n := &t.Nodes[nd.id]
			n.F, n.Left, n.Right = bestF, li, ri
			n.T, n.B = bn.cuts[bestF][bestB], bestB
			if depth+1 < prm.Depth {
				// Build the smaller child's histogram, subtract for the other.
				small, large := left, right
				si, lj := li, ri
				sG, sH, lG, lH := bestGL, bestHL, GR, HR
				if len(small) > len(large) {
					small, large, si, lj = right, left, ri, li
					sG, sH, lG, lH = GR, HR, bestGL, bestHL
				}
				hs := build(small)
				hl := make([]hist, len(nd.hs))
				for k := range hl {
					hl[k] = hist{nd.hs[k].g - hs[k].g, nd.hs[k].h - hs[k].h}
				}
				next = append(next, growNode{id: si, idx: small, hs: hs, G: sG, H: sH}, growNode{id: lj, idx: large, hs: hl, G: lG, H: lH})
			}
		}
		level = next
	}
	return t
}

// Logit is the ensemble's log-odds for an encoded row x.
func (m *GBDT) Logit(x []float64) float64 {
	z := m.Base
	for t := range m.Trees {
		nodes := m.Trees[t].Nodes
		k := 0
		for nodes[k].Left >= 0 {
			if x[nodes[k].F] <= nodes[k].T {
				k = nodes[k].Left
			} else {
				k = nodes[k].Right
			}
		}
		z += nodes[k].V
	}
	return z
}

// Contrib adds each feature's contribution to the log-odds into out: along
// each tree's path, the change of the tree's output at a split goes to the
// split's feature (Saabas' attribution); the roots' outputs are the baseline.
func (m *GBDT) Contrib(x []float64, out []float64) {
	for t := range m.Trees {
		nodes := m.Trees[t].Nodes
		k := 0
		for nodes[k].Left >= 0 {
			next := nodes[k].Right
			if x[nodes[k].F] <= nodes[k].T {
				next = nodes[k].Left
			}
			out[nodes[k].F] += nodes[next].V - nodes[k].V
			k = next
		}
	}
}
