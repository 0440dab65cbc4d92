package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Limits bound what Validate accepts.
type Limits struct {
	// MaxVertices is the most vertices a geometry may have in all.
	MaxVertices int
}

// DefaultLimits are generous for hand-drawn mission features and small enough
// to keep one feature's validation well under a millisecond.
var DefaultLimits = Limits{MaxVertices: 10000}

// Error explains why a geometry is invalid, in words a user can act on.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func invalid(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Validate checks that g is a valid RFC 7946 geometry in WGS84: non-empty,
// finite coordinates within range, closed rings of at least four positions
// that do not intersect themselves or each other, holes inside their shell,
// and no more vertices than allowed.
func Validate(g orb.Geometry, lim Limits) error {
	if g == nil {
		return invalid("geometry is missing")
	}
	if n := countVertices(g); n == 0 {
		return invalid("geometry is empty")
	} else if lim.MaxVertices > 0 && n > lim.MaxVertices {
		return invalid("geometry has %d vertices, more than the limit of %d", n, lim.MaxVertices)
	}
	switch g := g.(type) {
	case orb.Point:
		return checkPoint(g, "point")
	case orb.MultiPoint:
		for i, p := range g {
			if err := checkPoint(p, fmt.Sprintf("point %d", i)); err != nil {
				return err
			}
		}
	case orb.LineString:
		return checkLine(g, "line")
	case orb.MultiLineString:
		for i, l := range g {
			if err := checkLine(l, fmt.Sprintf("line %d", i)); err != nil {
				return err
			}
		}
	case orb.Polygon:
		return checkPolygon(g, "polygon")
	case orb.MultiPolygon:
		for i, p := range g {
			if err := checkPolygon(p, fmt.Sprintf("polygon %d", i)); err != nil {
				return err
			}
		}
	case orb.Ring, orb.Bound:
		return invalid("geometry type %s is not a GeoJSON geometry", g.GeoJSONType())
	case orb.Collection:
		return invalid("geometry collections are not accepted; use one feature per geometry")
	default:
		return invalid("unsupported geometry type %T", g)
	}
	return nil
}

func countVertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.Ring:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, l := range g {
			n += len(l)
		}
		return n
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += countVertices(p)
		}
		return n
	case orb.Collection:
		n := 0
		for _, c := range g {
			n += countVertices(c)
		}
		return n
	}
	return 0
}

func checkPoint(p orb.Point, where string) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return invalid("%s has a coordinate that is not a finite number", where)
	}
	if lon < -180 || lon > 180 {
		return invalid("%s: longitude %g is outside [-180, 180]", where, lon)
	}
	if lat < -90 || lat > 90 {
		return invalid("%s: latitude %g is outside [-90, 90]", where, lat)
	}
	return nil
}

func checkLine(l orb.LineString, where string) error {
	if len(l) < 2 {
		return invalid("%s needs at least 2 positions, got %d", where, len(l))
	}
	for i, p := range l {
		if err := checkPoint(p, fmt.Sprintf("%s position %d", where, i)); err != nil {
			return err
		}
	}
	for i := 1; i < len(l); i++ {
		if l[i] != l[0] {
			return nil
		}
	}
	return invalid("%s has zero length: all positions are the same", where)
}

func checkPolygon(p orb.Polygon, where string) error {
	if len(p) == 0 {
		return invalid("%s has no rings", where)
	}
	for i, r := range p {
		rw := fmt.Sprintf("%s ring %d", where, i)
		if len(r) < 4 {
			return invalid("%s needs at least 4 positions (a closed triangle), got %d", rw, len(r))
		}
		for j, pt := range r {
			if err := checkPoint(pt, fmt.Sprintf("%s position %d", rw, j)); err != nil {
				return err
			}
		}
		if r[0] != r[len(r)-1] {
			return invalid("%s is not closed: its first position %v differs from its last %v", rw, r[0], r[len(r)-1])
		}
	}
	if err := checkIntersections(p, where); err != nil {
		return err
	}
	for i, r := range p {
		if planar.Area(r) == 0 {
			return invalid("%s ring %d encloses no area", where, i)
		}
	}
	for i := 1; i < len(p); i++ {
		if !planar.RingContains(p[0], p[i][0]) {
			return invalid("%s ring %d (a hole) lies outside the outer ring", where, i)
		}
	}
	return nil
}

