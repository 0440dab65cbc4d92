package assign

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var day = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

func world() World {
	return World{
		Mission: Mission{Cessation: false},
		Sectors: map[string]Sector{
			"central": {ID: "central", Name: "Sector Central", LineKm: 0, PartyKm: map[string]float64{"ISR": 0}},
			"north":   {ID: "north", Name: "Sector North", LineKm: 0.8, PartyKm: map[string]float64{"ISR": 0.8}},
			"coast":   {ID: "coast", Name: "Sector Coast", LineKm: 6, PartyKm: map[string]float64{"ISR": 6}},
		},
		Requirements: map[string]Requirement{},
		Pledges:      map[string]Pledge{},
	}
}

func req(id, sector string, tasks ...Task) Requirement {
	return Requirement{ID: id, Sector: sector, Capability: "infantry_battalion", Quantity: 1, MinStrength: 500, Tasks: tasks, NeededBy: day.AddDate(0, 1, 0), Priority: 3}
}

func pledge(id, nation string, cs ...Caveat) Pledge {
	return Pledge{ID: id, Nation: nation, Capability: "infantry_battalion", Strength: 700, Readiness: day, Accepted: true, ParliamentApproved: true, Caveats: cs}
}

func kinds(cs []Conflict) []string {
	var out []string
	for _, c := range cs {
		k := string(c.Kind)
		if c.Relay {
			k += "(relay)"
		}
		out = append(out, k)
	}
	return out
}

func TestCheckPlacementKnownAnswers(t *testing.T) {
	w := world()
	cases := []struct {
		name string
		p    Pledge
		r    Requirement
		want []string
	}{
		{"no disarmament vs weapons collection", pledge("p", "PAK", Caveat{Type: NoDisarmament}), req("r", "coast", "patrol", "weapons_collection"), []string{"task_forbidden"}},
		{"no disarmament vs patrol", pledge("p", "PAK", Caveat{Type: NoDisarmament}), req("r", "coast", "patrol"), nil},
		{"no combat vs crowd control", pledge("p", "IDN", Caveat{Type: NoCombat}), req("r", "coast", "crowd_control"), []string{"task_forbidden"}},
		{"no combat vs escort", pledge("p", "IDN", Caveat{Type: NoCombat}), req("r", "coast", "convoy_escort"), nil},
		{"allowed tasks", pledge("p", "ITA", Caveat{Type: AllowedTasks, Tasks: []Task{"patrol", "medical_support"}}), req("r", "coast", "patrol", "checkpoint"), []string{"task_forbidden"}},
		{"cessation not reached", pledge("p", "AZE", Caveat{Type: RequiresCessation}), req("r", "coast"), []string{"condition_unmet"}},
		{"parliament pending", func() Pledge {
			p := pledge("p", "AZE", Caveat{Type: RequiresParliament})
			p.ParliamentApproved = false
			return p
		}(), req("r", "coast"), []string{"condition_unmet"}},
		{"parliament voted", pledge("p", "AZE", Caveat{Type: RequiresParliament}), req("r", "coast"), nil},
		{"only sectors elsewhere", pledge("p", "IDN", Caveat{Type: OnlySectors, Sectors: []string{"north"}}), req("r", "coast"), []string{"geographic_limit"}},
		{"only sectors here", pledge("p", "IDN", Caveat{Type: OnlySectors, Sectors: []string{"Sector Coast"}}), req("r", "coast"), nil},
		{"too close to a line", pledge("p", "ITA", Caveat{Type: MinDistanceFromLine, Km: 2}), req("r", "north"), []string{"geographic_limit"}},
		{"far enough from a line", pledge("p", "ITA", Caveat{Type: MinDistanceFromLine, Km: 2}), req("r", "coast"), nil},
		{"borders the party's area", pledge("p", "PAK", Caveat{Type: NoDirectContact, Party: "ISR"}), req("r", "central"), []string{"no_direct_contact(relay)"}},
		{"within contact distance", pledge("p", "PAK", Caveat{Type: NoDirectContact, Party: "ISR"}), req("r", "north"), []string{"no_direct_contact(relay)"}},
		{"far from the party", pledge("p", "PAK", Caveat{Type: NoDirectContact, Party: "ISR"}), req("r", "coast"), nil},
		{"another party", pledge("p", "PAK", Caveat{Type: NoDirectContact, Party: "EGY"}), req("r", "central"), nil},
		{"ready too late", func() Pledge { p := pledge("p", "PAK"); p.Readiness = day.AddDate(0, 2, 0); return p }(), req("r", "coast"), []string{"readiness_late"}},
		{"too weak", func() Pledge { p := pledge("p", "PAK"); p.Strength = 300; return p }(), req("r", "coast"), []string{"strength_low"}},
		{"wrong capability", func() Pledge { p := pledge("p", "PAK"); p.Capability = "police_unit"; return p }(), req("r", "coast"), []string{"capability_mismatch"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := w.CheckPlacement(tc.p, tc.r)
			if !slices.Equal(kinds(got), tc.want) {
				t.Fatalf("conflicts %v, want %v:\n%s", kinds(got), tc.want, Explain(got))
			}
			for _, c := range got {
				if c.Reason == "" || (c.Relay && (c.Hard || !strings.Contains(c.Cost, "relayed"))) {
					t.Fatalf("badly explained: %+v", c)
				}
			}
		})
	}
	w.Mission.Cessation = true
	if cs := w.CheckPlacement(pledge("p", "AZE", Caveat{Type: RequiresCessation}), req("r", "coast")); len(cs) != 0 {
		t.Fatalf("cessation holds: %v", kinds(cs))
	}
}

