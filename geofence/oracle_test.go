package geofence

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/concord-mission/concord/geo"
)

// The property test: random zones, routes and tracks on a binary grid (so
// that boundary cases — positions on edges, vertices and lines — happen
// often and every sign test is exact), checked after every update and tick
// against brute force over every zone: orb's point-in-polygon for areas and
// sectors, a ray-parity side for control lines, distances to every route
// segment. Zone changes come between batches of updates.

const og = 1.0 / 2048 // oracle grid step (≈ 47 m east, 54 m north)

func ogPt(i, j float64) orb.Point { return orb.Point{34.25 + i*og, 31.375 + j*og} }

type oracle struct {
	t     *testing.T
	rng   *rand.Rand
	e     *Engine
	zones map[string]Zone
	clock time.Time
	lastT time.Time // last Tick
	stale time.Duration
	plane geo.Plane
	trks  []*otrack
	nz    int
	// counts of events by transition; [0] counts positions on a boundary
	counts [Stale + 1]int
}

type otrack struct {
	id       string
	seen     bool
	pos      orb.Point
	at       time.Time // last accepted update
	reported time.Time
	isStale  bool
	clean    bool                 // updated since the last zone change
	lastOff  map[string]orb.Point // per line, the last position off it
	route    *Route
	rpts     [][2]float64
	off, arr bool
	k        int // route progress
}

// inPolygon is the closed polygon (hole boundaries included): orb's
// containment for each ring, with an exact on-ring test for holes, as orb
// counts a hole's boundary out of the polygon.
func inPolygon(p orb.Polygon, pt orb.Point) bool {
	if !planar.RingContains(p[0], pt) {
		return false
	}
	for _, h := range p[1:] {
		if planar.RingContains(h, pt) && !onRing(h, pt) {
			return false
		}
	}
	return true
}

func onRing(r orb.Ring, p orb.Point) bool {
	for i := 1; i < len(r); i++ {
		a, b := r[i-1], r[i]
		if (b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0]) == 0 &&
			math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) && math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1]) {
			return true
		}
	}
	return false
}

// side is 0 on the line, else ±1 by the parity of the line's crossings of a
// ray from p towards −x (half-open in y). The lines span the track area
// from south to north, so this is a consistent side there.
func side(l orb.LineString, p orb.Point) int {
	if onRing(orb.Ring(l), p) {
		return 0
	}
	odd := false
	for i := 1; i < len(l); i++ {
		c, d := l[i-1], l[i]
		if (c[1] > p[1]) != (d[1] > p[1]) {
			o := (d[0]-c[0])*(p[1]-c[1]) - (d[1]-c[1])*(p[0]-c[0])
			if (o < 0) == (d[1] > c[1]) {
				odd = !odd
			}
		}
	}
	if odd {
		return 1
	}
	return -1
}

// want is the brute-force answer: active areas containing p at t, and the
// sector (smallest ID among those containing p).
func (o *oracle) want(p orb.Point, t time.Time) (areas []string, sector string) {
	for id, z := range o.zones {
		switch {
		case z.Kind == Sector && inPolygon(z.Polygon, p):
			if sector == "" || id < sector {
				sector = id
			}
		case z.Kind.isArea() && (z.From.IsZero() || !t.Before(z.From)) && (z.To.IsZero() || t.Before(z.To)) && inPolygon(z.Polygon, p):
			areas = append(areas, id)
		}
	}
	slices.Sort(areas)
	return areas, sector
}

func (o *oracle) inside(p orb.Point, t time.Time) []string {
	a, s := o.want(p, t)
	if s != "" {
		a = append(a, s)
		slices.Sort(a)
	}
	return a
}

