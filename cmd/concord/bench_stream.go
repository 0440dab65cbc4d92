package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/httpapi"
)

// benchStream measures live-stream fan-out: V SSE clients spread over the
// demo parties, E feature changes with mixed markings committed at a paced
// rate, and the delay from each change's commit time to its arrival at each
// entitled client. It checks that every entitled client got every event
// and no client got one it may not see.
func benchStream(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("stream", stderr)
	viewers := fs.Int("viewers", 200, "connected SSE clients")
	events := fs.Int("events", 1000, "changes to commit")
	rate := fs.Int("rate", 200, "changes per second")
	seed := fs.Uint64("seed", 1, "seed for markings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, done, err := benchSystem(ctx, stderr, false)
	if err != nil {
		return err
	}
	defer done()
	users, err := m.Store.Users(ctx)
	if err != nil {
		return err
	}
	d := m.Service.Access().Directory()
	type viewer struct {
		party    string
		token    string
		got      atomic.Int64
		leaked   atomic.Int64
		expected int64
		lat      []time.Duration
		mu       sync.Mutex
	}
	vs := make([]*viewer, *viewers)
	for i := range vs {
		u := users[i%len(users)]
		_, tok, err := httpapi.CreateToken(ctx, m.Store, u.ID, "bench", 0)
		if err != nil {
			return err
		}
		vs[i] = &viewer{party: u.Party, token: tok}
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var connected sync.WaitGroup
	var readers sync.WaitGroup
	for _, v := range vs {
		connected.Add(1)
		readers.Add(1)
		go func(v *viewer) {
			defer readers.Done()
			req, _ := http.NewRequestWithContext(sctx, "GET", m.URL()+"/api/stream?kinds=feature", nil)
			req.Header.Set("Authorization", "Bearer "+v.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				connected.Done()
				fmt.Fprintln(stderr, "stream:", err)
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			first := true
			for sc.Scan() {
				line := sc.Text()
				if first && line == "" {
					connected.Done()
					first = false
				}
				if !strings.HasPrefix(line, "data: ") {
					continue
				}
				now := time.Now()
				var e struct {
					At      time.Time       `json:"at"`
					Marking concord.Marking `json:"marking"`
				}
				if json.Unmarshal([]byte(line[6:]), &e) != nil {
					continue
				}
				if !d.CanSee(v.party, e.Marking) {
					v.leaked.Add(1)
				}
				v.mu.Lock()
				v.lat = append(v.lat, now.Sub(e.At))
				v.mu.Unlock()
				v.got.Add(1)
			}
		}(v)
	}
	connected.Wait()

	rng := rand.New(rand.NewPCG(*seed, 3))
	writers := []string{"CMCC", "PAK", "IDN", "WFP", "MSF", "ISR", "ITA"}
	rels := [][]string{{"ALL"}, {"ISF"}, {"HUM"}, {}, {"ISF", "HUM"}, {"USA"}}
	var expected int64
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	start := time.Now()
	for i := 0; i < *events; i++ {
		<-tick.C
		owner := writers[rng.IntN(len(writers))]
		mk := concord.Marking{Owner: owner, Rel: rels[rng.IntN(len(rels))]}
		if owner == "PAK" && len(mk.Rel) == 1 && mk.Rel[0] == "USA" {
			mk.Rel = []string{"ALL"}
		}
		f := concord.Feature{Kind: concord.FeatureSite, Name: fmt.Sprint("stream ", i), Geometry: orb.Point{34.3 + rng.Float64()*0.1, 31.3 + rng.Float64()*0.2},
			Marking: mk, Attrs: concord.FeatureAttrs{SiteKind: concord.SiteClinic, Status: concord.StatusOpen}}
		v := concord.Viewer{UserID: "system:bench", Username: "bench", Party: owner, Roles: []concord.Role{concord.RoleCoordinator}}
		out, err := m.Service.CreateFeature(ctx, v, concord.FeatureInput{Feature: f})
		if err != nil {
			return err
		}
		for _, vw := range vs {
			if d.CanSee(vw.party, out.Marking) {
				vw.expected++
				expected++
			}
		}
	}
	writeTime := time.Since(start)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var got int64
		for _, v := range vs {
			got += v.got.Load()
		}
		if got >= expected {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	readers.Wait()
	var all []time.Duration
	var got, leaked, short int64
	for _, v := range vs {
		all = append(all, v.lat...)
		got += v.got.Load()
		leaked += v.leaked.Load()
		if v.got.Load() != v.expected {
			short++
		}
	}
	p50, p90, _, p99, mx := percentiles(all)
	fmt.Fprintf(stdout, "machine: %s\n", machine())
	fmt.Fprintf(stdout, "%d events committed in %s (%.0f/s), %d SSE clients over %d parties\n", *events, writeTime.Round(time.Millisecond), float64(*events)/writeTime.Seconds(), *viewers, len(d.Parties()))
	fmt.Fprintf(stdout, "bench stream: delivered %d of %d expected (%d clients short, %d leaks); commit-to-client latency p50 %s p90 %s p99 %s max %s\n",
		got, expected, short, leaked, ms(p50), ms(p90), ms(p99), ms(mx))
	if got != expected || leaked > 0 {
		return fmt.Errorf("stream delivery incorrect: %d of %d delivered, %d leaks", got, expected, leaked)
	}
	return nil
}
