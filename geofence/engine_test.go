package geofence

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// g is the grid step of the known-answer tests, in degrees (about 95 m east
// and 108 m north at 31.4° N): a power of two, so that every coordinate and
// every sign test below is exact.
const g = 1.0 / 1024

func pt(i, j float64) orb.Point { return orb.Point{34.25 + i*g, 31.375 + j*g} }

func ring(pts ...orb.Point) orb.Ring { return append(orb.Ring(pts), pts[0]) }

func rect(i0, j0, i1, j1 float64) orb.Ring {
	return ring(pt(i0, j0), pt(i1, j0), pt(i1, j1), pt(i0, j1))
}

func area(id string, kind ZoneKind, rings ...orb.Ring) Zone {
	return Zone{ID: id, Kind: kind, Name: id, Polygon: orb.Polygon(rings), Tag: uint32(len(id))}
}

// names renders events compactly: "enter A", "sector_change A>B".
func names(evs []Event) []string {
	out := []string{}
	for _, ev := range evs {
		s := ev.Transition.String() + " " + ev.ZoneID
		if ev.Transition == SectorChange {
			s = ev.Transition.String() + " " + ev.FromZone + ">" + ev.ZoneID
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func mustPut(t *testing.T, e *Engine, zs ...Zone) {
	t.Helper()
	for _, z := range zs {
		if err := e.PutZone(z); err != nil {
			t.Fatal(err)
		}
	}
}

type step struct {
	name string
	p    orb.Point
	at   time.Duration
	want []string
}

func run(t *testing.T, e *Engine, id string, steps []step) {
	t.Helper()
	for _, s := range steps {
		got := names(e.Update(nil, Update{TrackID: id, Pos: s.p, At: at(s.at)}))
		if s.want == nil {
			s.want = []string{}
		}
		if !slices.Equal(got, s.want) {
			t.Errorf("%s: events %q, want %q", s.name, got, s.want)
		}
	}
}

func TestEnterExitAtBoundaries(t *testing.T) {
	e := New(Config{})
	// A 8×8 square with a 2×2 hole in the middle.
	mustPut(t, e, area("A", Restricted, rect(0, 0, 8, 8), rect(3, 3, 5, 5)))
	eps := 1e-9
	run(t, e, "u1", []step{
		{"outside", pt(-1, 4), 0, nil},
		{"just outside the west edge", orb.Point{pt(0, 4)[0] - eps, pt(0, 4)[1]}, 1 * time.Second, nil},
		{"on the west edge", pt(0, 4), 2 * time.Second, []string{"enter A"}},
		{"just inside", orb.Point{pt(0, 4)[0] + eps, pt(0, 4)[1]}, 3 * time.Second, nil},
		{"on the hole's edge", pt(3, 4), 4 * time.Second, nil},
		{"inside the hole", pt(4, 4), 5 * time.Second, []string{"exit A"}},
		{"on the hole's corner", pt(5, 5), 6 * time.Second, []string{"enter A"}},
		{"on the shell's corner", pt(8, 8), 7 * time.Second, nil},
		{"just outside the corner", orb.Point{pt(8, 8)[0] + eps, pt(8, 8)[1] + eps}, 8 * time.Second, []string{"exit A"}},
		{"on the north edge", pt(6, 8), 9 * time.Second, []string{"enter A"}},
		{"just north of it", orb.Point{pt(6, 8)[0], pt(6, 8)[1] + eps}, 10 * time.Second, []string{"exit A"}},
	})
	// A diagonal edge: (0,0)–(8,8) is the hypotenuse of a triangle.
	mustPut(t, e, area("T", Activity, ring(pt(20, 0), pt(28, 0), pt(28, 8))))
	run(t, e, "u2", []step{
		{"on the hypotenuse", pt(24, 4), 0, []string{"enter T"}},
		{"left of it", pt(23, 4), time.Second, []string{"exit T"}},
		{"on a vertex", pt(20, 0), 2 * time.Second, []string{"enter T"}},
		{"right of it", pt(25, 4), 3 * time.Second, nil},
	})
	if got := e.Inside("u2"); !slices.Equal(got, []string{"T"}) {
		t.Errorf("Inside(u2) = %q", got)
	}
	ev := e.Update(nil, Update{TrackID: "u3", Pos: pt(1, 1), At: at(0)})
	if len(ev) != 1 || ev[0].ZoneKind != Restricted || ev[0].Tag != 1 || ev[0].Pos != pt(1, 1) || !ev[0].At.Equal(at(0)) || ev[0].TrackID != "u3" {
		t.Errorf("event fields: %+v", ev)
	}
}

func TestOverlappingAreasAndFirstPosition(t *testing.T) {
	e := New(Config{})
	mustPut(t, e, area("B", Restricted, rect(0, 0, 4, 4)), area("A", Activity, rect(2, 2, 6, 6)),
		area("S1", Sector, rect(-10, -10, 3, 10)), area("S2", Sector, rect(3, -10, 10, 10)))
	run(t, e, "u", []step{
		{"first position in both areas and S1", pt(2.5, 3), 0, []string{"enter A", "enter B", "sector_change >S1"}},
		{"on the sector boundary: the smaller ID", pt(3, 3), time.Second, nil},
		{"into S2, out of B", pt(5, 5), 2 * time.Second, []string{"exit B", "sector_change S1>S2"}},
		{"out of every sector", pt(20, 5), 3 * time.Second, []string{"exit A", "sector_change S2>"}},
		{"back", pt(-5, 5), 4 * time.Second, []string{"sector_change >S1"}},
	})
}

func TestValidityWindow(t *testing.T) {
	e := New(Config{StaleAfter: 24 * time.Hour})
	z := area("W", Activity, rect(0, 0, 4, 4))
	z.From, z.To = at(10*time.Minute), at(20*time.Minute)
	mustPut(t, e, z)
	tick := func(d time.Duration, want ...string) {
		t.Helper()
		evs := e.Tick(nil, at(d))
		if got := names(evs); !slices.Equal(got, append([]string{}, want...)) {
			t.Errorf("Tick(+%v) = %q, want %q", d, got, want)
		}
		for _, ev := range evs {
			if b := map[Transition]time.Time{Enter: z.From, Exit: z.To}[ev.Transition]; !ev.At.Equal(b) || ev.Pos != pt(1, 1) {
				t.Errorf("Tick(+%v): %s at %v, %v; want at the boundary, at the track", d, ev.Transition, ev.At, ev.Pos)
			}
		}
	}
	run(t, e, "standing", []step{{"inside, window not open", pt(1, 1), 0, nil}})
	tick(5 * time.Minute)
	tick(10*time.Minute, "enter W") // at the opening, [From, To)
	tick(15 * time.Minute)
	if got := e.Inside("standing"); !slices.Equal(got, []string{"W"}) {
		t.Errorf("Inside = %q", got)
	}
	run(t, e, "standing", []step{
		{"a late report from before the opening is out of order", pt(9, 9), 9 * time.Minute, nil},
		{"still standing", pt(1, 1), 16 * time.Minute, nil},
	})
	tick(20*time.Minute, "exit W")
	tick(21 * time.Minute)

	// Both boundaries pass within one Tick; a unit that moves in by itself.
	e = New(Config{StaleAfter: 24 * time.Hour})
	mustPut(t, e, z)
	run(t, e, "standing", []step{{"inside before", pt(1, 1), 0, nil}})
	run(t, e, "mover", []step{
		{"outside", pt(9, 9), 0, nil},
		{"moves in while open", pt(2, 2), 12 * time.Minute, []string{"enter W"}},
	})
	evs := e.Tick(nil, at(30*time.Minute))
	want := []string{"enter W", "exit W", "exit W"}
	if got := names(evs); !slices.Equal(got, want) || evs[0].TrackID != "standing" || evs[1].TrackID != "mover" {
		t.Errorf("Tick = %q (%v), want %q: ordered by time, then track", got, evs, want)
	}
	run(t, e, "mover", []step{{"after the window", pt(2.5, 2.5), 31 * time.Minute, nil}})

	// An update at the closing instant is outside [From, To).
	e = New(Config{StaleAfter: 24 * time.Hour})
	mustPut(t, e, z)
	run(t, e, "u", []step{
		{"just before From", pt(1, 1), 10*time.Minute - time.Nanosecond, nil},
		{"at From", pt(1, 1), 10 * time.Minute, []string{"enter W"}},
		{"just before To", pt(1, 1), 20*time.Minute - time.Nanosecond, nil},
		{"at To", pt(1, 1), 20 * time.Minute, []string{"exit W"}},
	})
	if evs := e.Tick(nil, at(time.Hour)); len(evs) != 0 {
		t.Errorf("Tick after updates covered the window: %q", names(evs))
	}
}

func TestControlLine(t *testing.T) {
	line := Zone{ID: "L", Kind: ControlLine, Line: orb.LineString{pt(10, -20), pt(10, 0), pt(12, 2), pt(10, 4), pt(10, 20)}}
	cases := []struct {
		name  string
		path  []orb.Point
		cross []int // indexes of the positions that cross
	}{
		{"west to east and back: crossed twice", []orb.Point{pt(9, -5), pt(11, -5), pt(9, -6)}, []int{1, 2}},
		{"onto the line and back", []orb.Point{pt(9, -5), pt(10, -5), pt(9, -5)}, nil},
		{"onto the line, along it, then across", []orb.Point{pt(9, -5), pt(10, -5), pt(10, -7), pt(11, -7)}, []int{3}},
		{"first position on the line", []orb.Point{pt(10, -5), pt(11, -5), pt(9, -5)}, []int{2}},
		{"through a vertex where the line goes on", []orb.Point{pt(8, -1), pt(12, 1)}, []int{1}},
		{"touching the apex of the bend", []orb.Point{pt(12, 1), pt(12, 3)}, nil},
		{"through the apex", []orb.Point{pt(9, 2), pt(13, 2)}, []int{1}},
		{"through the bend's two arms", []orb.Point{pt(11, -1), pt(11, 5)}, nil},
		{"inside the bend is still west", []orb.Point{pt(9, 2), pt(11, 2)}, nil},
		{"around the south end", []orb.Point{pt(9, -25), pt(11, -25), pt(11, -10)}, nil},
		{"a long step across many cells", []orb.Point{pt(-30, -10), pt(40, -9)}, []int{1}},
		{"standing still", []orb.Point{pt(9, -5), pt(9, -5), pt(9, -5)}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Config{})
			mustPut(t, e, line)
			var got []int
			for i, p := range tc.path {
				for _, ev := range e.Update(nil, Update{TrackID: "u", Pos: p, At: at(time.Duration(i) * time.Second)}) {
					if ev.Transition != Cross || ev.ZoneID != "L" || ev.ZoneKind != ControlLine || ev.Pos != p {
						t.Errorf("unexpected event %+v", ev)
					}
					got = append(got, i)
				}
			}
			if !slices.Equal(got, tc.cross) {
				t.Errorf("crossings at positions %v, want %v", got, tc.cross)
			}
		})
	}
}

// metres returns the point x metres east and y metres north of p, on the
// engine's plane.
func metres(p orb.Point, x, y float64) orb.Point {
	pl := geo.NewPlane(DefaultReference)
	v := pl.XY(p)
	return pl.Point([2]float64{v[0] + x, v[1] + y})
}

func TestOffRoute(t *testing.T) {
	e := New(Config{})
	start := orb.Point{34.30, 31.40}
	end := metres(start, 10000, 0)
	if err := e.SetRoute("u", Route{MovementID: "M", Line: orb.LineString{start, metres(start, 5000, 0), end}, OffRouteM: 500, ArrivalM: 200, Tag: 7}); err != nil {
		t.Fatal(err)
	}
	mid := metres(start, 2000, 0)
	type s struct {
		north float64
		want  []string
	}
	i := 0
	check := func(steps ...s) {
		t.Helper()
		for _, st := range steps {
			i++
			evs := e.Update(nil, Update{TrackID: "u", Pos: metres(mid, float64(i), st.north), At: at(time.Duration(i) * time.Second)})
			if got := names(evs); !slices.Equal(got, append([]string{}, st.want...)) {
				t.Errorf("%g m north: %q, want %q", st.north, got, st.want)
			}
			for _, ev := range evs {
				if ev.ZoneKind != Movement || ev.Tag != 7 || math.Abs(ev.DistanceM-math.Abs(st.north)) > 1e-6 {
					t.Errorf("%g m north: event %+v", st.north, ev)
				}
			}
		}
	}
	check(
		s{0, nil},
		s{499.999, nil},
		s{500.001, []string{"off_route M"}},
		s{800, nil},
		s{450.001, nil}, // within the threshold, not yet within the hysteresis
		s{449.999, []string{"back_on_route M"}},
		s{-499, nil},
		s{-501, []string{"off_route M"}},
		s{0, []string{"back_on_route M"}},
	)
	// Creeping out 7 m at a time: the skipped computations may not miss the
	// first position beyond the threshold.
	for n := 1.0; n*7 <= 700; n++ {
		i++
		evs := e.Update(nil, Update{TrackID: "u", Pos: metres(mid, 0, n*7), At: at(time.Duration(i) * time.Second)})
		if want := n*7 > 500 && (n-1)*7 <= 500; (len(evs) == 1) != want {
			t.Fatalf("%g m: events %q", n*7, names(evs))
		}
	}
	// Arrival, once.
	i += 100
	arrive := func(east float64, want ...string) {
		t.Helper()
		i++
		evs := e.Update(nil, Update{TrackID: "u", Pos: metres(end, east, 0), At: at(time.Duration(i) * time.Second)})
		got := names(evs)
		got = slices.DeleteFunc(got, func(s string) bool { return s == "back_on_route M" })
		if !slices.Equal(got, append([]string{}, want...)) {
			t.Errorf("%g m from the end: %q, want %q", east, got, want)
		}
	}
	arrive(-200.001)
	arrive(-199.999, "arrived M")
	arrive(-50)
	arrive(150)

	// The same movement's route again keeps the state; another starts afresh.
	if err := e.SetRoute("u", Route{MovementID: "M", Line: orb.LineString{start, end}}); err != nil {
		t.Fatal(err)
	}
	if evs := e.Update(nil, Update{TrackID: "u", Pos: end, At: at(time.Hour)}); len(evs) != 0 {
		t.Errorf("same movement: %q", names(evs))
	}
	if err := e.SetRoute("u", Route{MovementID: "N", Line: orb.LineString{start, end}}); err != nil {
		t.Fatal(err)
	}
	if evs := e.Update(nil, Update{TrackID: "u", Pos: end, At: at(time.Hour + time.Second)}); !slices.Equal(names(evs), []string{"arrived N"}) {
		t.Errorf("new movement: %q", names(evs))
	}
	e.ClearRoute("u")
	if evs := e.Update(nil, Update{TrackID: "u", Pos: metres(end, 0, 5000), At: at(2 * time.Hour)}); len(evs) != 0 {
		t.Errorf("after ClearRoute: %q", names(evs))
	}
}

func TestStale(t *testing.T) {
	e := New(Config{StaleAfter: 5 * time.Minute})
	tick := func(d time.Duration, want ...string) {
		t.Helper()
		evs := e.Tick(nil, at(d))
		var got []string
		for _, ev := range evs {
			got = append(got, ev.TrackID)
			if ev.Transition != Stale || ev.ZoneKind != NoZone || ev.ZoneID != "" {
				t.Errorf("event %+v", ev)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Tick(+%v) stale %q, want %q", d, got, want)
		}
	}
	e.Update(nil, Update{TrackID: "a", Pos: pt(0, 0), At: at(0)})
	e.Update(nil, Update{TrackID: "b", Pos: pt(1, 1), At: at(0)})
	for m := 1; m <= 9; m++ { // b keeps reporting every minute
		e.Update(nil, Update{TrackID: "b", Pos: pt(1, 1), At: at(time.Duration(m) * time.Minute)})
		if m == 4 {
			tick(4*time.Minute + 59*time.Second)
		}
		if m == 5 {
			evs := e.Tick(nil, at(5*time.Minute))
			if len(evs) != 1 || evs[0].TrackID != "a" || !evs[0].At.Equal(at(5*time.Minute)) || evs[0].Pos != pt(0, 0) ||
				evs[0].ID != EventID("a", "", Stale, at(5*time.Minute)) {
				t.Errorf("Tick(+5m) = %+v", evs)
			}
		}
		if m == 8 {
			tick(8 * time.Minute) // a is reported once
		}
	}
	// a is fresh again, without an event; b's last report was at 9 min.
	e.Update(nil, Update{TrackID: "a", Pos: pt(0, 0), At: at(11 * time.Minute)})
	tick(14*time.Minute, "b")
	tick(15 * time.Minute)
	tick(16*time.Minute, "a")
	tick(30 * time.Minute)
	e.RemoveTrack("a")
	e.Update(nil, Update{TrackID: "a", Pos: pt(0, 0), At: at(31 * time.Minute)})
	tick(36*time.Minute, "a")
}

func TestOutOfOrderAndInvalidUpdates(t *testing.T) {
	e := New(Config{})
	mustPut(t, e, area("A", Restricted, rect(0, 0, 4, 4)))
	run(t, e, "u", []step{
		{"inside", pt(1, 1), 10 * time.Second, []string{"enter A"}},
		{"older, outside: ignored", pt(9, 9), 5 * time.Second, nil},
		{"same time, still inside", pt(2, 2), 10 * time.Second, nil},
		{"newer, outside", pt(9, 9), 11 * time.Second, []string{"exit A"}},
	})
	for _, u := range []Update{
		{TrackID: "", Pos: pt(1, 1), At: at(time.Minute)},
		{TrackID: "u", Pos: pt(1, 1)},
		{TrackID: "u", Pos: orb.Point{math.NaN(), 31.4}, At: at(time.Minute)},
		{TrackID: "u", Pos: orb.Point{34.3, math.Inf(1)}, At: at(time.Minute)},
		{TrackID: "u", Pos: orb.Point{181, 31.4}, At: at(time.Minute)},
		{TrackID: "u", Pos: orb.Point{34.3, -90.5}, At: at(time.Minute)},
	} {
		if u.Validate() == nil {
			t.Errorf("Validate(%+v) accepted it", u)
		}
		if evs := e.Update(nil, u); len(evs) != 0 {
			t.Errorf("Update(%+v) = %q", u, names(evs))
		}
	}
	if got := e.Inside("u"); len(got) != 0 {
		t.Errorf("Inside = %q after refused updates", got)
	}
	if err := (Update{TrackID: "u", Pos: pt(1, 1), At: at(0)}).Validate(); err != nil {
		t.Error(err)
	}
}

func script(e *Engine) []Event {
	z := area("W", Activity, rect(0, 0, 4, 4))
	z.From, z.To = at(time.Minute), at(time.Hour)
	_ = e.PutZone(z)
	_ = e.PutZone(area("S", Sector, rect(-20, -20, 20, 20)))
	_ = e.PutZone(Zone{ID: "L", Kind: ControlLine, Line: orb.LineString{pt(6, -20), pt(6, 20)}})
	_ = e.SetRoute("u", Route{MovementID: "M", Line: orb.LineString{pt(-10, 0), pt(-10, 10)}, OffRouteM: 300})
	var evs []Event
	for i, p := range []orb.Point{pt(1, 1), pt(2, 2), pt(8, 2), pt(-30, 3), pt(1, 1)} {
		evs = e.Update(evs, Update{TrackID: "u", Pos: p, At: at(time.Duration(i) * 30 * time.Second)})
		evs = e.Update(evs, Update{TrackID: "v", Pos: p, At: at(time.Duration(i) * 30 * time.Second)})
	}
	return e.Tick(evs, at(2*time.Hour))
}

func TestIdempotentIDs(t *testing.T) {
	a, b := script(New(Config{})), script(New(Config{}))
	if len(a) < 10 || !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs differ or are too short:\n%v\n%v", names(a), names(b))
	}
	seen := map[string]bool{}
	for _, ev := range a {
		if ev.ID != EventID(ev.TrackID, ev.ZoneID, ev.Transition, ev.At) {
			t.Errorf("%+v: ID is not EventID of its fields", ev)
		}
		if seen[ev.ID] {
			t.Errorf("duplicate ID %s", ev.ID)
		}
		seen[ev.ID] = true
	}
	if EventID("a", "bc", Enter, t0) == EventID("ab", "c", Enter, t0) {
		t.Error("IDs of different fields collide")
	}
	if EventID("a", "b", Enter, t0) != EventID("a", "b", Enter, t0.In(time.FixedZone("X", 3600))) {
		t.Error("ID depends on the time zone")
	}
}

func TestZoneValidation(t *testing.T) {
	sq := rect(0, 0, 4, 4)
	win := area("W", Restricted, sq)
	win.From, win.To = at(time.Hour), at(time.Hour)
	secWin := area("S", Sector, sq)
	secWin.From = at(0)
	cases := []struct {
		name string
		z    Zone
		want string
	}{
		{"no ID", Zone{Kind: Restricted, Polygon: orb.Polygon{sq}}, "no ID"},
		{"no kind", Zone{ID: "x", Polygon: orb.Polygon{sq}}, "not a zone kind"},
		{"movement is not a zone kind", Zone{ID: "x", Kind: Movement, Line: orb.LineString{pt(0, 0), pt(1, 1)}}, "not a zone kind"},
		{"NaN vertex", area("x", Restricted, ring(pt(0, 0), orb.Point{math.NaN(), 31.4}, pt(1, 1))), "not a finite number"},
		{"Inf vertex", area("x", Sector, ring(pt(0, 0), orb.Point{34.3, math.Inf(-1)}, pt(1, 1))), "not a finite number"},
		{"unclosed", Zone{ID: "x", Kind: Activity, Polygon: orb.Polygon{{pt(0, 0), pt(1, 0), pt(1, 1), pt(0, 1)}}}, "not closed"},
		{"bow tie", area("x", Restricted, ring(pt(0, 0), pt(1, 1), pt(1, 0), pt(0, 1))), "intersects itself"},
		{"area without polygon", Zone{ID: "x", Kind: Restricted}, "needs a polygon"},
		{"area with a line", Zone{ID: "x", Kind: Restricted, Polygon: orb.Polygon{sq}, Line: orb.LineString{pt(0, 0), pt(1, 1)}}, "not a line"},
		{"line with a polygon", Zone{ID: "x", Kind: ControlLine, Polygon: orb.Polygon{sq}}, "not a polygon"},
		{"one-point line", Zone{ID: "x", Kind: ControlLine, Line: orb.LineString{pt(0, 0)}}, "at least 2"},
		{"line out of range", Zone{ID: "x", Kind: ControlLine, Line: orb.LineString{pt(0, 0), {200, 0}}}, "outside"},
		{"empty window", win, "ends"},
		{"window on a sector", secWin, "only restricted and activity areas"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Config{})
			err := e.PutZone(tc.z)
			var ge *Error
			if !errors.As(err, &ge) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("PutZone error %v, want an *Error containing %q", err, tc.want)
			}
			if len(e.zones) != 0 || e.zoneTree.Len() != 0 || e.segTree.Len() != 0 {
				t.Fatal("a refused zone was stored")
			}
		})
	}
	e := New(Config{})
	for _, r := range []Route{
		{Line: orb.LineString{pt(0, 0), pt(1, 1)}},
		{MovementID: "M", Line: orb.LineString{pt(0, 0)}},
		{MovementID: "M", Line: orb.LineString{pt(0, 0), {math.NaN(), 0}}},
		{MovementID: "M", Line: orb.LineString{pt(0, 0), pt(1, 1)}, OffRouteM: -1},
		{MovementID: "M", Line: orb.LineString{pt(0, 0), pt(1, 1)}, ArrivalM: math.Inf(1)},
	} {
		if err := e.SetRoute("u", r); err == nil {
			t.Errorf("SetRoute(%+v) accepted it", r)
		}
	}
	if len(e.tracks) != 0 {
		t.Error("a refused route was stored")
	}
}

