package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord/sqlite"
)

func TestSimulatorMakesLiveChanges(t *testing.T) {
	s := start(t, withSimulator(50*time.Millisecond))
	ch := s.login("cmcc.watch").stream("")
	seen := map[string]bool{}
	waitEvent(t, ch, 20*time.Second, func(e sseEvent) bool {
		if e.Data.Kind == "feature" {
			seen[e.Name] = true
		}
		return len(seen) >= 2
	})
}

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "concord.conf")
	os.WriteFile(file, []byte("http-addr 127.0.0.1:7001\nlog-format json\nexercise from-file\n"), 0o644)
	t.Setenv("CONCORD_HTTP_ADDR", "127.0.0.1:7002")
	t.Setenv("CONCORD_NATS_URL", "nats://user:secret@10.0.0.1:4222")
	var out bytes.Buffer
	err := run(context.Background(), func() {}, []string{"config", "--config", file, "--log-level", "debug"}, nil, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"http-addr 127.0.0.1:7002", // env beats file
		"log-format json",          // file beats default
		"log-level debug",          // flag beats default
		"exercise from-file",
		"data-dir concord-data", // default
		"nats-url nats://user:xxxxx@10.0.0.1:4222",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret") {
		t.Error("config dump shows a secret")
	}
	out.Reset()
	run(context.Background(), func() {}, []string{"config", "--config", file, "--http-addr", "127.0.0.1:7003"}, nil, &out, &out)
	if !strings.Contains(out.String(), "http-addr 127.0.0.1:7003") {
		t.Errorf("flag does not beat env: %s", out.String())
	}
}

func TestConfigValidateReportsEverything(t *testing.T) {
	c := defaultConfig()
	c.HTTPAddr, c.LogFormat, c.NATSReplicas, c.SessionTTL = "nope", "xml", 3, time.Second
	err := c.Validate()
	for _, want := range []string{"--http-addr", "--log-format", "--nats-replicas", "--session-ttl"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), func() {}, []string{"serve", "--postgres-url", "mysql://x"}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("bad postgres URL: %v", err)
	}
	if err := run(context.Background(), func() {}, []string{"frobnicate"}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
}

// TestNewerSchemaIsRefusedAtStart makes a database look migrated by a newer
// binary; Concord must refuse to start rather than run on it.
func TestNewerSchemaIsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	{
		s := start(t, withDataDir(dir))
		if _, err := s.m.Store.(*sqlite.DB).DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
			t.Fatal(err)
		}
		s.m.Close()
	}
	m := NewMain()
	m.Config.DataDir, m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	err := m.Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("start on a newer schema: %v", err)
	}
}
