package geofence

import (
	"testing"
	"time"
)

// benchSetup loads the benchmark workload — GenerateWorkload(1, 1000,
// 10000): 1,000 polygon areas (8–20 vertices, 300–1,200 m across), 5
// sectors and 3 control lines in the demo AO (34.22–34.56 E, 31.23–31.59 N),
// 10,000 units at 10–20 m/s reporting every 5 s, 10% on routes — feeds
// every unit's first report, and returns the next rounds of reports.
func benchSetup(b *testing.B, rounds int) (*Engine, Workload, []Update) {
	b.Helper()
	w := GenerateWorkload(1, 1000, 10000)
	e := New(Config{})
	if err := w.Load(e); err != nil {
		b.Fatal(err)
	}
	walk := w.Walk()
	var dst []Event
	for range w.Units {
		dst = e.Update(dst[:0], walk.Next())
	}
	ups := make([]Update, rounds*len(w.Units))
	for i := range ups {
		ups[i] = walk.Next()
	}
	return e, w, ups
}

// replay returns report i of ups, replayed later in time each time round,
// so that no report is out of order.
func replay(ups []Update, w Workload, i int) Update {
	u := ups[i%len(ups)]
	if k := i / len(ups); k > 0 {
		u.At = u.At.Add(time.Duration(k) * time.Duration(len(ups)/len(w.Units)) * w.Params.Every)
	}
	return u
}

// BenchmarkUpdate measures one position report of the workload above
// (wall time, and process CPU time per report, steadier on a shared
// machine; allocations are those of events, 0 when nothing happens).
func BenchmarkUpdate(b *testing.B) {
	e, w, ups := benchSetup(b, 40)
	dst := make([]Event, 0, 16)
	events := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		dst = e.Update(dst[:0], replay(ups, w, n))
		events += len(dst)
		n++
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(n), "cpu-ns/op")
	b.ReportMetric(float64(events)/float64(n), "events/op")
}

// BenchmarkUpdateAndTick adds a Tick every 1,000 reports (every half second
// of the workload's time), as a caller ticking each second would.
func BenchmarkUpdateAndTick(b *testing.B) {
	e, w, ups := benchSetup(b, 40)
	dst := make([]Event, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		u := replay(ups, w, n)
		dst = e.Update(dst[:0], u)
		if n%1000 == 999 {
			dst = e.Tick(dst[:0], u.At)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(n), "cpu-ns/op")
}

// BenchmarkTickIdle measures a Tick with nothing due.
func BenchmarkTickIdle(b *testing.B) {
	e, _, ups := benchSetup(b, 1)
	for i := range ups {
		e.Update(nil, ups[i])
	}
	now := ups[len(ups)-1].At
	e.Tick(nil, now)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.Tick(nil, now)
	}
}

// BenchmarkPutZone replaces one area of the loaded workload (10,000 tracks,
// their cells cached).
func BenchmarkPutZone(b *testing.B) {
	e, w, _ := benchSetup(b, 1)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if err := e.PutZone(w.Zones[n%1000]); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