func TestReplaceAndRemoveZone(t *testing.T) {
	e := New(Config{})
	mustPut(t, e, area("A", Restricted, rect(0, 0, 4, 4)), Zone{ID: "L", Kind: ControlLine, Line: orb.LineString{pt(6, -9), pt(6, 9)}})
	run(t, e, "u", []step{{"inside", pt(1, 1), 0, []string{"enter A"}}})
	// Replaced in place (kind and geometry): judged at the next update.
	mustPut(t, e, area("A", Activity, rect(0, 0, 4, 4), rect(0.5, 0.5, 1.5, 1.5)))
	if got := e.Inside("u"); !slices.Equal(got, []string{"A"}) {
		t.Errorf("Inside after replacement = %q", got)
	}
	evs := e.Update(nil, Update{TrackID: "u", Pos: pt(1, 1), At: at(time.Second)})
	if !slices.Equal(names(evs), []string{"exit A"}) || evs[0].ZoneKind != Activity {
		t.Errorf("after the hole appeared: %+v", evs)
	}
	run(t, e, "u", []step{{"back in", pt(2, 2), 2 * time.Second, []string{"enter A"}}})
	// Becomes a sector: a new zone of another class.
	mustPut(t, e, area("A", Sector, rect(0, 0, 4, 4)))
	run(t, e, "u", []step{{"same place", pt(2, 2), 3 * time.Second, []string{"sector_change >A"}}})
	e.RemoveZone("A")
	run(t, e, "u", []step{{"removed: dropped silently", pt(2, 2), 4 * time.Second, nil}})
	// The line moves under a standing track.
	mustPut(t, e, Zone{ID: "L", Kind: ControlLine, Line: orb.LineString{pt(1, -9), pt(1, 9)}})
	run(t, e, "u", []step{{"west across the moved line", pt(0, 2), 5 * time.Second, []string{"cross L"}}})
	e.RemoveZone("L")
	run(t, e, "u", []step{{"line removed", pt(3, 2), 6 * time.Second, nil}})
	if got := e.Inside("u"); len(got) != 0 {
		t.Errorf("Inside = %q", got)
	}
	if e.zoneTree.Len() != 0 || e.segTree.Len() != 0 || len(e.zones) != 0 {
		t.Error("indexes not empty after removing everything")
	}
	for _, c := range e.cells {
		if len(c.zones) != 0 || len(c.segs) != 0 {
			t.Errorf("cell %v still lists %d zones, %d segments", c.key, len(c.zones), len(c.segs))
		}
	}
}

