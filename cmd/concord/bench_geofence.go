package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/geofence"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/password"
)

// benchGeofence measures geofencing through the whole ingest path: M units
// report positions over HTTP (NDJSON batches) against Z polygon zones
// stored as map features; the live picture geofences each report, stores
// every enter and exit as an alert with its event, and a subscriber on the
// live stream counts the alerts it receives. The same workload run through
// a reference engine gives the expected count; the delay is from when the
// batch holding a report was sent to when its alert reached the
// subscriber.
func benchGeofence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("geofence", stderr)
	zones := fs.Int("zones", 1000, "polygon zones (8–20 vertices, 300–1,200 m across) inside the demo AO")
	units := fs.Int("units", 10000, "moving units")
	reports := fs.Int("reports", 50, "reports per unit")
	rate := fs.Int("rate", 0, "reports per second to send; 0 sends as fast as the server takes them")
	batch := fs.Int("batch", 1000, "reports per HTTP request")
	senders := fs.Int("senders", 4, "concurrent HTTP senders (each owns a share of the units, so each unit's reports stay in order)")
	seed := fs.Int64("seed", 1, "workload seed (geofence.GenerateWorkload)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the sending phase to this file")
	windows := fs.Bool("windows", false, "keep the validity windows of a quarter of the zones: they open and close on the server's clock while units stand inside, alerts the report-by-report reference cannot count")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *zones < 1 || *units < 1 || *reports < 2 || *batch < 1 || *senders < 1 || *rate < 0 {
		return errors.New("bench geofence: --zones, --units, --batch, --senders must be positive, --reports at least 2, --rate not negative")
	}
	every := 5 * time.Second
	span := time.Duration(*reports) * every
	// Reports end about now, so that none is in the future and none stale.
	w := geofence.NewWorkload(geofence.WorkloadParams{Seed: *seed, Zones: *zones, Units: *units, Every: every,
		Start: time.Now().UTC().Add(-span).Truncate(time.Second)})
	if !*windows {
		for i := range w.Zones {
			w.Zones[i].From, w.Zones[i].To = time.Time{}, time.Time{}
		}
	}

	dir, err := os.MkdirTemp("", "concord-bench-geofence")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	m := NewMain()
	m.Config.DataDir = dir
	m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr = "127.0.0.1:0", "127.0.0.1:0", "off"
	m.Config.MaxBodyBytes = 8 << 20
	m.Config.StaleAfter = 2 * span
	m.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	token, err := setUpGeofenceBench(ctx, m, w, stderr)
	if err != nil {
		return err
	}

	// The expected alerts: the same reports through a reference engine.
	ref := geofence.New(geofence.Config{StaleAfter: 2 * span})
	if err := w.Load(ref); err != nil {
		return err
	}
	walk := w.Walk()
	total := *units * *reports
	lines := make([][]byte, total)
	expected := map[geofence.Transition]int{}
	var evs []geofence.Event
	for i := range total {
		u := walk.Next()
		evs = ref.Update(evs[:0], u)
		for _, e := range evs {
			if e.ZoneKind == geofence.Restricted || e.ZoneKind == geofence.Activity {
				expected[e.Transition]++
			}
		}
		lines[i] = fmt.Appendf(nil, `{"uid":%q,"type":"a-f-G-E-V","lat":%.7f,"lon":%.7f,"time":%q}`+"\n", u.TrackID, u.Pos.Lat(), u.Pos.Lon(), u.At.Format(time.RFC3339Nano))
	}
	want := expected[geofence.Enter] + expected[geofence.Exit]

	// Senders: each owns the units i ≡ k (mod senders) and sends their
	// reports in order.
	sentAt := make([]atomic.Int64, total) // unix ns each report's batch left
	var idx sync.Map                      // "uid|unix ms" -> report index
	for i := range total {
		var r struct {
			UID  string    `json:"uid"`
			Time time.Time `json:"time"`
		}
		_ = json.Unmarshal(lines[i], &r)
		idx.Store(r.UID+"|"+strconv.FormatInt(r.Time.UnixMilli(), 10), i)
	}
	// A unit's first report places it for the first time: the alerts of
	// those 10,000 first sightings come in one burst at the start (sector
	// entries and areas the units start in), and are timed apart.
	sub, err := subscribeAlerts(ctx, m.URL(), token, func(uid string, at time.Time) (int64, bool, bool) {
		v, ok := idx.Load(uid + "|" + strconv.FormatInt(at.UnixMilli(), 10))
		if !ok {
			return 0, false, false
		}
		return sentAt[v.(int)].Load(), v.(int) < *units, true
	})
	if err != nil {
		return err
	}
	defer sub.close()
	fmt.Fprintf(stderr, "sending %d reports of %d units against %d zones (%d alerts expected)\n", total, *units, *zones, want)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *senders}}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	start := time.Now()
	var wg sync.WaitGroup
	var sendErr atomic.Value
	var sent atomic.Int64
	perSender := float64(*rate) / float64(*senders)
	for k := range *senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			var members []int
			flush := func() {
				if len(members) == 0 {
					return
				}
				now := time.Now()
				for _, i := range members {
					sentAt[i].Store(now.UnixNano())
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", m.URL()+"/api/tracks", bytes.NewReader(body.Bytes()))
				req.Header.Set("Content-Type", "application/x-ndjson")
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := hc.Do(req)
				if err != nil {
					sendErr.Store(err)
					return
				}
				msg, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusAccepted {
					sendErr.Store(fmt.Errorf("report batch: %s %s", res.Status, msg))
				}
				sent.Add(int64(len(members)))
				body.Reset()
				members = members[:0]
			}
			n := 0
			for i := k; i < total; i++ {
				if (i%*units)%*senders != k {
					continue
				}
				body.Write(lines[i])
				members = append(members, i)
				n++
				if len(members) == *batch {
					if perSender > 0 {
						time.Sleep(time.Until(start.Add(time.Duration(float64(n) / perSender * float64(time.Second)))))
					}
					flush()
				}
			}
			flush()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, ok := sendErr.Load().(error); ok {
		return err
	}
	// Wait for the alerts to arrive.
	deadline := time.Now().Add(2 * time.Minute)
	for sub.count() < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	drained := time.Since(start)
	got, enters, exits, delays, steady := sub.result()
	p50, p90, _, p99, mx := percentiles(delays)
	s50, s90, _, s99, smx := percentiles(steady)
	fmt.Fprintf(stdout, "machine: %s; server and load generator in one process\n", machine())
	fmt.Fprintf(stdout, "workload: seed %d, %d zones, %d units × %d reports every %s (geofence.NewWorkload), %d HTTP senders, batches of %d\n",
		*seed, *zones, *units, *reports, every, *senders, *batch)
	fmt.Fprintf(stdout, "ingest: %d reports in %s = %.0f reports/s (target rate %d/s; 0 = as fast as possible)\n", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), *rate)
	fmt.Fprintf(stdout, "alerts: %d of %d expected enter/exit delivered to the subscriber (%d enter, %d exit) within %s\n", got, want, enters, exits, drained.Round(time.Millisecond))
	fmt.Fprintf(stdout, "event delay, report sent to alert received: all %d alerts p50 %s p90 %s p99 %s max %s; the %d after the units' first sightings p50 %s p90 %s p99 %s max %s\n",
		len(delays), ms(p50), ms(p90), ms(p99), ms(mx), len(steady), ms(s50), ms(s90), ms(s99), ms(smx))
	fmt.Fprintf(stdout, "bench geofence: %.0f updates/s sent, %.0f/s with every alert delivered, %d/%d enter/exit delivered, event delay p50 %s p99 %s (after first sightings p50 %s p99 %s)\n",
		float64(total)/elapsed.Seconds(), float64(total)/drained.Seconds(), got, want, ms(p50), ms(p99), ms(s50), ms(s99))
	if got != want {
		return fmt.Errorf("bench geofence: %d enter/exit alerts delivered, %d expected", got, want)
	}
	return nil
}

