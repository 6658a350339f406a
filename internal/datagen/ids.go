package datagen

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// vinValues transliterates VIN characters to numbers (ISO 3779 / GB 16735).
// I, O and Q are not allowed.
func vinValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1, true
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1, true
	case c == 'P':
		return 7, true
	case c == 'R':
		return 9, true
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2, true
	}
	return 0, false
}

var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// VINCheckDigit returns the check digit (position 9) of a 17-character VIN
// per GB 16735 / ISO 3779: transliterate, weight, sum, modulo 11, 10 → 'X'.
// The character at position 9 itself is ignored (weight 0).
func VINCheckDigit(vin string) (byte, bool) {
	if len(vin) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v, ok := vinValue(vin[i])
		if !ok {
			return 0, false
		}
		sum += v * vinWeights[i]
	}
	r := sum % 11
	if r == 10 {
		return 'X', true
	}
	return byte('0' + r), true
}

// ValidVIN reports whether vin has 17 allowed characters and a correct check digit.
func ValidVIN(vin string) bool {
	d, ok := VINCheckDigit(vin)
	return ok && vin[8] == d
}

// vinYear is the model-year code (position 10) for 2010-2030.
const vinYear = "ABCDEFGHJKLMNPRSTVWXY"

// makeVIN builds a VIN for the maker (WMI "LNE": L = China) from the model
// index, model year, plant and a serial unique within the year.
func makeVIN(modelIdx, year int, plant byte, serial int) string {
	b := []byte("LNE" + "A" + string("ABCDEFGHJKLMNPRSTUVWXYZ"[modelIdx]) + "3C" + "E" + "0" + string(vinYear[year-2010]) + string(plant) + pad6(serial))
	d, _ := VINCheckDigit(string(b))
	b[8] = d
	return string(b)
}

func pad6(n int) string {
	s := strconv.Itoa(n % 1000000)
	return strings.Repeat("0", 6-len(s)) + s
}

// plateLetters are the letters allowed in plate serials (no I, no O).
const plateLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

var plateRE = regexp.MustCompile(`^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][DF][A-HJ-NP-Z0-9][0-9]{4}$`)

// ValidPlate reports whether p is a small-car new-energy plate (GA 36-2018):
// province character, city letter, D (battery electric) or F (other new
// energy), then one letter or digit and four digits: 8 characters.
func ValidPlate(p string) bool { return plateRE.MatchString(p) }

// makePlate returns the n-th plate of a city prefix and series (D or F); n
// below 340,000 yields distinct plates, spread by a fixed permutation.
func makePlate(prefix string, series byte, n int) string {
	const space = 34 * 10000
	n = int((uint64(n)*226673 + 98765) % space) // 226673 is coprime to 340000
	second := "0123456789" + plateLetters
	return prefix + string(series) + string(second[n/10000]) + strconv.Itoa(10000 + n%10000)[1:]
}

var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// ValidMobile reports whether m is an 11-digit mainland mobile number.
func ValidMobile(m string) bool { return mobileRE.MatchString(m) }

// makeMobile returns the mobile number of customer n: a carrier prefix drawn
// by subscriber share and eight digits that are distinct for distinct n
// (n < 10^8), so numbers are unique without a lookup.
func makeMobile(r *rand.Rand, n int) string {
	x := r.Float64()
	for i, c := range mobilePrefixes {
		if x < c.share || i == len(mobilePrefixes)-1 {
			p := c.prefixes[r.IntN(len(c.prefixes))]
			s := (uint64(n)*48271*7 + 1234567) % 100000000 // multiplier coprime to 10^8
			return p + strconv.FormatUint(100000000+s, 10)[1:]
		}
		x -= c.share
	}
	panic("unreachable")
}

// chineseName draws a surname by frequency and a one- or two-character given name.
func chineseName(r *rand.Rand, male bool) string {
	chars := femaleChars
	if male {
		chars = maleChars
	}
	s := surnames[pickWeighted(r, surnameCDF)].name
	g := string(chars[r.IntN(len(chars))])
	if r.IntN(4) != 0 {
		g += string(chars[r.IntN(len(chars))])
	}
	return s + g
}

var surnameCDF = func() []float64 {
	w := make([]float64, len(surnames))
	for i, s := range surnames {
		w[i] = s.pct
	}
	return cdf(w)
}()

// cdf turns weights into a cumulative distribution ending at 1.
func cdf(w []float64) []float64 {
	out := make([]float64, len(w))
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	acc := 0.0
	for i, x := range w {
		acc += x / sum
		out[i] = acc
	}
	out[len(out)-1] = 1
	return out
}

// pickWeighted draws an index from a cumulative distribution.
func pickWeighted(r *rand.Rand, c []float64) int {
	x := r.Float64()
	lo, hi := 0, len(c)-1
	for lo < hi {
		m := (lo + hi) / 2
		if c[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
