package deconflict

import (
	"fmt"
	"testing"
	"time"
)

var benchStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkCheck checks 20 km movements against 10,000 areas and 100,000
// approved movements spread over 30 days (seed 1); the corridor variant
// puts half the movements on ten shared corridors.
func BenchmarkCheck(b *testing.B) {
	for _, share := range []float64{0, 0.5} {
		b.Run(fmt.Sprintf("corridors=%.0f%%", share*100), func(b *testing.B) {
			w := GenerateWorkload(WorkloadParams{Seed: 1, Areas: 10000, Movements: 100000, Plans: 1000, Start: benchStart, CorridorShare: share})
			x := NewIndex(Config{})
			x.Load(w)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				x.Check(w.Plans[i%len(w.Plans)])
			}
		})
	}
}

// BenchmarkPutMovement measures adding one movement to a loaded index.
func BenchmarkPutMovement(b *testing.B) {
	w := GenerateWorkload(WorkloadParams{Seed: 1, Areas: 1000, Movements: 100000, Plans: 1000, Start: benchStart})
	x := NewIndex(Config{})
	x.Load(w)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m := w.Movements[i%len(w.Movements)]
		x.PutMovement(m) // replaces: remove then insert
	}
}