// TestVerdictAgreesWithCheck: the optimizer's fast path decides exactly as
// the explaining checker does.
func TestVerdictAgreesWithCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for n := 0; n < 200; n++ {
		w := randomWorld(rng, 4, 6)
		for _, p := range w.Pledges {
			for _, r := range w.Requirements {
				hard, relay := w.verdict(p, r)
				ch, cr := false, false
				for _, c := range w.CheckPlacement(p, r) {
					ch, cr = ch || c.Hard, cr || c.Relay
				}
				if hard != ch || (!hard && relay != cr) {
					t.Fatalf("verdict %v/%v, check %v/%v for %+v on %+v", hard, relay, ch, cr, p, r)
				}
			}
		}
	}
}

func TestCaveatValidation(t *testing.T) {
	for _, c := range []Caveat{{Type: "no_swimming"}, {Type: NoDirectContact}, {Type: MinDistanceFromLine, Km: -1}, {Type: AllowedTasks, Tasks: []Task{"juggling"}}, {Type: NoCombat, Party: "ISR"}} {
		if c.Validate() == nil {
			t.Errorf("caveat %+v accepted", c)
		}
	}
	for _, c := range []Caveat{{Type: NoDirectContact, Party: "ISR"}, {Type: OnlySectors, Sectors: []string{"s"}}, {Type: NoDisarmament}} {
		if err := c.Validate(); err != nil || c.Text() == "" {
			t.Errorf("caveat %+v: %v", c, err)
		}
	}
}

func TestCheckShortfall(t *testing.T) {
	w := world()
	r := req("r", "coast")
	r.Quantity = 2
	w.Requirements["r"] = r
	w.Pledges["p"] = pledge("p", "PAK")
	cs := w.Check([]Placement{{Pledge: "p", Requirement: "r"}})
	if len(cs) != 1 || cs[0].Kind != KindShortfall || !strings.Contains(cs[0].Reason, "needs 2") {
		t.Fatalf("%v", Explain(cs))
	}
}

// randomWorld builds a small random instance.
func randomWorld(rng *rand.Rand, nReq, nPledge int) World {
	w := world()
	caps := []Capability{"infantry_battalion", "engineer_company"}
	sectors := []string{"central", "north", "coast"}
	for i := 0; i < nReq; i++ {
		r := Requirement{ID: fmt.Sprintf("r%d", i), Sector: sectors[rng.IntN(3)], Capability: caps[rng.IntN(2)], Quantity: 1 + rng.IntN(2),
			MinStrength: 100 * rng.IntN(6), NeededBy: day.AddDate(0, 0, rng.IntN(40)), Priority: 1 + rng.IntN(5)}
		for _, t := range Tasks {
			if rng.IntN(5) == 0 {
				r.Tasks = append(r.Tasks, t)
			}
		}
		w.Requirements[r.ID] = r
	}
	for i := 0; i < nPledge; i++ {
		p := Pledge{ID: fmt.Sprintf("p%d", i), Nation: "N", Capability: caps[rng.IntN(2)], Strength: 100 * (1 + rng.IntN(6)),
			Readiness: day.AddDate(0, 0, rng.IntN(40)), Accepted: rng.IntN(5) > 0, ParliamentApproved: rng.IntN(2) == 0}
		for _, c := range []Caveat{{Type: NoDisarmament}, {Type: NoCombat}, {Type: RequiresParliament}, {Type: NoDirectContact, Party: "ISR"}, {Type: MinDistanceFromLine, Km: 1}, {Type: OnlySectors, Sectors: []string{sectors[rng.IntN(3)]}}} {
			if rng.IntN(4) == 0 {
				p.Caveats = append(p.Caveats, c)
			}
		}
		w.Pledges[p.ID] = p
	}
	return w
}

