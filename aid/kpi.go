package aid

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"time"
)

// Item is one consignment with its effective events in time order (as
// Build leaves them), the unit the KPIs are computed over.
type Item struct {
	*Consignment
	Events []Event
	// Left, when set, is Leftover(Events), kept by the caller with the
	// events: Compute then counts a consignment wholly before the range
	// without replaying its events.
	Left *Left
}

// Left is what a consignment's events leave offloaded and not yet
// collected (nor returned), and when it was first offloaded.
type Left struct {
	Qty            Qty
	FirstOffloaded time.Time
}

// Leftover computes Left for effective events in time order.
func Leftover(events []Event) Left {
	var offloaded, collected, returnedOff Qty
	var firstOff time.Time
	for i := range events {
		e := &events[i]
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
	return Left{Qty: offloaded.sub(collected).sub(returnedOff), FirstOffloaded: firstOff}
}

// Filter selects what the KPIs cover. Days are UTC calendar days; the
// range is [From, To).
type Filter struct {
	From, To time.Time
	Crossing string
	Category Category
	// Org matches the sender or the implementing organisation.
	Org string
	// TargetTrucks is the daily target for trucks entered (600 in the
	// demo, as the 2025 ceasefire named).
	TargetTrucks float64
	// Now bounds "awaiting collection" and its ages: the state is taken at
	// the earlier of To and Now.
	Now time.Time
}

// Match reports whether the filter's crossing, category and organisation
// select c.
func (f Filter) Match(c *Consignment) bool {
	return (f.Crossing == "" || c.Crossing == f.Crossing) && (f.Category == "" || c.Category == f.Category) &&
		(f.Org == "" || c.Sender == f.Org || c.Implementer == f.Org)
}

// Day is one day's flow. Entered counts goods offloaded on the Gaza side
// of a crossing (what the daily target is about); collected, delivered and
// intercepted are the later, separately owned counts.
type Day struct {
	Date        string  `json:"date"`
	Entered     Qty     `json:"entered"`
	FuelLitres  float64 `json:"fuel_litres"`
	Collected   Qty     `json:"collected"`
	Delivered   Qty     `json:"delivered"`
	Intercepted Qty     `json:"intercepted"`
	Rejected    int     `json:"rejected"`
	MetTarget   bool    `json:"met_target"`
}

// CrossingTotal is the flow through one crossing over the range.
type CrossingTotal struct {
	Crossing  string `json:"crossing"`
	Entered   Qty    `json:"entered"`
	Collected Qty    `json:"collected"`
	Awaiting  int    `json:"awaiting"`
}

// Count is a label with its number.
type Count struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// Dwell is how long consignments stayed at a stage before the next one.
type Dwell struct {
	From    Stage   `json:"from"`
	To      Stage   `json:"to"`
	N       int     `json:"n"`
	MedianH float64 `json:"median_h"`
	P90H    float64 `json:"p90_h"`
}

// Awaiting is what lies offloaded and not yet collected.
type Awaiting struct {
	At           time.Time `json:"at"`
	Consignments int       `json:"consignments"`
	Qty          Qty       `json:"qty"`
	AgeMedianH   float64   `json:"age_median_h"`
	AgeP90H      float64   `json:"age_p90_h"`
	AgeMaxH      float64   `json:"age_max_h"`
}

// KPIs are the pipeline's indicators over a filter.
type KPIs struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	TargetTrucks float64   `json:"target_trucks"`
	// Consignments counts those matching the filter with an event in the
	// range.
	Consignments int     `json:"consignments"`
	Days         []Day   `json:"days"`
	DaysMet      int     `json:"days_met_target"`
	Entered      Qty     `json:"entered"`
	FuelLitres   float64 `json:"fuel_litres"`
	Collected    Qty     `json:"collected"`
	Delivered    Qty     `json:"delivered"`
	Intercepted  Qty     `json:"intercepted"`
	Returned     Qty     `json:"returned"`
	// Rates are percentages over tonnes; nil when the denominator is zero.
	CollectionRate   *float64        `json:"collection_rate"`
	InterceptionRate *float64        `json:"interception_rate"`
	DeliveryRate     *float64        `json:"delivery_rate"`
	North            Qty             `json:"delivered_north"`
	South            Qty             `json:"delivered_south"`
	Awaiting         Awaiting        `json:"awaiting"`
	ByCrossing       []CrossingTotal `json:"by_crossing"`
	Rejections       []Count         `json:"rejection_reasons"`
	RejectedItems    []Count         `json:"rejected_items"`
	Interceptions    []Count         `json:"interceptions"`
	Dwell            []Dwell         `json:"dwell"`
}

