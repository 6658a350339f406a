package leadscore

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestAUC(t *testing.T) {
	cases := []struct {
		p, y []float64
		want float64
	}{
		{[]float64{0.1, 0.2, 0.8, 0.9}, []float64{0, 0, 1, 1}, 1},
		{[]float64{0.9, 0.8, 0.2, 0.1}, []float64{0, 0, 1, 1}, 0},
		{[]float64{0.5, 0.5, 0.5, 0.5}, []float64{0, 1, 0, 1}, 0.5},
		{[]float64{0.1, 0.4, 0.35, 0.8}, []float64{0, 0, 1, 1}, 0.75},
	}
	for i, c := range cases {
		if got := AUC(c.p, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("case %d: AUC %v, want %v", i, got, c.want)
		}
	}
}

// synth is n rows with a numeric x1, a yes/no x2 and a category x3, and the
// true logit of each row.
func synth(n int, seed uint64, logit func(x1, x2 float64, x3 string) float64) *Frame {
	r := rand.New(rand.NewPCG(seed, 1))
	f := &Frame{Cols: []*Column{{Name: "x1", Label: "x1", Kind: Numeric}, {Name: "x2", Label: "x2", Kind: YesNo}, {Name: "x3", Label: "x3", Kind: Categorical}}}
	for i := 0; i < n; i++ {
		x1, x2 := r.NormFloat64(), float64(r.IntN(2))
		x3 := []string{"a", "b", "c"}[r.IntN(3)]
		f.Cols[0].Num = append(f.Cols[0].Num, x1)
		f.Cols[1].Num = append(f.Cols[1].Num, x2)
		f.Cols[2].Str = append(f.Cols[2].Str, x3)
		y := 0.0
		if r.Float64() < sigmoid(logit(x1, x2, x3)) {
			y = 1
		}
		f.Y = append(f.Y, y)
	}
	return f
}

func TestLogRegRecoversCoefficients(t *testing.T) {
	f := synth(20000, 1, func(x1, x2 float64, x3 string) float64 {
		z := -0.5 + 1.5*x1 - 1*x2
		if x3 == "b" {
			z += 0.8
		}
		return z
	})
	m, err := fitFamily(FamilyLogReg, f, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for k, ft := range m.Enc.Feats {
		got[m.Enc.FeatureLabel(k)] = m.LR.W[k] / ft.Scale
	}
	if math.Abs(got["x1"]-1.5) > 0.1 || math.Abs(got["x2"]+1) > 0.1 {
		t.Errorf("weights %v, want x1≈1.5, x2≈-1", got)
	}
	if d := got["x3：b"] - got["x3：a"]; math.Abs(d-0.8) > 0.15 {
		t.Errorf("x3：b − x3：a = %.2f, want ≈0.8 (%v)", d, got)
	}
}

func TestGBDTFindsInteractionLogRegCannot(t *testing.T) {
	// An interaction a linear model cannot express: the chance is high
	// when x1 > 0 agrees with x2.
	logit := func(x1, x2 float64, _ string) float64 {
		if (x1 > 0) == (x2 > 0.5) {
			return 1.5
		}
		return -1.5
	}
	f := synth(12000, 2, logit)
	_, rep, err := Train(f, TrainOptions{Folds: 3, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	auc := map[string]float64{}
	for _, fr := range rep.Families {
		auc[fr.Family] = fr.AUC
	}
	if rep.Best != FamilyGBDT || auc[FamilyGBDT] < 0.75 || auc[FamilyLogReg] > 0.6 {
		t.Errorf("best %s, AUCs %v: want the trees to win clearly on an interaction", rep.Best, auc)
	}
	if len(rep.Families[0].FoldAUC) != 3 || rep.Split != "cv" {
		t.Errorf("report %+v: want 3 folds of cross-validation", rep)
	}
}

func TestGBDTContributionsSumToLogit(t *testing.T) {
	f := synth(5000, 3, func(x1, x2 float64, x3 string) float64 { return x1 - x2 })
	m, err := fitFamily(FamilyGBDT, f, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, len(m.Enc.Feats))
	m.Enc.encodeRow(f, m.Enc.colIndex(f), 7, x)
	c := make([]float64, len(x))
	m.GB.Contrib(x, c)
	sum := m.GB.Base
	for _, tr := range m.GB.Trees {
		sum += tr.Nodes[0].V
	}
	for _, v := range c {
		sum += v
	}
	if math.Abs(sum-m.GB.Logit(x)) > 1e-9 {
		t.Errorf("baseline + contributions = %v, logit %v", sum, m.GB.Logit(x))
	}
}

func TestDetectAndParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{{"是", 1}, {"否", 0}, {"Converted", 1}, {"lost", 0}, {"1", 1}, {"0", 0}, {"YES", 1}, {"战败", 0}, {"maybe", -1}} {
		if got := parseYesNo(c.in); got != c.want {
			t.Errorf("parseYesNo(%q) = %d, want %d", c.in, got, c.want)
		}
	}
	for _, s := range []string{"", " 请选择 ", "Select", "-", "N/A", "null"} {
		if !missing(s) {
			t.Errorf("%q should be missing", s)
		}
	}
	if v, ok := parseNumber("¥268,000"); !ok || v != 268000 {
		t.Errorf("parseNumber: %v %v", v, ok)
	}
	if v, ok := parseNumber("25.8万"); !ok || v != 258000 {
		t.Errorf("parseNumber 万: %v %v", v, ok)
	}
}

// historyCSV writes n rows of a CRM export with Chinese and English
// headers, placeholders, a long tail of rare categories, a free-text
// column and a leaking column (filled in after the outcome).
func historyCSV(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 2))
	var b strings.Builder
	b.WriteString("线索编号,Lead Source,预算（万元）,是否试驾,所在区县,备注,visits,战败原因,是否成交\n")
	sources := []string{"官网", "到店", "转介绍", "抖音", "请选择"}
	for i := 0; i < n; i++ {
		src := sources[r.IntN(len(sources))]
		td := r.IntN(2) == 0
		visits := r.IntN(4)
		budget := fmt.Sprintf("%.1f", 15+10*r.Float64())
		if r.IntN(8) == 0 {
			budget = "-"
		}
		district := fmt.Sprintf("区县%03d", r.IntN(400)) // hundreds of rare values
		z := -1.2 + 0.9*float64(visits)*0.5
		if td {
			z += 1.1
		}
		if src == "转介绍" {
			z += 0.8
		}
		won := r.Float64() < sigmoid(z)
		outcome, reason := "否", "价格"
		if won {
			outcome, reason = "是", "N/A"
		}
		tdText := map[bool]string{true: "是", false: "否"}[td]
		words := []string{"关注续航", "问了充电桩安装", "家里有两个孩子", "想要大空间", "对比了竞品", "周末再来", "担心保值率", "喜欢白色"}
		note := fmt.Sprintf("第%d次沟通：", 1+r.IntN(9))
		for k := 0; k < 2+r.IntN(3); k++ {
			note += words[r.IntN(len(words))] + "，"
		}
		fmt.Fprintf(&b, "L%05d,%s,%s,%s,%s,%s,%d,%s,%s\n", i, src, budget, tdText, district, note, visits, reason, outcome)
	}
	return b.String()
}

