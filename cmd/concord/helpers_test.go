package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/natsbus/natstest"
	"github.com/concord-mission/concord/postgres/pgtest"
)

// system is a running Concord booted by a test.
type system struct {
	t *testing.T
	m *Main
}

type startOpt func(*Main)

// withDemo loads the demo scenario with a week of aid history (the full 60
// days only where a test needs it: withAidHistory).
func withDemo(m *Main) { m.Demo, m.Simulate, m.DemoAidDays = true, false, 7 }

func withAidHistory(m *Main) { m.DemoAidDays = 60 }

func withSimulator(every time.Duration) startOpt {
	return func(m *Main) { m.Demo, m.Simulate, m.SimEvery = true, true, every }
}

func withLoginRate(n int) startOpt { return func(m *Main) { m.Config.LoginRate = n } }

func withDataDir(dir string) startOpt { return func(m *Main) { m.Config.DataDir = dir } }

// start boots Main on a free port with a temporary data directory.
func start(t *testing.T, opts ...startOpt) *system {
	t.Helper()
	m := NewMain()
	m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	m.Config.DataDir = t.TempDir()
	m.Config.Exercise = "TEST EXERCISE"
	// Tests log many accounts in from one address; the tests of the limit
	// itself set it back (withLoginRate).
	m.Config.LoginRate = 1000
	if testing.Verbose() {
		m.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	for _, o := range opts {
		o(m)
	}
	// Generous: loading the demo's aid history takes long under -race on
	// a busy machine.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &system{t: t, m: m}
}

func (s *system) url() string { return s.m.URL() }

// client speaks HTTP to the system as one user.
type client struct {
	t     *testing.T
	base  string
	hc    *http.Client
	token string
	name  string
}

func (s *system) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, base: s.url(), hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// login logs in with the demo password.
func (s *system) login(username string) *client {
	s.t.Helper()
	return s.loginWith(username, demo.Password)
}

func (s *system) loginWith(username, pw string) *client {
	s.t.Helper()
	c := s.anon()
	c.name = username
	res, body := c.do("POST", "/api/login", map[string]string{"username": username, "password": pw})
	if res.StatusCode != 200 {
		s.t.Fatalf("login %s: %d %s", username, res.StatusCode, body)
	}
	return c
}

// do sends a request; a non-nil body that is not []byte is sent as JSON.
func (c *client) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	c.t.Helper()
	var r io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return res, b
}

// must sends a request and fails the test unless the status matches.
func (c *client) must(status int, method, path string, body any, headers ...string) []byte {
	c.t.Helper()
	res, b := c.do(method, path, body, headers...)
	if res.StatusCode != status {
		c.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, c.name, res.StatusCode, status, b)
	}
	return b
}

type featureColl struct {
	Features []geoFeature `json:"features"`
	Count    int          `json:"count"`
	Next     string       `json:"next"`
}

type geoFeature struct {
	ID         string         `json:"id"`
	Geometry   map[string]any `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func (f geoFeature) name() string { s, _ := f.Properties["name"].(string); return s }

func (f geoFeature) owner() string {
	m, _ := f.Properties["marking"].(map[string]any)
	s, _ := m["owner"].(string)
	return s
}

func (f geoFeature) marking() concord.Marking {
	b, _ := json.Marshal(f.Properties["marking"])
	var m concord.Marking
	_ = json.Unmarshal(b, &m)
	return m
}

// features lists every feature the client may see, following cursors.
func (c *client) features(query string) []geoFeature {
	c.t.Helper()
	var all []geoFeature
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var fc featureColl
		if err := json.Unmarshal(c.must(200, "GET", "/api/features?"+q, nil), &fc); err != nil {
			c.t.Fatal(err)
		}
		all = append(all, fc.Features...)
		if fc.Next == "" {
			return all
		}
		cursor = fc.Next
	}
}

// sseEvent is one event read from the live stream.
type sseEvent struct {
	ID   string
	Name string
	Data struct {
		Kind     string           `json:"kind"`
		Verb     string           `json:"verb"`
		RecordID string           `json:"record_id"`
		Version  int              `json:"version"`
		Marking  *concord.Marking `json:"marking"`
		Data     json.RawMessage  `json:"data"`
	}
}

// stream opens the live stream and delivers its events on a channel until
// the test ends.
func (c *client) stream(lastEventID string) <-chan sseEvent {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/api/stream", nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	hc := &http.Client{Jar: c.hc.Jar}
	res, err := hc.Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if res.StatusCode != 200 {
		cancel()
		c.t.Fatalf("stream: %d", res.StatusCode)
	}
	ch := make(chan sseEvent, 10000)
	done := make(chan struct{})
	c.t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		defer close(ch)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		var ev sseEvent
		// A line cut short is only acceptable as the very last one: the
		// connection closed mid-event when the test or server stopped.
		var cut string
		for sc.Scan() {
			line := sc.Text()
			if cut != "" {
				panic(fmt.Sprintf("bad SSE data %q", cut))
			}
			switch {
			case line == "":
				if ev.Name != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Name = line[7:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &ev.Data); err != nil {
					cut, ev = line, sseEvent{}
				}
			}
		}
	}()
	return ch
}

// waitEvent reads events until one satisfies ok, or fails after timeout.
func waitEvent(t *testing.T, ch <-chan sseEvent, timeout time.Duration, ok func(sseEvent) bool) sseEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, open := <-ch:
			if !open {
				t.Fatal("stream closed")
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("timed out waiting for a stream event")
		}
	}
}

// site returns a GeoJSON site feature body.
func site(name, owner string, rel []string, lon, lat float64) map[string]any {
	if rel == nil {
		rel = []string{}
	}
	return map[string]any{
		"type":     "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
		"properties": map[string]any{
			"kind": "site", "name": name, "site_kind": "warehouse", "status": "open",
			"marking": map[string]any{"owner": owner, "rel": rel},
		},
	}
}

// counts returns the row counts of every table.
func (s *system) counts() map[string]int64 {
	s.t.Helper()
	c, err := s.m.Store.TableCounts(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	delete(c, "sessions") // logins are not mission data
	delete(c, "outbox")   // drained in the background
	return c
}

func newHTTPClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

func newRequest(method, url, body, token string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

func mustDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %.200s: %v", b, err)
	}
}

// twoInstances starts two demo instances sharing one PostgreSQL database
// and a three-node NATS cluster.
func twoInstances(t *testing.T) (a, b *system) {
	t.Helper()
	if testing.Short() {
		t.Skip("cluster test")
	}
	pg := pgtest.URL(t)
	nc := natstest.NewCluster(t, 3)
	shared := func(m *Main) { m.Config.PostgresURL, m.Config.NATSURL, m.Config.NATSReplicas = pg, nc.URL(), 3 }
	return start(t, withDemo, shared), start(t, withDemo, shared)
}
