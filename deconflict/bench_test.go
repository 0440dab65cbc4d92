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

// BenchmarkUpdate measures replacing one movement or one area (remove,
// then insert) in an index of 10,000 areas and 100,000 movements.
func BenchmarkUpdate(b *testing.B) {
	w := GenerateWorkload(WorkloadParams{Seed: 1, Areas: 10000, Movements: 100000, Start: benchStart})
	x := NewIndex(Config{})
	x.Load(w)
	b.Run("movement", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			x.PutMovement(w.Movements[i%len(w.Movements)])
		}
	})
	b.Run("area", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			x.PutArea(w.Areas[i%len(w.Areas)])
		}
	})
}

// BenchmarkLoad measures building the index of 10,000 areas and 100,000
// movements (seed 1).
func BenchmarkLoad(b *testing.B) {
	w := GenerateWorkload(WorkloadParams{Seed: 1, Areas: 10000, Movements: 100000, Start: benchStart})
	b.ResetTimer()
	for b.Loop() {
		NewIndex(Config{}).Load(w)
	}
}
