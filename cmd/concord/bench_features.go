package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/httpapi"
)

// benchFeatures measures the feature API with the access layer: it loads N
// features spread over the demo AO, a random half of them releasable to the
// viewer's party, then times bbox queries over HTTP as that viewer,
// following pages until the whole result is read.
func benchFeatures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("features", stderr)
	n := fs.Int("features", 100000, "features to load")
	queries := fs.Int("queries", 200, "bbox queries to time")
	fracs := fs.String("bbox-fractions", "0.1,0.25,0.5", "sides of the query bboxes as fractions of the AO's, one run each")
	seed := fs.Uint64("seed", 1, "seed for positions and markings")
	keep := fs.Bool("keep", false, "keep the temporary data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, done, err := benchSystem(ctx, stderr, *keep)
	if err != nil {
		return err
	}
	defer done()
	rng := rand.New(rand.NewPCG(*seed, 7))
	ao := orb.Bound{Min: orb.Point{34.22, 31.23}, Max: orb.Point{34.56, 31.59}}
	// The viewer is USA: visible records are marked ISF (USA's group),
	// invisible ones HUM; owners vary.
	owners := []string{"WFP", "UNICEF", "PAK", "IDN", "ITA"}
	p := newProgress(stderr, "loading features", *n)
	start := time.Now()
	visible := 0
	for i := 0; i < *n; i++ {
		rel := []string{"HUM"}
		if rng.IntN(2) == 0 {
			rel, visible = []string{"ISF"}, visible+1
		}
		owner := owners[rng.IntN(len(owners))]
		if owner == "WFP" || owner == "UNICEF" {
			rel = append(rel, "HUM")
		}
		pt := orb.Point{ao.Min[0] + rng.Float64()*(ao.Max[0]-ao.Min[0]), ao.Min[1] + rng.Float64()*(ao.Max[1]-ao.Min[1])}
		f := concord.Feature{Kind: concord.FeatureSite, Name: fmt.Sprintf("bench site %d", i), Geometry: pt,
			Marking: concord.Marking{Owner: owner, Rel: dedupe(rel)},
			Attrs:   concord.FeatureAttrs{SiteKind: concord.SiteWarehouse, Status: concord.StatusOpen, Operator: owner}}
		v := concord.Viewer{UserID: "system:bench", Username: "bench", Party: owner, Roles: []concord.Role{concord.RoleCoordinator}}
		if _, err := m.Service.CreateFeature(ctx, v, concord.FeatureInput{Feature: f}); err != nil {
			return err
		}
		_ = p.Add(1)
	}
	loadRate := float64(*n) / time.Since(start).Seconds()
	u, _, err := m.Store.UserByName(ctx, "usa.viewer")
	if err != nil {
		return err
	}
	_, token, err := httpapi.CreateToken(ctx, m.Store, u.ID, "bench", 0)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	get := func(url string) (int, string, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		// Read the whole response but decode only its tail (count and
		// next), so that the figure is the server's, not this client's
		// JSON parser's.
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, "", err
		}
		i := bytes.LastIndex(b, []byte(`],"count":`))
		if res.StatusCode != http.StatusOK || i < 0 {
			return 0, "", fmt.Errorf("GET %s: %d %.200s", url, res.StatusCode, b)
		}
		var fc struct {
			Count int    `json:"count"`
			Next  string `json:"next"`
		}
		if err := json.Unmarshal(append([]byte("{"), b[i+2:]...), &fc); err != nil {
			return 0, "", err
		}
		return fc.Count, fc.Next, nil
	}
	// listAll reads every page of a query and returns the feature count.
	listAll := func(q string) (int, error) {
		total, cursor := 0, ""
		for {
			url := m.URL() + "/api/features?limit=5000&" + q
			if cursor != "" {
				url += "&cursor=" + cursor
			}
			c, next, err := get(url)
			if err != nil {
				return 0, err
			}
			total += c
			if next == "" {
				return total, nil
			}
			cursor = next
		}
	}
	// Warm up, then time.
	if _, err := listAll("kind=site&bbox=34.3,31.3,34.4,31.4"); err != nil {
		return err
	}
	var lines []string
	for _, fv := range strings.Split(*fracs, ",") {
		frac, err := strconv.ParseFloat(strings.TrimSpace(fv), 64)
		if err != nil || frac <= 0 || frac > 1 {
			return fmt.Errorf("--bbox-fractions: %q is not in (0, 1]", fv)
		}
		w, h := (ao.Max[0]-ao.Min[0])*frac, (ao.Max[1]-ao.Min[1])*frac
		var lat []time.Duration
		returned := 0
		for i := 0; i < *queries; i++ {
			x, y := ao.Min[0]+rng.Float64()*(ao.Max[0]-ao.Min[0]-w), ao.Min[1]+rng.Float64()*(ao.Max[1]-ao.Min[1]-h)
			t0 := time.Now()
			c, err := listAll(fmt.Sprintf("bbox=%f,%f,%f,%f", x, y, x+w, y+h))
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
			returned += c
		}
		p50, p90, p95, p99, mx := percentiles(lat)
		lines = append(lines, fmt.Sprintf("bench features: %d features, %d bbox queries of %.0f%%×%.0f%% of the AO returning %d features each on average, as USA seeing half: p50 %s p90 %s p95 %s p99 %s max %s",
			*n, *queries, frac*100, frac*100, returned / *queries, ms(p50), ms(p90), ms(p95), ms(p99), ms(mx)))
	}
	t0 := time.Now()
	all, err := listAll("kind=site")
	if err != nil {
		return err
	}
	full := time.Since(t0)
	fmt.Fprintf(stdout, "machine: %s\n", machine())
	fmt.Fprintf(stdout, "loaded %d features (%d visible to USA) at %.0f/s through the Service\n", *n, visible, loadRate)
	fmt.Fprintf(stdout, "whole-AO listing as USA: %d features in %s (%d pages of 5000)\n", all, ms(full), (all+4999)/5000)
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	return nil
}

func dedupe(s []string) []string {
	out := s[:0]
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
