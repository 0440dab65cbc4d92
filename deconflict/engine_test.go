package deconflict

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

var (
	ref = orb.Point{34.39, 31.41}
	t0  = time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)
	pl  = newPlane(ref)
)

// m returns the WGS84 point x metres east and y metres north of ref.
func m(x, y float64) orb.Point { return pl.from(xy{x, y}) }

func line(pts ...orb.Point) orb.LineString { return orb.LineString(pts) }

// square is an axis-aligned square in metres.
func square(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{m(x0, y0), m(x1, y0), m(x1, y1), m(x0, y1), m(x0, y0)}}
}

func tp(h float64) *time.Time {
	t := t0.Add(time.Duration(h * float64(time.Hour)))
	return &t
}

// plan is a west-to-east route along y=0 from x=-5 km to x=5 km, 10:00–11:00
// on day t0, notified three days ahead.
func plan() Plan {
	return Plan{ID: "plan", Route: line(m(-5000, 0), m(5000, 0)), Depart: *tp(4), Arrive: *tp(5), SubmittedAt: t0.Add(-72 * time.Hour)}
}

func checks(fs []Finding, check string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func TestAreaBufferBoundary(t *testing.T) {
	for _, tc := range []struct {
		name string
		gap  float64
		want Severity
	}{
		{"240 m away is reported", 240, Warning},
		{"260 m away is not", 260, ""},
		{"entering blocks", -10, Blocking},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Config{Reference: ref})
			x.PutArea(Area{ID: "a", Name: "Closed zone", Geometry: square(-500, tc.gap, 500, tc.gap+800), Party: "ISR"})
			got := checks(x.Check(plan()), CheckRestrictedArea)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("unexpected findings %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Severity != tc.want {
				t.Fatalf("findings %+v, want one %s", got, tc.want)
			}
			f := got[0]
			if tc.gap > 0 && math.Abs(f.DistanceM-tc.gap) > 1 {
				t.Fatalf("distance %.1f m, want %.0f", f.DistanceM, tc.gap)
			}
			// The part of the route concerned is around x in [-740, 740].
			first, last := pl.to(f.Route[0]), pl.to(f.Route[len(f.Route)-1])
			if first[0] < -800 || first[0] > -400 || last[0] < 400 || last[0] > 800 {
				t.Fatalf("route part from %.0f to %.0f m", first[0], last[0])
			}
			if !f.From.After(plan().Depart) || !f.To.Before(plan().Arrive) || !f.From.Before(f.To) {
				t.Fatalf("time %s–%s", f.From, f.To)
			}
			if !strings.Contains(f.Reason, "Closed zone") {
				t.Fatalf("reason %q", f.Reason)
			}
		})
	}
}

func TestValidityWindows(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to *time.Time
		want     int
	}{
		{"ends when the movement departs (touching)", tp(0), tp(4), 0},
		{"starts when it arrives (touching)", tp(5), tp(9), 0},
		{"overlaps the window", tp(3), tp(4.6), 1},
		{"open-ended", tp(2), nil, 1},
		{"active only before the movement reaches it", tp(0), tp(4.1), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Config{Reference: ref})
			// The area sits at x in [1000, 2000]: reached at about 10:36.
			x.PutArea(Area{ID: "w", Name: "Activity", Activity: true, Geometry: square(1000, -300, 2000, 300), From: tc.from, To: tc.to})
			if got := checks(x.Check(plan()), CheckActivityArea); len(got) != tc.want {
				t.Fatalf("%d findings, want %d: %+v", len(got), tc.want, got)
			}
		})
	}
}

