package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concord-mission/concord/postgres/pgtest"
)

// TestMigrateStore moves a demo deployment with some history from SQLite
// into another store, verifies it table by table, and serves from the copy.
func TestMigrateStore(t *testing.T) {
	// Each target gives the store spec and how a Main serves from it.
	targets := map[string]func(t *testing.T) (string, startOpt){
		"sqlite": func(t *testing.T) (string, startOpt) {
			dir := t.TempDir()
			return "sqlite:" + filepath.Join(dir, "concord.db"), withDataDir(dir)
		},
		"postgres": func(t *testing.T) (string, startOpt) {
			u := pgtest.URL(t)
			return u, func(m *Main) { m.Config.PostgresURL = u }
		},
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := start(t, withDemo, withDataDir(dir))
			pak := s.login("pak.liaison")
			var ids []string
			for i := 0; i < 3; i++ {
				var f geoFeature
				mustDecode(t, pak.must(201, "POST", "/api/features", site("moved depot", "PAK", []string{"ISF"}, 34.35, 31.43)), &f)
				ids = append(ids, f.ID)
			}
			upd := site("moved depot v2", "PAK", []string{"ISF"}, 34.35, 31.43)
			upd["properties"].(map[string]any)["version"] = 1
			pak.must(200, "PUT", "/api/features/"+ids[0], upd)
			before := len(s.login("cmcc.watch").features("limit=5000"))
			s.m.Close()

			to, serveCopy := target(t)
			var out, errOut bytes.Buffer
			err := run(context.Background(), func() {}, []string{"migrate-store", "--from", "sqlite:" + filepath.Join(dir, "concord.db"), "--to", to}, nil, &out, &errOut)
			if err != nil {
				t.Fatalf("migrate-store: %v\n%s%s", err, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), "migrated and verified") || strings.Contains(out.String(), "MISMATCH") {
				t.Fatalf("output:\n%s", out.String())
			}
			// A second run into the now non-empty target is refused.
			if err := run(context.Background(), func() {}, []string{"migrate-store", "--from", "sqlite:" + filepath.Join(dir, "concord.db"), "--to", to}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("second migration: %v", err)
			}
			// Serve from the copy: same features, history and logins.
			s2 := start(t, serveCopy)
			if after := len(s2.login("cmcc.watch").features("limit=5000")); after != before {
				t.Fatalf("copy lists %d features, source %d", after, before)
			}
			var h struct{ Versions []any }
			mustDecode(t, s2.login("pak.liaison").must(200, "GET", "/api/features/"+ids[0]+"/history", nil), &h)
			if len(h.Versions) != 2 {
				t.Fatalf("history after migration: %d versions", len(h.Versions))
			}
		})
	}
}
