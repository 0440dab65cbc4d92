package aid

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestComputeMatchesReference checks Compute, which skips consignments
// outside the range and keeps first-reached times in an array, against
// its first version (computeReference, below, unchanged) on random
// timelines and filters.
func TestComputeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	crossings, cats, orgs := []string{"KS", "ZK", "KF"}, []Category{"food", "fuel", "health"}, []string{"WFP", "UNICEF", "NRC"}
	var items []Item
	for i := 0; i < 3000; i++ {
		c := &Consignment{ID: fmt.Sprint("c", i), Crossing: crossings[rng.IntN(3)], Category: cats[rng.IntN(3)], Sender: orgs[rng.IntN(3)],
			Implementer: orgs[rng.IntN(3)], Region: []string{"north", "south"}[rng.IntN(2)]}
		evs := randomTimeline(rng, c.ID)
		tl, err := Build(evs)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		it := Item{Consignment: c, Events: tl.Events}
		if i%2 == 0 { // half with their leftover kept, as the pipeline's index does
			l := Leftover(tl.Events)
			it.Left = &l
		}
		items = append(items, it)
	}
	for i := 0; i < 300; i++ {
		from := t0.AddDate(0, 0, rng.IntN(70)-5)
		f := Filter{From: from, To: from.AddDate(0, 0, 1+rng.IntN(30)), TargetTrucks: 50}
		switch rng.IntN(5) {
		case 0:
			f.Crossing = crossings[rng.IntN(3)]
		case 1:
			f.Category = cats[rng.IntN(3)]
		case 2:
			f.Org = orgs[rng.IntN(3)]
		}
		if rng.IntN(3) == 0 {
			f.Now = f.From.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
		}
		got, want := Compute(items, f), computeReference(items, f)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("filter %+v:\n got %+v\nwant %+v", f, got, want)
		}
		// What the pipeline does: only the items Touches keeps.
		var touched []Item
		toucher := f.Toucher()
		for _, it := range items {
			n := len(it.Events)
			if n == 0 {
				continue
			}
			first, last, left := it.Events[0].At, it.Events[n-1].At, Leftover(it.Events)
			in := f.Touches(first, last, left)
			if in != toucher(first.UnixNano(), last.UnixNano(), left.Awaits()) {
				t.Fatalf("filter %+v, %s: Touches and Toucher disagree", f, it.ID)
			}
			if in {
				touched = append(touched, it)
			}
		}
		if got := Compute(touched, f); !reflect.DeepEqual(got, want) {
			t.Fatalf("filter %+v, touched items only (%d of %d):\n got %+v\nwant %+v", f, len(touched), len(items), got, want)
		}
	}
}

// randomTimeline is a legal timeline over about 60 days from t0: cleared
// or rejected, partly collected, delivered, intercepted or returned, cut
// short at a random stage.
func randomTimeline(rng *rand.Rand, id string) []Event {
	at := t0.Add(time.Duration(rng.IntN(60*24)) * time.Hour)
	n := 0
	var evs []Event
	add := func(s Stage, q Qty, extra func(*Event)) {
		at = at.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
		n++
		e := Event{ID: fmt.Sprint(id, "-", n), Consignment: id, Stage: s, At: at, Party: "WFP", Qty: q}
		if extra != nil {
			extra(&e)
		}
		evs = append(evs, e)
	}
	add(Registered, Qty{}, nil)
	add(SubmittedForClearance, Qty{}, nil)
	if rng.IntN(10) == 0 {
		add(Rejected, Qty{}, func(e *Event) { e.Reason, e.Items = "dual-use", []string{fmt.Sprint("item", rng.IntN(3))} })
		return evs
	}
	add(Cleared, Qty{}, nil)
	q := Qty{Trucks: float64(5 + rng.IntN(20)), Tonnes: float64(100 + rng.IntN(300)), Litres: float64(rng.IntN(2) * 30000)}
	stop := rng.IntN(12)
	for i, s := range []Stage{Dispatched, ArrivedAtCrossing, Inspected, Offloaded} {
		if i > stop {
			return evs
		}
		add(s, q, nil)
	}
	if stop < 5 {
		return evs
	}
	part := Qty{Trucks: q.Trucks / 2, Tonnes: q.Tonnes / 2, Litres: q.Litres / 2}
	add(Collected, part, nil)
	if rng.IntN(4) == 0 {
		add(Returned, part, func(e *Event) { e.Reason = "road blocked" })
		return evs
	}
	add(InTransit, part, nil)
	if rng.IntN(5) == 0 {
		add(Intercepted, part, func(e *Event) { e.Kind = []string{"crowd", "armed"}[rng.IntN(2)] })
	} else {
		add(Delivered, part, nil)
	}
	return evs
}

