package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/concord-mission/concord/deconflict"
)

// benchDeconflict measures the deconfliction engine on a synthetic mission
// state: index build time and memory, the latency of checking new 20 km
// movements (one goroutine: one core), and the cost of updates that reach
// the index without a rebuild.
func benchDeconflict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("deconflict", stderr)
	seed := fs.Uint64("seed", 1, "workload seed")
	areas := fs.Int("areas", 10000, "restricted and activity areas with validity windows")
	movs := fs.Int("movements", 100000, "approved movements")
	days := fs.Int("days", 30, "days the areas and movements are spread over")
	checks := fs.Int("checks", 5000, "new movements to check")
	share := fs.Float64("corridor-share", 0, "fraction of movements on ten shared corridors")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintf(stderr, "generating workload (seed %d)…\n", *seed)
	w := deconflict.GenerateWorkload(deconflict.WorkloadParams{Seed: *seed, Areas: *areas, Movements: *movs, Plans: *checks, Start: start, Days: *days, CorridorShare: *share})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	x := deconflict.NewIndex(deconflict.Config{})
	x.Load(w)
	build := time.Since(t0)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	mem := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// Keep the GC from running during the measured checks so that the
	// figure is the engine's; report the garbage it makes separately.
	old := debug.SetGCPercent(-1)
	lat := make([]time.Duration, len(w.Plans))
	findings := 0
	for i, p := range w.Plans {
		c0 := time.Now()
		findings += len(x.Check(p))
		lat[i] = time.Since(c0)
	}
	debug.SetGCPercent(old)
	p50, p90, _, p99, mx := percentiles(lat)
	// Updates: replace movements and areas in place.
	u0 := time.Now()
	const updates = 2000
	for i := 0; i < updates; i++ {
		m := w.Movements[i%len(w.Movements)]
		m.Depart, m.Arrive = m.Depart.Add(time.Hour), m.Arrive.Add(time.Hour)
		x.PutMovement(m)
	}
	upd := time.Since(u0) / updates
	a0 := time.Now()
	for i := 0; i < updates; i++ {
		a := w.Areas[i%len(w.Areas)]
		x.PutArea(a)
	}
	aupd := time.Since(a0) / updates
	e0 := time.Now()
	for _, p := range w.Plans[:200] {
		x.Earliest(p, 72*time.Hour, 15*time.Minute)
	}
	earliest := time.Since(e0) / 200
	fmt.Fprintf(stdout, "machine: %s\n", machine())
	fmt.Fprintf(stdout, "workload: seed %d, %d areas, %d movements over %d days (corridor share %.0f%%), %d checks of 20 km routes\n", *seed, *areas, *movs, *days, *share*100, len(w.Plans))
	fmt.Fprintf(stdout, "index build %s, index memory %.0f MiB; update: movement %s, area %s; earliest departure (72 h, 15 min steps) %s\n",
		build.Round(time.Millisecond), float64(mem)/(1<<20), upd, aupd, earliest.Round(time.Microsecond))
	fmt.Fprintf(stdout, "bench deconflict: check p50 %s p90 %s p99 %s max %s, %.1f findings per check\n", ms(p50), ms(p90), ms(p99), ms(mx), float64(findings)/float64(len(w.Plans)))
	return nil
}