func TestMovementsCrossingVersusSharing(t *testing.T) {
	cfg := Config{Reference: ref, CorridorCapacity: 2}
	other := func(id string, route orb.LineString) Movement {
		return Movement{ID: id, Name: id, Route: route, Depart: *tp(4.2), Arrive: *tp(5.2)}
	}
	t.Run("crossing is not sharing", func(t *testing.T) {
		x := NewIndex(cfg)
		x.PutMovement(other("cross", line(m(0, -5000), m(0, 5000))))
		if got := checks(x.Check(plan()), CheckMovement); len(got) != 0 {
			t.Fatalf("crossing reported: %+v", got)
		}
	})
	t.Run("sharing within capacity warns", func(t *testing.T) {
		x := NewIndex(cfg)
		x.PutMovement(other("share", line(m(-2000, 100), m(3000, 100))))
		got := checks(x.Check(plan()), CheckMovement)
		if len(got) != 1 || got[0].Severity != Warning {
			t.Fatalf("%+v", got)
		}
		if l := sharedLen(got[0]); l < 4500 || l > 5500 {
			t.Fatalf("shared stretch %.0f m, want about 5 km", l)
		}
	})
	t.Run("beyond capacity blocks", func(t *testing.T) {
		x := NewIndex(cfg)
		x.PutMovement(other("a", line(m(-2000, 100), m(3000, 100))))
		x.PutMovement(other("b", line(m(-1000, -80), m(4000, -80))))
		got := checks(x.Check(plan()), CheckMovement)
		if !slices.ContainsFunc(got, func(f Finding) bool { return f.Severity == Blocking }) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("not at the same time", func(t *testing.T) {
		x := NewIndex(cfg)
		m := other("later", line(m(-2000, 100), m(3000, 100)))
		m.Depart, m.Arrive = *tp(6), *tp(7)
		x.PutMovement(m)
		if got := checks(x.Check(plan()), CheckMovement); len(got) != 0 {
			t.Fatalf("%+v", got)
		}
	})
}

func sharedLen(f Finding) float64 {
	l := 0.0
	for i := 1; i < len(f.Route); i++ {
		l += dist(pl.to(f.Route[i-1]), pl.to(f.Route[i]))
	}
	return l
}

func TestControlLineCrossedTwice(t *testing.T) {
	x := NewIndex(Config{Reference: ref})
	// A line that bulges across the route twice.
	x.PutLine(Line{ID: "yl", Name: "Yellow line", Version: "declared", Party: "ISR", Geometry: line(m(-3000, 2000), m(-1000, -2000), m(1000, -2000), m(3000, 2000))})
	got := checks(x.Check(plan()), CheckControlLine)
	if len(got) != 2 {
		t.Fatalf("%d crossings, want 2: %+v", len(got), got)
	}
	for _, f := range got {
		if f.Party != "ISR" || f.Severity != NeedsAck || !strings.Contains(f.Reason, "ISR") {
			t.Fatalf("%+v", f)
		}
	}
	if !got[0].From.Before(got[1].From) {
		t.Fatal("crossings not in route order")
	}
	if p := AckParties(x.Check(plan())); !slices.Equal(p, []string{"ISR"}) {
		t.Fatalf("ack parties %v", p)
	}
}

func TestSectorsAndSites(t *testing.T) {
	x := NewIndex(Config{Reference: ref})
	x.PutSector(Sector{ID: "s1", Name: "Sector Central", Lead: "PAK", Geometry: square(-1000, -3000, 6000, 3000)})
	x.PutSite(Site{ID: "c", Name: "Kissufim crossing", Kind: "crossing", Status: "closed", Geometry: m(2000, 50)})
	x.PutSite(Site{ID: "h", Name: "Clinic", Kind: "clinic", Status: "open", Notified: true, Geometry: m(-3000, 200)})
	x.PutSite(Site{ID: "far", Name: "Far bakery", Kind: "bakery", Status: "closed", Geometry: m(0, 900)})
	fs := x.Check(plan())
	sec := checks(fs, CheckSector)
	if len(sec) != 1 || sec[0].Party != "PAK" || sharedLen(sec[0]) < 5900 || sharedLen(sec[0]) > 6100 {
		t.Fatalf("sector findings %+v", sec)
	}
	if s := checks(fs, CheckSite); len(s) != 1 || s[0].RecordID != "c" || s[0].Severity != Blocking {
		t.Fatalf("site findings %+v", s)
	}
	if n := checks(fs, CheckNotifiedSite); len(n) != 1 || n[0].Severity != Info {
		t.Fatalf("notified findings %+v", n)
	}
	slot := x.Earliest(plan(), 72*time.Hour, 15*time.Minute)
	if slot.Found || len(slot.RuledOut) == 0 || !strings.Contains(strings.Join(slot.RuledOut[0].Reasons, " "), "Kissufim") {
		t.Fatalf("earliest with a closed crossing: %+v", slot)
	}
}

func TestLeadTimeAndWindow(t *testing.T) {
	x := NewIndex(Config{Reference: ref})
	p := plan()
	p.SubmittedAt = p.Depart.Add(-47 * time.Hour)
	if f := checks(x.Check(p), CheckLeadTime); len(f) != 1 || f[0].Severity != Blocking {
		t.Fatalf("47 h normal: %+v", f)
	}
	p.Emergency = true
	if f := checks(x.Check(p), CheckLeadTime); len(f) != 0 {
		t.Fatalf("47 h emergency: %+v", f)
	}
	p.Arrive = p.Depart
	if f := checks(x.Check(p), CheckWindow); len(f) != 1 {
		t.Fatalf("empty window: %+v", f)
	}
	p.Arrive = p.Depart.Add(8 * 24 * time.Hour)
	if f := checks(x.Check(p), CheckWindow); len(f) != 1 || !strings.Contains(f[0].Reason, "7 days") {
		t.Fatalf("8-day window: %+v", f)
	}
}

func TestEarliestDeparture(t *testing.T) {
	x := NewIndex(Config{Reference: ref})
	x.PutArea(Area{ID: "w", Name: "Detonation window", Activity: true, Geometry: square(-200, -200, 200, 200), From: tp(3), To: tp(8)})
	p := plan()
	if !HasBlocking(x.Check(p)) {
		t.Fatal("plan should be blocked")
	}
	slot := x.Earliest(p, 72*time.Hour, 15*time.Minute)
	// The route reaches the area halfway (30 min after departure); the
	// first departure that passes after 08:00 + 1 min is 07:45.
	if !slot.Found || !slot.Depart.Equal(*tp(7.75)) {
		t.Fatalf("earliest %+v", slot)
	}
	if len(slot.RuledOut) != 1 || !slot.RuledOut[0].From.Equal(*tp(4)) || !slot.RuledOut[0].To.Equal(*tp(7.75)) || !strings.Contains(slot.RuledOut[0].Reasons[0], "Detonation window") {
		t.Fatalf("ruled out %+v", slot.RuledOut)
	}
	q := p
	q.Depart, q.Arrive = slot.Depart, slot.Arrive
	if HasBlocking(x.Check(q)) {
		t.Fatalf("the earliest slot is blocked: %+v", x.Check(q))
	}
}

func TestIncrementalUpdates(t *testing.T) {
	x := NewIndex(Config{Reference: ref, CorridorCapacity: 1})
	mv := Movement{ID: "o", Route: line(m(-4000, 0), m(4000, 0)), Depart: *tp(4), Arrive: *tp(5)}
	x.PutMovement(mv)
	if len(checks(x.Check(plan()), CheckMovement)) != 1 {
		t.Fatal("movement not seen")
	}
	mv.Depart, mv.Arrive = *tp(10), *tp(11)
	x.PutMovement(mv) // replaced, not duplicated
	if len(checks(x.Check(plan()), CheckMovement)) != 0 {
		t.Fatal("old window still indexed")
	}
	x.RemoveMovement("o")
	if _, _, n, c := x.Sizes(); n != 0 || c != 0 {
		t.Fatalf("after removal: %d movements, %d cells", n, c)
	}
	x.PutArea(Area{ID: "a", Name: "A", Geometry: square(-100, -100, 100, 100)})
	x.Remove("a")
	if len(checks(x.Check(plan()), CheckRestrictedArea)) != 0 {
		t.Fatal("removed area still reported")
	}
}

// TestMovingAwayNeverAddsFindings is a property test: a route moved further
// from every area and site never gets more area or site findings.
func TestMovingAwayNeverAddsFindings(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for world := 0; world < 40; world++ {
		x := NewIndex(Config{Reference: ref})
		for i := 0; i < 30; i++ {
			cx, cy := -8000+rng.Float64()*6000, -4000+rng.Float64()*8000
			w := 100 + rng.Float64()*600
			x.PutArea(Area{ID: string(rune('a' + i)), Name: "area", Activity: rng.IntN(2) == 0, Geometry: square(cx, cy, cx+w, cy+w), From: tp(rng.Float64() * 8), To: tp(8 + rng.Float64()*8)})
			x.PutSite(Site{ID: string(rune('A' + i)), Name: "site", Kind: "crossing", Status: "closed", Geometry: m(cx+rng.Float64()*1000, cy)})
		}
		var route orb.LineString
		for k := 0; k < 2+rng.IntN(6); k++ {
			route = append(route, m(-1500+rng.Float64()*3000, -3000+rng.Float64()*6000))
		}
		count := func(dx float64) int {
			p := plan()
			p.Route = make(orb.LineString, len(route))
			for i, pt := range route {
				v := pl.to(pt)
				p.Route[i] = m(v[0]+dx, v[1])
			}
			n := 0
			for _, f := range x.Check(p) {
				if f.Check == CheckRestrictedArea || f.Check == CheckActivityArea || f.Check == CheckSite {
					n++
				}
			}
			return n
		}
		prev := count(0)
		for dx := 200.0; dx <= 3000; dx += 200 {
			n := count(dx)
			if n > prev {
				t.Fatalf("world %d: moving the route %.0f m further east raised findings from %d to %d", world, dx, prev, n)
			}
			prev = n
		}
	}
}

func TestDeterministic(t *testing.T) {
	build := func() *Index {
		x := NewIndex(Config{Reference: ref})
		for i, id := range []string{"z", "b", "m", "a"} {
			x.PutArea(Area{ID: id, Name: id, Geometry: square(float64(i*1000-2000), -100, float64(i*1000-1500), 100)})
		}
		return x
	}
	a, b := build().Check(plan()), build().Check(plan())
	if len(a) != 4 || len(a) != len(b) {
		t.Fatalf("%d / %d findings", len(a), len(b))
	}
	for i := range a {
		if a[i].RecordID != b[i].RecordID || a[i].Reason != b[i].Reason {
			t.Fatal("order differs between runs")
		}
	}
}

// FuzzCheck feeds arbitrary routes to the engine: it must not panic, must
// be deterministic, and every finding's time must lie in the plan's window.
func FuzzCheck(f *testing.F) {
	f.Add(0.0, 0.0, 1000.0, 0.0, 500.0, 500.0, int64(3600))
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, int64(0))
	f.Add(-1e6, 3.0, 1e6, -3.0, 1e9, 7.0, int64(-5))
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, x2, y2 float64, secs int64) {
		for _, v := range []float64{x0, y0, x1, y1, x2, y2} {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
				return
			}
		}
		x := NewIndex(Config{Reference: ref})
		x.PutArea(Area{ID: "a", Name: "a", Geometry: square(0, 0, 800, 800), From: tp(0), To: tp(10)})
		x.PutLine(Line{ID: "l", Name: "l", Party: "ISR", Geometry: line(m(-500, -2000), m(-500, 2000))})
		x.PutSector(Sector{ID: "s", Name: "s", Lead: "PAK", Geometry: square(-3000, -3000, 3000, 3000)})
		x.PutMovement(Movement{ID: "o", Route: line(m(-2000, 100), m(2000, 100)), Depart: *tp(4), Arrive: *tp(6)})
		p := plan()
		p.Route = line(m(x0, y0), m(x1, y1), m(x2, y2))
		p.Arrive = p.Depart.Add(time.Duration(secs) * time.Second)
		a := x.Check(p)
		b := x.Check(p)
		if len(a) != len(b) {
			t.Fatal("not deterministic")
		}
		lo, hi := p.Depart, p.Arrive
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		for _, f := range a {
			if f.From.Before(lo.Add(-time.Second)) || f.To.After(hi.Add(time.Second)) {
				t.Fatalf("finding time %s–%s outside the window %s–%s: %+v", f.From, f.To, lo, hi, f)
			}
		}
		x.Earliest(p, 6*time.Hour, 30*time.Minute)
	})
}

