package deconflict

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// plane is the local metric projection around a reference point
// (geo.Plane), with the short names this package's geometry uses.
type plane struct{ geo.Plane }

func newPlane(ref orb.Point) plane { return plane{geo.NewPlane(ref)} }

type xy = [2]float64

func (p plane) to(pt orb.Point) xy { return p.XY(pt) }

func (p plane) from(v xy) orb.Point { return p.Point(v) }

// widen returns a bound around b widened by m metres.
func (p plane) widen(b orb.Bound, m float64) orb.Bound { return p.Widen(b, m) }

func sub(a, b xy) xy        { return xy{a[0] - b[0], a[1] - b[1]} }
func dot(a, b xy) float64   { return a[0]*b[0] + a[1]*b[1] }
func cross(a, b xy) float64 { return a[0]*b[1] - a[1]*b[0] }
func dist(a, b xy) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return math.Sqrt(dx*dx + dy*dy)
}
func lerp(a, b xy, t float64) xy { return xy{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t} }

// pointSeg returns the distance from p to segment ab.
func pointSeg(p, a, b xy) float64 { return math.Sqrt(pointSeg2(p, a, b)) }

// pointSeg2 returns the squared distance from p to segment ab. (The
// square root is monotone and correctly rounded, so the root of the least
// of squared distances is exactly the least of the distances.)
func pointSeg2(p, a, b xy) float64 {
	ab := sub(b, a)
	l2 := dot(ab, ab)
	if l2 == 0 {
		return dist2(p, a)
	}
	t := max(0, min(1, dot(sub(p, a), ab)/l2))
	return dist2(p, lerp(a, b, t))
}

func dist2(a, b xy) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return dx*dx + dy*dy
}

// segIntersect returns the parameter along ab where it properly crosses or
// touches cd, and whether it does.
func segIntersect(a, b, c, d xy) (float64, bool) {
	r, s := sub(b, a), sub(d, c)
	den := cross(r, s)
	if den == 0 {
		return 0, false // parallel or collinear: not a crossing
	}
	t := cross(sub(c, a), s) / den
	u := cross(sub(c, a), r) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}

// segSeg returns the distance between segments ab and cd.
func segSeg(a, b, c, d xy) float64 { return math.Sqrt(segSeg2(a, b, c, d)) }

// segSeg2 returns the squared distance between segments ab and cd.
func segSeg2(a, b, c, d xy) float64 {
	if _, ok := segIntersect(a, b, c, d); ok {
		return 0
	}
	return min(min(pointSeg2(a, c, d), pointSeg2(b, c, d)), min(pointSeg2(c, a, b), pointSeg2(d, a, b)))
}

// box is an axis-aligned box in the plane.
type box struct{ minX, minY, maxX, maxY float64 }

// segBox is the box of segment ab.
func segBox(a, b xy) box {
	return box{min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])}
}

func boxOf(pts ...xy) box {
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		b.minX, b.minY = min(b.minX, p[0]), min(b.minY, p[1])
		b.maxX, b.maxY = max(b.maxX, p[0]), max(b.maxY, p[1])
	}
	return b
}

func (b box) grow(m float64) box { return box{b.minX - m, b.minY - m, b.maxX + m, b.maxY + m} }

func (b box) meets(o box) bool {
	return b.minX <= o.maxX && o.minX <= b.maxX && b.minY <= o.maxY && o.minY <= b.maxY
}

func (a area) box() box {
	var pts []xy
	for _, pg := range a {
		for _, r := range pg {
			pts = append(pts, r...)
		}
	}
	return boxOf(pts...)
}

// ring is a closed ring in the plane.
type ring []xy

// contains reports whether p is inside the ring (even-odd rule).
func (r ring) contains(p xy) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// poly is a polygon (outer ring and holes) in the plane.
type poly []ring

func (pg poly) contains(p xy) bool {
	if len(pg) == 0 || !pg[0].contains(p) {
		return false
	}
	for _, h := range pg[1:] {
		if h.contains(p) {
			return false
		}
	}
	return true
}

// area is a set of polygons.
type area []poly

func (a area) contains(p xy) bool {
	for _, pg := range a {
		if pg.contains(p) {
			return true
		}
	}
	return false
}

// distPoint returns the distance from p to the area (0 inside).
func (a area) distPoint(p xy) float64 {
	if a.contains(p) {
		return 0
	}
	best := math.Inf(1)
	for _, pg := range a {
		for _, r := range pg {
			for i := 1; i < len(r); i++ {
				best = min(best, pointSeg2(p, r[i-1], r[i]))
			}
		}
	}
	return math.Sqrt(best)
}

// distSeg returns the distance from segment pq to the area (0 if it
// enters it) when it is at most lim; otherwise some value above lim. Edges
// whose boxes lie further than lim (or than the closest edge so far) are
// skipped.
func (a area) distSeg(p, q xy, lim float64) float64 {
	if a.contains(p) || a.contains(q) {
		return 0
	}
	pb := segBox(p, q)
	best, thr := math.Inf(1), lim*lim*(1+1e-9)
	for _, pg := range a {
		for _, r := range pg {
			for i := 1; i < len(r); i++ {
				if pb.dist2(segBox(r[i-1], r[i])) > min(best, thr) {
					continue
				}
				best = min(best, segSeg2(p, q, r[i-1], r[i]))
			}
		}
	}
	return math.Sqrt(best)
}

// dist2 returns the squared distance between two boxes (0 if they meet).
func (b box) dist2(o box) float64 {
	dx := max(0, o.minX-b.maxX, b.minX-o.maxX)
	dy := max(0, o.minY-b.maxY, b.minY-o.maxY)
	return dx*dx + dy*dy
}

func (p plane) area(g orb.Geometry) area {
	var out area
	add := func(pg orb.Polygon) {
		var pp poly
		for _, r := range pg {
			rr := make(ring, len(r))
			for i, pt := range r {
				rr[i] = p.to(pt)
			}
			pp = append(pp, rr)
		}
		out = append(out, pp)
	}
	switch g := g.(type) {
	case orb.Polygon:
		add(g)
	case orb.MultiPolygon:
		for _, pg := range g {
			add(pg)
		}
	case orb.Point:
		// A point site: a degenerate polygon, so that distances work.
		v := p.to(g)
		out = append(out, poly{ring{v, v, v, v}})
	}
	return out
}

// lines projects a LineString or MultiLineString.
func (p plane) lines(g orb.Geometry) [][]xy {
	var out [][]xy
	add := func(l orb.LineString) {
		v := make([]xy, len(l))
		for i, pt := range l {
			v[i] = p.to(pt)
		}
		out = append(out, v)
	}
	switch g := g.(type) {
	case orb.LineString:
		add(g)
	case orb.MultiLineString:
		for _, l := range g {
			add(l)
		}
	}
	return out
}
