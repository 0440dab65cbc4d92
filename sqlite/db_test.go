package sqlite_test

import (
	"context"
	"path/filepath"
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
