package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord/natsbus/natstest"
)

func TestNATSUnreachableAtStart(t *testing.T) {
	m := NewMain()
	m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr, m.Config.DataDir = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	m.Config.NATSURL = "nats://127.0.0.1:1"
	err := m.Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot connect to NATS at nats://127.0.0.1:1") {
		t.Fatalf("start without NATS: %v", err)
	}
}

func TestPostgresUnreachableAtStart(t *testing.T) {
	m := NewMain()
	m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr, m.Config.DataDir = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	m.Config.PostgresURL = "postgres://concord:secret@127.0.0.1:1/concord?connect_timeout=2"
	err := m.Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot connect to PostgreSQL") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("start without PostgreSQL: %v", err)
	}
}

// TestWritesRefusedWhileBusIsLost loses the whole NATS cluster under a
// running instance: writes are refused with a clear 503 (not accepted and
// left invisible to other instances), readiness says why, and both recover
// when NATS is back.
func TestWritesRefusedWhileBusIsLost(t *testing.T) {
	nc := natstest.NewCluster(t, 3)
	s := start(t, withDemo, func(m *Main) { m.Config.NATSURL, m.Config.NATSReplicas = nc.URL(), 3 })
	pak := s.login("pak.liaison")
	pak.must(201, "POST", "/api/features", site("before", "PAK", []string{"ISF"}, 34.35, 31.43))
	before := s.counts()
	for i := range nc.Nodes {
		nc.Kill(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.m.Bus.Connected() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	res, body := pak.do("POST", "/api/features", site("during", "PAK", []string{"ISF"}, 34.35, 31.43))
	if res.StatusCode != 503 || !strings.Contains(string(body), "event bus (NATS) is unreachable") {
		t.Fatalf("write with the bus down: %d %s", res.StatusCode, body)
	}
	res, body = pak.do("POST", "/api/forcegen/pledges", map[string]any{"unit": "during", "capability": "eod_team", "strength": 20,
		"readiness": time.Now().AddDate(0, 0, 9).UTC().Format(time.RFC3339)})
	if res.StatusCode != 503 {
		t.Fatalf("pledge with the bus down: %d %s", res.StatusCode, body)
	}
	if after := s.counts(); after["features"] != before["features"] || after["records"] != before["records"] {
		t.Fatal("a refused write was stored")
	}
	res, body = s.anon().do("GET", "/readyz", nil)
	if res.StatusCode != 503 || !strings.Contains(string(body), "event bus is disconnected") {
		t.Fatalf("readyz with the bus down: %d %s", res.StatusCode, body)
	}
	pak.must(200, "GET", "/api/features?limit=1", nil) // reads still work
	for i := range nc.Nodes {
		nc.Restart(i)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		res, _ := pak.do("POST", "/api/features", site("after", "PAK", []string{"ISF"}, 34.35, 31.43))
		if res.StatusCode == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes did not recover after NATS came back: %d", res.StatusCode)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
