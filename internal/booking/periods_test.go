package booking

import "testing"

func TestPeriods(t *testing.T) {
	t.Parallel()
	var d Day
	for m := 8 * 60; m < 20*60; m += 60 {
		d.Slots = append(d.Slots, Slot{Minute: m, Bookable: m >= 13*60})
	}
	ps := d.Periods(-1)
	if len(ps) != 3 || len(ps[0].Slots) != 4 || len(ps[1].Slots) != 6 || len(ps[2].Slots) != 2 {
		t.Fatalf("periods: %+v", ps)
	}
	if ps[0].Open || !ps[1].Open || ps[2].Open || ps[1].Bookable != 5 {
		t.Fatalf("the first period with a free slot must be open: %+v", ps)
	}
	ps = d.Periods(19 * 60)
	if !ps[2].Open || ps[1].Open {
		t.Fatalf("the chosen slot's period must be open: %+v", ps)
	}
	d.Slots = d.Slots[:2]
	if ps := d.Periods(-1); len(ps) != 1 || ps[0].Open {
		t.Fatalf("morning only, nothing free: %+v", ps)
	}
}