func TestImportHistoryAndTrainWithCV(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewService(d, nil, nil, nil)
		admin := identity.System()
		_, err := s.ImportHistory(ctx, &identity.User{ID: 5, Role: identity.RoleSales, Active: true}, strings.NewReader(historyCSV(100, 1)), HistoryInput{Outcome: "是否成交"})
		if !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("sales import: %v, want Forbidden", err)
		}
		_, err = s.ImportHistory(ctx, admin, strings.NewReader(historyCSV(100, 1)), HistoryInput{Outcome: "成交"})
		if e := apperr.As(err); e == nil || e.Fields["outcome"] == "" {
			t.Fatalf("unknown outcome column: %v, want Invalid on outcome", err)
		}
		_, err = s.ImportHistory(ctx, admin, strings.NewReader(historyCSV(100, 1)), HistoryInput{Outcome: "是否成交", Exclude: []string{"nope"}})
		if e := apperr.As(err); e == nil || e.Fields["exclude"] == "" {
			t.Fatalf("unknown excluded column: %v, want Invalid on exclude", err)
		}
		im, err := s.ImportHistory(ctx, admin, strings.NewReader(historyCSV(3000, 1)), HistoryInput{FileName: "old.csv", Outcome: "是否成交", IDCol: "线索编号",
			Exclude: []string{"战败原因"}})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, c := range im.Columns {
			kinds[c.Name] = c.KindLabel()
			if (c.Name == "战败原因" || c.Name == "是否成交" || c.Name == "线索编号") == c.Used {
				t.Errorf("column %s used=%v", c.Name, c.Used)
			}
		}
		want := map[string]string{"Lead Source": "类别", "预算（万元）": "数值", "是否试驾": "是/否", "所在区县": "类别", "备注": "文本", "visits": "数值"}
		for k, v := range want {
			if kinds[k] != v {
				t.Errorf("column %s detected as %s, want %s", k, kinds[k], v)
			}
		}
		if im.Rows != 3000 || im.Positive == 0 {
			t.Fatalf("import %+v", im)
		}
		v, err := s.Train(ctx, admin, TrainInput{Source: "history", Folds: 5})
		if err != nil {
			t.Fatal(err)
		}
		if v.Report.Split != "cv" || len(v.Report.Families) != 2 || len(v.Report.Families[0].FoldAUC) != 5 || v.AUC < 0.65 {
			t.Errorf("history model %+v / %+v", v, v.Report)
		}
		for _, c := range v.Features {
			if c.Name == "战败原因" {
				t.Error("the excluded leaking column was used")
			}
		}
	})
}
