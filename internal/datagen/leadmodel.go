package datagen

import "math"

// LeadFeatures are the observable facts about a lead that drive its chance
// of becoming an order in the generated data.
type LeadFeatures struct {
	Source          string // leads.source
	TestDrive       bool
	StoreVisits     int
	BudgetRatio     float64 // budget / price of the model of interest; 0 = unknown
	Tier1City       bool    // 一线/新一线 city
	Campaign        bool    // joined a campaign
	ResponseMinutes int     // minutes until the first contact by sales
}

// sourceCoef is the source term of the conversion model.
var sourceCoef = map[string]float64{
	"referral": 0.8, "walk_in": 0.5, "event": 0.3, "auto_show": 0.1, "app": 0,
	"partner": -0.1, "website": -0.2, "call_center": -0.3, "social_media": -0.6,
}

// ConversionProbability is the ground truth the generator uses to decide
// whether a lead converts (docs/数据生成说明.md, 线索转化模型):
//
//	logit p = -2.4 + source + 1.2·test_drive + 0.35·min(visits, 5)
//	          + budget + 0.25·tier1 + 0.4·campaign - 0.25·ln(1 + response/60)
//
// with budget = +0.5 when the budget covers the price, 0 from 85 % to 100 %,
// -0.9 below 85 % and 0 when unknown. A lead scorer can be checked against it.
func ConversionProbability(f LeadFeatures) float64 {
	z := -2.4 + sourceCoef[f.Source]
	if f.TestDrive {
		z += 1.2
	}
	z += 0.35 * float64(min(f.StoreVisits, 5))
	switch {
	case f.BudgetRatio == 0:
	case f.BudgetRatio >= 1:
		z += 0.5
	case f.BudgetRatio < 0.85:
		z -= 0.9
	}
	if f.Tier1City {
		z += 0.25
	}
	if f.Campaign {
		z += 0.4
	}
	z -= 0.25 * math.Log1p(float64(f.ResponseMinutes)/60)
	return 1 / (1 + math.Exp(-z))
}

// Tier1City reports whether the generator treats city as 一线/新一线 (the
// tier term of ConversionProbability), for checks of a lead scorer.
func Tier1City(city string) bool {
	for _, c := range cities {
		if c.name == city {
			return c.tier1
		}
	}
	return false
}
