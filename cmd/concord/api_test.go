package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/httpapi"
)

func TestDemoScenarioMap(t *testing.T) {
	s := start(t, withDemo)
	c := s.login("pak.liaison")
	byKind := map[string]int{}
	crossings := 0
	for _, f := range c.features("limit=5000") {
		byKind[f.Properties["kind"].(string)]++
		if f.Properties["site_kind"] == "crossing" {
			crossings++
		}
	}
	cc := s.login("cmcc.watch")
	all := cc.features("limit=5000")
	sites := 0
	for _, f := range all {
		if f.Properties["kind"] == "site" {
			sites++
		}
	}
	if byKind["area_of_operations"] != 1 || byKind["admin_area"] != 5 || byKind["sector"] < 4 || byKind["control_line"] != 3 || byKind["route"] < 2 || crossings != 5 || sites < 40 {
		t.Fatalf("scenario as PAK: %v, %d crossings; %d sites in all", byKind, crossings, sites)
	}
	// The central sector is led by PAK and PAK's policy refuses ISR.
	var central geoFeature
	for _, f := range c.features("kind=sector") {
		if f.Properties["lead_party"] == "PAK" {
			central = f
		}
	}
	if central.ID == "" || !strings.Contains(central.name(), "Central") {
		t.Fatalf("no central sector led by PAK")
	}
	var me struct {
		Party concord.Party `json:"party"`
	}
	json.Unmarshal(c.must(200, "GET", "/api/me", nil), &me)
	if len(me.Party.Policy.NeverReleaseTo) != 1 || me.Party.Policy.NeverReleaseTo[0] != "ISR" {
		t.Fatalf("PAK policy: %+v", me.Party.Policy)
	}
}

// TestPolicyKeepsPAKRecordsFromControllingParty checks the demo's central
// releasability case on every surface: list, get, history and stream.
func TestPolicyKeepsPAKRecordsFromControllingParty(t *testing.T) {
	s := start(t, withDemo)
	pak, isr, usa := s.login("pak.liaison"), s.login("isr.liaison"), s.login("usa.liaison")
	isrStream, usaStream := isr.stream(""), usa.stream("")

	var pakIDs []string
	for _, f := range s.login("cmcc.watch").features("limit=5000") {
		if f.owner() == "PAK" {
			pakIDs = append(pakIDs, f.ID)
		}
	}
	if len(pakIDs) < 2 {
		t.Fatalf("demo has %d PAK records", len(pakIDs))
	}
	for _, f := range isr.features("limit=5000") {
		if f.owner() == "PAK" {
			t.Fatalf("ISR lists PAK record %q", f.name())
		}
	}
	for _, id := range pakIDs {
		isr.must(404, "GET", "/api/features/"+id, nil)
		isr.must(404, "GET", "/api/features/"+id+"/history", nil)
	}

	// A new PAK record marked ALL reaches USA's stream but never ISR's.
	b := pak.must(201, "POST", "/api/features", site("PAK supply point", "PAK", []string{"ALL"}, 34.35, 31.43))
	var created geoFeature
	json.Unmarshal(b, &created)
	waitEvent(t, usaStream, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == created.ID })
	// A marker event after it proves ISR's stream has caught up.
	marker := s.login("cmcc.watch").must(201, "POST", "/api/features", site("CMCC marker", "CMCC", []string{"ALL"}, 34.3, 31.4))
	var mk geoFeature
	json.Unmarshal(marker, &mk)
	waitEvent(t, isrStream, 10*time.Second, func(e sseEvent) bool {
		if e.Data.RecordID == created.ID || (e.Data.Marking != nil && e.Data.Marking.Owner == "PAK") {
			t.Fatalf("ISR received PAK's record on the stream: %+v", e)
		}
		return e.Data.RecordID == mk.ID
	})

	// Naming ISR in a PAK marking is refused with the reason, and stores nothing.
	before := s.counts()
	res, body := pak.do("POST", "/api/features", site("to ISR", "PAK", []string{"ISR"}, 34.35, 31.43))
	if res.StatusCode != 400 || !strings.Contains(string(body), "release policy of PAK") {
		t.Fatalf("marking naming ISR: %d %s", res.StatusCode, body)
	}
	if after := s.counts(); !maps.Equal(before, after) {
		t.Fatalf("refused write changed the store: %v -> %v", before, after)
	}
}

