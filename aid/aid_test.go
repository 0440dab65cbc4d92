package aid

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)

func h(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }

func e(id string, s Stage, at float64, q Qty) Event {
	return Event{ID: id, Consignment: "c1", Stage: s, At: h(at), Party: "WFP", Qty: q}
}

func tr(trucks, tonnes float64) Qty { return Qty{Trucks: trucks, Tonnes: tonnes} }

// cleared is a consignment registered, submitted and cleared.
func cleared() []Event {
	return []Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{}), e("c", Cleared, 5, Qty{})}
}

func with(base []Event, more ...Event) []Event { return append(append([]Event{}, base...), more...) }

func TestTransitionRules(t *testing.T) {
	rejected := Event{ID: "x", Stage: Rejected, At: h(3), Reason: "dual-use item", Items: []string{"water pump"}}
	cases := []struct {
		name   string
		events []Event
		want   string // "" when legal
	}{
		{"registered first", []Event{e("s", SubmittedForClearance, 1, Qty{})}, "must be registered first"},
		{"registered twice", []Event{e("r", Registered, 0, Qty{}), e("r2", Registered, 1, Qty{})}, "already registered"},
		{"clearance before submission", []Event{e("r", Registered, 0, Qty{}), e("c", Cleared, 1, Qty{})}, "only a consignment submitted for clearance"},
		{"submitted twice", []Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{}), e("s2", SubmittedForClearance, 2, Qty{})}, "already submitted"},
		{"rejected then resubmitted and cleared", with([]Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{})}, rejected,
			e("s2", SubmittedForClearance, 4, Qty{}), e("c", Cleared, 6, Qty{})), ""},
		{"rejection needs a reason", []Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{}), e("x", Rejected, 2, Qty{})}, "needs a reason"},
		{"dispatch before clearance", []Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{}), e("d", Dispatched, 2, tr(10, 200))}, "not cleared"},
		{"dispatch after a rejection", with([]Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{})}, rejected, e("d", Dispatched, 4, tr(1, 1))), "not cleared"},
		{"dispatch without quantity", with(cleared(), e("d", Dispatched, 6, Qty{})), "states the quantity"},
		{"arrival beyond dispatch", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(11, 200))), "11 trucks, more than the 10, currently at dispatched"},
		{"skipping inspection", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)), e("o", Offloaded, 9, tr(10, 200))), "currently at inspected"},
		{"collection before offloading in time", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)),
			e("i", Inspected, 9, tr(10, 200)), e("o", Offloaded, 12, tr(10, 200)), e("co", Collected, 11, tr(10, 200))), "currently at offloaded"},
		{"full chain", full(), ""},
		{"partial collection in two receipts", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)),
			e("i", Inspected, 9, tr(10, 200)), e("o", Offloaded, 10, tr(10, 200)), e("co1", Collected, 20, tr(6, 120)), e("co2", Collected, 30, tr(4, 80))), ""},
		{"third receipt beyond what was offloaded", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)),
			e("i", Inspected, 9, tr(10, 200)), e("o", Offloaded, 10, tr(10, 200)), e("co1", Collected, 20, tr(6, 120)), e("co2", Collected, 30, tr(4, 80)),
			e("co3", Collected, 31, tr(1, 1))), "1 trucks, more than the 0"},
		{"interception needs a kind", with(full()[:9], e("x", Intercepted, 40, tr(1, 20))), "crowd or armed"},
		{"delivered plus intercepted beyond transit", with(full()[:9], Event{ID: "x", Stage: Intercepted, At: h(40), Qty: tr(3, 60), Kind: "crowd"},
			e("dl", Delivered, 41, tr(8, 160))), "8 trucks, more than the 7, currently at in_transit"},
		{"cancel before dispatch", with(cleared(), Event{ID: "k", Stage: Cancelled, At: h(6), Reason: "donor withdrew"}), ""},
		{"cancel after dispatch", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), Event{ID: "k", Stage: Cancelled, At: h(7), Reason: "x"}), "record their return"},
		{"nothing after cancellation", with(cleared(), Event{ID: "k", Stage: Cancelled, At: h(6), Reason: "x"}, e("d", Dispatched, 7, tr(1, 1))), "was cancelled"},
		{"return from the crossing", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)),
			Event{ID: "rt", Stage: Returned, At: h(9), Qty: tr(4, 80), Reason: "failed inspection"}, e("i", Inspected, 10, tr(6, 120)), e("i2", Inspected, 11, tr(1, 1))), "1 trucks, more than the 0"},
		{"return more than anywhere", with(cleared(), e("d", Dispatched, 6, tr(10, 200)), Event{ID: "rt", Stage: Returned, At: h(9), Qty: tr(11, 80), Reason: "x"}), "no stage holds that much"},
		{"negative quantity", with(cleared(), e("d", Dispatched, 6, tr(-1, 200))), "trucks must be a number from 0"},
		{"damaged more than received", with(cleared(), e("d", Dispatched, 6, Qty{Trucks: 1, Tonnes: 10, Damaged: 11})), "damaged_tonnes 11 is more than"},
		{"unknown stage", with(cleared(), e("z", "teleported", 6, tr(1, 1))), "unknown stage"},
		{"duplicate id", with(cleared(), e("c", Dispatched, 6, tr(1, 1))), "appears twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.events)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("legal timeline refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("illegal timeline accepted, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// full is a consignment of 10 trucks / 200 t through to delivery.
func full() []Event {
	return with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)),
		e("i", Inspected, 10, tr(10, 200)), e("o", Offloaded, 12, tr(10, 200)), e("co", Collected, 20, tr(10, 200)),
		e("t", InTransit, 21, tr(10, 200)), e("dl", Delivered, 24, Qty{Trucks: 10, Tonnes: 200, Damaged: 5}))
}

