package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/sqlite"
	"github.com/concord-mission/concord/storetest"
)

func open(t *testing.T) concord.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "concord.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestSchemaVersionChecks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "concord.db")
	if _, err := sqlite.Open(ctx, path, sqlite.Options{}); concord.ErrorCode(err) != concord.Unavailable {
		t.Fatalf("unmigrated open: %v", err)
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	cur, known, err := db.SchemaVersion(ctx)
	if err != nil || cur != known {
		t.Fatalf("version %d/%d %v", cur, known, err)
	}
	// Pretend a newer binary migrated the database.
	if err := db.Backup(ctx, filepath.Join(t.TempDir(), "b.db")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if concord.ErrorCode(err) != concord.Unavailable {
		t.Fatalf("newer schema: %v", err)
	}
	t.Log(err)
}

// Migration 4 turns the outbox into references to history rows: events
// waiting in an outbox of the old shape survive it, in order, and new
// events take sequences after theirs.
func TestOutboxMigrationKeepsPendingEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "concord.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	// Put the outbox back as schema version 3 had it, with two events
	// waiting and a sequence that had reached 41.
	for _, q := range []string{
		`DROP TABLE outbox`,
		`CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)`,
		`INSERT INTO outbox (seq, event) VALUES (40, '{"id":"a","kind":"note","verb":"created","record_id":"r1","version":1}')`,
		`INSERT INTO outbox (seq, event) VALUES (41, '{"id":"b","kind":"note","verb":"updated","record_id":"r1","version":2}')`,
		`DELETE FROM schema_migrations WHERE version >= 4`,
	} {
		if _, err := db.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	db, err = sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ev := concord.Event{ID: "c", Kind: "party", Verb: concord.VerbCreated, RecordID: "NEW", Version: 1, Marking: concord.Marking{Owner: "NEW", Rel: []string{"ALL"}}}
	if err := db.PutParty(ctx, concord.Party{Code: "NEW", Name: "New", Kind: concord.KindNGO, Version: 1}, 0, ev); err != nil {
		t.Fatal(err)
	}
	evs, err := db.PendingEvents(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%d:%s", e.Seq, e.ID))
	}
	if want := "40:a 41:b 42:c"; strings.Join(got, " ") != want {
		t.Fatalf("pending after migration: %v, want %s", got, want)
	}
}