// bruteForce finds the best score by trying every assignment.
func bruteForce(w World) int {
	var ps []Pledge
	for _, p := range w.Pledges {
		if p.Accepted {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Pledge) int { return strings.Compare(a.ID, b.ID) })
	var rs []Requirement
	for _, r := range w.Requirements {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b Requirement) int { return strings.Compare(a.ID, b.ID) })
	ok := func(p Pledge, r Requirement) bool {
		for _, c := range w.CheckPlacement(p, r) {
			if c.Hard {
				return false
			}
		}
		return true
	}
	used := make([]int, len(rs))
	best := 0
	var rec func(i, score int)
	rec = func(i, score int) {
		if i == len(ps) {
			best = max(best, score)
			return
		}
		rec(i+1, score)
		for j, r := range rs {
			if used[j] < r.Quantity && ok(ps[i], r) {
				used[j]++
				rec(i+1, score+prio(r))
				used[j]--
			}
		}
	}
	rec(0, 0)
	return best
}

func TestOptimizerMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 300; n++ {
		w := randomWorld(rng, 2+rng.IntN(4), 2+rng.IntN(6))
		prop := w.Propose()
		if want := bruteForce(w); prop.Score != want {
			t.Fatalf("instance %d: optimizer %d, brute force %d", n, prop.Score, want)
		}
		// Never a hard conflict, never a pledge twice, never over quantity.
		used := map[string]bool{}
		count := map[string]int{}
		for _, pl := range prop.Placements {
			if used[pl.Pledge] {
				t.Fatalf("pledge %s placed twice", pl.Pledge)
			}
			used[pl.Pledge] = true
			count[pl.Requirement]++
			for _, c := range w.CheckPlacement(w.Pledges[pl.Pledge], w.Requirements[pl.Requirement]) {
				if c.Hard {
					t.Fatalf("hard conflict in the proposal: %s", Explain([]Conflict{c}))
				}
			}
			if !w.Pledges[pl.Pledge].Accepted {
				t.Fatal("a pledge not accepted was placed")
			}
		}
		for id, k := range count {
			if k > w.Requirements[id].Quantity {
				t.Fatalf("requirement %s over-filled", id)
			}
		}
		// Deterministic.
		again := w.Propose()
		if !slices.Equal(again.Placements, prop.Placements) {
			t.Fatal("not deterministic")
		}
	}
}

func TestGapsAreExplained(t *testing.T) {
	w := world()
	w.Requirements["disarm"] = req("disarm", "coast", "weapons_collection")
	w.Requirements["medics"] = Requirement{ID: "medics", Sector: "coast", Capability: "medical_level2", Quantity: 1, Priority: 2}
	w.Pledges["pak"] = pledge("pak", "PAK", Caveat{Type: NoDisarmament})
	prop := w.Propose()
	if len(prop.Placements) != 0 || len(prop.Gaps) != 2 {
		t.Fatalf("%+v", prop)
	}
	joined := strings.Join(append(prop.Gaps[0].Reasons, prop.Gaps[1].Reasons...), " | ")
	for _, want := range []string{"excluded by their caveats", "no pledge of a medical level2"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("reasons %q lack %q", joined, want)
		}
	}
	add, remove, keep := Diff([]Placement{{"x", "disarm"}}, prop.Placements)
	if len(add) != 0 || len(remove) != 1 || len(keep) != 0 {
		t.Fatal("diff")
	}
}