// computeReference is the first version of Compute.
func computeReference(items []Item, f Filter) KPIs {
	from, to := day(f.From), day(f.To)
	if !to.After(from) {
		to = from.AddDate(0, 0, 1)
	}
	at := to
	if !f.Now.IsZero() && f.Now.Before(at) {
		at = f.Now
	}
	nDays := int(to.Sub(from).Hours() / 24)
	k := KPIs{From: from, To: to, TargetTrucks: f.TargetTrucks, Days: make([]Day, nDays)}
	for i := range k.Days {
		k.Days[i].Date = from.AddDate(0, 0, i).Format("2006-01-02")
	}
	crossings := map[string]*CrossingTotal{}
	reasons, itemsRejected, intercepts := map[string]int{}, map[string]int{}, map[string]int{}
	dwell := make([][]float64, len(dwellPairs))
	var ages []float64
	for _, it := range items {
		if !f.Match(it.Consignment) {
			continue
		}
		ct := crossings[it.Crossing]
		if ct == nil {
			ct = &CrossingTotal{Crossing: it.Crossing}
			crossings[it.Crossing] = ct
		}
		active := false
		var offloaded, collected, returnedOff Qty
		var firstOff time.Time
		first := map[Stage]time.Time{}
		for _, e := range it.Events {
			if _, ok := first[e.Stage]; !ok {
				first[e.Stage] = e.At
			}
			if e.At.Before(at) {
				switch {
				case e.Stage == Offloaded:
					offloaded = offloaded.add(e.Qty)
					if firstOff.IsZero() {
						firstOff = e.At
					}
				case e.Stage == Collected:
					collected = collected.add(e.Qty)
				case e.Stage == Returned && e.From == Offloaded:
					returnedOff = returnedOff.add(e.Qty)
				}
			}
			if e.At.Before(from) || !e.At.Before(to) {
				continue
			}
			active = true
			d := &k.Days[int(e.At.Sub(from).Hours()/24)]
			switch e.Stage {
			case Offloaded:
				d.Entered = d.Entered.add(e.Qty)
				d.FuelLitres += e.Qty.Litres
				ct.Entered = ct.Entered.add(e.Qty)
			case Collected:
				d.Collected = d.Collected.add(e.Qty)
				ct.Collected = ct.Collected.add(e.Qty)
			case Delivered:
				d.Delivered = d.Delivered.add(e.Qty)
				if it.Region == "north" {
					k.North = k.North.add(e.Qty)
				} else {
					k.South = k.South.add(e.Qty)
				}
			case Intercepted:
				d.Intercepted = d.Intercepted.add(e.Qty)
				intercepts[e.Kind]++
			case Returned:
				k.Returned = k.Returned.add(e.Qty)
			case Rejected:
				d.Rejected++
				reasons[e.Reason]++
				for _, item := range e.Items {
					itemsRejected[item]++
				}
			}
		}
		if active {
			k.Consignments++
		}
		for i, p := range dwellPairs {
			a, okA := first[p[0]]
			b, okB := first[p[1]]
			if okA && okB && !b.Before(from) && b.Before(to) && !b.Before(a) {
				dwell[i] = append(dwell[i], b.Sub(a).Hours())
			}
		}
		if rest := offloaded.sub(collected).sub(returnedOff); rest.Trucks > 1e-9 || rest.Tonnes > 1e-9 || rest.Litres > 1e-9 || rest.Pallets > 1e-9 {
			k.Awaiting.Consignments++
			k.Awaiting.Qty = k.Awaiting.Qty.add(rest)
			ages = append(ages, at.Sub(firstOff).Hours())
			ct.Awaiting++
		}
	}
	for i := range k.Days {
		d := &k.Days[i]
		d.MetTarget = f.TargetTrucks > 0 && d.Entered.Trucks >= f.TargetTrucks
		if d.MetTarget {
			k.DaysMet++
		}
		k.Entered = k.Entered.add(d.Entered)
		k.FuelLitres += d.FuelLitres
		k.Collected = k.Collected.add(d.Collected)
		k.Delivered = k.Delivered.add(d.Delivered)
		k.Intercepted = k.Intercepted.add(d.Intercepted)
	}
	k.CollectionRate = ratio(k.Collected.Tonnes, k.Entered.Tonnes)
	k.InterceptionRate = ratio(k.Intercepted.Tonnes, k.Delivered.Tonnes+k.Intercepted.Tonnes)
	k.DeliveryRate = ratio(k.Delivered.Tonnes, k.Collected.Tonnes)
	k.Awaiting.At = at
	k.Awaiting.AgeMedianH, k.Awaiting.AgeP90H = quantile(ages, 0.5), quantile(ages, 0.9)
	if len(ages) > 0 {
		k.Awaiting.AgeMaxH = round2(slices.Max(ages))
	}
	k.ByCrossing = []CrossingTotal{}
	for _, ct := range crossings {
		if !ct.Entered.zero() || !ct.Collected.zero() || ct.Awaiting > 0 {
			k.ByCrossing = append(k.ByCrossing, *ct)
		}
	}
	slices.SortFunc(k.ByCrossing, func(a, b CrossingTotal) int { return cmp.Compare(a.Crossing, b.Crossing) })
	k.Rejections, k.RejectedItems, k.Interceptions = counts(reasons), counts(itemsRejected), counts(intercepts)
	for i, p := range dwellPairs {
		k.Dwell = append(k.Dwell, Dwell{From: p[0], To: p[1], N: len(dwell[i]), MedianH: quantile(dwell[i], 0.5), P90H: quantile(dwell[i], 0.9)})
	}
	return k
}
