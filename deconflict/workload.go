package deconflict

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
)

// Workload is a synthetic mission state for benchmarks: areas with
// validity windows and approved movements spread over a period inside a
// bounding box, and planned movements to check. The same parameters and
// seed give the same workload.
type Workload struct {
	Areas     []Area
	Movements []Movement
	Plans     []Plan
}

// WorkloadParams describe a workload.
type WorkloadParams struct {
	Seed      uint64
	Areas     int
	Movements int
	Plans     int
	// Bound is where everything lies (default: the demo AO's box).
	Bound orb.Bound
	// Start and Days span the movements' and areas' windows.
	Start time.Time
	Days  int
	// PlanKm is the length of each planned route (default 20 km).
	PlanKm float64
	// CorridorShare is the fraction of movements that follow one of ten
	// shared corridors instead of wandering (0 to 1).
	CorridorShare float64
}

// GenerateWorkload builds a workload. A CorridorShare of the movements
// follow ten corridors (busy cells, as on a mission's main roads), the rest
// wander; areas are 8–20-vertex polygons 300–1,200 m across.
func GenerateWorkload(wp WorkloadParams) Workload {
	if wp.Bound.IsZero() {
		wp.Bound = orb.Bound{Min: orb.Point{34.22, 31.23}, Max: orb.Point{34.56, 31.59}}
	}
	if wp.Days == 0 {
		wp.Days = 30
	}
	if wp.PlanKm == 0 {
		wp.PlanKm = 20
	}
	rng := rand.New(rand.NewPCG(wp.Seed, 0xdecaf))
	p := newPlane(wp.Bound.Center())
	lo, hi := p.to(wp.Bound.Min), p.to(wp.Bound.Max)
	rnd := func() xy { return xy{lo[0] + rng.Float64()*(hi[0]-lo[0]), lo[1] + rng.Float64()*(hi[1]-lo[1])} }
	clamp := func(v xy) xy {
		return xy{math.Max(lo[0], math.Min(hi[0], v[0])), math.Max(lo[1], math.Min(hi[1], v[1]))}
	}
	span := time.Duration(wp.Days) * 24 * time.Hour
	when := func() time.Time { return wp.Start.Add(time.Duration(rng.Float64() * float64(span))) }
	// walkRoute is a route of about km kilometres from a, heading h.
	walkRoute := func(a xy, h, km float64) orb.LineString {
		n := 5 + rng.IntN(20)
		seg := km * 1000 / float64(n)
		l := orb.LineString{p.from(a)}
		for i := 0; i < n; i++ {
			h += (rng.Float64() - 0.5) * 0.6
			a = clamp(xy{a[0] + seg*math.Cos(h), a[1] + seg*math.Sin(h)})
			l = append(l, p.from(a))
		}
		return l
	}
	var corridors []orb.LineString
	for i := 0; i < 10; i++ {
		corridors = append(corridors, walkRoute(rnd(), rng.Float64()*2*math.Pi, 30))
	}
	var w Workload
	for i := 0; i < wp.Areas; i++ {
		c := rnd()
		r := 150 + rng.Float64()*450
		n := 8 + rng.IntN(13)
		radii := make([]float64, n)
		for k := range radii {
			radii[k] = r * (0.7 + 0.3*rng.Float64())
		}
		ring := p.StarRing(c, radii)
		from := when()
		to := from.Add(time.Duration(2+rng.IntN(118)) * time.Hour)
		w.Areas = append(w.Areas, Area{ID: fmt.Sprintf("area-%06d", i), Name: fmt.Sprintf("area %d", i), Activity: i%2 == 0, Geometry: orb.Polygon{ring}, From: &from, To: &to, Party: "ISR"})
	}
	for i := 0; i < wp.Movements; i++ {
		var route orb.LineString
		if rng.Float64() < wp.CorridorShare {
			base := corridors[rng.IntN(len(corridors))]
			off := (rng.Float64() - 0.5) * 200
			for _, pt := range base {
				v := p.to(pt)
				route = append(route, p.from(clamp(xy{v[0] + off, v[1] + off})))
			}
		} else {
			route = walkRoute(rnd(), rng.Float64()*2*math.Pi, 5+rng.Float64()*25)
		}
		dep := when()
		w.Movements = append(w.Movements, Movement{ID: fmt.Sprintf("mov-%06d", i), Route: route, Depart: dep, Arrive: dep.Add(time.Duration(60+rng.IntN(300)) * time.Minute)})
	}
	for i := 0; i < wp.Plans; i++ {
		dep := when()
		w.Plans = append(w.Plans, Plan{ID: fmt.Sprintf("plan-%d", i), Route: walkRoute(rnd(), rng.Float64()*2*math.Pi, wp.PlanKm),
			Depart: dep, Arrive: dep.Add(2 * time.Hour), SubmittedAt: dep.Add(-72 * time.Hour)})
	}
	return w
}

// Load puts a workload's areas and movements into the index.
func (x *Index) Load(w Workload) {
	for _, a := range w.Areas {
		x.PutArea(a)
	}
	x.PutMovements(w.Movements)
}
