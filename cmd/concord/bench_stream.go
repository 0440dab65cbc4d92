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
	r, err := fanout(ctx, []*Main{m}, *viewers, *events, *rate, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "machine: %s\n", machine())
	fmt.Fprintf(stdout, "%d events committed in %s (%.0f/s), %d SSE clients over %d parties\n", *events, r.writeTime.Round(time.Millisecond), float64(*events)/r.writeTime.Seconds(), *viewers, r.parties)
	fmt.Fprintf(stdout, "bench stream: %s\n", r)
	return r.check()
}

// fanoutResult is what a fan-out run measured.
type fanoutResult struct {
	expected, delivered, leaked, short int64
	parties                            int
	writeTime                          time.Duration
	p50, p90, p99, max                 time.Duration
}

func (r fanoutResult) String() string {
	return fmt.Sprintf("delivered %d of %d expected (%d clients short, %d leaks); commit-to-client latency p50 %s p90 %s p99 %s max %s",
		r.delivered, r.expected, r.short, r.leaked, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max))
}

func (r fanoutResult) check() error {
	if r.delivered != r.expected || r.leaked > 0 {
		return fmt.Errorf("stream delivery incorrect: %d of %d delivered, %d leaks", r.delivered, r.expected, r.leaked)
	}
	return nil
}

// fanout connects viewers SSE clients spread over the instances (and the
// demo accounts), commits events changes spread over the instances at rate
// per second, and measures delivery. Every instance shares one store and
// bus, so any instance's directory serves as the oracle.
func fanout(ctx context.Context, ms []*Main, viewers, events, rate int, seed uint64) (fanoutResult, error) {
	var r fanoutResult
	m0 := ms[0]
	users, err := m0.Store.Users(ctx)
	if err != nil {
		return r, err
	}
	d := m0.Service.Access().Directory()
	r.parties = len(d.Parties())
	type viewer struct {
		party    string
		token    string
		url      string
		got      atomic.Int64
		leaked   atomic.Int64
		expected int64
		mu       sync.Mutex
		lat      []time.Duration
	}
	vs := make([]*viewer, viewers)
	for i := range vs {
		u := users[i%len(users)]
		_, tok, err := httpapi.CreateToken(ctx, m0.Store, u.ID, "bench", 0)
		if err != nil {
			return r, err
		}
		vs[i] = &viewer{party: u.Party, token: tok, url: ms[i%len(ms)].URL()}
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var connected, readers sync.WaitGroup
	for _, v := range vs {
		connected.Add(1)
		readers.Add(1)
		go func(v *viewer) {
			defer readers.Done()
			req, _ := http.NewRequestWithContext(sctx, "GET", v.url+"/api/stream?kinds=feature", nil)
			req.Header.Set("Authorization", "Bearer "+v.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				connected.Done()
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

	rng := rand.New(rand.NewPCG(seed, 3))
	writers := []string{"CMCC", "PAK", "IDN", "WFP", "MSF", "ISR", "ITA"}
	rels := [][]string{{"ALL"}, {"ISF"}, {"HUM"}, {}, {"ISF", "HUM"}, {"USA"}}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	for i := 0; i < events; i++ {
		<-tick.C
		owner := writers[rng.IntN(len(writers))]
		mk := concord.Marking{Owner: owner, Rel: rels[rng.IntN(len(rels))]}
		f := concord.Feature{Kind: concord.FeatureSite, Name: fmt.Sprint("stream ", i), Geometry: orb.Point{34.3 + rng.Float64()*0.1, 31.3 + rng.Float64()*0.2},
			Marking: mk, Attrs: concord.FeatureAttrs{SiteKind: concord.SiteClinic, Status: concord.StatusOpen}}
		v := concord.Viewer{UserID: "system:bench", Username: "bench", Party: owner, Roles: []concord.Role{concord.RoleCoordinator}}
		out, err := ms[i%len(ms)].Service.CreateFeature(ctx, v, concord.FeatureInput{Feature: f})
		if err != nil {
			return r, err
		}
		for _, vw := range vs {
			if d.CanSee(vw.party, out.Marking) {
				vw.expected++
				r.expected++
			}
		}
	}
	r.writeTime = time.Since(start)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var got int64
		for _, v := range vs {
			got += v.got.Load()
		}
		if got >= r.expected {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	readers.Wait()
	var all []time.Duration
	for _, v := range vs {
		all = append(all, v.lat...)
		r.delivered += v.got.Load()
		r.leaked += v.leaked.Load()
		if v.got.Load() != v.expected {
			r.short++
		}
	}
	r.p50, r.p90, _, r.p99, r.max = percentiles(all)
	return r, nil
}
