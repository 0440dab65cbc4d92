package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestPlane(t *testing.T) {
	ref := orb.Point{34.39, 31.41}
	p := NewPlane(ref)
	if v := p.XY(ref); v != [2]float64{0, 0} {
		t.Fatalf("reference maps to %v", v)
	}
	for _, pt := range []orb.Point{{34.22, 31.23}, {34.56, 31.59}, {34.3, 31.5}} {
		back := p.Point(p.XY(pt))
		if math.Abs(back[0]-pt[0]) > 1e-12 || math.Abs(back[1]-pt[1]) > 1e-12 {
			t.Fatalf("round trip of %v gives %v", pt, back)
		}
	}
	// Over the demo AO, plane distances agree with the geodesic to within
	// the error documented on Plane (0.22% east–west, far less north–south).
	cases := []struct {
		a, b orb.Point
		tol  float64
	}{
		{orb.Point{34.30, 31.41}, orb.Point{34.31, 31.41}, 0.0005}, // east–west at φ0
		{orb.Point{34.39, 31.30}, orb.Point{34.39, 31.31}, 0.0001}, // north–south
		{orb.Point{34.22, 31.59}, orb.Point{34.23, 31.59}, 0.0030}, // east–west 0.18° north of φ0
		{orb.Point{34.22, 31.23}, orb.Point{34.56, 31.59}, 0.0030}, // across the AO
	}
	for _, c := range cases {
		va, vb := p.XY(c.a), p.XY(c.b)
		got := math.Hypot(va[0]-vb[0], va[1]-vb[1])
		want := vincenty(c.a, c.b)
		if rel := math.Abs(got-want) / want; rel > c.tol {
			t.Errorf("%v–%v: plane %.2f m, geodesic %.2f m (%.3f%%, allowed %.3f%%)", c.a, c.b, got, want, rel*100, c.tol*100)
		}
	}
	w := p.Widen(orb.Bound{Min: ref, Max: ref}, 1000)
	if lo, hi := p.XY(w.Min), p.XY(w.Max); math.Abs(lo[0]+1000) > 1e-6 || math.Abs(hi[1]-1000) > 1e-6 {
		t.Fatalf("widen by 1 km: %v %v", lo, hi)
	}
}

// vincenty is the WGS84 ellipsoidal distance (Vincenty's inverse formula),
// the reference the plane is checked against.
func vincenty(p1, p2 orb.Point) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	b := a * (1 - f)
	rad := math.Pi / 180
	L := (p2[0] - p1[0]) * rad
	u1, u2 := math.Atan((1-f)*math.Tan(p1[1]*rad)), math.Atan((1-f)*math.Tan(p2[1]*rad))
	su1, cu1, su2, cu2 := math.Sin(u1), math.Cos(u1), math.Sin(u2), math.Cos(u2)
	lam := L
	var ss, cs, sig, ca2, c2m float64
	for range 200 {
		sl, cl := math.Sin(lam), math.Cos(lam)
		ss = math.Hypot(cu2*sl, cu1*su2-su1*cu2*cl)
		cs = su1*su2 + cu1*cu2*cl
		sig = math.Atan2(ss, cs)
		sa := cu1 * cu2 * sl / ss
		ca2 = 1 - sa*sa
		c2m = cs - 2*su1*su2/ca2
		c := f / 16 * ca2 * (4 + f*(4-3*ca2))
		prev := lam
		lam = L + (1-c)*f*sa*(sig+c*ss*(c2m+c*cs*(-1+2*c2m*c2m)))
		if math.Abs(lam-prev) < 1e-13 {
			break
		}
	}
	u2s := ca2 * (a*a - b*b) / (b * b)
	A := 1 + u2s/16384*(4096+u2s*(-768+u2s*(320-175*u2s)))
	B := u2s / 1024 * (256 + u2s*(-128+u2s*(74-47*u2s)))
	ds := B * ss * (c2m + B/4*(cs*(-1+2*c2m*c2m)-B/6*c2m*(-3+4*ss*ss)*(-3+4*c2m*c2m)))
	return b * A * (sig - ds)
}

func TestStarRing(t *testing.T) {
	p := NewPlane(orb.Point{34.39, 31.41})
	c := [2]float64{1000, -500}
	radii := []float64{100, 200, 300, 400}
	r := p.StarRing(c, radii)
	if len(r) != 5 || r[0] != r[4] {
		t.Fatalf("ring %v", r)
	}
	for k, want := range radii {
		v := p.XY(r[k])
		if got := math.Hypot(v[0]-c[0], v[1]-c[1]); math.Abs(got-want) > 1e-6 {
			t.Errorf("vertex %d at %.6f m, want %g", k, got, want)
		}
	}
	if err := Validate(orb.Polygon{r}, DefaultLimits); err != nil {
		t.Error(err)
	}
}
