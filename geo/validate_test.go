package geo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func TestValidate(t *testing.T) {
	sq := orb.Ring{{34.3, 31.3}, {34.4, 31.3}, {34.4, 31.4}, {34.3, 31.4}, {34.3, 31.3}}
	hole := orb.Ring{{34.32, 31.32}, {34.32, 31.38}, {34.38, 31.38}, {34.38, 31.32}, {34.32, 31.32}}
	big := make(orb.LineString, 0, 20001)
	for i := 0; i < 20001; i++ {
		big = append(big, orb.Point{34 + float64(i)*1e-5, 31})
	}
	cases := []struct {
		name string
		g    orb.Geometry
		want string // "" means valid
	}{
		{"point", orb.Point{34.3, 31.4}, ""},
		{"polygon", orb.Polygon{sq}, ""},
		{"polygon with hole", orb.Polygon{sq, hole}, ""},
		{"line", orb.LineString{{34.3, 31.3}, {34.4, 31.4}}, ""},
		{"self-crossing line is fine for routes", orb.LineString{{0, 0}, {1, 1}, {1, 0}, {0, 1}}, ""},
		{"nil", nil, "missing"},
		{"empty line", orb.LineString{}, "empty"},
		{"one-point line", orb.LineString{{34, 31}}, "at least 2 positions"},
		{"zero-length line", orb.LineString{{34, 31}, {34, 31}}, "zero length"},
		{"longitude out of range", orb.Point{200, 31}, "longitude 200 is outside"},
		{"latitude out of range", orb.Point{34, -91}, "latitude -91 is outside"},
		{"unclosed ring", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, "is not closed"},
		{"too few positions", orb.Polygon{{{0, 0}, {1, 0}, {0, 0}}}, "at least 4 positions"},
		{"bow tie", orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}, "intersects itself"},
		{"spike touching itself", orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}}, "intersects itself"},
		{"collapsed ring", orb.Polygon{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}, "encloses no area"},
		{"hole outside shell", orb.Polygon{sq, {{35, 31}, {35.1, 31}, {35.1, 31.1}, {35, 31}}}, "lies outside the outer ring"},
		{"hole crossing shell", orb.Polygon{sq, {{34.35, 31.35}, {34.45, 31.35}, {34.45, 31.36}, {34.35, 31.35}}}, "crosses ring"},
		{"too many vertices", big, "more than the limit"},
		{"collection refused", orb.Collection{orb.Point{1, 1}}, "collections are not accepted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.g, DefaultLimits)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateLargeRingIsFast(t *testing.T) {
	// A 10,000-vertex circle-ish ring must validate (the R-tree keeps this
	// far from the quadratic worst case).
	n := 9999
	r := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{34.3 + 0.1*math.Cos(a), 31.4 + 0.1*math.Sin(a)})
	}
	r = append(r, r[0])
	if err := Validate(orb.Polygon{r}, Limits{MaxVertices: 10000}); err != nil {
		t.Fatal(err)
	}
}

func TestParseBBox(t *testing.T) {
	if b, err := ParseBBox("34.2,31.2,34.6,31.6"); err != nil || b.Min[0] != 34.2 || b.Max[1] != 31.6 {
		t.Fatalf("%v %v", b, err)
	}
	for in, want := range map[string]string{
		"1,2,3":       "got 3 numbers",
		"a,1,2,3":     "is not a number",
		"3,3,1,1":     "not below and left",
		"0,0,0,200":   "latitude 200",
		"1,2,3,4,5,6": "got 6 numbers",
	} {
		if _, err := ParseBBox(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBBox(%q) = %v, want %q", in, err, want)
		}
	}
}

// FuzzValidate feeds arbitrary GeoJSON geometries to the decoder and the
// validator: neither may panic, and an accepted geometry must survive a
// round trip.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[34.3,31.4]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[]]}`,
		`{"type":"LineString","coordinates":[[0,0]]}`,
		`{"type":"GeometryCollection","geometries":[]}`,
		`{"type":"Polygon","coordinates":[[[1e308,0],[1,0],[1,1],[1e308,0]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := geojson.UnmarshalGeometry(data)
		if err != nil || g.Coordinates == nil {
			return
		}
		if Validate(g.Coordinates, Limits{MaxVertices: 2000}) != nil {
			return
		}
		b, err := json.Marshal(geojson.NewGeometry(g.Coordinates))
		if err != nil {
			t.Fatalf("accepted geometry does not encode: %v", err)
		}
		g2, err := geojson.UnmarshalGeometry(b)
		if err != nil || Validate(g2.Coordinates, Limits{MaxVertices: 2000}) != nil {
			t.Fatalf("accepted geometry does not survive a round trip: %s", b)
		}
	})
}
