package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/concord-mission/concord/deconflict"
)

// benchDeconflict measures the deconfliction engine on a synthetic mission
// state: index build time and memory, the latency of checking new 20 km
// movements (one goroutine on a locked thread: one core; wall clock and
// the thread's CPU time), and the cost of updates that reach the index
// without a rebuild. With --runs it rebuilds and measures several times and
// reports the median of each figure as well.
func benchDeconflict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("deconflict", stderr)
	seed := fs.Uint64("seed", 1, "workload seed")
	areas := fs.Int("areas", 10000, "restricted and activity areas with validity windows")
	movs := fs.Int("movements", 100000, "approved movements")
	days := fs.Int("days", 30, "days the areas and movements are spread over")
	checks := fs.Int("checks", 5000, "new movements to check")
	share := fs.Float64("corridor-share", 0, "fraction of movements on ten shared corridors")
	runs := fs.Int("runs", 1, "times to build the index and measure (medians are reported)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the checks to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintf(stderr, "generating workload (seed %d)…\n", *seed)
	w := deconflict.GenerateWorkload(deconflict.WorkloadParams{Seed: *seed, Areas: *areas, Movements: *movs, Plans: *checks, Start: start, Days: *days, CorridorShare: *share})
	fmt.Fprintf(stdout, "machine: %s\n", machine())
	fmt.Fprintf(stdout, "workload: seed %d, %d areas, %d movements over %d days (corridor share %.0f%%), %d checks of 20 km routes\n", *seed, *areas, *movs, *days, *share*100, len(w.Plans))
	var all []deconflictRun
	for i := 0; i < *runs; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var prof io.Writer
		if *cpuProfile != "" && i == 0 {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			prof = f
		}
		r, err := runDeconflict(w, prof)
		if err != nil {
			return err
		}
		all = append(all, r)
		fmt.Fprintf(stdout, "run %d: %s\n", i+1, r)
	}
	med := medianRun(all)
	fmt.Fprintf(stdout, "bench deconflict: median of %d runs: %s\n", len(all), med)
	return nil
}

// deconflictRun is one build and measurement.
type deconflictRun struct {
	build, upd, aupd, earliest time.Duration
	mem                        float64 // MiB
	wall, cpu                  [3]time.Duration
	hasCPU                     bool
	findings                   float64
}

func (r deconflictRun) String() string {
	s := fmt.Sprintf("index build %s, memory %.0f MiB; check p50 %s p90 %s p99 %s", r.build.Round(time.Millisecond), r.mem, ms(r.wall[0]), ms(r.wall[1]), ms(r.wall[2]))
	if r.hasCPU {
		s += fmt.Sprintf(" (thread CPU p50 %s p90 %s p99 %s)", ms(r.cpu[0]), ms(r.cpu[1]), ms(r.cpu[2]))
	}
	return s + fmt.Sprintf(", %.1f findings per check; update: movement %s, area %s; earliest departure (72 h, 15 min steps) %s",
		r.findings, r.upd.Round(100*time.Nanosecond), r.aupd.Round(100*time.Nanosecond), r.earliest.Round(10*time.Microsecond))
}

func runDeconflict(w deconflict.Workload, prof io.Writer) (deconflictRun, error) {
	var r deconflictRun
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	x := deconflict.NewIndex(deconflict.Config{})
	x.Load(w)
	r.build = time.Since(t0)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	r.mem = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	if prof != nil {
		if err := pprof.StartCPUProfile(prof); err != nil {
			return r, err
		}
	}
	// Keep the GC from running during the measured checks so that the
	// figure is the engine's, and keep to one thread (one core).
	old := debug.SetGCPercent(-1)
	runtime.LockOSThread()
	wall := make([]time.Duration, len(w.Plans))
	cpu := make([]time.Duration, len(w.Plans))
	findings := 0
	_, r.hasCPU = threadCPU()
	for i, p := range w.Plans {
		c0, _ := threadCPU()
		t0 := time.Now()
		findings += len(x.Check(p))
		wall[i] = time.Since(t0)
		c1, _ := threadCPU()
		cpu[i] = c1 - c0
	}
	runtime.UnlockOSThread()
	debug.SetGCPercent(old)
	if prof != nil {
		pprof.StopCPUProfile()
	}
	r.findings = float64(findings) / float64(len(w.Plans))
	p50, p90, _, p99, _ := percentiles(wall)
	r.wall = [3]time.Duration{p50, p90, p99}
	p50, p90, _, p99, _ = percentiles(cpu)
	r.cpu = [3]time.Duration{p50, p90, p99}
	// Updates: replace movements and areas in place.
	const updates = 2000
	u0 := time.Now()
	for i := 0; i < updates; i++ {
		m := w.Movements[i%len(w.Movements)]
		m.Depart, m.Arrive = m.Depart.Add(time.Hour), m.Arrive.Add(time.Hour)
		x.PutMovement(m)
	}
	r.upd = time.Since(u0) / updates
	a0 := time.Now()
	for i := 0; i < updates; i++ {
		x.PutArea(w.Areas[i%len(w.Areas)])
	}
	r.aupd = time.Since(a0) / updates
	n := min(200, len(w.Plans))
	e0 := time.Now()
	for _, p := range w.Plans[:n] {
		x.Earliest(p, 72*time.Hour, 15*time.Minute)
	}
	if n > 0 {
		r.earliest = time.Since(e0) / time.Duration(n)
	}
	return r, nil
}

// medianRun takes the median of each figure over the runs.
func medianRun(rs []deconflictRun) deconflictRun {
	med := func(f func(deconflictRun) time.Duration) time.Duration {
		var v []time.Duration
		for _, r := range rs {
			v = append(v, f(r))
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	out := deconflictRun{hasCPU: rs[0].hasCPU, findings: rs[0].findings}
	out.build = med(func(r deconflictRun) time.Duration { return r.build })
	out.upd = med(func(r deconflictRun) time.Duration { return r.upd })
	out.aupd = med(func(r deconflictRun) time.Duration { return r.aupd })
	out.earliest = med(func(r deconflictRun) time.Duration { return r.earliest })
	out.mem = float64(med(func(r deconflictRun) time.Duration { return time.Duration(r.mem * 1e6) })) / 1e6
	for i := range 3 {
		out.wall[i] = med(func(r deconflictRun) time.Duration { return r.wall[i] })
		out.cpu[i] = med(func(r deconflictRun) time.Duration { return r.cpu[i] })
	}
	return out
}
