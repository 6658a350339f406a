package datagen

import (
	"math/rand/v2"
	"testing"
)

func TestVINCheckDigit(t *testing.T) {
	t.Parallel()
	// 1M8GDM9AXKP042788 is the worked example of the North American VIN
	// standard (check digit X), 1HGCM82633A004352 a widely quoted valid VIN
	// (check digit 3); GB 16735 uses the same weights and transliteration.
	for _, vin := range []string{"1M8GDM9AXKP042788", "1HGCM82633A004352", "11111111111111111"} {
		if !ValidVIN(vin) {
			d, _ := VINCheckDigit(vin)
			t.Errorf("ValidVIN(%s) = false, check digit computed %c", vin, d)
		}
	}
	// LSVAU2180N2183294 sums to 351 ≡ 10 (mod 11): its check digit would be X.
	for _, vin := range []string{"LSVAU2180N2183294", "1M8GDM9A1KP042788", "LSVAU2180N218329", "LSVAU2180N2183O94", "LSVAU2180N21832941"} {
		if ValidVIN(vin) {
			t.Errorf("ValidVIN(%s) = true", vin)
		}
	}
	seen := map[string]bool{}
	for i := range 1000 {
		v := makeVIN(i%len(models), 2020+i%7, 'S', i)
		if !ValidVIN(v) || seen[v] {
			t.Fatalf("makeVIN %d: %s invalid or repeated", i, v)
		}
		seen[v] = true
	}
}

func TestPlate(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"沪AD12345", "粤BFA1234", "京AD91234"} {
		if !ValidPlate(p) {
			t.Errorf("ValidPlate(%s) = false", p)
		}
	}
	for _, p := range []string{"沪A12345", "沪AA12345", "沪AD1234", "沪ID12345", "沪AD1O345", "XAD12345", "粤BF0A123"} {
		if ValidPlate(p) {
			t.Errorf("ValidPlate(%s) = true", p)
		}
	}
	seen := map[string]bool{}
	for n := range 340000 {
		p := makePlate("浙A", 'D', n)
		if seen[p] {
			t.Fatalf("plate %s repeated at %d", p, n)
		}
		seen[p] = true
		if n%9973 == 0 && !ValidPlate(p) {
			t.Fatalf("makePlate: invalid %s", p)
		}
	}
}

func TestMobile(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for n := range 100000 {
		m := makeMobile(r, n)
		if !ValidMobile(m) || seen[m[3:]] {
			t.Fatalf("mobile %d: %s invalid or suffix repeated", n, m)
		}
		seen[m[3:]] = true
	}
	for _, m := range []string{"1381234567", "23812345678", "138123456789", "1381234567a"} {
		if ValidMobile(m) {
			t.Errorf("ValidMobile(%s) = true", m)
		}
	}
}

func TestConversionModel(t *testing.T) {
	t.Parallel()
	base := LeadFeatures{Source: "website", ResponseMinutes: 30}
	better := base
	better.TestDrive, better.StoreVisits, better.Campaign = true, 2, true
	if p, q := ConversionProbability(base), ConversionProbability(better); !(p > 0.05 && p < 0.3 && q > p) {
		t.Errorf("conversion: base %.3f, with test drive, visits and campaign %.3f", p, q)
	}
	if s := stateOfHealth(3, 120000, 0.5, 0); s >= 100 || s < 80 {
		t.Errorf("SoH after 3 years, 120,000 km, half fast charging = %.1f", s)
	}
}

func TestScaleCustomers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"small": 1000, "medium": 100000, "large": 1000000, "2500": 2500} {
		if got, err := ScaleCustomers(in); err != nil || got != want {
			t.Errorf("ScaleCustomers(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "huge", "0", "-5"} {
		if _, err := ScaleCustomers(in); err == nil {
			t.Errorf("ScaleCustomers(%q): want error", in)
		}
	}
}
