package deconflict

import (
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenIndex is a generated mission state with every kind of record:
// the benchmark generator's areas and movements (a fifth of the benchmark's
// density, a third of the movements on shared corridors) plus control
// lines, sectors and sites placed by a fixed seed.
func goldenIndex() (*Index, Workload) {
	w := GenerateWorkload(WorkloadParams{Seed: 2, Areas: 2000, Movements: 20000, Plans: 60, Start: benchStart, CorridorShare: 0.3})
	x := NewIndex(Config{})
	x.Load(w)
	rng := rand.New(rand.NewPCG(3, 3))
	pt := func() orb.Point { return orb.Point{34.22 + rng.Float64()*0.34, 31.23 + rng.Float64()*0.36} }
	for i := 0; i < 3; i++ {
		var l orb.LineString
		for k := 0; k < 8; k++ {
			l = append(l, orb.Point{34.30 + float64(i)*0.08 + (rng.Float64()-0.5)*0.03, 31.23 + float64(k)*0.05})
		}
		x.PutLine(Line{ID: fmt.Sprintf("line-%d", i), Name: fmt.Sprintf("Line %d", i), Version: "declared", Party: "ISR", Geometry: l})
	}
	for i := 0; i < 4; i++ {
		lon := 34.22 + float64(i)*0.085
		x.PutSector(Sector{ID: fmt.Sprintf("sector-%d", i), Name: fmt.Sprintf("Sector %d", i), Lead: []string{"PAK", "AZE", "IDN", "ITA"}[i],
			Geometry: orb.Polygon{{{lon, 31.23}, {lon + 0.085, 31.23}, {lon + 0.085, 31.59}, {lon, 31.59}, {lon, 31.23}}}})
	}
	statuses := []string{"open", "closed", "damaged", "limited", "destroyed"}
	for i := 0; i < 400; i++ {
		x.PutSite(Site{ID: fmt.Sprintf("site-%03d", i), Name: fmt.Sprintf("site %d", i), Kind: "water_point", Status: statuses[rng.IntN(len(statuses))],
			Notified: rng.IntN(3) == 0, Geometry: pt()})
	}
	return x, w
}

// TestGoldenWorkload pins the engine's answers on a generated workload:
// optimisations of the index or the checks must not change a single
// finding (check, severity, times, record, party, distance, sentence and
// the exact sub-route) nor any earliest departure. Run with -update only
// when a change of results is intended, and say so in the commit.
func TestGoldenWorkload(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 20,000-movement workload")
	}
	x, w := goldenIndex()
	var b bytes.Buffer
	for i, p := range w.Plans {
		fs := x.Check(p)
		fmt.Fprintf(&b, "%s: %d findings\n", p.ID, len(fs))
		for _, f := range fs {
			h := fnv.New64a()
			for _, q := range f.Route {
				fmt.Fprintf(h, "%v,%v;", q[0], q[1])
			}
			fmt.Fprintf(&b, "  %s %s %s–%s %s %q %s %v route %d pts %016x\n    %s\n", f.Check, f.Severity, f.From.Format(time.RFC3339Nano), f.To.Format(time.RFC3339Nano),
				f.RecordID, f.RecordName, f.Party, f.DistanceM, len(f.Route), h.Sum64(), f.Reason)
		}
		if i%4 == 0 {
			s := x.Earliest(p, 72*time.Hour, 15*time.Minute)
			fmt.Fprintf(&b, "  earliest found=%v %s–%s horizon=%v\n", s.Found, s.Depart.Format(time.RFC3339), s.Arrive.Format(time.RFC3339), s.HorizonReached)
			for _, r := range s.RuledOut {
				fmt.Fprintf(&b, "    ruled out %s–%s: %q\n", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.Reasons)
			}
		}
	}
	path := filepath.Join("testdata", "golden_workload.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Bytes(); !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := 0; i < min(len(gl), len(wl)); i++ {
			if !bytes.Equal(gl[i], wl[i]) {
				t.Fatalf("findings differ from %s at line %d:\n got  %s\n want %s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("findings differ from %s: %d lines, want %d", path, len(gl), len(wl))
	}
}
