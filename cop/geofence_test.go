package cop

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/geofence"
)

// testService is a Service with just what the geofencer's wiring needs
// (no store: nothing here writes).
func testService() *Service {
	s := &Service{log: slog.New(slog.DiscardHandler), tracks: newTrackMap(), trackers: map[string]string{}, movementVersions: map[string]int{}}
	s.fence = newGeofencer(s, GeofenceOptions{})
	return s
}

func testGeofencer() *geofencer { return testService().fence }

func transitions(evs []geofence.Event) []geofence.Transition {
	out := make([]geofence.Transition, len(evs))
	for i, e := range evs {
		out[i] = e.Transition
	}
	return out
}

// A zone applied again (a feature event arriving after the zones were
// loaded, a rename, a redrawn edge) keeps the tracks inside it inside: no
// second "entered" alert. A late event of an older version changes
// nothing. Deleting it drops it; adding it back is a new entry.
func TestPutFeatureKeepsTracksInside(t *testing.T) {
	g := testGeofencer()
	ring := orb.Ring{{34.39, 31.42}, {34.41, 31.42}, {34.41, 31.44}, {34.39, 31.44}, {34.39, 31.42}}
	f := concord.Feature{ID: "zone-1", Kind: concord.FeatureRestrictedArea, Name: "Closed zone", Geometry: orb.Polygon{ring}, Version: 2}
	g.putFeature(&f)
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	step := func(lon float64) []geofence.Transition {
		at = at.Add(time.Second)
		return transitions(g.eng.Update(nil, geofence.Update{TrackID: "T1", Pos: orb.Point{lon, 31.43}, At: at}))
	}
	if got := step(34.40); len(got) != 1 || got[0] != geofence.Enter {
		t.Fatalf("first report inside: %v, want one enter", got)
	}
	f.Name = "Closed zone (renamed)"
	f.Geometry = orb.Polygon{{{34.385, 31.42}, {34.41, 31.42}, {34.41, 31.44}, {34.385, 31.44}, {34.385, 31.42}}}
	g.putFeature(&f)
	g.putFeature(&f)
	if got := step(34.401); len(got) != 0 {
		t.Fatalf("still inside after the zone was applied again: %v, want nothing", got)
	}
	// Version 1 was elsewhere: its late event must not move the zone away.
	old := concord.Feature{ID: "zone-1", Kind: concord.FeatureRestrictedArea, Name: "Closed zone", Version: 1,
		Geometry: orb.Polygon{{{34.0, 31.0}, {34.01, 31.0}, {34.01, 31.01}, {34.0, 31.01}, {34.0, 31.0}}}}
	g.putFeature(&old)
	if got := step(34.402); len(got) != 0 {
		t.Fatalf("after a late event of an older version: %v, want nothing", got)
	}
	if got := step(34.42); len(got) != 1 || got[0] != geofence.Exit {
		t.Fatalf("leaving: %v, want one exit", got)
	}
	step(34.40)
	f.Deleted = true
	g.putFeature(&f)
	if got := step(34.401); len(got) != 0 {
		t.Fatalf("inside a deleted zone: %v", got)
	}
	if len(g.parts[f.ID]) != 0 {
		t.Fatalf("the deleted feature keeps engine zones %v", g.parts[f.ID])
	}
	f.Deleted = false
	g.putFeature(&f)
	if got := step(34.40); len(got) != 1 || got[0] != geofence.Enter {
		t.Fatalf("inside the zone added back: %v, want one enter", got)
	}
}

// A movement applied again while in progress (a changed note) keeps its
// trackers' off-route state: no second "off route" alert; so do the late
// events of its earlier steps (submitted, acknowledged, …), which arrive
// after the current state was loaded. Completing it ends the route events.
func TestPutMovementKeepsOffRouteState(t *testing.T) {
	s := testService()
	g := s.fence
	m := concord.Movement{ID: "mov-1", Reference: "MOV-1", Status: concord.MovementInProgress, Version: 5,
		Route:    concord.GeoLine{{34.30, 31.40}, {34.30, 31.45}},
		Vehicles: []concord.Vehicle{{Plate: "T-1", Tracker: "T1"}}}
	put := func(m concord.Movement) {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		s.putMovement(b)
	}
	put(m)
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	step := func(lon float64) []geofence.Transition {
		at = at.Add(time.Second)
		return transitions(g.eng.Update(nil, geofence.Update{TrackID: "T1", Pos: orb.Point{lon, 31.42}, At: at}))
	}
	if got := step(34.30); len(got) != 0 {
		t.Fatalf("on route: %v", got)
	}
	if got := step(34.31); len(got) != 1 || got[0] != geofence.OffRoute { // about 950 m east
		t.Fatalf("off route: %v, want one off-route", got)
	}
	m.Notes = "changed"
	m.Version = 6
	put(m)
	if got := step(34.311); len(got) != 0 {
		t.Fatalf("still off route after the movement was applied again: %v, want nothing", got)
	}
	early := m
	early.Status, early.Version = concord.MovementSubmitted, 1
	put(early)
	if got := step(34.312); len(got) != 0 {
		t.Fatalf("still off route after a late event of the movement's submission: %v, want nothing", got)
	}
	if s.trackers["T1"] != m.ID {
		t.Fatalf("the late event took the tracker off its movement: %v", s.trackers)
	}
	m.Status, m.Version = concord.MovementCompleted, 7
	put(m)
	if got := step(34.30); len(got) != 0 {
		t.Fatalf("route events after the movement completed: %v", got)
	}
	if _, ok := s.trackers["T1"]; ok {
		t.Fatal("the tracker still follows the completed movement")
	}
}
