package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/concord-mission/concord"
)

// BenchmarkPutTracks writes batches of 500 reports of 10,000 units, as the
// live picture's writer does under load; one op is one report.
func BenchmarkPutTracks(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	t0 := time.Now().Add(-time.Hour)
	batch := make([]concord.Track, 500)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(batch) {
		for k := range batch {
			n := i + k
			batch[k] = concord.Track{UID: fmt.Sprintf("unit-%05d", n%10000), Callsign: "u", Type: "a-f-G", Marking: concord.Marking{Owner: "BEN", Rel: []string{"ALL"}},
				Lat: 31.4 + float64(n%1000)/1e4, Lon: 34.4, Time: t0.Add(time.Duration(n) * time.Millisecond), Stale: t0.Add(time.Hour), Source: "http"}
		}
		if err := db.PutTracks(ctx, batch, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDB is a new database with the party BEN.
func benchDB(b *testing.B) *DB {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "c.db"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.PutParty(ctx, concord.Party{Code: "BEN", Name: "Bench", Kind: concord.KindContributingNation}, 0, concord.Event{Kind: "party", Verb: "created", RecordID: "BEN", Version: 1, ID: "x"}); err != nil {
		b.Fatal(err)
	}
	return db
}