// TestQuietUpdatesDoNotAllocate moves a track inside a zone, across cell
// boundaries and near a control line without any event.
func TestQuietUpdatesDoNotAllocate(t *testing.T) {
	e := New(Config{})
	mustPut(t, e, area("A", Restricted, rect(0, 0, 40, 40)), area("S", Sector, rect(-100, -100, 100, 100)),
		Zone{ID: "L", Kind: ControlLine, Line: orb.LineString{pt(50, -90), pt(50, 90)}})
	if err := e.SetRoute("u", Route{MovementID: "M", Line: orb.LineString{pt(0, 20), pt(60, 20)}}); err != nil {
		t.Fatal(err)
	}
	dst := make([]Event, 0, 8)
	i := 0
	next := func() {
		i++
		x := 10 + float64(i%300)/10 // sweeps 30 cells' worth of grid east and back
		dst = e.Update(dst[:0], Update{TrackID: "u", Pos: pt(x, 20+float64(i%3)), At: at(time.Duration(i) * time.Second)})
		if len(dst) != 0 {
			t.Fatalf("step %d: %q", i, names(dst))
		}
	}
	if evs := e.Update(nil, Update{TrackID: "u", Pos: pt(10, 20), At: at(0)}); !slices.Equal(names(evs), []string{"enter A", "sector_change >S"}) {
		t.Fatalf("first position: %q", names(evs))
	}
	if got := e.Inside("u"); !slices.Equal(got, []string{"A", "S"}) {
		t.Fatalf("Inside = %q", got)
	}
	if n := testing.AllocsPerRun(2000, next); n != 0 {
		t.Errorf("%v allocations per quiet update", n)
	}
	if n := testing.AllocsPerRun(100, func() { e.Tick(dst[:0], at(time.Duration(i)*time.Second)) }); n != 0 {
		t.Errorf("%v allocations per quiet Tick", n)
	}
}

