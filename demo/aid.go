package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/pipeline"
)

// aidFlow is who sends what through the exercise's crossings.
var aidFlow = []struct {
	org, implementer string
	category         aid.Category
	share            float64 // of the day's trucks
	item, code       string
	tonnesPerTruck   float64
	destinations     []string
}{
	{"WFP", "WFP", "food", 0.34, "Wheat flour 25 kg", "FOOD-WFL25", 20, []string{"WFP warehouse Deir al-Balah", "WFP hub Khan Yunis West", "Distribution point Jabalia", "Distribution point Sheikh Radwan"}},
	{"UNRWA", "UNRWA", "food", 0.12, "Food parcel (family, 1 month)", "FOOD-PARCEL", 16, []string{"Distribution point Bureij", "Distribution point Beit Lahia", "Distribution point Khan Yunis West"}},
	{"UNICEF", "UNICEF", "nutrition", 0.07, "RUTF sachets (carton of 150)", "NUT-RUTF", 12, []string{"UNICEF supply hub Gaza City", "Distribution point Nuseirat"}},
	{"UNICEF", "UNICEF", "wash", 0.07, "Hygiene kit", "WASH-HYG", 8, []string{"UNICEF supply hub Gaza City", "Water point Al-Mawasi"}},
	{"WHO", "WHO", "health", 0.05, "Interagency emergency health kit", "HEA-IEHK", 6, []string{"Al-Shifa Hospital", "Nasser Medical Complex", "Al-Aqsa Martyrs Hospital"}},
	{"NRC", "NRC", "shelter_nfi", 0.10, "Family tent", "SHE-TENT", 7, []string{"Al-Mawasi tent camp", "Deir al-Balah displacement site"}},
	{"PRCS", "PRCS", "health", 0.03, "Medical consumables", "HEA-CONS", 5, []string{"PRCS clinic Khan Yunis", "Al-Ahli Arab Hospital"}},
	{"UNRWA", "UNRWA", "fuel", 0.08, "Diesel", "FUEL-DSL", 27, []string{"UNRWA logistics base Rafah", "Desalination plant Deir al-Balah"}},
	{"UNRWA", "UNRWA", "cooking_gas", 0.04, "Cooking gas cylinders", "GAS-LPG", 14, []string{"Shelter school Nuseirat", "Jabalia preparatory school shelter"}},
	{"WFP", "WFP", "commercial", 0.10, "Commercial goods (private sector)", "COM-MIX", 18, []string{"Bakery Deir al-Balah (WFP-supported)"}},
}

var rejectionReasons = []struct{ reason, item string }{
	{"dual-use item not approved", "water pump"}, {"dual-use item not approved", "generator"}, {"incomplete documentation", ""},
	{"item not on the approved list", "tent poles (metal)"}, {"consignee not registered", ""},
}

// crossingPlan is how the exercise's crossings work: their share of the
// trucks, hours, capacity, inspection mode and closures (day ranges before
// today, with reasons).
type crossingPlan struct {
	name     string
	share    float64
	hours    string
	capacity float64
	mode     string
	closed   [][2]int
	reasons  []string
}

var crossingPlans = []crossingPlan{
	{"Kerem Shalom crossing", 0.62, "08:00–17:00 Sun–Thu, 08:00–13:00 Fri", 450, "on_site", [][2]int{{-42, -41}, {-16, -15}}, []string{"closed for a religious holiday", "closed after a security incident at the gate"}},
	{"Zikim crossing", 0.18, "09:00–15:00 daily", 120, "remote_scan", [][2]int{{-55, -46}}, []string{"closed after protests at the crossing"}},
	{"Kissufim crossing", 0.14, "08:00–14:00 Sun–Thu", 100, "back_to_back", [][2]int{{-30, -27}}, []string{"closed: road damage on the approach"}},
	{"Erez / Beit Hanoun crossing", 0.06, "10:00–14:00 Sun–Thu", 60, "on_site", [][2]int{{-60, -52}, {-10, -8}}, []string{"not yet reopened for goods", "closed: no escort available"}},
}