func TestCorrections(t *testing.T) {
	base := with(cleared(), e("d", Dispatched, 6, tr(10, 200)), e("a", ArrivedAtCrossing, 8, tr(10, 200)), e("i", Inspected, 10, tr(10, 200)),
		e("o", Offloaded, 12, tr(8, 160)))
	// Correcting the offload up to all 10 trucks lets all 10 be collected.
	fixed := with(base, Event{ID: "o2", Stage: Offloaded, At: h(12), Qty: tr(10, 200), Supersedes: "o"}, e("co", Collected, 20, tr(10, 200)))
	tl, err := Build(fixed)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Superseded) != 1 || tl.Superseded[0].ID != "o" || tl.Reached[Offloaded].Trucks != 10 {
		t.Fatalf("correction not applied: %+v", tl.Reached[Offloaded])
	}
	// A correction that would make the timeline illegal is refused.
	if err := Check(with(base, e("co", Collected, 20, tr(8, 160))), Event{ID: "o3", Stage: Offloaded, At: h(12), Qty: tr(5, 100), Supersedes: "o"}); err == nil ||
		!strings.Contains(err.Error(), "currently at offloaded") {
		t.Fatalf("illegal correction: %v", err)
	}
	for name, c := range map[string]Event{
		"unknown":         {ID: "z", Stage: Offloaded, At: h(13), Qty: tr(1, 1), Supersedes: "nope"},
		"other stage":     {ID: "z", Stage: Collected, At: h(13), Qty: tr(1, 1), Supersedes: "o"},
		"twice corrected": {ID: "z", Stage: Offloaded, At: h(13), Qty: tr(1, 1), Supersedes: "o"},
	} {
		events := base
		if name == "twice corrected" {
			events = with(base, Event{ID: "o2", Stage: Offloaded, At: h(12), Qty: tr(8, 160), Supersedes: "o"})
		}
		if err := Check(events, c); err == nil {
			t.Errorf("%s correction accepted", name)
		}
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		events []Event
		want   Stage
	}{
		{cleared(), Cleared},
		{full(), Delivered},
		{full()[:7], Offloaded},
		{with(cleared(), Event{ID: "k", Stage: Cancelled, At: h(6), Reason: "x"}), Cancelled},
		{with(cleared(), e("d", Dispatched, 6, tr(2, 2)), Event{ID: "rt", Stage: Returned, At: h(7), Qty: tr(2, 2), Reason: "x"}), Returned},
	} {
		tl, err := Build(tc.events)
		if err != nil {
			t.Fatal(err)
		}
		if got := tl.Status(); got != tc.want {
			t.Errorf("status %s, want %s", got, tc.want)
		}
	}
}

