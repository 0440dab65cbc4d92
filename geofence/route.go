package geofence

import (
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// Route is the approved route of the movement a track belongs to.
type Route struct {
	MovementID string
	Line       orb.LineString
	// OffRouteM is the distance from the route beyond which the track is
	// off route (default 500 m).
	OffRouteM float64
	// ArrivalM is how close to the route's last point counts as arrived
	// (default 200 m).
	ArrivalM float64
	// Tag is opaque to the engine and copied into the route's events (the
	// caller's handle on the movement's marking).
	Tag uint32
}

// Route defaults.
const (
	DefaultOffRouteM = 500.0
	DefaultArrivalM  = 200.0
)

// Validate checks the route as SetRoute does: a movement ID, a valid line
// string, and thresholds that are finite and not negative.
func (r Route) Validate() error {
	if r.MovementID == "" {
		return invalid("route has no movement ID")
	}
	if err := geo.Validate(r.Line, geo.Limits{MaxVertices: MaxVertices}); err != nil {
		return invalid("route of movement %q: %v", r.MovementID, err)
	}
	for _, v := range []struct {
		name string
		m    float64
	}{{"off-route threshold", r.OffRouteM}, {"arrival distance", r.ArrivalM}} {
		if math.IsNaN(v.m) || math.IsInf(v.m, 0) || v.m < 0 {
			return invalid("route of movement %q: %s %g m is not a finite distance of 0 m or more", r.MovementID, v.name, v.m)
		}
	}
	return nil
}

// routeState is a track's route in the metric plane, with its off-route
// and arrival state.
type routeState struct {
	id                 string
	tag                uint32
	thr, back, arriveM float64
	pts                [][2]float64
	chunks             []chunk
	end                [2]float64
	off, arrived       bool
	// d is the distance to the route at the last exact computation and
	// moved how far the track has moved since: as distance to the route
	// changes by at most the distance moved, no computation is needed
	// while d + moved stays within the threshold (or d − moved beyond the
	// way back).
	d, moved float64
	known    bool
	near     int // chunk nearest at the last computation
}

// chunk is a run of route segments, pts[lo] to pts[hi], with their box.
type chunk struct {
	lo, hi                 int
	minX, minY, maxX, maxY float64
}

const chunkSegs = 16

// SetRoute gives the track the approved route of the movement in progress
// it belongs to, replacing any other. A new route of the same movement
// keeps the off-route and arrival state; another movement starts afresh.
// Events come from the next update. It refuses an invalid route.
func (e *Engine) SetRoute(trackID string, r Route) error {
	if trackID == "" {
		return invalid("route of movement %q is for no track", r.MovementID)
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.OffRouteM == 0 {
		r.OffRouteM = DefaultOffRouteM
	}
	if r.ArrivalM == 0 {
		r.ArrivalM = DefaultArrivalM
	}
	rs := &routeState{id: r.MovementID, tag: r.Tag, thr: r.OffRouteM, back: r.OffRouteM * (1 - e.cfg.Hysteresis), arriveM: r.ArrivalM}
	for _, p := range r.Line {
		rs.pts = append(rs.pts, e.plane.XY(p))
	}
	rs.end = rs.pts[len(rs.pts)-1]
	for lo := 0; lo+1 < len(rs.pts); lo += chunkSegs {
		hi := min(lo+chunkSegs, len(rs.pts)-1)
		c := chunk{lo: lo, hi: hi, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
		for _, p := range rs.pts[lo : hi+1] {
			c.minX, c.minY = math.Min(c.minX, p[0]), math.Min(c.minY, p[1])
			c.maxX, c.maxY = math.Max(c.maxX, p[0]), math.Max(c.maxY, p[1])
		}
		rs.chunks = append(rs.chunks, c)
	}
	t := e.tracks[trackID]
	if t == nil {
		t = e.addTrack(trackID)
	}
	if old := t.route; old != nil && old.id == rs.id {
		rs.off, rs.arrived = old.off, old.arrived
	}
	t.route = rs
	return nil
}

// ClearRoute ends the track's movement: no more route events.
func (e *Engine) ClearRoute(trackID string) {
	t := e.tracks[trackID]
	if t == nil {
		return
	}
	t.route = nil
	if !t.seen {
		e.RemoveTrack(trackID)
	}
}

// routeStep evaluates off-route and arrival. Off route is a distance
// beyond OffRouteM; back on route is within OffRouteM·(1−Hysteresis), so
// that a track running along the threshold does not flap.
func (e *Engine) routeStep(dst []Event, t *track, xy [2]float64, u Update, at int64) []Event {
	r := t.route
	if t.seen {
		r.moved += math.Hypot(xy[0]-t.xy[0], xy[1]-t.xy[1])
	}
	const eps = 1e-6 // metres: covers rounding in the bound
	if !r.known || (r.off && r.d-r.moved <= r.back+eps) || (!r.off && r.d+r.moved > r.thr-eps) {
		r.d, r.moved, r.known = r.distance(xy), 0, true
		switch {
		case !r.off && r.d > r.thr:
			r.off = true
			dst = append(dst, e.routeEvent(OffRoute, t, r, u.At, at, u.Pos, r.d))
		case r.off && r.d <= r.back:
			r.off = false
			dst = append(dst, e.routeEvent(BackOnRoute, t, r, u.At, at, u.Pos, r.d))
		}
	}
	if !r.arrived {
		dx, dy := xy[0]-r.end[0], xy[1]-r.end[1]
		if d2 := dx*dx + dy*dy; d2 <= r.arriveM*r.arriveM {
			r.arrived = true
			dst = append(dst, e.routeEvent(Arrived, t, r, u.At, at, u.Pos, math.Sqrt(d2)))
		}
	}
	return dst
}

func (e *Engine) routeEvent(tr Transition, t *track, r *routeState, at time.Time, ns int64, p orb.Point, d float64) Event {
	var buf [64]byte
	return Event{ID: eventID(buf[:0], t.id, r.id, tr, ns), TrackID: t.id, ZoneID: r.id, ZoneKind: Movement,
		Transition: tr, At: at, Pos: p, DistanceM: d, Tag: r.tag}
}

// distance returns the distance from p to the route, visiting first the
// chunk that was nearest last time and skipping chunks whose box is
// farther than the best so far.
func (r *routeState) distance(p [2]float64) float64 {
	best := math.Inf(1)
	visit := func(k int) {
		c := r.chunks[k]
		dx := math.Max(0, math.Max(c.minX-p[0], p[0]-c.maxX))
		dy := math.Max(0, math.Max(c.minY-p[1], p[1]-c.maxY))
		if dx*dx+dy*dy >= best*best {
			return
		}
		for i := c.lo; i < c.hi; i++ {
			if d := geo.SegmentDistance(p, r.pts[i], r.pts[i+1]); d < best {
				best, r.near = d, k
			}
		}
	}
	near := r.near
	visit(near)
	for k := range r.chunks {
		if k != near {
			visit(k)
		}
	}
	return best
}
