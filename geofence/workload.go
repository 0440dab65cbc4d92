package geofence

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// Workload is a synthetic mission for benchmarks: polygon areas, five
// sectors and three control lines over an area of operations, and moving
// units — most wandering, some driving approved routes (a few of which
// stray off them). The same parameters give the same workload and the same
// reports, so that the engine's benchmark and the system benchmark
// (`concord bench geofence`) measure the same thing.
type Workload struct {
	Params WorkloadParams
	// Zones are the areas, then the sectors, then the control lines.
	Zones []Zone
	// Units are the track IDs, in report order.
	Units []string
	// Routes are the approved routes of the units that drive one.
	Routes []TrackRoute
	plan   []unitPlan
}

// TrackRoute is a unit's approved route.
type TrackRoute struct {
	TrackID string
	Route   Route
}

// WorkloadParams describe a workload; zero fields take the defaults shown.
type WorkloadParams struct {
	Seed  int64
	Zones int // polygon areas (8–20 vertices, 300–1,200 m across)
	Units int
	// Bound is the area of operations (default the demo AO, 34.22–34.56 E,
	// 31.23–31.59 N).
	Bound orb.Bound
	// Start is the time of the first report (default 2026-03-01 06:00 UTC).
	Start time.Time
	// Every is each unit's report interval (default 5 s); reports of
	// different units are spread evenly over it.
	Every time.Duration
	// RouteShare is the share of units that drive a route (default 0.1);
	// one in StrayEvery of them drifts off it (default 20).
	RouteShare float64
	StrayEvery int
}

type unitPlan struct {
	xy      [2]float64
	heading float64
	speed   float64 // m/s
	route   [][2]float64
	seg     int     // route segment being driven
	along   float64 // metres along it
	stray   bool
}

// GenerateWorkload returns the workload of zones polygon areas (a third of
// them activity areas, a quarter with a validity window of 1–6 h around the
// start), five sectors, three control lines and units units moving at
// 10–20 m/s and reporting every 5 s, 10% of them on 8–20 km routes, inside
// the demo AO.
func GenerateWorkload(seed int64, zones, units int) Workload {
	return NewWorkload(WorkloadParams{Seed: seed, Zones: zones, Units: units})
}

// NewWorkload returns the workload described by p.
func NewWorkload(p WorkloadParams) Workload {
	if p.Bound.IsZero() {
		p.Bound = orb.Bound{Min: orb.Point{34.22, 31.23}, Max: orb.Point{34.56, 31.59}}
	}
	if p.Start.IsZero() {
		p.Start = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	}
	if p.Every <= 0 {
		p.Every = 5 * time.Second
	}
	if p.RouteShare == 0 {
		p.RouteShare = 0.1
	}
	if p.StrayEvery <= 0 {
		p.StrayEvery = 20
	}
	w := Workload{Params: p}
	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x9e0fe9ce))
	pl := geo.NewPlane(p.Bound.Center())
	lo, hi := pl.XY(p.Bound.Min), pl.XY(p.Bound.Max)
	rnd := func() [2]float64 {
		return [2]float64{lo[0] + rng.Float64()*(hi[0]-lo[0]), lo[1] + rng.Float64()*(hi[1]-lo[1])}
	}
	for i := 0; i < p.Zones; i++ {
		c := rnd()
		r := 150 + rng.Float64()*450
		n := 8 + rng.IntN(13)
		radii := make([]float64, n)
		for k := range radii {
			radii[k] = r * (0.7 + 0.3*rng.Float64())
		}
		z := Zone{ID: fmt.Sprintf("area-%05d", i), Kind: Restricted, Polygon: orb.Polygon{pl.StarRing(c, radii)}, Tag: uint32(i)}
		if i%3 == 0 {
			z.Kind = Activity
		}
		if i%4 == 0 {
			z.From = p.Start.Add(time.Duration((rng.Float64()*2 - 1) * float64(time.Hour)))
			z.To = z.From.Add(time.Hour + time.Duration(rng.Float64()*5*float64(time.Hour)))
		}
		z.Name = z.ID
		w.Zones = append(w.Zones, z)
	}
	// Five sectors: bands of latitude whose shared borders wiggle.
	b := p.Bound
	dLat, dLon := (b.Max[1]-b.Min[1])/5, (b.Max[0]-b.Min[0])/8
	borders := make([][]orb.Point, 6)
	for k := range borders {
		for v := 0; v <= 8; v++ {
			lat := b.Min[1] + float64(k)*dLat
			if k > 0 && k < 5 && v > 0 && v < 8 {
				lat += (rng.Float64() - 0.5) * dLat / 4
			}
			borders[k] = append(borders[k], orb.Point{b.Min[0] + float64(v)*dLon, lat})
		}
	}
	for k := 0; k < 5; k++ {
		var ring orb.Ring
		ring = append(ring, borders[k]...)
		for v := 8; v >= 0; v-- {
			ring = append(ring, borders[k+1][v])
		}
		ring = append(ring, ring[0])
		w.Zones = append(w.Zones, Zone{ID: fmt.Sprintf("sector-%d", k+1), Name: fmt.Sprintf("sector %d", k+1), Kind: Sector, Polygon: orb.Polygon{ring}, Tag: uint32(p.Zones + k)})
	}
	// Three control lines from south to north, a little beyond the AO.
	for k := 0; k < 3; k++ {
		x := b.Min[0] + float64(k+1)*(b.Max[0]-b.Min[0])/4
		var l orb.LineString
		for v := 0; v <= 20; v++ {
			l = append(l, orb.Point{x + (rng.Float64()-0.5)*0.02, b.Min[1] - 0.01 + float64(v)*(b.Max[1]-b.Min[1]+0.02)/20})
		}
		w.Zones = append(w.Zones, Zone{ID: fmt.Sprintf("line-%d", k+1), Name: fmt.Sprintf("control line %d", k+1), Kind: ControlLine, Line: l, Tag: uint32(p.Zones + 5 + k)})
	}
	clamp := func(v [2]float64) [2]float64 {
		return [2]float64{math.Max(lo[0], math.Min(hi[0], v[0])), math.Max(lo[1], math.Min(hi[1], v[1]))}
	}
	routed := 0
	for i := 0; i < p.Units; i++ {
		id := fmt.Sprintf("unit-%05d", i)
		u := unitPlan{xy: rnd(), heading: rng.Float64() * 2 * math.Pi, speed: 10 + rng.Float64()*10}
		if rng.Float64() < p.RouteShare {
			a, h := u.xy, u.heading
			u.route = append(u.route, a)
			l := orb.LineString{pl.Point(a)}
			for n := 8 + rng.IntN(13); n > 0; n-- {
				h += (rng.Float64() - 0.5)
				a = clamp([2]float64{a[0] + 1000*math.Cos(h), a[1] + 1000*math.Sin(h)})
				if a == u.route[len(u.route)-1] {
					continue
				}
				u.route = append(u.route, a)
				l = append(l, pl.Point(a))
			}
			if len(l) >= 2 {
				u.stray = routed%p.StrayEvery == p.StrayEvery-1
				routed++
				w.Routes = append(w.Routes, TrackRoute{TrackID: id, Route: Route{MovementID: "mov-" + id, Line: l, OffRouteM: 300, ArrivalM: 200, Tag: uint32(i)}})
			} else {
				u.route = nil
			}
		}
		w.Units = append(w.Units, id)
		w.plan = append(w.plan, u)
	}
	return w
}

