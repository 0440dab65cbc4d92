package demo

import (
	"math"

	"github.com/paulmach/orb"
)

// The exercise geography is built in strip coordinates (s, t): s runs along
// the strip from south-west to north-east (it equals the latitude on the
// coast), t runs across it from the coast (0) to the eastern border (1).
// Governorates, sectors, the control line and sites are all defined as
// ranges of (s, t), which keeps them inside the area of operations and
// consistent with one another. Coordinates are approximate by design.

// coast and border are polylines from south to north (lon, lat).
var coast = orb.LineString{
	{34.2165, 31.3230}, {34.2700, 31.3650}, {34.3250, 31.4150}, {34.3800, 31.4700},
	{34.4300, 31.5200}, {34.4650, 31.5600}, {34.4900, 31.5960},
}

var border = orb.LineString{
	{34.2706, 31.2208}, {34.3100, 31.2750}, {34.3500, 31.3250}, {34.3850, 31.3700},
	{34.4150, 31.4050}, {34.4500, 31.4450}, {34.4900, 31.4800}, {34.5230, 31.5200},
	{34.5480, 31.5580}, {34.5675, 31.5950},
}

// The strip's extent in s.
const (
	sMin = 31.3230
	sMax = 31.5955
)

// lonAt interpolates a south-to-north polyline at a latitude, extrapolating
// along the end segments.
func lonAt(l orb.LineString, lat float64) float64 {
	i := 1
	for i < len(l)-1 && l[i][1] < lat {
		i++
	}
	a, b := l[i-1], l[i]
	f := (lat - a[1]) / (b[1] - a[1])
	return a[0] + f*(b[0]-a[0])
}

// tilt makes cross-strip lines run perpendicular to the strip in the south
// and east-west in the north, as the real boundaries roughly do.
func tilt(s float64) float64 {
	f := (s - sMin) / (sMax - sMin)
	return 0.1 * (1 - math.Max(0, math.Min(1, f)))
}

// M maps strip coordinates to a WGS84 point.
func M(s, t float64) orb.Point {
	lat := s - tilt(s)*t
	c := orb.Point{lonAt(coast, lat), lat}
	b := orb.Point{lonAt(border, lat), lat}
	return orb.Point{round6(c[0] + t*(b[0]-c[0])), round6(lat)}
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// steps returns n+1 evenly spaced values from a to b.
func steps(a, b float64, n int) []float64 {
	out := make([]float64, n+1)
	for i := range out {
		out[i] = a + (b-a)*float64(i)/float64(n)
	}
	return out
}

// region returns the polygon of s in [s0, s1] and t in [t0(s), t1(s)],
// counter-clockwise, sampled finely enough to follow the boundaries.
func region(s0, s1 float64, t0, t1 func(s float64) float64) orb.Polygon {
	var r orb.Ring
	add := func(p orb.Point) {
		if len(r) == 0 || r[len(r)-1] != p {
			r = append(r, p)
		}
	}
	n := max(4, int((s1-s0)/0.004))
	for _, t := range steps(t0(s0), t1(s0), 8) { // southern edge, west to east
		add(M(s0, t))
	}
	for _, s := range steps(s0, s1, n)[1:] { // eastern edge, northwards
		add(M(s, t1(s)))
	}
	for _, t := range steps(t1(s1), t0(s1), 8)[1:] { // northern edge, westwards
		add(M(s1, t))
	}
	ss := steps(s1, s0, n)[1:]
	for _, s := range ss { // western edge, southwards
		add(M(s, t0(s)))
	}
	if r[len(r)-1] != r[0] {
		r = append(r, r[0])
	}
	return orb.Polygon{r}
}

func constT(v float64) func(float64) float64 { return func(float64) float64 { return v } }

// box is a small region in strip coordinates.
func box(s0, s1, t0, t1 float64) orb.Polygon { return region(s0, s1, constT(t0), constT(t1)) }

// controlLine gives, for each s, the across-strip fraction of the control
// line: the controlling party holds everything east of it and, in the
// south, everything south of where it turns to the coast.
var controlLine = []orb.Point{ // (s, t)
	{31.3480, 0.00}, {31.3550, 0.15}, {31.3650, 0.30}, {31.3800, 0.42}, {31.4000, 0.47},
	{31.4200, 0.50}, {31.4500, 0.52}, {31.4800, 0.55}, {31.5200, 0.56}, {31.5600, 0.58}, {31.5955, 0.60},
}

// lineT interpolates controlLine at s (shifted by dt for other versions).
func lineT(s float64) float64 {
	l := controlLine
	if s <= l[0][0] {
		return l[0][1]
	}
	for i := 1; i < len(l); i++ {
		if s <= l[i][0] {
			f := (s - l[i-1][0]) / (l[i][0] - l[i-1][0])
			return l[i-1][1] + f*(l[i][1]-l[i-1][1])
		}
	}
	return l[len(l)-1][1]
}

// line returns the control line as a LineString, from north to south, with
// an across-strip offset dt(s) for the marked and observed versions.
func line(dt func(s float64) float64) orb.LineString {
	var out orb.LineString
	for _, s := range steps(sMax, controlLine[0][0], 60) {
		t := math.Max(0, math.Min(1, lineT(s)+dt(s)))
		out = append(out, M(s, t))
	}
	return out
}

// path returns a LineString through strip points.
func path(pts ...[2]float64) orb.LineString {
	var out orb.LineString
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		n := max(1, int(math.Abs(b[0]-a[0])/0.01))
		for j, s := range steps(a[0], b[0], n) {
			if i > 1 && j == 0 {
				continue
			}
			t := a[1] + (b[1]-a[1])*float64(j)/float64(n)
			out = append(out, M(s, t))
		}
	}
	return out
}