// TestConcurrentChecksAndUpdates runs checks while movements and areas
// change (under -race: the per-check scratch memory must not be shared),
// and checks that a check run alone afterwards gives the same findings.
func TestConcurrentChecksAndUpdates(t *testing.T) {
	w := GenerateWorkload(WorkloadParams{Seed: 4, Areas: 300, Movements: 3000, Plans: 40, Start: benchStart, CorridorShare: 0.5})
	x := NewIndex(Config{})
	x.Load(w)
	want := make([][]Finding, len(w.Plans))
	for i, p := range w.Plans {
		want[i] = x.Check(p)
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := g; i < len(w.Plans)*3; i += 3 {
				x.Check(w.Plans[i%len(w.Plans)])
				x.Earliest(w.Plans[i%len(w.Plans)], 6*time.Hour, time.Hour)
			}
		})
	}
	wg.Go(func() {
		for i := range 500 {
			x.PutMovement(w.Movements[i]) // the same movement again: no change
			x.PutArea(w.Areas[i%len(w.Areas)])
		}
	})
	wg.Wait()
	for i, p := range w.Plans {
		if got := x.Check(p); !slices.EqualFunc(got, want[i], func(a, b Finding) bool { return a.Reason == b.Reason && a.RecordID == b.RecordID }) {
			t.Fatalf("plan %d: findings changed after re-putting the same records", i)
		}
	}
}

