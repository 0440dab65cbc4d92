package deconflict

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// withinRef is the first, straightforward version of within: every
// candidate parameter checked with pointSeg. The optimised within must
// agree with it.
func withinRef(a, b, c, d xy, buf float64) (float64, float64, bool) {
	v, w := sub(b, a), sub(d, c)
	b2 := buf * buf
	dist2 := func(u float64) float64 {
		p := lerp(a, b, u)
		q := pointSeg(p, c, d)
		return q * q
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	take := func(u float64) {
		if u >= 0 && u <= 1 && dist2(u) <= b2*(1+1e-9)+1e-9 {
			lo, hi = math.Min(lo, u), math.Max(hi, u)
		}
	}
	take(0)
	take(1)
	vv := dot(v, v)
	for _, e := range [2]xy{c, d} {
		r := sub(a, e)
		qa, qb, qc := vv, 2*dot(v, r), dot(r, r)-b2
		if qa == 0 {
			continue
		}
		disc := qb*qb - 4*qa*qc
		if disc < 0 {
			continue
		}
		sq := math.Sqrt(disc)
		take((-qb - sq) / (2 * qa))
		take((-qb + sq) / (2 * qa))
	}
	if l := math.Sqrt(dot(w, w)); l > 0 {
		h0, hv := cross(w, sub(a, c))/l, cross(w, v)/l
		if hv != 0 {
			take((buf - h0) / hv)
			take((-buf - h0) / hv)
		}
	}
	take(closestParam(a, b, c, d))
	if lo > hi {
		return 0, 0, false
	}
	return lo, hi, true
}

// segSegRef is the first version of segSeg: the smallest of four
// point-to-segment distances.
func segSegRef(a, b, c, d xy) float64 {
	if _, ok := segIntersect(a, b, c, d); ok {
		return 0
	}
	return math.Min(math.Min(pointSeg(a, c, d), pointSeg(b, c, d)), math.Min(pointSeg(c, a, b), pointSeg(d, a, b)))
}

// segPairs yields random segment pairs at the scales the engine sees, and
// the awkward ones: parallel, collinear, degenerate (a point), tangent to
// the buffer, touching at an end.
func segPairs(n int, fn func(a, b, c, d xy, buf float64)) {
	rng := rand.New(rand.NewPCG(11, 13))
	pt := func(s float64) xy { return xy{(rng.Float64() - 0.5) * s, (rng.Float64() - 0.5) * s} }
	for i := 0; i < n; i++ {
		buf := []float64{250, 500, 100, 1, 0}[rng.IntN(5)]
		s := []float64{100, 2000, 20000}[rng.IntN(3)]
		a, b, c, d := pt(s), pt(s), pt(s), pt(s)
		switch i % 6 {
		case 1: // parallel at about the buffer
			off := xy{-(b[1] - a[1]), b[0] - a[0]}
			l := math.Hypot(off[0], off[1])
			if l > 0 {
				k := buf / l * (1 + (rng.Float64()-0.5)*1e-6)
				c, d = xy{a[0] + off[0]*k + 30, a[1] + off[1]*k}, xy{b[0] + off[0]*k - 30, b[1] + off[1]*k}
			}
		case 2: // collinear
			c, d = lerp(a, b, rng.Float64()*2-0.5), lerp(a, b, rng.Float64()*2-0.5)
		case 3: // a point
			d = c
		case 4: // sharing an end
			c = b
		case 5: // an end at exactly the buffer
			c = xy{a[0], a[1] + buf}
		}
		fn(a, b, c, d, buf)
	}
}

func TestWithinMatchesReference(t *testing.T) {
	segPairs(300000, func(a, b, c, d xy, buf float64) {
		u0, u1, ok := within(a, b, c, d, buf)
		r0, r1, rok := withinRef(a, b, c, d, buf)
		if ok != rok || u0 != r0 || u1 != r1 {
			t.Fatalf("within(%v, %v, %v, %v, %v) = %v %v %v, reference %v %v %v", a, b, c, d, buf, u0, u1, ok, r0, r1, rok)
		}
	})
}

func TestSegSegMatchesReference(t *testing.T) {
	segPairs(300000, func(a, b, c, d xy, _ float64) {
		if got, want := segSeg(a, b, c, d), segSegRef(a, b, c, d); got != want {
			t.Fatalf("segSeg(%v, %v, %v, %v) = %v, reference %v", a, b, c, d, got, want)
		}
	})
}

func BenchmarkWithin(b *testing.B) {
	var pairs [][5]xy
	segPairs(1024, func(a, bb, c, d xy, buf float64) { pairs = append(pairs, [5]xy{a, bb, c, d, {buf}}) })
	b.Run("fast", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := &pairs[i%len(pairs)]
			within(p[0], p[1], p[2], p[3], p[4][0])
		}
	})
	b.Run("reference", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := &pairs[i%len(pairs)]
			withinRef(p[0], p[1], p[2], p[3], p[4][0])
		}
	})
}

func TestHHMM(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 100000; i++ {
		at := time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)).In(time.FixedZone("x", 3600*(rng.IntN(25)-12)))
		if got, want := hhmm(at), at.UTC().Format("02 Jan 15:04Z"); got != want {
			t.Fatalf("hhmm(%v) = %q, want %q", at, got, want)
		}
	}
}