// closedOn reports whether the crossing is closed on day d of a history of
// days days.
func (c crossingPlan) closedOn(d, days int) bool {
	for _, r := range c.closed {
		if d-days >= r[0] && d-days < r[1] {
			return true
		}
	}
	return false
}

// loadAid generates the pipeline's last days (60 in the demo), deterministically for a
// seed: consignments through Kerem Shalom, Zikim, Kissufim and Erez, each
// cleared (or rejected), dispatched, inspected, offloaded, collected over
// hours or days, and delivered, intercepted or returned; crossings closing
// now and then with reasons. Then it seeds what is under way right now.
func loadAid(ctx context.Context, svc *concord.Service, seed int64, days int) error {
	p := pipeline.New(svc, pipeline.Options{})
	sys := concord.SystemViewer("CMCC", "demo-loader")
	sites, err := siteNames(ctx, svc)
	if err != nil {
		return err
	}
	now := svc.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -days)
	// Crossing status history, in time order.
	for _, c := range crossingPlans {
		f, ok := sites[c.name]
		if !ok {
			return fmt.Errorf("demo crossing %q is missing", c.name)
		}
		version := 0
		set := func(open bool, at time.Time, reason string) error {
			o, err := p.SetCrossing(ctx, sys, f.ID, pipeline.CrossingInput{Hours: c.hours, CapacityTrucks: c.capacity, InspectionMode: c.mode,
				Open: open, Reason: reason, At: &at, Version: version})
			version = o.Version
			return err
		}
		if err := set(true, start.Add(-24*time.Hour), "opened for humanitarian goods under the ceasefire"); err != nil {
			return fmt.Errorf("crossing %s: %w", c.name, err)
		}
		for i, r := range c.closed {
			if r[0] < -days {
				continue // before the generated history
			}
			if err := set(false, today.AddDate(0, 0, r[0]).Add(7*time.Hour), c.reasons[i%len(c.reasons)]); err != nil {
				return err
			}
			if err := set(true, today.AddDate(0, 0, r[1]).Add(7*time.Hour), "reopened"); err != nil {
				return err
			}
		}
	}
	seeds, err := GenerateAid(AidWorkload{Seed: seed, Days: days}, sites, now)
	if err != nil {
		return err
	}
	return p.Bulk(ctx, sys, seeds)
}

// siteNames returns the scenario's sites by name.
func siteNames(ctx context.Context, svc *concord.Service) (map[string]concord.Feature, error) {
	page, err := svc.ListFeatures(ctx, concord.SystemViewer("CMCC", "demo-loader"), concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSite}, Limit: 1000})
	if err != nil {
		return nil, err
	}
	sites := map[string]concord.Feature{}
	for _, f := range page.Features {
		sites[f.Name] = f
	}
	return sites, nil
}

// SiteNames returns the scenario's sites by name, for GenerateAid.
func SiteNames(ctx context.Context, svc *concord.Service) (map[string]concord.Feature, error) {
	return siteNames(ctx, svc)
}

// AidWorkload sizes generated aid pipeline history.
type AidWorkload struct {
	Seed int64
	// Days is how many days before today the history covers.
	Days int
	// Consignments, when set, scales the daily flow so that about this
	// many consignments are generated (the benchmark's volume); zero
	// keeps the exercise's flow of about 600 trucks a day.
	Consignments int
}

// meanTrucksPerConsignment is the mean size GenerateAid draws (8 to 25
// trucks), for scaling the flow to a number of consignments.
const meanTrucksPerConsignment = 16.5

