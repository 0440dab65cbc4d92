package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/pipeline"
)

// benchAid measures the aid pipeline at scale in the embedded store: it
// loads generated consignments with their histories (demo.GenerateAid,
// the exercise's flow scaled up), then times the dashboard's KPI query
// over HTTP for a viewer who sees everything and one who sees part, the
// index rebuild a restart does, and HXL CSV imports of consignments and
// stage events through the command line's code and through the API.
func benchAid(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("aid", stderr)
	n := fs.Int("consignments", 200000, "consignments to generate (about; the daily flow is scaled to give this many)")
	days := fs.Int("days", 180, "days of history they spread over, up to today")
	seed := fs.Int64("seed", 1, "seed of the generated history")
	queries := fs.Int("queries", 200, "KPI queries to time per viewer")
	rangeDays := fs.Int("range", 30, "days each KPI query covers")
	importRows := fs.Int("import-rows", 100000, "rows of the consignment CSV each import reads (the events CSV has six rows per consignment of the first fifth)")
	keep := fs.Bool("keep", false, "keep the temporary data directory")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the queries and imports (not the loading) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1000 || *days < *rangeDays || *rangeDays < 1 || *queries < 1 || *importRows < 1000 {
		return fmt.Errorf("bench aid: --consignments at least 1000, --range 1 or more and at most --days, --queries at least 1, --import-rows at least 1000")
	}
	m, done, err := benchSystem(ctx, stderr, *keep, func(m *Main) { m.DemoAidDays = 0 })
	if err != nil {
		return err
	}
	defer done()
	sys := concord.SystemViewer("CMCC", "bench")

	// The history.
	sites, err := demo.SiteNames(ctx, m.Service)
	if err != nil {
		return err
	}
	now := m.Service.Now()
	seeds, err := demo.GenerateAid(demo.AidWorkload{Seed: *seed, Days: *days, Consignments: *n}, sites, now)
	if err != nil {
		return err
	}
	events := 0
	for _, s := range seeds {
		events += 1 + len(s.Events) // with the registration
	}
	bar := newProgress(stderr, "loading consignments", len(seeds))
	start := time.Now()
	const chunk = 2000
	for i := 0; i < len(seeds); i += chunk {
		if err := m.Pipeline.Bulk(ctx, sys, seeds[i:min(i+chunk, len(seeds))]); err != nil {
			return err
		}
		_ = bar.Add(min(chunk, len(seeds)-i))
	}
	_ = bar.Finish()
	loadTime := time.Since(start)
	seeds = nil
	// The outbox publishes the load's events in the background: let it
	// finish, so that it does not run during the measurements.
	if err := waitOutboxEmpty(ctx, m.Store); err != nil {
		return err
	}
	publishTime := time.Since(start) - loadTime
	dbSize := dirSize(m.Config.DataDir)

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	// What a restart does: the index read back from the store.
	fresh := pipeline.New(m.Service, pipeline.Options{})
	start = time.Now()
	if err := fresh.Load(ctx); err != nil {
		return err
	}
	indexTime := time.Since(start)
	// The index's memory: the heap with a second copy, less without it.
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	runtime.KeepAlive(fresh)
	fresh = nil
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	indexMiB := (float64(ms1.HeapAlloc) - float64(ms0.HeapAlloc)) / (1 << 20)

	// KPI queries over HTTP, as the dashboard asks them.
	hc := &http.Client{Timeout: 60 * time.Second}
	tokenOf := func(username string) (string, error) {
		u, _, err := m.Store.UserByName(ctx, username)
		if err != nil {
			return "", err
		}
		_, tok, err := httpapi.CreateToken(ctx, m.Store, u.ID, "bench", 0)
		return tok, err
	}
	crossings := []string{}
	for _, name := range []string{"Kerem Shalom crossing", "Zikim crossing", "Kissufim crossing", "Erez / Beit Hanoun crossing"} {
		crossings = append(crossings, sites[name].ID)
	}
	orgs := []string{"WFP", "UNRWA", "UNICEF", "WHO", "NRC"}
	today := now.UTC().Truncate(24 * time.Hour)
	rng := rand.New(rand.NewPCG(uint64(*seed), 0xbe4c))
	fmt.Fprintf(stdout, "machine: %s; server and client on the same machine\n", machine())
	fmt.Fprintf(stdout, "data: %d consignments, %d stage events over %d days (seed %d), loaded in %s (%.0f consignments/s), their events published %s later; data directory %.0f MiB\n",
		m.Pipeline.Len(), events, *days, *seed, loadTime.Round(time.Millisecond), float64(m.Pipeline.Len())/loadTime.Seconds(), publishTime.Round(time.Millisecond), float64(dbSize)/(1<<20))
	fmt.Fprintf(stdout, "index: rebuilt from the store in %s, %.0f MiB of heap\n", indexTime.Round(time.Millisecond), indexMiB)
	fmt.Fprintf(stdout, "KPIs over %d-day ranges, %d queries per viewer (40%% unfiltered, 20%% each by crossing, category, organisation):\n", *rangeDays, *queries)
	var summary []string
	for _, viewer := range []string{"cmcc.watch", "wfp.logistics"} {
		tok, err := tokenOf(viewer)
		if err != nil {
			return err
		}
		kpi := func(q url.Values) (aid.KPIs, error) {
			req, _ := http.NewRequestWithContext(ctx, "GET", m.URL()+"/api/aid/kpis?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := hc.Do(req)
			if err != nil {
				return aid.KPIs{}, err
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			if err != nil {
				return aid.KPIs{}, err
			}
			var k aid.KPIs
			if res.StatusCode != http.StatusOK {
				return k, fmt.Errorf("GET /api/aid/kpis?%s: %d %.300s", q.Encode(), res.StatusCode, b)
			}
			return k, json.Unmarshal(b, &k)
		}
		var lat []time.Duration
		var trucks float64
		for i := -3; i < *queries; i++ { // three to warm up
			to := today.AddDate(0, 0, 1-rng.IntN(*days-*rangeDays+1))
			q := url.Values{"from": {to.AddDate(0, 0, -*rangeDays).Format("2006-01-02")}, "to": {to.Format("2006-01-02")}}
			switch r := rng.IntN(10); {
			case r < 2:
				q.Set("crossing", crossings[rng.IntN(len(crossings))])
			case r < 4:
				q.Set("category", string(aid.Categories[rng.IntN(6)]))
			case r < 6:
				q.Set("org", orgs[rng.IntN(len(orgs))])
			}
			t0 := time.Now()
			k, err := kpi(q)
			if err != nil {
				return err
			}
			if i >= 0 {
				lat = append(lat, time.Since(t0))
				trucks += k.Entered.Trucks
			}
		}
		p50, p90, p95, p99, mx := percentiles(lat)
		fmt.Fprintf(stdout, "  %-14s p50 %s  p90 %s  p95 %s  p99 %s  max %s  (mean %.0f trucks entered per range)\n",
			viewer, ms(p50), ms(p90), ms(p95), ms(p99), ms(mx), trucks/float64(len(lat)))
		summary = append(summary, fmt.Sprintf("KPIs p95 %s (%s)", ms(p95), viewer))
	}

	// Imports: consignments, then their stage events, each through the
	// command line's code (in-process, as `concord aid import` runs it) and
	// through the API.
	viewerOf := func(username string) (concord.Viewer, error) {
		u, _, err := m.Store.UserByName(ctx, username)
		return concord.ViewerOf(u), err
	}
	wfp, err := viewerOf("wfp.logistics")
	if err != nil {
		return err
	}
	cmcc, err := viewerOf("cmcc.watch")
	if err != nil {
		return err
	}
	wfpTok, err := tokenOf("wfp.logistics")
	if err != nil {
		return err
	}
	cmccTok, err := tokenOf("cmcc.watch")
	if err != nil {
		return err
	}
	yesterday := today.AddDate(0, 0, -1)
	post := func(tok string, body []byte) (pipeline.ImportResult, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", m.URL()+"/api/consignments/import", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/csv")
		res, err := hc.Do(req)
		if err != nil {
			return pipeline.ImportResult{}, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var ir pipeline.ImportResult
		if res.StatusCode != http.StatusOK {
			return ir, fmt.Errorf("POST /api/consignments/import: %d %.300s", res.StatusCode, b)
		}
		return ir, json.Unmarshal(b, &ir)
	}
	type imp struct {
		what, via string
		rows      int
		took      time.Duration
	}
	var imps []imp
	for k, via := range []string{"command line", "API"} {
		prefix := fmt.Sprintf("UN2720-BENCH%d", k)
		var cons, evs bytes.Buffer
		if err := writeConsignmentsCSV(&cons, *importRows, uint64(*seed)+uint64(k), "WFP", prefix, yesterday.AddDate(0, 0, -3)); err != nil {
			return err
		}
		if _, err := writeEventsCSV(&evs, *importRows/5, uint64(*seed)+uint64(k), prefix, yesterday.Add(6*time.Hour)); err != nil {
			return err
		}
		for _, f := range []struct {
			what string
			body []byte
			v    concord.Viewer
			tok  string
			want int
		}{{"consignments", cons.Bytes(), wfp, wfpTok, *importRows}, {"stage events", evs.Bytes(), cmcc, cmccTok, *importRows / 5 * 6}} {
			t0 := time.Now()
			var res pipeline.ImportResult
			if via == "API" {
				res, err = post(f.tok, f.body)
			} else {
				res, err = m.Pipeline.Import(ctx, f.v, bytes.NewReader(f.body), pipeline.ImportOptions{})
			}
			took := time.Since(t0)
			if err != nil {
				return fmt.Errorf("import of %s through the %s: %w", f.what, via, err)
			}
			got := res.Consignments
			if f.what == "stage events" {
				got = res.Events
			}
			if res.Rows != f.want || got != f.want {
				return fmt.Errorf("import of %s through the %s: %d rows, %d consignments, %d events, %d skipped; want %d", f.what, via, res.Rows, res.Consignments, res.Events, res.Skipped, f.want)
			}
			imps = append(imps, imp{f.what, via, res.Rows, took})
		}
	}
	// The imports' events go out behind them; the bench ends when the bus
	// has them all, so that none is left in the outbox at shutdown.
	t0 := time.Now()
	if err := waitOutboxEmpty(ctx, m.Store); err != nil {
		return err
	}
	published := time.Since(t0)
	fmt.Fprintln(stdout, "HXL CSV imports into the loaded store (all or nothing, one transaction each):")
	for _, i := range imps {
		fmt.Fprintf(stdout, "  %-13s via %-13s %7d rows in %-9s %8.0f rows/s\n", i.what, i.via, i.rows, i.took.Round(time.Millisecond), float64(i.rows)/i.took.Seconds())
		summary = append(summary, fmt.Sprintf("%s import via %s %.0f rows/s", i.what, i.via, float64(i.rows)/i.took.Seconds()))
	}
	fmt.Fprintf(stdout, "  the imports' events were all on the bus %s after the last import ended\n", published.Round(time.Millisecond))
	fmt.Fprintf(stdout, "bench aid: %d consignments, %d events; %s\n", m.Pipeline.Len(), events, strings.Join(summary, ", "))
	return nil
}

// waitOutboxEmpty returns once the relay has published every event waiting
// in the store's outbox.
func waitOutboxEmpty(ctx context.Context, store concord.OutboxStore) error {
	for {
		pending, err := store.PendingEvents(ctx, 0, 1)
		if err != nil || len(pending) == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
