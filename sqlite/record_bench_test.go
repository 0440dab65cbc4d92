package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord"
)

// BenchmarkWriteRecords inserts records the size of an imported
// consignment (a 1 KiB document, a 1.3 KiB created event) in transactions
// of 5,000, as a CSV import does; one op is one record.
func BenchmarkWriteRecords(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	doc := json.RawMessage(fmt.Sprintf(`{"filler":%q}`, strings.Repeat("x", 1000)))
	data := json.RawMessage(fmt.Sprintf(`{"filler":%q}`, strings.Repeat("y", 1000)))
	m := concord.Marking{Owner: "BEN", Rel: []string{"ALL"}, Caveats: []string{}}
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	batch := make([]concord.RecordWrite, 5000)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(batch) {
		for k := range batch {
			id := uuid.Must(uuid.NewV7()).String()
			from := t0.Add(-time.Duration((i+k)*7919%86400) * time.Second)
			batch[k] = concord.RecordWrite{
				Record: concord.Record{Kind: "consignment", ID: id, Marking: m, Version: 1, Status: "registered", From: &from, To: &from, Data: doc, CreatedAt: t0, UpdatedAt: t0},
				Events: []concord.Event{{ID: uuid.Must(uuid.NewV7()).String(), Kind: "consignment", Verb: "created", RecordID: id, Version: 1, Marking: m, At: t0, Actor: "bench", ActorParty: "BEN", Data: data}},
			}
		}
		if err := db.WriteRecords(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