func (o *oracle) randPolygon() orb.Polygon {
	r := o.rng
	cx, cy := float64(r.IntN(200)), float64(r.IntN(200))
	switch r.IntN(4) {
	case 0: // a rectangle with a hole
		w, h := float64(4+r.IntN(30)), float64(4+r.IntN(30))
		hx, hy := cx+1+float64(r.IntN(int(w)-2)), cy+1+float64(r.IntN(int(h)-2))
		hole := orb.Ring{ogPt(hx, hy), ogPt(hx, hy+1), ogPt(hx+1, hy+1), ogPt(hx+1, hy), ogPt(hx, hy)}
		return orb.Polygon{{ogPt(cx, cy), ogPt(cx+w, cy), ogPt(cx+w, cy+h), ogPt(cx, cy+h), ogPt(cx, cy)}, hole}
	case 1: // a triangle (diagonal edges through grid points)
		a, b := float64(2+r.IntN(20)), float64(2+r.IntN(20))
		return orb.Polygon{{ogPt(cx, cy), ogPt(cx+2*a, cy), ogPt(cx+a, cy+a+b), ogPt(cx, cy)}}
	default: // a star-shaped polygon snapped to the grid
		n := 5 + r.IntN(14)
		rr := 3 + r.Float64()*25
		var ring orb.Ring
		for k := 0; k < n; k++ {
			ang := 2 * math.Pi * float64(k) / float64(n)
			d := rr * (0.5 + 0.5*r.Float64())
			ring = append(ring, ogPt(math.Round(cx+d*math.Cos(ang)), math.Round(cy+d*math.Sin(ang))))
		}
		return orb.Polygon{append(ring, ring[0])}
	}
}

func (o *oracle) randZone(id string, kind ZoneKind) Zone {
	for {
		z := Zone{ID: id, Kind: kind, Name: id, Tag: uint32(o.rng.IntN(1000))}
		if kind == ControlLine {
			x := float64(20 + o.rng.IntN(160))
			for j := -50.0; j < 250; j += float64(5 + o.rng.IntN(30)) {
				z.Line = append(z.Line, ogPt(x+float64(o.rng.IntN(41)-20), j))
			}
			z.Line = append(z.Line, ogPt(x, 250))
		} else {
			z.Polygon = o.randPolygon()
		}
		if kind.isArea() && o.rng.IntN(2) == 0 {
			from := o.clock.Add(time.Duration(o.rng.IntN(1200)-200) * time.Second)
			switch o.rng.IntN(3) {
			case 0:
				z.From = from
			case 1:
				z.To = from
			default:
				z.From, z.To = from, from.Add(time.Duration(30+o.rng.IntN(900))*time.Second)
			}
		}
		if z.Validate() == nil {
			return z
		}
	}
}

// replacement is a new zone for id. A new line may not pass exactly through
// a track's position or last position off the old line: whether a step
// from there crosses it would depend on the line's history.
func (o *oracle) replacement(id string, kind ZoneKind) Zone {
	for {
		z := o.randZone(id, kind)
		ok := true
		for _, tr := range o.trks {
			lo, known := tr.lastOff[id]
			if kind == ControlLine && (side(z.Line, tr.pos) == 0 || (known && side(z.Line, lo) == 0)) {
				ok = false
			}
		}
		if ok {
			return z
		}
	}
}

func (o *oracle) put(z Zone) {
	if err := o.e.PutZone(z); err != nil {
		o.t.Fatalf("PutZone(%s): %v", z.ID, err)
	}
	o.zones[z.ID] = z
}

func (o *oracle) newZone() {
	o.nz++
	kinds := []ZoneKind{Restricted, Activity, Restricted, Activity, Sector}
	o.put(o.randZone(fmt.Sprintf("z%03d", o.nz), kinds[o.rng.IntN(len(kinds))]))
}

