package geofence

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// fuzzReader turns fuzz bytes into engine calls. Numbers come either as raw
// float64 bits (NaN, Inf, huge, tiny) or, more often, as a byte mapped onto
// a small grid inside the demo AO, so that zones and tracks meet.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) float(base float64) float64 {
	if k := r.byte(); k&7 != 0 {
		return base + float64(k>>3)*(1.0/256)
	}
	if len(r.b) < 8 {
		return base
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *fuzzReader) point() orb.Point { return orb.Point{r.float(34.3), r.float(31.3)} }

func (r *fuzzReader) time() time.Time {
	k := r.byte()
	if k == 255 && len(r.b) >= 8 {
		v := int64(binary.LittleEndian.Uint64(r.b))
		r.b = r.b[8:]
		return time.Unix(v/1e9, v%1e9)
	}
	return t0.Add(time.Duration(k) * 10 * time.Second)
}

func finite(pts ...orb.Point) bool {
	for _, p := range pts {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return false
		}
	}
	return true
}

// FuzzEngine drives PutZone, Update, Tick and the rest with arbitrary
// coordinates and times: nothing may panic, zones and updates with a
// coordinate that is not finite are refused, and the events of every
// update and tick explain the change in the track's Inside.
func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 1, 4, 8, 8, 80, 8, 80, 80, 8, 80, 2, 0, 16, 16, 3, 2, 0, 200, 200, 9, 4, 30})
	f.Add([]byte{1, 3, 40, 0, 40, 255, 2, 1, 8, 100, 1, 2, 1, 80, 100, 2, 3, 100})
	f.Add([]byte{0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 8, 8, 80, 80, 2, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0xf0, 0x7f, 8, 4})
	f.Add([]byte{4, 0, 1, 5, 8, 8, 80, 80, 120, 2, 2, 0, 8, 8, 1, 2, 0, 120, 120, 50, 3, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{b: data}
		e := New(Config{StaleAfter: time.Duration(1+r.byte()) * 10 * time.Second, CellM: float64(r.byte()) * 20})
		live := map[string]bool{}
		for steps := 0; len(r.b) > 0 && steps < 200; steps++ {
			switch op := r.byte() % 7; op {
			case 0, 1: // a polygon zone or a line
				id := fmt.Sprint("z", r.byte()%6)
				n := 2 + int(r.byte()%10)
				pts := make([]orb.Point, n)
				for i := range pts {
					pts[i] = r.point()
				}
				z := Zone{ID: id, Kind: ZoneKind(r.byte() % 6), From: r.time(), To: r.time(), Tag: 1}
				if r.byte()%2 == 0 {
					z.From = time.Time{}
				}
				if r.byte()%2 == 0 {
					z.To = time.Time{}
				}
				if op == 0 {
					z.Polygon = orb.Polygon{append(orb.Ring(pts), pts[0])}
				} else {
					z.Line = pts
				}
				err := e.PutZone(z)
				if !finite(pts...) && err == nil {
					t.Fatalf("PutZone accepted a coordinate that is not finite: %v", pts)
				}
				if err == nil {
					live[id] = true
				}
			case 2: // an update
				id := fmt.Sprint("t", r.byte()%4)
				u := Update{TrackID: id, Pos: r.point(), At: r.time()}
				before := e.Inside(id)
				evs := e.Update(nil, u)
				after := e.Inside(id)
				if u.Validate() != nil && (len(evs) != 0 || !slices.Equal(before, after)) {
					t.Fatalf("refused update %+v changed something: %v, %q→%q", u, names(evs), before, after)
				}
				checkEvents(t, evs, before, after, live)
			case 3: // time passes
				before := map[string][]string{}
				for i := range 4 {
					id := fmt.Sprint("t", i)
					before[id] = e.Inside(id)
				}
				evs := e.Tick(nil, r.time())
				for id, b := range before {
					var mine []Event
					for _, ev := range evs {
						if ev.TrackID == id {
							mine = append(mine, ev)
						}
					}
					checkEvents(t, mine, b, e.Inside(id), live)
				}
			case 4:
				id := fmt.Sprint("z", r.byte()%6)
				e.RemoveZone(id)
				delete(live, id)
			case 5:
				id := fmt.Sprint("t", r.byte()%4)
				rt := Route{MovementID: "m", Line: orb.LineString{r.point(), r.point(), r.point()}, OffRouteM: r.float(100), ArrivalM: r.float(50)}
				if err := e.SetRoute(id, rt); err == nil && !finite(rt.Line...) {
					t.Fatalf("SetRoute accepted a coordinate that is not finite: %v", rt.Line)
				}
			case 6:
				id := fmt.Sprint("t", r.byte()%4)
				if r.byte()%2 == 0 {
					e.ClearRoute(id)
				} else {
					e.RemoveTrack(id)
				}
			}
		}
	})
}

// checkEvents checks that a track's events turn its Inside before into its
// Inside after: an Enter only for a zone it was not in, an Exit only for
// one it was in, a sector change from its sector; and that every zone it
// is in exists.
func checkEvents(t *testing.T, evs []Event, before, after []string, live map[string]bool) {
	t.Helper()
	state := slices.Clone(before)
	for _, ev := range evs {
		switch ev.Transition {
		case Enter, SectorChange:
			if ev.Transition == SectorChange {
				if ev.FromZone != "" {
					if !slices.Contains(state, ev.FromZone) {
						t.Fatalf("%+v: not in %s (%q)", ev, ev.FromZone, state)
					}
					state = slices.DeleteFunc(state, func(s string) bool { return s == ev.FromZone })
				}
				if ev.ZoneID == "" {
					continue
				}
			}
			if slices.Contains(state, ev.ZoneID) {
				t.Fatalf("%+v: already in (%q)", ev, state)
			}
			state = append(state, ev.ZoneID)
		case Exit:
			if !slices.Contains(state, ev.ZoneID) {
				t.Fatalf("%+v: was not in (%q)", ev, state)
			}
			state = slices.DeleteFunc(state, func(s string) bool { return s == ev.ZoneID })
		}
		if !finite(ev.Pos) || ev.ID == "" {
			t.Fatalf("event %+v", ev)
		}
	}
	slices.Sort(state)
	for _, id := range after {
		if !live[id] {
			t.Fatalf("inside %q, which does not exist", id)
		}
	}
	// Zones replaced or removed since are dropped without events.
	state = slices.DeleteFunc(state, func(s string) bool { return !live[s] })
	if !slices.Equal(state, after) {
		t.Fatalf("events %q do not explain %q → %q", names(evs), before, after)
	}
}