// TestKPIArithmetic checks every indicator against answers computed by
// hand on a small pipeline of three consignments over two days.
func TestKPIArithmetic(t *testing.T) {
	c1 := &Consignment{ID: "c1", Crossing: "KS", Category: "food", Sender: "WFP", Implementer: "WFP", Region: "north"}
	c2 := &Consignment{ID: "c2", Crossing: "KS", Category: "fuel", Sender: "UNRWA", Implementer: "UNRWA", Region: "south"}
	c3 := &Consignment{ID: "c3", Crossing: "ZK", Category: "food", Sender: "WFP", Implementer: "NRC", Region: "south"}
	// c1: 10 trucks / 200 t, offloaded day 1 06:00+12h, collected in two
	// receipts (6 on day 1, 4 on day 2), 7 delivered, 3 intercepted.
	e1 := with(full()[:7], e("co1", Collected, 14, tr(6, 120)), e("co2", Collected, 26, tr(4, 80)), e("t", InTransit, 27, tr(10, 200)),
		Event{ID: "x", Stage: Intercepted, At: h(28), Qty: tr(3, 60), Kind: "armed"}, e("dl", Delivered, 29, tr(7, 140)))
	// c2: fuel, 2 trucks / 70,000 litres offloaded on day 2, not collected.
	fuel := Qty{Trucks: 2, Tonnes: 60, Litres: 70000}
	e2 := with(cleared(), e("d", Dispatched, 6, fuel), e("a", ArrivedAtCrossing, 20, fuel), e("i", Inspected, 22, fuel), e("o", Offloaded, 25, fuel))
	// c3: rejected on day 1, for two items.
	e3 := []Event{e("r", Registered, 0, Qty{}), e("s", SubmittedForClearance, 1, Qty{}),
		{ID: "x", Stage: Rejected, At: h(4), Reason: "dual-use", Items: []string{"generator", "water pump"}}}
	var items []Item
	for _, x := range []struct {
		c  *Consignment
		ev []Event
	}{{c1, e1}, {c2, e2}, {c3, e3}} {
		tl, err := Build(x.ev)
		if err != nil {
			t.Fatalf("%s: %v", x.c.ID, err)
		}
		items = append(items, Item{Consignment: x.c, Events: tl.Events})
	}
	f := Filter{From: t0, To: t0.AddDate(0, 0, 2), TargetTrucks: 10, Now: t0.AddDate(0, 0, 5)}
	k := Compute(items, f)
	// Day 1 is 1 Mar (t0 is 06:00): c1 offloaded at 18:00 (10 trucks), 6
	// collected at 20:00. Day 2: c1's 4 collected at 08:00, 3 intercepted at
	// 10:00, 7 delivered at 11:00; c2's 2 fuel trucks offloaded at 07:00.
	want := []struct {
		name      string
		got, want any
	}{
		{"days", len(k.Days), 2},
		{"day 1 entered", k.Days[0].Entered, tr(10, 200)},
		{"day 1 met target", k.Days[0].MetTarget, true},
		{"day 1 collected", k.Days[0].Collected, tr(6, 120)},
		{"day 1 rejected", k.Days[0].Rejected, 1},
		{"day 2 entered", k.Days[1].Entered, fuel},
		{"day 2 met target", k.Days[1].MetTarget, false},
		{"day 2 fuel", k.Days[1].FuelLitres, 70000.0},
		{"days met", k.DaysMet, 1},
		{"entered", k.Entered, Qty{Trucks: 12, Tonnes: 260, Litres: 70000}},
		{"collected", k.Collected, tr(10, 200)},
		{"delivered", k.Delivered, tr(7, 140)},
		{"intercepted", k.Intercepted, tr(3, 60)},
		// 200 / 260 = 76.92 %; 60 / 200 = 30 %; 140 / 200 = 70 %.
		{"collection rate", *k.CollectionRate, 76.92},
		{"interception rate", *k.InterceptionRate, 30.0},
		{"delivery rate", *k.DeliveryRate, 70.0},
		{"north", k.North, tr(7, 140)},
		{"south", k.South, Qty{}},
		{"awaiting consignments", k.Awaiting.Consignments, 1},
		{"awaiting quantity", k.Awaiting.Qty, fuel},
		// At the end of the range (3 Mar 00:00), c2 has waited since 2 Mar 07:00.
		{"awaiting age", k.Awaiting.AgeMaxH, 17.0},
		{"by crossing", fmt.Sprint(k.ByCrossing), fmt.Sprint([]CrossingTotal{{Crossing: "KS", Entered: Qty{Trucks: 12, Tonnes: 260, Litres: 70000}, Collected: tr(10, 200), Awaiting: 1}})},
		{"rejections", fmt.Sprint(k.Rejections), "[{dual-use 1}]"},
		{"rejected items", fmt.Sprint(k.RejectedItems), "[{generator 1} {water pump 1}]"},
		{"interceptions", fmt.Sprint(k.Interceptions), "[{armed 1}]"},
		{"consignments", k.Consignments, 3},
	}
	for _, w := range want {
		if fmt.Sprint(w.got) != fmt.Sprint(w.want) {
			t.Errorf("%s = %v, want %v", w.name, w.got, w.want)
		}
	}
	// Dwell offloaded → collected: c1 only (12 h → 14 h) = 2 h. Dispatched →
	// arrived: c1 2 h (in range: arrived day 1), c2 14 h → median 2, p90 14.
	for _, d := range k.Dwell {
		switch {
		case d.From == Offloaded && (d.N != 1 || d.MedianH != 2):
			t.Errorf("dwell offloaded→collected %+v", d)
		case d.From == Dispatched && (d.N != 2 || d.MedianH != 2 || d.P90H != 14):
			t.Errorf("dwell dispatched→arrived %+v", d)
		}
	}
	// Filters.
	if k := Compute(items, Filter{From: t0, To: t0.AddDate(0, 0, 2), Crossing: "ZK"}); k.Consignments != 1 || !k.Entered.zero() || len(k.Rejections) != 1 {
		t.Errorf("crossing filter: %+v", k)
	}
	if k := Compute(items, Filter{From: t0, To: t0.AddDate(0, 0, 2), Category: "fuel"}); k.Entered != fuel || k.CollectionRate == nil || *k.CollectionRate != 0 {
		t.Errorf("category filter: %+v", k)
	}
	if k := Compute(items, Filter{From: t0, To: t0.AddDate(0, 0, 2), Org: "NRC"}); k.Consignments != 1 {
		t.Errorf("organisation filter (implementer): %+v", k)
	}
	// Awaiting taken at Now when it is earlier: on day 2 at 08:00, c1's 4
	// trucks (offloaded 18:00 day 1) wait 14 h, c2's 2 trucks 1 h.
	k = Compute(items, Filter{From: t0, To: t0.AddDate(0, 0, 2), Now: h(26)})
	if k.Awaiting.Consignments != 2 || k.Awaiting.Qty.Trucks != 6 || k.Awaiting.AgeMaxH != 14 || k.Awaiting.AgeMedianH != 1 {
		t.Errorf("awaiting at now: %+v", k.Awaiting)
	}
}

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		vs   []float64
		q    float64
		want float64
	}{{nil, 0.5, 0}, {[]float64{3}, 0.9, 3}, {[]float64{4, 1, 3, 2}, 0.5, 2}, {[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9}} {
		if got := quantile(tc.vs, tc.q); got != tc.want {
			t.Errorf("quantile(%v, %g) = %g, want %g", tc.vs, tc.q, got, tc.want)
		}
	}
}