func TestKindAndTransitionText(t *testing.T) {
	for k := NoZone; k <= Movement; k++ {
		b, err := k.MarshalText()
		var back ZoneKind
		if err != nil || back.UnmarshalText(b) != nil || back != k {
			t.Errorf("kind %d: %s %v", k, b, err)
		}
	}
	for tr := Enter; tr <= Stale; tr++ {
		b, err := tr.MarshalText()
		var back Transition
		if err != nil || back.UnmarshalText(b) != nil || back != tr {
			t.Errorf("transition %d: %s %v", tr, b, err)
		}
	}
	if _, err := Transition(0).MarshalText(); err == nil {
		t.Error("zero transition encoded")
	}
	if fmt.Sprint(Cross, ControlLine) != "cross control_line" {
		t.Error(fmt.Sprint(Cross, ControlLine))
	}
}

// TestStepsBetweenCells crosses a line with steps that leave a cell no
// line passes near (500 m cells from the reference): two cells east, one
// cell east, one cell diagonally.
func TestStepsBetweenCells(t *testing.T) {
	ref := DefaultReference
	for _, tc := range []struct {
		name     string
		from, to float64 // metres east of the reference
		lineX    float64
	}{
		{"two cells", 100, 1400, 1250},
		{"one cell, line near the far side", 400, 990, 980},
		{"diagonal", 450, 1020, 1010},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Config{})
			mustPut(t, e, Zone{ID: "L", Kind: ControlLine, Line: orb.LineString{metres(ref, tc.lineX, -5000), metres(ref, tc.lineX, 5000)}})
			e.Update(nil, Update{TrackID: "u", Pos: metres(ref, tc.from, 250), At: at(0)})
			dy := 0.0
			if tc.name == "diagonal" {
				dy = 400
			}
			evs := e.Update(nil, Update{TrackID: "u", Pos: metres(ref, tc.to, 250+dy), At: at(time.Second)})
			if !slices.Equal(names(evs), []string{"cross L"}) {
				t.Errorf("events %q", names(evs))
			}
		})
	}
}
