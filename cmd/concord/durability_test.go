package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/natsbus"
	"github.com/concord-mission/concord/sqlite"
)

// buildBinary compiles concord once per test binary run.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "concord-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "concord")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// cli runs a concord command and returns its standard output.
func cli(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("concord %v: %v\n%s%s", args, err, out, stderr)
	}
	return string(out)
}

// process is a concord serve child process.
type process struct {
	cmd *exec.Cmd
	url string
}

func serve(t *testing.T, bin, dataDir string) *process {
	t.Helper()
	return serveArgs(t, bin, "serve", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--tak-addr", "127.0.0.1:0", "--tak-tls-addr", "127.0.0.1:0", "--log-level", "warn")
}

// serveArgs starts concord with args and waits for the URL it prints.
func serveArgs(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if i := strings.Index(lines.Text(), "http://"); i >= 0 {
				found <- strings.Fields(lines.Text()[i:])[0]
			}
		}
	}()
	select {
	case p.url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("concord serve did not start")
	}
	return p
}

// TestAcknowledgedWritesSurviveSIGKILL writes features as fast as it can
// from several clients, kills the server with SIGKILL mid-stream, restarts
// it, and checks that every write that was acknowledged is stored and has
// its event on the bus.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	cli(t, bin, "", "party add", "--data-dir", dir, "--code", "CMCC", "--name", "Center", "--kind", "coordination")
	cli(t, bin, "", "party", "add", "--data-dir", dir, "--code", "WFP", "--name", "WFP", "--kind", "un_agency")
	cli(t, bin, "durable-password\n", "user", "add", "--data-dir", dir, "--username", "writer", "--party", "WFP", "--roles", "reporter", "--password-stdin")
	token := strings.TrimSpace(cli(t, bin, "", "token", "add", "--data-dir", dir, "--username", "writer", "--name", "load"))

	p := serve(t, bin, dir)
	c := &client{t: t, base: p.url, hc: newHTTPClient(), token: token, name: "writer"}

	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id, ok := tryCreate(c, fmt.Sprintf("w%d-%d", w, i))
				if !ok {
					return // the server died under us
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}(w)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	stop()
	wg.Wait()
	t.Logf("killed after %d acknowledged writes", len(acked))
	if len(acked) < 50 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}

	p2 := serve(t, bin, dir)
	c.base = p2.url
	for _, id := range acked {
		c.must(200, "GET", "/api/features/"+id, nil)
	}
	// Every acknowledged write's event is on the bus: replay from the start.
	var marker geoFeature
	stream := c.stream("0")
	json.Unmarshal(c.must(201, "POST", "/api/features", site("marker", "WFP", nil, 34.3, 31.4)), &marker)
	seen := map[string]int{}
	waitEvent(t, stream, 30*time.Second, func(e sseEvent) bool {
		if e.Name == "feature.created" {
			seen[e.Data.RecordID]++
		}
		return e.Data.RecordID == marker.ID
	})
	for _, id := range acked {
		if seen[id] != 1 {
			t.Fatalf("acknowledged write %s has %d events on the bus", id, seen[id])
		}
	}
	p2.cmd.Process.Signal(syscall.SIGTERM)
	if err := p2.cmd.Wait(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
}

func tryCreate(c *client, name string) (string, bool) {
	body, _ := json.Marshal(site(name, "WFP", []string{"ALL"}, 34.3, 31.4))
	req, _ := newRequest("POST", c.base+"/api/features", string(body), c.token)
	res, err := c.hc.Do(req)
	if err != nil {
		return "", false
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 201 {
		return "", false
	}
	var f geoFeature
	if json.Unmarshal(b, &f) != nil {
		return "", false
	}
	return f.ID, true
}

// TestEventSurvivesCrashBetweenCommitAndPublish commits changes while no
// relay runs (as if the process died right after the commit), and one whose
// publish reached the bus but whose outbox row was not yet removed; after a
// restart each event is on the bus exactly once.
func TestEventSurvivesCrashBetweenCommitAndPublish(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	{
		s := start(t, withDemo, withDataDir(dir))
		s.m.Close()
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "concord.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := concord.NewService(ctx, db, concord.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := concord.Viewer{UserID: "system:test", Username: "test", Party: "WFP", Roles: []concord.Role{concord.RoleCoordinator}}
	in, _ := concord.DecodeFeatureInput(mustJSON(site("committed, never published", "WFP", []string{"ALL"}, 34.3, 31.4)))
	lost, err := svc.CreateFeature(ctx, v, in)
	if err != nil {
		t.Fatal(err)
	}
	in2, _ := concord.DecodeFeatureInput(mustJSON(site("published, outbox not cleared", "WFP", []string{"ALL"}, 34.3, 31.4)))
	half, err := svc.CreateFeature(ctx, v, in2)
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := db.PendingEvents(ctx, 0, 10)
	if len(pending) != 2 {
		t.Fatalf("outbox holds %d events", len(pending))
	}
	bus, err := natsbus.Open(ctx, natsbus.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Publish(ctx, pending[1]); err != nil {
		t.Fatal(err)
	}
	bus.Close()
	db.Close() // "crash": neither outbox row was removed

	s := start(t, withDemo, withDataDir(dir))
	c := s.login("cmcc.watch")
	var marker geoFeature
	ch := c.stream("0")
	json.Unmarshal(c.must(201, "POST", "/api/features", site("marker", "CMCC", nil, 34.3, 31.4)), &marker)
	count := map[string]int{}
	waitEvent(t, ch, 20*time.Second, func(e sseEvent) bool {
		count[e.Data.RecordID]++
		return e.Data.RecordID == marker.ID
	})
	if count[lost.ID] != 1 || count[half.ID] != 1 {
		t.Fatalf("events after restart: unpublished %d, half-published %d; want 1 each", count[lost.ID], count[half.ID])
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