// GenerateAid generates consignments with their histories up to now,
// deterministically for the workload: the exercise's organisations
// sending through its crossings (sites by name, as SiteNames returns
// them), ramping up around the 600-truck target with weekly and random
// swings, skipping the days a crossing is closed.
func GenerateAid(w AidWorkload, sites map[string]concord.Feature, now time.Time) ([]pipeline.Seed, error) {
	rng := rand.New(rand.NewPCG(uint64(w.Seed), 0xa1d))
	days := w.Days
	today := now.UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -days)
	dailyMean := func(d int) float64 { return 420 + 180*float64(d)/60 + 60*math.Sin(float64(d)/3) }
	scale := 1.0
	if w.Consignments > 0 {
		var expected float64
		for d := 0; d < days; d++ {
			m := dailyMean(d)
			if start.AddDate(0, 0, d).Weekday() == time.Saturday {
				m *= 0.3
			}
			for _, c := range crossingPlans {
				if !c.closedOn(d, days) {
					expected += m * c.share / meanTrucksPerConsignment
				}
			}
		}
		if expected > 0 {
			scale = float64(w.Consignments) / expected
		}
	}
	for _, c := range crossingPlans {
		if _, ok := sites[c.name]; !ok {
			return nil, fmt.Errorf("demo crossing %q is missing", c.name)
		}
	}
	hour := func(t time.Time, lo, hi float64) time.Time {
		return t.Add(time.Duration((lo + rng.Float64()*(hi-lo)) * float64(time.Hour)))
	}
	var seeds []pipeline.Seed
	n := 0
	for d := 0; d < days; d++ {
		day := start.AddDate(0, 0, d)
		// Entries ramp up over the period, with weekly and random swings
		// around the 600-truck target.
		total := (dailyMean(d) + rng.NormFloat64()*60) * scale
		if day.Weekday() == time.Saturday {
			total *= 0.3
		}
		for _, c := range crossingPlans {
			if c.closedOn(d, days) {
				continue
			}
			f := sites[c.name]
			trucks := total * c.share
			for trucks > 1 {
				flow := aidFlow[pick(rng, len(aidFlow), func(i int) float64 { return aidFlow[i].share })]
				size := math.Min(math.Round(8+rng.Float64()*17), math.Round(trucks))
				trucks -= size
				n++
				sd, ok := demoConsignment(rng, n, flow.org, flow.implementer, flow.category, flow.item, flow.code, f, sites[flow.destinations[rng.IntN(len(flow.destinations))]],
					size, flow.tonnesPerTruck, hour(day, 6, 12), hour, now)
				if ok {
					seeds = append(seeds, sd)
				}
			}
		}
	}
	return seeds, nil
}

