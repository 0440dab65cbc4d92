// Package pgtest gives tests their own PostgreSQL database on the server
// named by CONCORD_TEST_POSTGRES_URL, created at the start of a test and
// dropped at its end, so that runs never collide. Tests that need
// PostgreSQL skip when the variable is unset.
package pgtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord/postgres"
)

// EnvVar names the server tests may use.
const EnvVar = "CONCORD_TEST_POSTGRES_URL"

// URL returns a URL of a fresh, empty database, dropped when t ends. It
// skips t when no server is configured.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, drop, err := postgres.CreateScratchDatabase(ctx, admin, "concord_test")
	if err != nil {
		t.Fatalf("create test database on %s: %v", EnvVar, err)
	}
	t.Cleanup(drop)
	return u
}

// AdminURL returns the configured server URL, skipping t when unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		t.Skipf("%s is not set; PostgreSQL tests skipped", EnvVar)
	}
	return admin
}

// Suffix returns the random part of a test database URL's name, for
// naming cluster-wide objects (roles) after it.
func Suffix(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "x"
	}
	name := u.Path
	if i := strings.LastIndex(name, "_"); i >= 0 {
		return name[i+1:]
	}
	return "x"
}

// DropRole removes a role created by a test on the database at dbURL.
func DropRole(admin, dbURL, role string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err == nil {
		conn.Exec(ctx, "DROP OWNED BY "+pgx.Identifier{role}.Sanitize())
		conn.Close(ctx)
	}
	if c, err := pgx.Connect(ctx, admin); err == nil {
		c.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize())
		c.Close(ctx)
	}
}
