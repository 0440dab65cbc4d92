package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

func TestMeters(t *testing.T) {
	sq := orb.Polygon{{{34.30, 31.40}, {34.32, 31.40}, {34.32, 31.42}, {34.30, 31.42}, {34.30, 31.40}}}
	east := orb.LineString{{34.33, 31.39}, {34.33, 31.43}}
	// The gap is 0.01° of longitude at 31.41° N.
	want := geo.Distance(orb.Point{34.32, 31.41}, orb.Point{34.33, 31.41})
	if got := Meters(sq, east); math.Abs(got-want)/want > 0.005 {
		t.Fatalf("distance %.1f m, want %.1f", got, want)
	}
	if got := Meters(sq, orb.LineString{{34.31, 31.39}, {34.31, 31.43}}); got != 0 {
		t.Fatalf("crossing line: %f", got)
	}
	if got := Meters(sq, orb.Point{34.31, 31.41}); got != 0 {
		t.Fatalf("point inside: %f", got)
	}
}