// dwellPairs are the stage pairs whose dwell time is reported.
var dwellPairs = [][2]Stage{
	{Registered, SubmittedForClearance}, {SubmittedForClearance, Cleared}, {Cleared, Dispatched}, {Dispatched, ArrivedAtCrossing},
	{ArrivedAtCrossing, Inspected}, {Inspected, Offloaded}, {Offloaded, Collected}, {Collected, InTransit}, {InTransit, Delivered},
}

// dwellIndex is dwellPairs by index in Stages.
var dwellIndex = func() [][2]int {
	out := make([][2]int, len(dwellPairs))
	for i, p := range dwellPairs {
		out[i] = [2]int{stageIndex(p[0]), stageIndex(p[1])}
	}
	return out
}()

// stageIndex is a stage's index in Stages, or -1.
func stageIndex(s Stage) int {
	switch s {
	case Registered:
		return 0
	case SubmittedForClearance:
		return 1
	case Cleared:
		return 2
	case Rejected:
		return 3
	case Dispatched:
		return 4
	case ArrivedAtCrossing:
		return 5
	case Inspected:
		return 6
	case Offloaded:
		return 7
	case Collected:
		return 8
	case InTransit:
		return 9
	case Delivered:
		return 10
	case Intercepted:
		return 11
	case Returned:
		return 12
	case Cancelled:
		return 13
	}
	return -1
}

// bounds returns the range's first day, the day after its last, and the
// moment what awaits collection is taken at (the earlier of that day and
// Now).
func (f Filter) bounds() (from, to, at time.Time) {
	from, to = day(f.From), day(f.To)
	if !to.After(from) {
		to = from.AddDate(0, 0, 1)
	}
	at = to
	if !f.Now.IsZero() && f.Now.Before(at) {
		at = f.Now
	}
	return from, to, at
}

// Touches reports whether a consignment whose effective events run from
// first to last, leaving left, counts anywhere in the KPIs over f: one
// that starts after the range does not, nor one that ended before it with
// nothing awaiting collection. Compute skips the others; a caller may skip
// them before it builds its items.
func (f Filter) Touches(first, last time.Time, left Left) bool {
	from, to, _ := f.bounds()
	if !first.Before(to) {
		return false
	}
	return !last.Before(from) || left.Awaits()
}

// Toucher is Touches for many consignments, their times in Unix
// nanoseconds and whether something awaits collection (Left.Awaits)
// already known.
func (f Filter) Toucher() func(first, last int64, awaits bool) bool {
	from, to, _ := f.bounds()
	fromNS, toNS := from.UnixNano(), to.UnixNano()
	return func(first, last int64, awaits bool) bool {
		return first < toNS && (last >= fromNS || awaits)
	}
}

// Awaits reports whether something is left awaiting collection.
func (l Left) Awaits() bool {
	q := l.Qty
	return !l.FirstOffloaded.IsZero() && (q.Trucks > 1e-9 || q.Tonnes > 1e-9 || q.Litres > 1e-9 || q.Pallets > 1e-9)
}

