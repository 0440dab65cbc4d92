package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/postgres"
)

// bootBench boots a Main for a benchmark with the demo loaded and no
// simulator; configure adjusts its configuration first.
func bootBench(ctx context.Context, stderr io.Writer, configure func(*Main)) (*Main, func(), error) {
	dir, err := os.MkdirTemp("", "concord-bench")
	if err != nil {
		return nil, nil, err
	}
	m := NewMain()
	m.Config.DataDir, m.Config.HTTPAddr, m.Config.MaxBodyBytes = dir, "127.0.0.1:0", 8<<20
	m.Config.TAKAddr, m.Config.TAKTLSAddr = "127.0.0.1:0", "127.0.0.1:0"
	m.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	m.Demo, m.Simulate = true, false
	if configure != nil {
		configure(m)
	}
	if err := m.Open(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return m, func() { m.Close(); os.RemoveAll(dir) }, nil
}

// benchStores compares the embedded SQLite store and PostgreSQL through
// the HTTP API: write throughput with concurrent writers, and the latency
// of reading one feature (a store read) and of a bbox list (the index).
func benchStores(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("stores", stderr)
	pgURL := fs.String("postgres-url", "", "PostgreSQL server to create a scratch database on (empty: SQLite only)")
	writers := fs.Int("writers", 8, "concurrent HTTP writers")
	dur := fs.Duration("duration", 10*time.Second, "how long writers write")
	reads := fs.Int("reads", 2000, "single-feature reads to time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	type target struct {
		name      string
		configure func(*Main)
	}
	targets := []target{{name: "sqlite"}}
	if *pgURL != "" {
		u, drop, err := postgres.CreateScratchDatabase(ctx, *pgURL, "concord_bench")
		if err != nil {
			return err
		}
		defer drop()
		targets = append(targets, target{name: "postgres", configure: func(m *Main) { m.Config.PostgresURL = u }})
	}
	fmt.Fprintf(stdout, "machine: %s\n", machine())
	for _, tg := range targets {
		m, done, err := bootBench(ctx, stderr, tg.configure)
		if err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
		line, err := storeRun(ctx, m, *writers, *dur, *reads)
		done()
		if err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
		fmt.Fprintf(stdout, "bench stores: %-8s %s\n", tg.name, line)
	}
	return nil
}

func storeRun(ctx context.Context, m *Main, writers int, dur time.Duration, reads int) (string, error) {
	u, _, err := m.Store.UserByName(ctx, "wfp.logistics")
	if err != nil {
		return "", err
	}
	_, tok, err := httpapi.CreateToken(ctx, m.Store, u.ID, "bench", 0)
	if err != nil {
		return "", err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	do := func(method, path, body string) (int, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, method, m.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res.StatusCode, b, err
	}
	var mu sync.Mutex
	var ids []string
	var wlat []time.Duration
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; time.Now().Before(stop); i++ {
				body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%f,%f]},"properties":{"kind":"site","name":"bench %d-%d","site_kind":"warehouse","status":"open","marking":{"owner":"WFP","rel":["HUM"]}}}`,
					34.22+rng.Float64()*0.34, 31.23+rng.Float64()*0.36, w, i)
				t0 := time.Now()
				code, b, err := do("POST", "/api/features", body)
				if err != nil || code != 201 {
					errs <- fmt.Errorf("write: %d %v %.200s", code, err, b)
					return
				}
				var f struct{ ID string }
				_ = json.Unmarshal(b, &f)
				mu.Lock()
				ids = append(ids, f.ID)
				wlat = append(wlat, time.Since(t0))
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return "", err
	default:
	}
	rate := float64(len(ids)) / dur.Seconds()
	wp50, _, _, wp99, _ := percentiles(wlat)
	rng := rand.New(rand.NewPCG(1, 1))
	var rlat []time.Duration
	for i := 0; i < reads; i++ {
		t0 := time.Now()
		code, _, err := do("GET", "/api/features/"+ids[rng.IntN(len(ids))], "")
		if err != nil || code != 200 {
			return "", fmt.Errorf("read: %d %v", code, err)
		}
		rlat = append(rlat, time.Since(t0))
	}
	rp50, _, rp95, rp99, _ := percentiles(rlat)
	var llat []time.Duration
	for i := 0; i < 200; i++ {
		x, y := 34.22+rng.Float64()*0.25, 31.23+rng.Float64()*0.27
		t0 := time.Now()
		code, _, err := do("GET", fmt.Sprintf("/api/features?bbox=%f,%f,%f,%f&limit=5000", x, y, x+0.085, y+0.09), "")
		if err != nil || code != 200 {
			return "", fmt.Errorf("list: %d %v", code, err)
		}
		llat = append(llat, time.Since(t0))
	}
	lp50, _, lp95, _, _ := percentiles(llat)
	return fmt.Sprintf("writes %.0f/s with %d writers (p50 %s, p99 %s); read by id p50 %s p95 %s p99 %s; bbox list (25%%×25%% of AO, ≈%d features) p50 %s p95 %s",
		rate, writers, ms(wp50), ms(wp99), ms(rp50), ms(rp95), ms(rp99), len(ids)/16, ms(lp50), ms(lp95)), nil
}
