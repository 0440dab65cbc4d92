package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Meters returns the distance in metres between two geometries (points,
// lines, polygons and their multi forms): zero when they touch, cross or
// one contains the other. It projects both onto a plane tangent at their
// mean latitude (equirectangular, WGS84 mean radius), which is accurate to
// well under 1% over the tens of kilometres of a mission's area; it is
// meant for map relations (how far a sector lies from a line), not for
// surveying.
func Meters(a, b orb.Geometry) float64 {
	lat0 := (a.Bound().Center()[1] + b.Bound().Center()[1]) / 2
	kx := 6371008.8 * math.Pi / 180 * math.Cos(lat0*math.Pi/180)
	ky := 6371008.8 * math.Pi / 180
	pa, pb := parts(a), parts(b)
	if polysContain(a, pb.pts) || polysContain(b, pa.pts) {
		return 0
	}
	best := math.Inf(1)
	for _, s := range pa.segs {
		for _, t := range pb.segs {
			best = math.Min(best, segDist(toPlane(s[0], kx, ky), toPlane(s[1], kx, ky), toPlane(t[0], kx, ky), toPlane(t[1], kx, ky)))
		}
	}
	return best
}

type geomParts struct {
	segs [][2]orb.Point
	pts  []orb.Point
}

func parts(g orb.Geometry) geomParts {
	var gp geomParts
	line := func(l []orb.Point) {
		gp.pts = append(gp.pts, l...)
		if len(l) == 1 {
			gp.segs = append(gp.segs, [2]orb.Point{l[0], l[0]})
		}
		for i := 1; i < len(l); i++ {
			gp.segs = append(gp.segs, [2]orb.Point{l[i-1], l[i]})
		}
	}
	switch g := g.(type) {
	case orb.Point:
		line([]orb.Point{g})
	case orb.MultiPoint:
		for _, p := range g {
			line([]orb.Point{p})
		}
	case orb.LineString:
		line(g)
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
	case orb.Polygon:
		for _, r := range g {
			line(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				line(r)
			}
		}
	}
	return gp
}

func polysContain(g orb.Geometry, pts []orb.Point) bool {
	for _, p := range pts {
		switch g := g.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				return true
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				return true
			}
		}
	}
	return false
}

type vec [2]float64

func toPlane(p orb.Point, kx, ky float64) vec { return vec{p[0] * kx, p[1] * ky} }

func segDist(a, b, c, d vec) float64 {
	if segsCross(a, b, c, d) {
		return 0
	}
	return math.Min(math.Min(ptSeg(a, c, d), ptSeg(b, c, d)), math.Min(ptSeg(c, a, b), ptSeg(d, a, b)))
}

func segsCross(a, b, c, d vec) bool {
	o := func(p, q, r vec) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2, d3, d4 := o(a, b, c), o(a, b, d), o(c, d, a), o(c, d, b)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0)) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0
}

func ptSeg(p, a, b vec) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	ex, ey := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return math.Sqrt(ex*ex + ey*ey)
}
