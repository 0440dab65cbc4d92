package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concord-mission/concord/natsbus/natstest"
	"github.com/concord-mission/concord/postgres/pgtest"
)

// serveWith starts concord serve with extra flags and returns the process.
func serveWith(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	return serveArgs(t, bin, append([]string{"serve", "--http-addr", "127.0.0.1:0", "--tak-addr", "127.0.0.1:0", "--tak-tls-addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
}

// TestInstancesActAsOne runs three concord instances on one PostgreSQL
// database and a three-node NATS cluster. Writers spread over the
// instances, a live-stream subscriber sits on each; mid-run one instance is
// killed with SIGKILL and then one NATS node dies. Every acknowledged write
// must be stored, listed by every surviving instance, and delivered exactly
// once to every subscriber (which reconnect elsewhere with Last-Event-ID).
func TestInstancesActAsOne(t *testing.T) {
	bin := binary(t)
	pg := pgtest.URL(t)
	nc := natstest.NewCluster(t, 3)
	dir := t.TempDir()
	common := []string{"--postgres-url", pg, "--data-dir", dir, "--nats-url", nc.URL(), "--nats-replicas", "3"}
	cli(t, bin, "", append([]string{"party", "add", "--code", "CMCC", "--name", "Center", "--kind", "coordination"}, common...)...)
	cli(t, bin, "", append([]string{"party", "add", "--code", "WFP", "--name", "WFP", "--kind", "un_agency"}, common...)...)
	cli(t, bin, "", append([]string{"party", "add", "--code", "PAK", "--name", "Pakistan", "--kind", "contributing_nation"}, common...)...)
	cli(t, bin, "writer-password\n", append([]string{"user", "add", "--username", "writer", "--party", "WFP", "--roles", "reporter", "--password-stdin"}, common...)...)
	cli(t, bin, "reader-password\n", append([]string{"user", "add", "--username", "reader", "--party", "PAK", "--roles", "viewer", "--password-stdin"}, common...)...)
	wtok := strings.TrimSpace(cli(t, bin, "", append([]string{"token", "add", "--username", "writer", "--name", "w"}, common...)...))
	rtok := strings.TrimSpace(cli(t, bin, "", append([]string{"token", "add", "--username", "reader", "--name", "r"}, common...)...))

	var procs []*process
	var urls []string
	for i := 0; i < 3; i++ {
		p := serveWith(t, bin, common...)
		procs = append(procs, p)
		urls = append(urls, p.url)
	}

	// One subscriber per instance, each failing over to the next instance.
	subs := make([]*failoverStream, 3)
	for i := range subs {
		subs[i] = newFailoverStream(t, urls, i, rtok)
	}
	for _, s := range subs {
		s.waitConnected(t)
	}

	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := &client{t: t, hc: newHTTPClient(), token: wtok, name: "writer"}
			target := w
			for i := 0; ctx.Err() == nil; i++ {
				c.base = urls[target%3]
				id, ok := tryCreate(c, fmt.Sprintf("w%d-%d", w, i))
				if !ok {
					target++ // that instance is down or refused: try another
					time.Sleep(20 * time.Millisecond)
					continue
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}(w)
	}
	waitCount := func(n int) {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			k := len(acked)
			mu.Unlock()
			if k >= n {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("fewer than %d writes acknowledged", n)
	}
	waitCount(150)
	procs[1].cmd.Process.Signal(syscall.SIGKILL)
	procs[1].cmd.Wait()
	t.Log("instance 2 killed")
	waitCount(300)
	nc.Kill(0)
	t.Log("NATS node 1 killed")
	waitCount(450)
	stop()
	wg.Wait()
	t.Logf("%d writes acknowledged", len(acked))

	alive := []string{urls[0], urls[2]}
	for _, u := range alive {
		c := &client{t: t, base: u, hc: newHTTPClient(), token: rtok, name: "reader"}
		deadline := time.Now().Add(30 * time.Second)
		for {
			listed := map[string]bool{}
			for _, f := range c.features("kind=site&limit=5000") {
				listed[f.ID] = true
			}
			missing := 0
			for _, id := range acked {
				if !listed[id] {
					missing++
				}
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance %s lists %d of the acknowledged writes short", u, missing)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for i, s := range subs {
		s.waitAll(t, acked, 60*time.Second)
		t.Logf("subscriber %d: all %d events, %d reconnections", i, len(acked), s.reconnects())
	}
	for _, s := range subs {
		s.close()
	}
}

// failoverStream is an SSE client that reconnects to the next instance
// with its Last-Event-ID when its stream breaks.
type failoverStream struct {
	urls    []string
	token   string
	mu      sync.Mutex
	seen    map[string]int
	last    string
	reconn  int
	up      chan struct{}
	upOnce  sync.Once
	cancel  context.CancelFunc
	done    chan struct{}
	current int
}

func newFailoverStream(t *testing.T, urls []string, first int, token string) *failoverStream {
	ctx, cancel := context.WithCancel(context.Background())
	s := &failoverStream{urls: urls, token: token, seen: map[string]int{}, up: make(chan struct{}), cancel: cancel, done: make(chan struct{}), current: first}
	go s.run(ctx)
	t.Cleanup(s.close)
	return s
}

func (s *failoverStream) close() {
	s.cancel()
	<-s.done
}

func (s *failoverStream) reconnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reconn
}

func (s *failoverStream) run(ctx context.Context) {
	defer close(s.done)
	for ctx.Err() == nil {
		s.mu.Lock()
		url, last := s.urls[s.current%len(s.urls)], s.last
		s.mu.Unlock()
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/stream?kinds=feature", nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		res, err := http.DefaultClient.Do(req)
		if err == nil && res.StatusCode == 200 {
			s.upOnce.Do(func() { close(s.up) })
			s.read(res.Body)
		}
		if res != nil {
			res.Body.Close()
		}
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.current++
		s.reconn++
		s.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *failoverStream) read(body io.Reader) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	var id, name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			name = line[7:]
		case strings.HasPrefix(line, "data: ") && name == "feature.created":
			var d struct {
				RecordID string `json:"record_id"`
			}
			json.Unmarshal([]byte(line[6:]), &d)
			s.mu.Lock()
			s.seen[d.RecordID]++
			s.last = id
			s.mu.Unlock()
		case line == "" && id != "":
			s.mu.Lock()
			s.last = id
			s.mu.Unlock()
			id, name = "", ""
		}
	}
}

func (s *failoverStream) waitConnected(t *testing.T) {
	select {
	case <-s.up:
	case <-time.After(20 * time.Second):
		t.Fatal("subscriber never connected")
	}
}

func (s *failoverStream) waitAll(t *testing.T, ids []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		missing, dup := 0, 0
		for _, id := range ids {
			switch n := s.seen[id]; {
			case n == 0:
				missing++
			case n > 1:
				dup++
			}
		}
		s.mu.Unlock()
		if dup > 0 {
			t.Fatalf("%d events delivered more than once", dup)
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events never delivered", missing, len(ids))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
