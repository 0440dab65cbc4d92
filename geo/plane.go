package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS84 ellipsoid.
const (
	wgsA  = 6378137.0
	wgsE2 = 6.69437999014e-3
)

// Plane is a local metric projection around a reference point (the
// mission's centre): x = N·cos(φ0)·(λ−λ0), y = M·(φ−φ0), with M and N the
// WGS84 meridional and prime-vertical radii of curvature at φ0. It is an
// affine map of longitude and latitude, so straight edges in degrees stay
// straight and containment is unchanged; only lengths carry its error.
// Within ±0.2° of latitude of φ0 the east–west scale differs from the true
// local scale by at most cos(φ0±0.2°)/cos(φ0) − 1 ≈ 0.22% (at 31.4° N),
// the north–south scale by less than 0.01%; the error grows to about 1.1%
// at ±1°.
type Plane struct {
	lat0, lon0 float64
	kx, ky     float64 // metres per degree east and north at the reference
}

// NewPlane returns the plane tangent at ref.
func NewPlane(ref orb.Point) Plane {
	phi := ref[1] * math.Pi / 180
	s := math.Sin(phi)
	w := math.Sqrt(1 - wgsE2*s*s)
	n := wgsA / w                         // prime vertical radius
	m := wgsA * (1 - wgsE2) / (w * w * w) // meridional radius
	return Plane{lat0: ref[1], lon0: ref[0], kx: n * math.Cos(phi) * math.Pi / 180, ky: m * math.Pi / 180}
}

// XY returns pt in metres east and north of the reference.
func (p Plane) XY(pt orb.Point) [2]float64 {
	return [2]float64{(pt[0] - p.lon0) * p.kx, (pt[1] - p.lat0) * p.ky}
}

// Point returns the longitude and latitude of v, the inverse of XY.
func (p Plane) Point(v [2]float64) orb.Point {
	return orb.Point{v[0]/p.kx + p.lon0, v[1]/p.ky + p.lat0}
}

// MetresPerDegree returns the scale east (per degree of longitude) and
// north (per degree of latitude) at the reference.
func (p Plane) MetresPerDegree() (east, north float64) { return p.kx, p.ky }

// Widen returns b grown by m metres on every side.
func (p Plane) Widen(b orb.Bound, m float64) orb.Bound {
	dx, dy := m/p.kx, m/p.ky
	return orb.Bound{Min: orb.Point{b.Min[0] - dx, b.Min[1] - dy}, Max: orb.Point{b.Max[0] + dx, b.Max[1] + dy}}
}

// SegmentDistance returns the distance from p to the segment ab, all in the
// same plane (e.g. metres from Plane.XY).
func SegmentDistance(p, a, b [2]float64) float64 { return ptSeg(p, a, b) }

// StarRing returns the closed ring whose k-th of n = len(radii) vertices
// lies radii[k] metres from c (a point of the plane) at the angle 2πk/n:
// star-shaped around c, so simple whatever the radii.
func (p Plane) StarRing(c [2]float64, radii []float64) orb.Ring {
	n := len(radii)
	ring := make(orb.Ring, 0, n+1)
	for k, r := range radii {
		a := 2 * math.Pi * float64(k) / float64(n)
		ring = append(ring, p.Point([2]float64{c[0] + r*math.Cos(a), c[1] + r*math.Sin(a)}))
	}
	return append(ring, ring[0])
}
