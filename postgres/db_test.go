package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/postgres"
	"github.com/concord-mission/concord/postgres/pgtest"
	"github.com/concord-mission/concord/storetest"
)

func open(t *testing.T) concord.Store {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestSchemaVersionChecks(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	if _, err := postgres.Open(ctx, u, postgres.Options{}); concord.ErrorCode(err) != concord.Unavailable || !strings.Contains(err.Error(), "concord migrate") {
		t.Fatalf("unmigrated open: %v", err)
	}
	db, err := postgres.Open(ctx, u, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = postgres.Open(ctx, u, postgres.Options{Migrate: true})
	if concord.ErrorCode(err) != concord.Unavailable || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestConnectionErrorsAreClear(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct{ url, want string }{
		"not a URL":         {"postgres://%zz", "not a valid PostgreSQL URL"},
		"nothing listens":   {"postgres://concord@127.0.0.1:1/concord?connect_timeout=2", "cannot connect to PostgreSQL at postgres://concord@127.0.0.1:1/concord"},
		"password redacted": {"postgres://concord:s3cret@127.0.0.1:1/concord?connect_timeout=2", "xxxxx"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := postgres.Open(ctx, tc.url, postgres.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(concord.ErrorMessage(err), "s3cret") {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