// Compute computes the KPIs of the items the filter selects. The caller
// passes only the items the viewer may see: aggregates are computed per
// viewer and so never count a record the viewer could not read.
func Compute(items []Item, f Filter) KPIs {
	from, to, at := f.bounds()
	nDays := int(to.Sub(from).Hours() / 24)
	k := KPIs{From: from, To: to, TargetTrucks: f.TargetTrucks, Days: make([]Day, nDays)}
	for i := range k.Days {
		k.Days[i].Date = from.AddDate(0, 0, i).Format("2006-01-02")
	}
	crossings := map[string]*CrossingTotal{}
	reasons, itemsRejected, intercepts := map[string]int{}, map[string]int{}, map[string]int{}
	dwell := make([][]float64, len(dwellPairs))
	var ages []float64
	awaiting := func(ct *CrossingTotal, rest Qty, firstOff time.Time) {
		if rest.Trucks > 1e-9 || rest.Tonnes > 1e-9 || rest.Litres > 1e-9 || rest.Pallets > 1e-9 {
			k.Awaiting.Consignments++
			k.Awaiting.Qty = k.Awaiting.Qty.add(rest)
			ages = append(ages, at.Sub(firstOff).Hours())
			ct.Awaiting++
		}
	}
	crossing := func(id string) *CrossingTotal {
		ct := crossings[id]
		if ct == nil {
			ct = &CrossingTotal{Crossing: id}
			crossings[id] = ct
		}
		return ct
	}
	for _, it := range items {
		evs := it.Events
		// Events are in time order: a consignment whose first event is at
		// or after the range's end counts nowhere (at is never after to).
		if len(evs) == 0 || !evs[0].At.Before(to) || !f.Match(it.Consignment) {
			continue
		}
		// One whose last event is before the range counts only in what
		// still awaits collection.
		if evs[len(evs)-1].At.Before(from) {
			left := it.Left
			if left == nil {
				l := Leftover(evs)
				left = &l
			}
			if !left.FirstOffloaded.IsZero() {
				awaiting(crossing(it.Crossing), left.Qty, left.FirstOffloaded)
			}
			continue
		}
		ct := crossing(it.Crossing)
		active := false
		// first is when each stage (by its index in Stages) was first
		// reached.
		var first [14]time.Time
		var reached uint16
		for i := range evs {
			e := &evs[i]
			if si := stageIndex(e.Stage); si >= 0 && reached&(1<<si) == 0 {
				reached |= 1 << si
				first[si] = e.At
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
		for i, p := range dwellIndex {
			if reached&(1<<p[0]) == 0 || reached&(1<<p[1]) == 0 {
				continue
			}
			a, b := first[p[0]], first[p[1]]
			if !b.Before(from) && b.Before(to) && !b.Before(a) {
				dwell[i] = append(dwell[i], b.Sub(a).Hours())
			}
		}
		// What awaits collection at "at": the events before it, a prefix.
		left := Leftover(evs[:sort.Search(len(evs), func(i int) bool { return !evs[i].At.Before(at) })])
		awaiting(ct, left.Qty, left.FirstOffloaded)
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
	slices.Sort(ages)
	k.Awaiting.AgeMedianH, k.Awaiting.AgeP90H = sortedQuantile(ages, 0.5), sortedQuantile(ages, 0.9)
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
		slices.Sort(dwell[i])
		k.Dwell = append(k.Dwell, Dwell{From: p[0], To: p[1], N: len(dwell[i]), MedianH: sortedQuantile(dwell[i], 0.5), P90H: sortedQuantile(dwell[i], 0.9)})
	}
	return k
}

func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

func ratio(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	r := round2(a / b * 100)
	return &r
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// quantile is the nearest-rank quantile (the smallest value with at least
// q of the values at or below it), 0 for no values.
func quantile(vs []float64, q float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return sortedQuantile(s, q)
}

// sortedQuantile is quantile of values already sorted.
func sortedQuantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return round2(s[max(i, 0)])
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for l, n := range m {
		out = append(out, Count{Label: l, N: n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Label, b.Label)) })
	return out
}