func TestBadInputIsRefusedAndStoresNothing(t *testing.T) {
	s := start(t, withDemo)
	pak := s.login("pak.liaison")
	viewer := s.login("pak.viewer")
	anon := s.anon()
	var existing geoFeature
	for _, f := range pak.features("kind=site") {
		if f.owner() == "PAK" {
			existing = f
			break
		}
	}
	wfpSite := pak.features("kind=site")[0]
	for wfpSite.owner() == "PAK" {
		t.Fatal("expected a non-PAK site first")
	}
	poly := func(coords any) map[string]any {
		f := site("area", "PAK", []string{"ISF"}, 0, 0)
		f["geometry"] = map[string]any{"type": "Polygon", "coordinates": coords}
		f["properties"] = map[string]any{"kind": "restricted_area", "name": "area", "marking": map[string]any{"owner": "PAK", "rel": []string{"ISF"}}}
		return f
	}
	withProps := func(p map[string]any) map[string]any {
		f := site("x", "PAK", []string{"ISF"}, 34.3, 31.4)
		maps.Copy(f["properties"].(map[string]any), p)
		return f
	}
	many := make([][]float64, 0, 10002)
	for i := 0; i < 10001; i++ {
		many = append(many, []float64{34 + float64(i)*1e-6, 31 + float64(i%2)*1e-3})
	}
	many = append(many, many[0])
	cases := []struct {
		name     string
		c        *client
		method   string
		path     string
		body     any
		headers  []string
		status   int
		code     string
		contains string
	}{
		{"malformed JSON", pak, "POST", "/api/features", `{"type":"Feature",`, nil, 400, "invalid", "not valid JSON"},
		{"wrong content type", pak, "POST", "/api/features", `{}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", "content type must be application/json or application/geo+json"},
		{"body over the limit", pak, "POST", "/api/features", `{"type":"Feature","x":"` + strings.Repeat("a", 2<<20) + `"}`, nil, 413, "too_large", "exceeds the limit"},
		{"empty body", pak, "POST", "/api/features", ``, nil, 400, "invalid", "empty"},
		{"unclosed ring", pak, "POST", "/api/features", poly([][][]float64{{{34.3, 31.3}, {34.4, 31.3}, {34.4, 31.4}, {34.3, 31.4}}}), nil, 400, "invalid", "is not closed"},
		{"self-intersecting ring", pak, "POST", "/api/features", poly([][][]float64{{{34.3, 31.3}, {34.4, 31.4}, {34.4, 31.3}, {34.3, 31.4}, {34.3, 31.3}}}), nil, 400, "invalid", "intersects itself"},
		{"coordinates out of range", pak, "POST", "/api/features", site("x", "PAK", nil, 190, 31.4), nil, 400, "invalid", "longitude 190 is outside"},
		{"too many vertices", pak, "POST", "/api/features", poly([][][]float64{many}), nil, 400, "invalid", "more than the limit"},
		{"empty geometry", pak, "POST", "/api/features", poly([][][]float64{}), nil, 400, "invalid", "empty"},
		{"unknown party in marking", pak, "POST", "/api/features", site("x", "PAK", []string{"XYZ"}, 34.3, 31.4), nil, 400, "invalid", "unknown party or group XYZ"},
		{"unknown group in marking", pak, "POST", "/api/features", site("x", "PAK", []string{"NATO"}, 34.3, 31.4), nil, 400, "invalid", "unknown party or group NATO"},
		{"marking breaks release policy", pak, "POST", "/api/features", site("x", "PAK", []string{"ISR"}, 34.3, 31.4), nil, 400, "invalid", "breaks the release policy of PAK"},
		{"window ends before it starts", pak, "POST", "/api/features", withProps(map[string]any{"kind": "site", "valid_from": "2026-03-02T00:00:00Z", "valid_to": "2026-03-01T00:00:00Z"}), nil, 400, "invalid", "ends"},
		{"unknown property", pak, "POST", "/api/features", withProps(map[string]any{"colour": "red"}), nil, 400, "invalid", "unknown field"},
		{"owned by another party", pak, "POST", "/api/features", site("x", "WFP", []string{"ALL"}, 34.3, 31.4), nil, 403, "forbidden", "owned by your party PAK"},
		{"viewer may not write", viewer, "POST", "/api/features", site("x", "PAK", nil, 34.3, 31.4), nil, 403, "forbidden", "may not change"},
		{"unauthenticated write", anon, "POST", "/api/features", site("x", "PAK", nil, 34.3, 31.4), nil, 401, "unauthorized", "log in"},
		{"unauthenticated read", anon, "GET", "/api/features", nil, nil, 401, "unauthorized", "log in"},
		{"bad bearer token", anon, "GET", "/api/features", nil, []string{"Authorization", "Bearer concord_nope"}, 401, "unauthorized", "unknown or revoked"},
		{"change another party's record", pak, "PUT", "/api/features/" + wfpSite.ID, withProps(map[string]any{"version": 1}), nil, 403, "forbidden", "owned by"},
		{"stale version", pak, "PUT", "/api/features/" + existing.ID, withProps(map[string]any{"version": 99}), nil, 409, "conflict", "reload and retry"},
		{"missing version", pak, "PUT", "/api/features/" + existing.ID, withProps(map[string]any{}), nil, 400, "invalid", "version is required"},
		{"unknown feature", pak, "GET", "/api/features/01a2144b-0000-7000-8000-000000000000", nil, nil, 404, "not_found", "not found"},
		{"bad bbox", pak, "GET", "/api/features?bbox=1,2,3", nil, nil, 400, "invalid", "bbox"},
		{"bad kind and limit at once", pak, "GET", "/api/features?kind=castle&limit=0", nil, nil, 400, "invalid", "castle"},
		{"bad as_of", pak, "GET", "/api/features?as_of=yesterday", nil, nil, 400, "invalid", "RFC 3339"},
		{"cross-origin write", pak, "POST", "/api/features", site("x", "PAK", nil, 34.3, 31.4), []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, "forbidden", "cross-origin"},
		{"wrong method", pak, "PATCH", "/api/features", nil, nil, 405, "method_not_allowed", "allowed: GET, POST"},
		{"unknown endpoint", pak, "GET", "/api/nothing", nil, nil, 404, "not_found", "no API endpoint"},
		{"party admin only", pak, "POST", "/api/parties", map[string]any{"code": "NEW", "name": "New", "kind": "ngo"}, nil, 403, "forbidden", "admin"},
		{"bad Last-Event-ID", pak, "GET", "/api/stream", nil, []string{"Last-Event-ID", "abc"}, 400, "invalid", "Last-Event-ID"},
	}
	before := s.counts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			res, body := tc.c.do(tc.method, tc.path, tc.body, tc.headers...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q: %s", ct, body)
			}
			var p httpapi.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if string(p.Code) != tc.code || p.Status != tc.status || !strings.Contains(p.Detail, tc.contains) {
				t.Fatalf("problem %+v, want code %s containing %q", p, tc.code, tc.contains)
			}
		})
	}
	if after := s.counts(); !maps.Equal(before, after) {
		t.Fatalf("refused requests changed the store: %v -> %v", before, after)
	}
}

func TestLoginSecurity(t *testing.T) {
	s := start(t, withDemo, withLoginRate(10))
	c := s.anon()
	_, unknown := c.do("POST", "/api/login", map[string]string{"username": "nobody", "password": "whatever1"})
	_, wrong := c.do("POST", "/api/login", map[string]string{"username": "pak.viewer", "password": "whatever1"})
	var p1, p2 httpapi.Problem
	json.Unmarshal(unknown, &p1)
	json.Unmarshal(wrong, &p2)
	if p1.Status != 401 || p1.Detail != p2.Detail || p1.Code != p2.Code {
		t.Fatalf("unknown user and wrong password differ: %+v vs %+v", p1, p2)
	}
	// Session cookie flags.
	res, _ := c.do("POST", "/api/login", map[string]string{"username": "pak.viewer", "password": "concord-demo"})
	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "concord_session="} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("cookie %q lacks %s", cookie, want)
		}
	}
	c.must(200, "GET", "/api/me", nil)
	c.must(204, "POST", "/api/logout", nil)
	c.must(401, "GET", "/api/me", nil)

	// API tokens: create, use, revoke.
	u := s.login("wfp.logistics")
	var tok struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	json.Unmarshal(u.must(201, "POST", "/api/tokens", map[string]any{"name": "gateway"}), &tok)
	bot := s.anon()
	bot.token = tok.Secret
	bot.must(200, "GET", "/api/features?limit=1", nil)
	bot.must(201, "POST", "/api/features", site("via token", "WFP", []string{"HUM"}, 34.3, 31.42))
	u.must(204, "DELETE", "/api/tokens/"+tok.ID, nil)
	bot.must(401, "GET", "/api/features?limit=1", nil)

	// Rate limiting after repeated failures for one username. The attempts
	// go in parallel: the limiter decides before any password is hashed,
	// so a slow (loaded, race-instrumented) machine cannot refill the
	// bucket between them.
	var limitedN atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body := s.anon().do("POST", "/api/login", map[string]string{"username": "ita.viewer", "password": fmt.Sprint("bad", i)})
			if res.StatusCode == http.StatusTooManyRequests {
				if res.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "too many login attempts") {
					t.Errorf("429 without Retry-After or reason: %s", body)
				}
				limitedN.Add(1)
			}
		}()
	}
	wg.Wait()
	limited := limitedN.Load() > 0
	if !limited {
		t.Fatal("login attempts were never rate limited")
	}
}

func TestFeatureLifecycleAndHistory(t *testing.T) {
	s := start(t, withDemo)
	pak := s.login("pak.liaison")
	usa := s.login("usa.liaison")
	var f geoFeature
	json.Unmarshal(pak.must(201, "POST", "/api/features", site("Depot", "PAK", []string{"ISF"}, 34.35, 31.43)), &f)
	if f.Properties["version"].(float64) != 1 || f.marking().Owner != "PAK" {
		t.Fatalf("created %+v", f.Properties)
	}
	upd := site("Depot (renamed)", "PAK", []string{"ISF", "HUM"}, 34.351, 31.431)
	upd["properties"].(map[string]any)["version"] = 1
	upd["properties"].(map[string]any)["status"] = "closed"
	pak.must(200, "PUT", "/api/features/"+f.ID, upd)
	var hist struct {
		Versions []concord.Version `json:"versions"`
	}
	json.Unmarshal(usa.must(200, "GET", "/api/features/"+f.ID+"/history", nil), &hist)
	if len(hist.Versions) != 2 || hist.Versions[1].Actor != "pak.liaison" || hist.Versions[1].Banner != "REL TO PAK, HUM, ISF" {
		t.Fatalf("history %+v", hist.Versions)
	}
	changed := strings.Join(hist.Versions[1].Changed, ",")
	for _, want := range []string{"geometry", "marking", "name", "status"} {
		if !strings.Contains(changed, want) {
			t.Fatalf("changed %q lacks %s", changed, want)
		}
	}
	// Deleting keeps history; the record is gone from lists.
	pak.must(204, "DELETE", "/api/features/"+f.ID+"?version=2", nil)
	pak.must(404, "GET", "/api/features/"+f.ID, nil)
	for _, g := range pak.features("kind=site") {
		if g.ID == f.ID {
			t.Fatal("deleted feature listed")
		}
	}
	// Pagination covers everything exactly once.
	all := pak.features("limit=7")
	seen := map[string]bool{}
	for _, g := range all {
		if seen[g.ID] {
			t.Fatal("feature twice across pages")
		}
		seen[g.ID] = true
	}
	if len(all) != len(pak.features("limit=5000")) {
		t.Fatal("paged and unpaged lists differ")
	}
	// bbox and as_of filters.
	inBox := pak.features("bbox=34.33,31.40,34.40,31.45&kind=site")
	for _, g := range inBox {
		c := g.Geometry["coordinates"].([]any)
		if lon, lat := c[0].(float64), c[1].(float64); lon < 34.33 || lon > 34.40 || lat < 31.40 || lat > 31.45 {
			t.Fatalf("site outside bbox: %v", c)
		}
	}
	if len(inBox) == 0 {
		t.Fatal("no sites in the central bbox")
	}
	far := time.Now().Add(24 * 365 * time.Hour).UTC().Format(time.RFC3339)
	for _, g := range pak.features("kind=activity_area&as_of=" + far) {
		t.Fatalf("activity area %q active a year from now", g.name())
	}
}

func TestStreamDeliversAndResumes(t *testing.T) {
	s := start(t, withDemo)
	pak := s.login("pak.liaison")
	ch := pak.stream("")
	var ids []string
	for i := 0; i < 3; i++ {
		var f geoFeature
		json.Unmarshal(pak.must(201, "POST", "/api/features", site(fmt.Sprint("s", i), "PAK", []string{"ISF"}, 34.35, 31.43)), &f)
		ids = append(ids, f.ID)
	}
	first := waitEvent(t, ch, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == ids[0] })
	if first.Name != "feature.created" || first.Data.Marking == nil || first.Data.Marking.Owner != "PAK" || len(first.Data.Data) == 0 {
		t.Fatalf("event %+v", first)
	}
	waitEvent(t, ch, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == ids[2] })
	// Reconnecting after the first event replays the two that followed.
	resumed := pak.stream(first.ID)
	waitEvent(t, resumed, 10*time.Second, func(e sseEvent) bool {
		if e.Data.RecordID == ids[0] {
			t.Fatal("resume replayed the event it resumed after")
		}
		return e.Data.RecordID == ids[1]
	})
	waitEvent(t, resumed, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == ids[2] })

	// A viewer who loses sight of a record is told it was withdrawn.
	wfp := s.login("wfp.viewer")
	wch := wfp.stream("")
	var f geoFeature
	json.Unmarshal(pak.must(201, "POST", "/api/features", site("shared", "PAK", []string{"ALL"}, 34.35, 31.43)), &f)
	waitEvent(t, wch, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == f.ID && e.Name == "feature.created" })
	upd := site("shared", "PAK", []string{"ISF"}, 34.35, 31.43)
	upd["properties"].(map[string]any)["version"] = 1
	pak.must(200, "PUT", "/api/features/"+f.ID, upd)
	w := waitEvent(t, wch, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == f.ID })
	if w.Name != "feature.withdrawn" || len(w.Data.Data) != 0 || w.Data.Marking != nil {
		t.Fatalf("expected a bare withdrawn event, got %+v", w)
	}
}

func TestHealthReadinessMetrics(t *testing.T) {
	s := start(t)
	c := s.anon()
	c.must(200, "GET", "/healthz", nil)
	c.must(200, "GET", "/readyz", nil)
	m := string(c.must(200, "GET", "/metrics", nil))
	for _, want := range []string{"concord_http_requests_total", "concord_stream_clients", "concord_events_published_total", "go_goroutines"} {
		if !strings.Contains(m, want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
	page := c.must(200, "GET", "/", nil)
	if !strings.Contains(string(page), "<") {
		t.Fatal("no UI at /")
	}
}