// pick draws an index with the given weights.
func pick(rng *rand.Rand, n int, weight func(int) float64) int {
	var sum float64
	for i := range n {
		sum += weight(i)
	}
	x := rng.Float64() * sum
	for i := range n {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	return n - 1
}

// demoConsignment builds one consignment offloaded around offload, with
// its history up to now.
func demoConsignment(rng *rand.Rand, n int, org, impl string, cat aid.Category, item, code string, crossing, dest concord.Feature,
	trucks, tpt float64, offload time.Time, hour func(time.Time, float64, float64) time.Time, now time.Time) (pipeline.Seed, bool) {
	q := aid.Qty{Trucks: trucks, Tonnes: math.Round(trucks * tpt * (0.85 + rng.Float64()*0.3)), Pallets: trucks * 26}
	if cat == "fuel" {
		q = aid.Qty{Trucks: trucks, Tonnes: trucks * 27, Litres: trucks * 33000}
	}
	operator := crossing.Marking.Owner
	reg := offload.Add(-time.Duration(60+rng.IntN(48)) * time.Hour)
	sd := pipeline.Seed{CreateInput: pipeline.CreateInput{RegisteredAt: reg, Consignment: aid.Consignment{
		ExternalRefs: map[string]string{"un2720": fmt.Sprintf("UN2720-%s-%05d", strings.ToUpper(org[:3]), n)},
		Sender:       org, Implementer: impl, Category: cat, Corridor: "ISR", Origin: "Ashdod port (exercise)", Crossing: crossing.ID,
		Destination: dest.ID, Planned: q, Lines: []aid.Line{{ItemCode: code, ItemName: item, Category: cat, Quantity: q.Tonnes, Unit: "t", WeightKg: q.Tonnes * 1000}},
	}}}
	var evs []aid.Event
	add := func(party string, st aid.Stage, at time.Time, q aid.Qty, reason, kind string, items []string) bool {
		if at.After(now) {
			return false
		}
		evs = append(evs, aid.Event{Stage: st, At: at, Party: party, Actor: "demo-history", Qty: q, Reason: reason, Kind: kind, Items: items})
		return true
	}
	sub := hour(reg, 1, 4)
	add(org, aid.SubmittedForClearance, sub, aid.Qty{}, "", "", nil)
	if rng.IntN(100) < 5 {
		r := rejectionReasons[rng.IntN(len(rejectionReasons))]
		var items []string
		if r.item != "" {
			items = []string{r.item}
		}
		add(operator, aid.Rejected, hour(sub, 12, 30), aid.Qty{}, r.reason, "", items)
		sd.Events = evs
		return sd, true
	}
	steps := []struct {
		party string
		st    aid.Stage
		at    time.Time
	}{
		{operator, aid.Cleared, hour(sub, 14, 36)},
		{org, aid.Dispatched, offload.Add(-9 * time.Hour)},
		{operator, aid.ArrivedAtCrossing, offload.Add(-5 * time.Hour)},
		{operator, aid.Inspected, offload.Add(-2 * time.Hour)},
		{operator, aid.Offloaded, offload},
	}
	for _, s := range steps {
		sq := q
		if s.st == aid.Cleared {
			sq = aid.Qty{}
		}
		if !add(s.party, s.st, s.at, sq, "", "", nil) {
			sd.Events = evs
			return sd, true
		}
	}
	// Collection: most within a day, some over several, a few waiting.
	lag := []float64{2, 6, 14, 30, 60, 110}[pick(rng, 6, func(i int) float64 { return []float64{30, 30, 20, 10, 6, 4}[i] })]
	parts := 1 + rng.IntN(2)
	left := q
	t := offload
	for i := range parts {
		part := left
		if i < parts-1 {
			part = scale(q, 0.6)
		}
		t = hour(t, lag*0.5, lag*1.5)
		if !add(impl, aid.Collected, t, part, "", "", nil) {
			break
		}
		left = subQty(left, part)
		tt := hour(t, 0.5, 2)
		if !add(impl, aid.InTransit, tt, part, "", "", nil) {
			break
		}
		end := hour(tt, 1, 5)
		switch r := rng.IntN(100); {
		case r < 4:
			lost := scale(part, 0.3+rng.Float64()*0.4)
			kind := aid.InterceptedCrowd
			if rng.IntN(3) == 0 {
				kind = aid.InterceptedArmed
			}
			if add(impl, aid.Intercepted, end, lost, "", kind, nil) {
				add(impl, aid.Delivered, end.Add(time.Hour), subQty(part, lost), "", "", nil)
			}
		case r < 6:
			add(impl, aid.Returned, end, part, "road blocked; returned to the crossing", "", nil)
		default:
			dq := part
			if rng.IntN(10) == 0 {
				dq.Damaged = math.Round(part.Tonnes * 0.05)
			}
			add(impl, aid.Delivered, end, dq, "", "", nil)
		}
	}
	sd.Events = evs
	return sd, true
}

func scale(q aid.Qty, f float64) aid.Qty {
	return aid.Qty{Trucks: math.Round(q.Trucks * f), Tonnes: math.Round(q.Tonnes * f), Pallets: math.Round(q.Pallets * f), Litres: math.Round(q.Litres * f)}
}

func subQty(a, b aid.Qty) aid.Qty {
	return aid.Qty{Trucks: a.Trucks - b.Trucks, Tonnes: a.Tonnes - b.Tonnes, Pallets: a.Pallets - b.Pallets, Litres: a.Litres - b.Litres}
}
