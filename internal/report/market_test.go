package report

import (
	"encoding/json"
	"testing"
)

// TestProvinceTiles checks the tile map: every province of the regions and
// Hong Kong, Macao and Taiwan once, no two on one square, and the chart's
// figures by name.
func TestProvinceTiles(t *testing.T) {
	seen, cells := map[string]bool{}, map[[2]int]string{}
	for _, p := range provinceGrid {
		if seen[p.name] {
			t.Errorf("%s twice", p.name)
		}
		seen[p.name] = true
		if q, ok := cells[[2]int{p.x, p.y}]; ok {
			t.Errorf("%s and %s on one square", p.name, q)
		}
		cells[[2]int{p.x, p.y}] = p.name
	}
	want := []string{"台湾", "香港", "澳门"}
	for _, r := range Regions {
		want = append(want, r.Provinces...)
	}
	for _, name := range want {
		if !seen[name] {
			t.Errorf("%s missing", name)
		}
	}
	if len(provinceGrid) != len(want) {
		t.Errorf("%d squares, want %d", len(provinceGrid), len(want))
	}
	var c chart
	if err := json.Unmarshal([]byte(provinceTiles(mix{"广东": 7, "西藏": 1}, mix{"广东": 30, "上海": 2})), &c); err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for i, l := range c.Labels {
		got[l] = [2]float64{c.Series[0].Values[i], c.Series[1].Values[i]}
	}
	if c.Type != "tiles" || len(c.Cells) != len(c.Labels) || got["广东"] != [2]float64{7, 30} || got["西藏"] != [2]float64{1, 0} || got["上海"] != [2]float64{0, 2} || got["台湾"] != [2]float64{} {
		t.Errorf("tiles %+v", got)
	}
}
