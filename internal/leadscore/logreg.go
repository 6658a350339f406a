package leadscore

import (
	"errors"
	"math"
)

// LogReg is an L2-regularised logistic regression on encoded features.
type LogReg struct {
	Bias float64   `json:"bias"`
	W    []float64 `json:"w"`
}

// lrLambda is the L2 penalty (features are standardised, so one penalty
// fits all); it keeps rare categorical levels from getting wild weights.
const lrLambda = 2.0

// fitLogReg fits a LogReg on X (n rows of p) and y by Newton's method
// (iteratively reweighted least squares) with the Hessian built from each
// row's non-zero features, so one-hot columns cost little.
func fitLogReg(X []float64, p int, y []float64) (*LogReg, error) {
	n := len(y)
	if n == 0 {
		return nil, errors.New("no rows")
	}
	d := p + 1 // weights then bias
	w := make([]float64, d)
	// Start from the base rate.
	var pos float64
	for _, v := range y {
		pos += v
	}
	rate := math.Min(math.Max(pos/float64(n), 1e-4), 1-1e-4)
	w[p] = math.Log(rate / (1 - rate))
	nz := make([]int, 0, p+1)
	H := make([]float64, d*d)
	g := make([]float64, d)
	prevLoss := math.Inf(1)
	for iter := 0; iter < 30; iter++ {
		clear(H)
		clear(g)
		var loss float64
		for i := 0; i < n; i++ {
			row := X[i*p : (i+1)*p]
			nz = nz[:0]
			z := w[p]
			for j, v := range row {
				if v != 0 {
					nz = append(nz, j)
					z += w[j] * v
				}
			}
			nz = append(nz, p)
			pr := sigmoid(z)
			loss += logLoss(pr, y[i])
			r := pr - y[i]
			h := pr * (1 - pr)
			for _, a := range nz {
				va := 1.0
				if a < p {
					va = row[a]
				}
				g[a] += r * va
				ha := h * va
				base := a * d
				for _, b := range nz {
					if b > a {
						break
					}
					vb := 1.0
					if b < p {
						vb = row[b]
					}
					H[base+b] += ha * vb
				}
			}
		}
		for j := 0; j < p; j++ {
			loss += 0.5 * lrLambda * w[j] * w[j]
			g[j] += lrLambda * w[j]
			H[j*d+j] += lrLambda
		}
		H[p*d+p] += 1e-8
		for a := 0; a < d; a++ { // mirror the lower triangle
			for b := 0; b < a; b++ {
				H[b*d+a] = H[a*d+b]
			}
		}
		step, err := cholSolve(H, g, d)
		if err != nil {
			return nil, err
		}
		for j := range w {
			w[j] -= step[j]
		}
		if math.Abs(prevLoss-loss) < 1e-7*math.Max(1, loss) {
			break
		}
		prevLoss = loss
	}
	return &LogReg{Bias: w[p], W: w[:p]}, nil
}

// Logit is the model's log-odds for an encoded row x.
func (m *LogReg) Logit(x []float64) float64 {
	z := m.Bias
	for j, v := range x {
		z += m.W[j] * v
	}
	return z
}

// Contrib adds each feature's contribution to the log-odds relative to the
// average training row (w_j·(x_j − mean_j)) into out.
func (m *LogReg) Contrib(x []float64, feats []Feature, out []float64) {
	for j, v := range x {
		out[j] += m.W[j] * (v - feats[j].Mean)
	}
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func logLoss(p, y float64) float64 {
	p = math.Min(math.Max(p, 1e-12), 1-1e-12)
	if y > 0.5 {
		return -math.Log(p)
	}
	return -math.Log(1 - p)
}

// cholSolve solves A x = b for a symmetric positive definite A (d×d,
// row-major, overwritten).
func cholSolve(A, b []float64, d int) ([]float64, error) {
	L := A
	for j := 0; j < d; j++ {
		s := L[j*d+j]
		for k := 0; k < j; k++ {
			s -= L[j*d+k] * L[j*d+k]
		}
		if s <= 0 {
			return nil, errors.New("logistic regression: Hessian not positive definite")
		}
		L[j*d+j] = math.Sqrt(s)
		for i := j + 1; i < d; i++ {
			t := L[i*d+j]
			for k := 0; k < j; k++ {
				t -= L[i*d+k] * L[j*d+k]
			}
			L[i*d+j] = t / L[j*d+j]
		}
	}
	x := make([]float64, d)
	for i := 0; i < d; i++ {
		t := b[i]
		for k := 0; k < i; k++ {
			t -= L[i*d+k] * x[k]
		}
		x[i] = t / L[i*d+i]
	}
	for i := d - 1; i >= 0; i-- {
		t := x[i]
		for k := i + 1; k < d; k++ {
			t -= L[k*d+i] * x[k]
		}
		x[i] = t / L[i*d+i]
	}
	return x, nil
}