type segment struct {
	ring, idx int
	a, b      orb.Point
}

// checkIntersections finds two edges of the polygon that cross or overlap.
// Within a ring, non-adjacent edges may not even touch; edges of different
// rings may touch at a point but not cross or overlap. Candidate pairs come
// from an R-tree of edge boxes, so a 10,000-vertex ring costs milliseconds.
func checkIntersections(p orb.Polygon, where string) error {
	var segs []segment
	for ri, r := range p {
		r = dedupe(r)
		if len(r) < 4 {
			return invalid("%s ring %d has fewer than 3 distinct positions", where, ri)
		}
		for i := 0; i+1 < len(r); i++ {
			segs = append(segs, segment{ring: ri, idx: i, a: r[i], b: r[i+1]})
		}
	}
	ringLen := map[int]int{}
	for _, s := range segs {
		ringLen[s.ring]++
	}
	var tr rtree.RTreeG[int]
	for i, s := range segs {
		mn, mx := segBox(s)
		tr.Insert(mn, mx, i)
	}
	for i, s := range segs {
		mn, mx := segBox(s)
		var err error
		tr.Search(mn, mx, func(_, _ [2]float64, j int) bool {
			if j <= i {
				return true
			}
			t := segs[j]
			if s.ring == t.ring {
				n := ringLen[s.ring]
				if t.idx == s.idx+1 || (s.idx == 0 && t.idx == n-1) {
					return true // adjacent edges share a vertex by construction
				}
				if segmentsTouch(s.a, s.b, t.a, t.b) {
					err = invalid("%s ring %d intersects itself: edge %d (%v to %v) meets edge %d (%v to %v)",
						where, s.ring, s.idx, s.a, s.b, t.idx, t.a, t.b)
					return false
				}
				return true
			}
			if segmentsCross(s.a, s.b, t.a, t.b) {
				err = invalid("%s ring %d crosses ring %d near %v", where, s.ring, t.ring, s.a)
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func dedupe(r orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(r))
	for i, p := range r {
		if i > 0 && p == r[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

func segBox(s segment) (mn, mx [2]float64) {
	return [2]float64{math.Min(s.a[0], s.b[0]), math.Min(s.a[1], s.b[1])},
		[2]float64{math.Max(s.a[0], s.b[0]), math.Max(s.a[1], s.b[1])}
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsTouch reports whether closed segments ab and cd share any point.
func segmentsTouch(a, b, c, d orb.Point) bool {
	o1, o2 := sign(orient(a, b, c)), sign(orient(a, b, d))
	o3, o4 := sign(orient(c, d, a)), sign(orient(c, d, b))
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}

// segmentsCross reports whether ab and cd cross properly or overlap along a
// stretch; meeting at a single point does not count.
func segmentsCross(a, b, c, d orb.Point) bool {
	o1, o2 := sign(orient(a, b, c)), sign(orient(a, b, d))
	o3, o4 := sign(orient(c, d, a)), sign(orient(c, d, b))
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	if o1 == 0 && o2 == 0 { // collinear: overlap of more than a point?
		ax, bx, cx, dx := proj(a, b, a), proj(a, b, b), proj(a, b, c), proj(a, b, d)
		lo1, hi1 := math.Min(ax, bx), math.Max(ax, bx)
		lo2, hi2 := math.Min(cx, dx), math.Max(cx, dx)
		return math.Min(hi1, hi2)-math.Max(lo1, lo2) > 0
	}
	return false
}

func proj(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	return (p[0]-a[0])*dx + (p[1]-a[1])*dy
}