// setUpGeofenceBench creates the parties, a reporting account and the
// workload's zones as map features, and returns the account's token.
func setUpGeofenceBench(ctx context.Context, m *Main, w geofence.Workload, stderr io.Writer) (string, error) {
	svc := m.Service
	sys := concord.SystemViewer("CMCC", "bench")
	for _, p := range []concord.Party{
		{Code: "CMCC", Name: "Coordination center", Kind: concord.KindCoordination},
		{Code: "BEN", Name: "Bench contingent", Kind: concord.KindContributingNation},
	} {
		if _, err := svc.PutParty(ctx, sys, p); err != nil {
			return "", err
		}
	}
	hash, err := password.Hash(randomString())
	if err != nil {
		return "", err
	}
	u, err := svc.CreateUser(ctx, sys, concord.User{Username: "cmcc.bench", Party: "CMCC", Roles: []concord.Role{concord.RoleCoordinator}}, hash)
	if err != nil {
		return "", err
	}
	_, token, err := httpapi.CreateToken(ctx, m.Store, u.ID, "bench", 0)
	if err != nil {
		return "", err
	}
	bar := newProgress(stderr, "zones", len(w.Zones))
	mk := concord.Marking{Owner: "CMCC", Rel: []string{"ALL"}}
	for _, z := range w.Zones {
		f := concord.Feature{Name: z.ID, Marking: mk}
		switch z.Kind {
		case geofence.Restricted:
			f.Kind, f.Geometry = concord.FeatureRestrictedArea, z.Polygon
		case geofence.Activity:
			f.Kind, f.Geometry = concord.FeatureActivityArea, z.Polygon
		case geofence.Sector:
			f.Kind, f.Geometry, f.Attrs.LeadParty = concord.FeatureSector, z.Polygon, "BEN"
		case geofence.ControlLine:
			f.Kind, f.Geometry, f.Attrs.ControllingParty = concord.FeatureControlLine, z.Line, "BEN"
			f.Attrs.Line, f.Attrs.LineVersion = z.ID, concord.LineDeclared
		default:
			continue
		}
		from, to := z.From, z.To
		if f.Kind == concord.FeatureActivityArea && from.IsZero() {
			// Activity areas always have a window; one around the whole
			// run is the same as none for the reference engine.
			from, to = w.Params.Start.Add(-24*time.Hour), time.Now().Add(24*time.Hour)
		}
		if !from.IsZero() {
			f.ValidFrom = &from
		}
		if !to.IsZero() {
			f.ValidTo = &to
		}
		if _, err := svc.CreateFeature(ctx, sys, concord.FeatureInput{Feature: f}); err != nil {
			return "", fmt.Errorf("zone %s: %w", z.ID, err)
		}
		_ = bar.Add(1)
	}
	// Let the live picture's geofencer take its zones from the bus.
	time.Sleep(2 * time.Second)
	return token, nil
}