// mutate adds, replaces (same class) or removes zones.
func (o *oracle) mutate() {
	ids := make([]string, 0, len(o.zones))
	for id := range o.zones {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for range 1 + o.rng.IntN(3) {
		id := ids[o.rng.IntN(len(ids))]
		z := o.zones[id]
		switch o.rng.IntN(3) {
		case 0:
			o.newZone()
		case 1:
			kind := z.Kind
			if kind.isArea() {
				kind = []ZoneKind{Restricted, Activity}[o.rng.IntN(2)]
			}
			o.put(o.replacement(id, kind))
		default:
			o.e.RemoveZone(id)
			delete(o.zones, id)
		}
	}
	for _, tr := range o.trks {
		tr.clean = false
		for id := range tr.lastOff {
			if _, ok := o.zones[id]; !ok {
				delete(tr.lastOff, id)
			}
		}
	}
}

func (o *oracle) move(tr *otrack) orb.Point {
	r := o.rng
	i, j := (tr.pos[0]-34.25)/og, (tr.pos[1]-31.375)/og
	if tr.route != nil && r.IntN(10) > 0 {
		tr.k = min(tr.k+1, len(tr.route.Line)-1)
		p := tr.route.Line[tr.k]
		off := float64(r.IntN(9) - 4)
		if r.IntN(8) == 0 {
			off *= 3
		}
		return orb.Point{p[0] + off*og, p[1] + float64(r.IntN(9)-4)*og}
	}
	switch k := r.IntN(20); {
	case !tr.seen || k == 0:
		i, j = float64(r.IntN(201)), float64(r.IntN(201))
	case k == 1: // a vertex of some zone or a point on a line
		ids := make([]string, 0, len(o.zones))
		for id := range o.zones {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		z := o.zones[ids[r.IntN(len(ids))]]
		if z.Kind == ControlLine {
			s := r.IntN(len(z.Line) - 1)
			a, b := z.Line[s], z.Line[s+1]
			return orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
		}
		rg := z.Polygon[r.IntN(len(z.Polygon))]
		return rg[r.IntN(len(rg))]
	case k == 2: // standing still
		return tr.pos
	case k < 5: // off the grid
		return orb.Point{tr.pos[0] + (r.Float64()-0.5)*6*og, tr.pos[1] + (r.Float64()-0.5)*6*og}
	default:
		i += float64(r.IntN(13) - 6)
		j += float64(r.IntN(13) - 6)
	}
	return ogPt(math.Max(0, math.Min(200, math.Round(i))), math.Max(0, math.Min(200, math.Round(j))))
}

func diff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func (o *oracle) update(tr *otrack) {
	t := o.t
	p := o.move(tr)
	when := o.clock
	late := tr.seen && o.rng.IntN(20) == 0
	if late {
		when = tr.at.Add(-time.Duration(1+o.rng.IntN(30)) * time.Second)
	} else if tr.seen && o.rng.IntN(20) == 0 {
		when = tr.at // the same time again is accepted
	}
	// A tick after the last update moved the state to the tick's time.
	prevA, prevS := o.want(tr.pos, maxTime(tr.at, o.lastT))
	before := o.e.Inside(tr.id)
	evs := o.e.Update(nil, Update{TrackID: tr.id, Pos: p, At: when})
	for _, ev := range evs {
		o.counts[ev.Transition]++
	}
	for _, z := range o.zones {
		if (z.Kind == ControlLine && side(z.Line, p) == 0) || (z.Kind != ControlLine && onRing(z.Polygon[0], p)) {
			o.counts[0]++ // on a boundary
		}
	}
	ctx := fmt.Sprintf("update of %s to %v at %v", tr.id, p, when.Sub(t0))
	if late {
		if len(evs) != 0 || !slices.Equal(o.e.Inside(tr.id), before) {
			t.Fatalf("%s (out of order): events %q, inside %q→%q", ctx, names(evs), before, o.e.Inside(tr.id))
		}
		return
	}
	if tr.clean && tr.seen {
		// The engine's state before the update was the oracle's answer.
		if w := o.inside(tr.pos, maxTime(tr.at, o.lastT)); !slices.Equal(before, w) {
			t.Fatalf("%s: inside before %q, oracle %q", ctx, before, w)
		}
	}
	wantA, wantS := o.want(p, when)
	if !tr.seen {
		prevA, prevS = nil, ""
	}
	// Enter/exit: the difference of successive answers, taken from what the
	// engine held (it differs from the oracle's previous answer only after
	// a zone change, which is judged at this update).
	if !tr.clean {
		prevA, prevS = nil, ""
		for _, id := range before {
			if z, ok := o.zones[id]; ok && z.Kind == Sector {
				prevS = id
			} else if ok {
				prevA = append(prevA, id)
			}
		}
	}
	var wantEv []string
	for _, id := range wantA {
		if !slices.Contains(prevA, id) {
			wantEv = append(wantEv, "enter "+id)
		}
	}
	for _, id := range diff(prevA, wantA) {
		wantEv = append(wantEv, "exit "+id)
	}
	if wantS != prevS {
		wantEv = append(wantEv, "sector_change "+prevS+">"+wantS)
	}
	// Control lines: a change of side, judged from the last side off the line.
	for id, z := range o.zones {
		if z.Kind != ControlLine {
			continue
		}
		s := side(z.Line, p)
		if s != 0 {
			if last, ok := tr.lastOff[id]; ok && side(z.Line, last) != s {
				wantEv = append(wantEv, "cross "+id)
			}
			tr.lastOff[id] = p
		}
	}
	// Routes: brute-force distance and the hysteresis state machine.
	var wantD map[string]float64
	if tr.route != nil {
		v := o.plane.XY(p)
		d := math.Inf(1)
		for i := 1; i < len(tr.rpts); i++ {
			d = math.Min(d, geo.SegmentDistance(v, tr.rpts[i-1], tr.rpts[i]))
		}
		wantD = map[string]float64{}
		switch {
		case !tr.off && d > tr.route.OffRouteM:
			tr.off = true
			wantEv = append(wantEv, "off_route M")
			wantD["off_route"] = d
		case tr.off && d <= 0.9*tr.route.OffRouteM:
			tr.off = false
			wantEv = append(wantEv, "back_on_route M")
			wantD["back_on_route"] = d
		}
		end := tr.rpts[len(tr.rpts)-1]
		if de := math.Hypot(v[0]-end[0], v[1]-end[1]); !tr.arr && de <= tr.route.ArrivalM {
			tr.arr = true
			wantEv = append(wantEv, "arrived M")
			wantD["arrived"] = de
		}
	}
	got := names(evs)
	slices.Sort(got)
	slices.Sort(wantEv)
	if wantEv == nil {
		wantEv = []string{}
	}
	if !slices.Equal(got, wantEv) {
		t.Fatalf("%s: events %q, oracle %q (before %q, areas %q→%q, sector %q→%q)", ctx, got, wantEv, before, prevA, wantA, prevS, wantS)
	}
	for _, ev := range evs {
		if ev.ID != EventID(tr.id, ev.ZoneID, ev.Transition, when) || ev.Pos != p || !ev.At.Equal(when) {
			t.Fatalf("%s: event fields %+v", ctx, ev)
		}
		if d, ok := wantD[ev.Transition.String()]; ok && math.Abs(d-ev.DistanceM) > 1e-6 {
			t.Fatalf("%s: %s at %.9f m, oracle %.9f m", ctx, ev.Transition, ev.DistanceM, d)
		}
		if z, ok := o.zones[ev.ZoneID]; ok && (ev.Tag != z.Tag || ev.ZoneKind != z.Kind) {
			t.Fatalf("%s: event %+v, zone kind %s tag %d", ctx, ev, z.Kind, z.Tag)
		}
	}
	if in := o.e.Inside(tr.id); !slices.Equal(in, o.inside(p, when)) {
		t.Fatalf("%s: inside %q, oracle %q", ctx, in, o.inside(p, when))
	}
	tr.seen, tr.pos, tr.at, tr.reported, tr.isStale, tr.clean = true, p, when, when, false, true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// tick checks Tick: windows opening and closing around standing tracks
// move each clean track's state to the oracle's answer at now, through
// events at the boundaries, and tracks without a report for StaleAfter are
// reported once.
func (o *oracle) tick() {
	t := o.t
	now := o.clock
	before := map[string][]string{}
	for _, tr := range o.trks {
		before[tr.id] = o.e.Inside(tr.id)
	}
	evs := o.e.Tick(nil, now)
	for _, ev := range evs {
		o.counts[ev.Transition]++
	}
	byTrack := map[string][]Event{}
	for i, ev := range evs {
		if i > 0 && compareEvents(evs[i-1], ev) > 0 {
			t.Fatalf("Tick events out of order: %v", names(evs))
		}
		byTrack[ev.TrackID] = append(byTrack[ev.TrackID], ev)
	}
	for _, tr := range o.trks {
		state := slices.Clone(before[tr.id])
		var stale int
		for _, ev := range byTrack[tr.id] {
			switch ev.Transition {
			case Stale:
				stale++
				if !ev.At.Equal(tr.reported.Add(o.stale)) || ev.Pos != tr.pos {
					t.Fatalf("stale %s: %+v, last report %v", tr.id, ev, tr.reported.Sub(t0))
				}
			case Enter, Exit:
				z, ok := o.zones[ev.ZoneID]
				in := slices.Contains(state, ev.ZoneID)
				if !ok || in != (ev.Transition == Exit) || ev.Pos != tr.pos ||
					(ev.Transition == Enter && !ev.At.Equal(z.From)) || (ev.Transition == Exit && !ev.At.Equal(z.To)) ||
					!ev.At.After(tr.at) || ev.At.After(now) {
					t.Fatalf("Tick at %v: %s %s for %s (state %q, last update %v)", now.Sub(t0), ev.Transition, ev.ZoneID, tr.id, state, tr.at.Sub(t0))
				}
				if ev.Transition == Enter {
					state = append(state, ev.ZoneID)
					slices.Sort(state)
				} else {
					state = slices.DeleteFunc(state, func(s string) bool { return s == ev.ZoneID })
				}
			default:
				t.Fatalf("Tick emitted %+v", ev)
			}
		}
		if !slices.Equal(state, o.e.Inside(tr.id)) {
			t.Fatalf("Tick: events for %s do not explain its state: %q + %q ≠ %q", tr.id, before[tr.id], names(byTrack[tr.id]), o.e.Inside(tr.id))
		}
		wantStale := tr.seen && !tr.isStale && !tr.reported.Add(o.stale).After(now)
		if (stale == 1) != wantStale || stale > 1 {
			t.Fatalf("Tick at %v: %d stale events for %s, want %v (last report %v)", now.Sub(t0), stale, tr.id, wantStale, tr.reported.Sub(t0))
		}
		if wantStale {
			tr.isStale = true
		}
		if tr.seen && tr.clean {
			if w := o.inside(tr.pos, now); !slices.Equal(state, w) {
				t.Fatalf("Tick at %v: %s inside %q, oracle %q", now.Sub(t0), tr.id, state, w)
			}
		}
	}
	o.lastT = now
}

func TestAgainstOracle(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 42))
			cfg := Config{StaleAfter: 90 * time.Second, CellM: []float64{50, 500, 2000}[seed%3]}
			o := &oracle{t: t, rng: rng, e: New(cfg), zones: map[string]Zone{}, clock: t0, stale: cfg.StaleAfter, plane: geo.NewPlane(DefaultReference)}
			for range 30 {
				o.newZone()
			}
			for i := range 3 {
				o.put(o.randZone(fmt.Sprintf("sector%d", i), Sector))
			}
			for i := range 2 {
				o.put(o.randZone(fmt.Sprintf("line%d", i), ControlLine))
			}
			for i := range 12 {
				tr := &otrack{id: fmt.Sprintf("t%02d", i), lastOff: map[string]orb.Point{}}
				if i < 4 {
					var l orb.LineString
					x, y := float64(rng.IntN(200)), float64(rng.IntN(200))
					for range 40 + rng.IntN(40) {
						x, y = math.Max(0, math.Min(200, x+float64(rng.IntN(7)-3))), math.Max(0, math.Min(200, y+float64(rng.IntN(7)-2)))
						l = append(l, ogPt(x, y))
					}
					r := Route{MovementID: "M", Line: l, OffRouteM: 150 + float64(rng.IntN(200)), ArrivalM: 100}
					if r.Validate() == nil {
						tr.route = &r
						for _, p := range l {
							tr.rpts = append(tr.rpts, o.plane.XY(p))
						}
						if err := o.e.SetRoute(tr.id, r); err != nil {
							t.Fatal(err)
						}
					}
				}
				o.trks = append(o.trks, tr)
			}
			for n := 0; n < 3000; n++ {
				o.clock = o.clock.Add(time.Duration(1+rng.IntN(10)) * time.Second)
				o.update(o.trks[rng.IntN(len(o.trks))])
				if n%47 == 46 {
					o.tick()
				}
				if n%400 == 399 {
					o.mutate()
				}
			}
			t.Logf("on a boundary %d times; events: %v", o.counts[0], o.counts[1:])
		})
	}
}
