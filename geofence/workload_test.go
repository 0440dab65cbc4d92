package geofence

import (
	"reflect"
	"testing"
)

func TestWorkload(t *testing.T) {
	w := GenerateWorkload(7, 300, 400)
	if len(w.Zones) != 300+5+3 || len(w.Units) != 400 || len(w.Routes) == 0 {
		t.Fatalf("%d zones, %d units, %d routes", len(w.Zones), len(w.Units), len(w.Routes))
	}
	if !reflect.DeepEqual(w.Zones, GenerateWorkload(7, 300, 400).Zones) {
		t.Fatal("the same seed gave other zones")
	}
	e := New(Config{})
	if err := w.Load(e); err != nil {
		t.Fatal(err)
	}
	a, b := w.Walk(), w.Walk()
	counts := map[Transition]int{}
	var last Update
	b0 := w.Params.Bound
	var dst []Event
	for i := 0; i < 100*len(w.Units); i++ {
		u := a.Next()
		if u != b.Next() {
			t.Fatal("two walks differ")
		}
		if err := u.Validate(); err != nil || u.At.Before(last.At) || !b0.Contains(u.Pos) && !isRouted(w, u.TrackID) {
			t.Fatalf("report %d: %+v (%v), previous at %v", i, u, err, last.At)
		}
		last = u
		dst = e.Update(dst[:0], u)
		for _, ev := range dst {
			counts[ev.Transition]++
		}
	}
	// Every kind of event the system benchmark counts happens.
	for _, tr := range []Transition{Enter, Exit, SectorChange, Cross, OffRoute} {
		if counts[tr] == 0 {
			t.Errorf("no %s in 100 rounds: %v", tr, counts)
		}
	}
	t.Logf("events in 100 rounds of %d units: %v", len(w.Units), counts)
}

func isRouted(w Workload, id string) bool {
	for _, r := range w.Routes {
		if r.TrackID == id {
			return true
		}
	}
	return false
}