// TestLongWindows covers the records filed apart from the time buckets:
// movements whose windows span weeks, areas valid for months, and plans
// whose window is longer than the day trees serve.
func TestLongWindows(t *testing.T) {
	x := NewIndex(Config{Reference: ref, CorridorCapacity: 1})
	x.PutMovement(Movement{ID: "convoy", Route: line(m(-4000, 50), m(4000, 50)), Depart: t0.Add(-20 * 24 * time.Hour), Arrive: t0.Add(20 * 24 * time.Hour)})
	x.PutArea(Area{ID: "season", Name: "Season", Geometry: square(-100, -100, 100, 100), From: tp(-24 * 60), To: tp(24 * 60)})
	for _, p := range []Plan{plan(), func() Plan { p := plan(); p.Arrive = p.Depart.Add(20 * 24 * time.Hour); return p }()} {
		fs := x.Check(p)
		if len(checks(fs, CheckMovement)) != 1 || len(checks(fs, CheckRestrictedArea)) != 1 {
			t.Fatalf("window %s: %+v", p.Arrive.Sub(p.Depart), fs)
		}
	}
	x.RemoveMovement("convoy")
	x.RemoveArea("season")
	if fs := x.Check(plan()); len(checks(fs, CheckMovement))+len(checks(fs, CheckRestrictedArea)) != 0 {
		t.Fatalf("after removal: %+v", fs)
	}
	if _, _, n, e := x.Sizes(); n != 0 || e != 0 {
		t.Fatalf("after removal: %d movements, %d entries", n, e)
	}
}