// Load puts the workload's zones and routes into the engine.
func (w Workload) Load(e *Engine) error {
	for _, z := range w.Zones {
		if err := e.PutZone(z); err != nil {
			return err
		}
	}
	for _, r := range w.Routes {
		if err := e.SetRoute(r.TrackID, r.Route); err != nil {
			return err
		}
	}
	return nil
}

// Walk returns the workload's reports from the start, in time order: every
// unit once per Every, the units in turn. Each walk is independent and
// yields the same reports.
func (w Workload) Walk() *Walk {
	k := &Walk{w: w, units: make([]unitPlan, len(w.plan)), rng: rand.New(rand.NewPCG(uint64(w.Params.Seed), 0x3a1c))}
	copy(k.units, w.plan)
	for i := range k.units {
		k.units[i].route = w.plan[i].route // shared, read only
	}
	k.plane = geo.NewPlane(w.Params.Bound.Center())
	k.lo, k.hi = k.plane.XY(w.Params.Bound.Min), k.plane.XY(w.Params.Bound.Max)
	return k
}

// Walk generates a workload's reports.
type Walk struct {
	w      Workload
	units  []unitPlan
	rng    *rand.Rand
	plane  geo.Plane
	lo, hi [2]float64
	n      int // reports so far
}

// Next returns the next report. Wanderers turn a little at each report and
// bounce off the AO's edges; route drivers follow their route with a few
// metres of noise (strays drift 8 m further off at each report) and wander
// once they reach its end.
func (k *Walk) Next() Update {
	if len(k.units) == 0 {
		return Update{}
	}
	i, round := k.n%len(k.units), k.n/len(k.units)
	k.n++
	p := k.w.Params
	at := p.Start.Add(time.Duration(round)*p.Every + time.Duration(i)*p.Every/time.Duration(len(k.units)))
	u := &k.units[i]
	step := u.speed * p.Every.Seconds()
	if round > 0 {
		if u.route != nil && u.seg < len(u.route)-1 {
			u.along += step
			for u.seg < len(u.route)-1 {
				a, b := u.route[u.seg], u.route[u.seg+1]
				l := math.Hypot(b[0]-a[0], b[1]-a[1])
				if u.along < l {
					t := u.along / l
					off := (k.rng.Float64() - 0.5) * 20
					if u.stray {
						off += 8 * float64(round)
					}
					nx, ny := -(b[1]-a[1])/l, (b[0]-a[0])/l
					u.xy = [2]float64{a[0] + t*(b[0]-a[0]) + off*nx, a[1] + t*(b[1]-a[1]) + off*ny}
					u.heading = math.Atan2(b[1]-a[1], b[0]-a[0])
					break
				}
				u.along -= l
				u.seg++
			}
		} else {
			u.heading += (k.rng.Float64() - 0.5) * 0.6
			nx, ny := u.xy[0]+step*math.Cos(u.heading), u.xy[1]+step*math.Sin(u.heading)
			if nx < k.lo[0] || nx > k.hi[0] {
				u.heading = math.Pi - u.heading
				nx = math.Max(k.lo[0], math.Min(k.hi[0], nx))
			}
			if ny < k.lo[1] || ny > k.hi[1] {
				u.heading = -u.heading
				ny = math.Max(k.lo[1], math.Min(k.hi[1], ny))
			}
			u.xy = [2]float64{nx, ny}
		}
	}
	return Update{TrackID: k.w.Units[i], Pos: k.plane.Point(u.xy), At: at}
}