// alertSubscriber follows /api/stream for alerts.
type alertSubscriber struct {
	res    *http.Response
	lookup func(uid string, at time.Time) (sent int64, first, ok bool)
	mu     sync.Mutex
	enters int
	exits  int
	delays []time.Duration
	// steady holds the delays of alerts not raised by a unit's first report.
	steady []time.Duration
}

func subscribeAlerts(ctx context.Context, base, token string, lookup func(uid string, at time.Time) (sent int64, first, ok bool)) (*alertSubscriber, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/stream?kinds=alert", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 {
		res.Body.Close()
		return nil, fmt.Errorf("alert stream: %s", res.Status)
	}
	s := &alertSubscriber{res: res, lookup: lookup}
	go s.read()
	return s, nil
}

func (s *alertSubscriber) read() {
	sc := bufio.NewScanner(s.res.Body)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	var ev string
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.HasPrefix(line, []byte("event: ")):
			ev = string(line[7:])
		case bytes.HasPrefix(line, []byte("data: ")) && ev == "alert.created":
			now := time.Now().UnixNano()
			var e struct {
				Data struct {
					Type     string    `json:"type"`
					TrackUID string    `json:"track_uid"`
					ZoneKind string    `json:"zone_kind"`
					At       time.Time `json:"at"`
				} `json:"data"`
			}
			if json.Unmarshal(line[6:], &e) != nil {
				continue
			}
			a := e.Data
			if (a.Type != "enter" && a.Type != "exit") || (a.ZoneKind != string(concord.FeatureRestrictedArea) && a.ZoneKind != string(concord.FeatureActivityArea)) {
				continue
			}
			s.mu.Lock()
			if a.Type == "enter" {
				s.enters++
			} else {
				s.exits++
			}
			if s.lookup != nil {
				if at, first, ok := s.lookup(a.TrackUID, a.At); ok && at > 0 {
					s.delays = append(s.delays, time.Duration(now-at))
					if !first {
						s.steady = append(s.steady, time.Duration(now-at))
					}
				}
			}
			s.mu.Unlock()
		}
	}
}

func (s *alertSubscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enters + s.exits
}

func (s *alertSubscriber) result() (got, enters, exits int, delays, steady []time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enters + s.exits, s.enters, s.exits, slices.Clone(s.delays), slices.Clone(s.steady)
}

func (s *alertSubscriber) close() { s.res.Body.Close() }