// GenerateWorld builds the benchmark instance: sectors × capabilities
// requirements and pledges with random caveats.
func GenerateWorld(seed uint64, sectors, caps, pledges int) World {
	rng := rand.New(rand.NewPCG(seed, 1))
	w := World{Sectors: map[string]Sector{}, Requirements: map[string]Requirement{}, Pledges: map[string]Pledge{}}
	for s := 0; s < sectors; s++ {
		id := fmt.Sprintf("s%03d", s)
		d := rng.Float64() * 10
		w.Sectors[id] = Sector{ID: id, Name: "Sector " + id, LineKm: d, PartyKm: map[string]float64{"ISR": d}}
		for c := 0; c < caps; c++ {
			r := Requirement{ID: fmt.Sprintf("%s-c%02d", id, c), Sector: id, Capability: Capabilities[c%len(Capabilities)], Quantity: 1 + rng.IntN(2),
				MinStrength: 100 * rng.IntN(5), NeededBy: day.AddDate(0, 0, rng.IntN(90)), Priority: 1 + rng.IntN(5)}
			for _, t := range Tasks {
				if rng.IntN(6) == 0 {
					r.Tasks = append(r.Tasks, t)
				}
			}
			w.Requirements[r.ID] = r
		}
	}
	for i := 0; i < pledges; i++ {
		p := Pledge{ID: fmt.Sprintf("p%04d", i), Nation: "N", Capability: Capabilities[rng.IntN(caps)%len(Capabilities)], Strength: 100 * (1 + rng.IntN(8)),
			Readiness: day.AddDate(0, 0, rng.IntN(90)), Accepted: true, ParliamentApproved: rng.IntN(3) > 0}
		for _, c := range []Caveat{{Type: NoDisarmament}, {Type: NoCombat}, {Type: RequiresParliament}, {Type: NoDirectContact, Party: "ISR"},
			{Type: MinDistanceFromLine, Km: 2}, {Type: OnlySectors, Sectors: []string{fmt.Sprintf("s%03d", rng.IntN(sectors))}}} {
			if rng.IntN(5) == 0 {
				p.Caveats = append(p.Caveats, c)
			}
		}
		w.Pledges[p.ID] = p
	}
	return w
}

func BenchmarkPropose(b *testing.B) {
	w := GenerateWorld(1, 200, 20, 2000)
	b.ReportAllocs()
	for b.Loop() {
		w.Propose()
	}
}

func BenchmarkCheckPlacement(b *testing.B) {
	w := GenerateWorld(1, 200, 20, 2000)
	var ps []Pledge
	for _, p := range w.Pledges {
		ps = append(ps, p)
	}
	var rs []Requirement
	for _, r := range w.Requirements {
		rs = append(rs, r)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.CheckPlacement(ps[i%len(ps)], rs[i%len(rs)])
	}
}

// BenchmarkCheckAssignment checks a whole assignment of the benchmark
// instance (what the board does after every change): one change means one
// full re-check.
func BenchmarkCheckAssignment(b *testing.B) {
	w := GenerateWorld(1, 200, 20, 2000)
	pls := w.Propose().Placements
	b.ReportMetric(float64(len(pls)), "placements")
	b.ReportAllocs()
	for b.Loop() {
		w.Check(pls)
	}
}

// TestGapCountsPledgesNotConflicts: a pledge that breaks two caveats is
// one excluded pledge.
func TestGapCountsPledgesNotConflicts(t *testing.T) {
	w := World{Sectors: map[string]Sector{"s": {ID: "s", Name: "S", LineKm: 5, PartyKm: map[string]float64{}}},
		Requirements: map[string]Requirement{"r": {ID: "r", Sector: "s", Capability: "infantry_battalion", Quantity: 1, NeededBy: day.AddDate(0, 0, 30)}},
		Pledges: map[string]Pledge{"p": {ID: "p", Nation: "AZE", Capability: "infantry_battalion", Readiness: day, Accepted: true,
			Caveats: []Caveat{{Type: RequiresCessation}, {Type: RequiresParliament}}}}}
	g := w.Propose().Gaps
	if len(g) != 1 || !strings.Contains(strings.Join(g[0].Reasons, " "), "1 pledge(s) of that capability are excluded") {
		t.Fatalf("gaps %+v", g)
	}
}
