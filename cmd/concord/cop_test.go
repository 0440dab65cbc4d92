package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/natsbus/natstest"
	"github.com/concord-mission/concord/postgres/pgtest"
)

type trackOut struct {
	UID     string  `json:"uid"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	SIDC    string  `json:"sidc"`
	Banner  string  `json:"banner"`
	Source  string  `json:"source"`
	IsStale bool    `json:"is_stale"`
}

type alertOut struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	TrackUID string `json:"track_uid"`
	ZoneID   string `json:"zone_id"`
	Status   string `json:"status"`
	Banner   string `json:"banner"`
	Ack      *struct {
		By   string `json:"by"`
		Note string `json:"note"`
	} `json:"ack"`
}

func (c *client) tracks(query string) []trackOut {
	c.t.Helper()
	var out struct {
		Tracks []trackOut `json:"tracks"`
	}
	if err := json.Unmarshal(c.must(200, "GET", "/api/tracks?"+query, nil), &out); err != nil {
		c.t.Fatal(err)
	}
	return out.Tracks
}

func (c *client) alerts(query string) []alertOut {
	c.t.Helper()
	var out struct {
		Alerts []alertOut `json:"alerts"`
	}
	if err := json.Unmarshal(c.must(200, "GET", "/api/alerts?"+query, nil), &out); err != nil {
		c.t.Fatal(err)
	}
	return out.Alerts
}

// square is a restricted area of about 1.1 km around lon, lat.
func square(name, owner string, rel []string, lon, lat float64) map[string]any {
	d := 0.005
	return map[string]any{"type": "Feature",
		"geometry":   map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{lon - d, lat - d}, {lon + d, lat - d}, {lon + d, lat + d}, {lon - d, lat + d}, {lon - d, lat - d}}}},
		"properties": map[string]any{"kind": "restricted_area", "name": name, "marking": map[string]any{"owner": owner, "rel": rel}}}
}

func report(uid string, lon, lat float64, at time.Time) map[string]any {
	return map[string]any{"uid": uid, "callsign": "Falcon " + uid, "type": "a-f-G-E-V", "lat": lat, "lon": lon, "time": at.UTC().Format(time.RFC3339Nano)}
}

// waitAlerts polls until the viewer sees an alert matching fn.
func (c *client) waitAlert(query string, fn func(alertOut) bool) alertOut {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, a := range c.alerts(query) {
			if fn(a) {
				return a
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("%s never saw the alert", c.name)
	return alertOut{}
}

// TestLivePictureEndToEnd reports positions over HTTP, sees them as tracks
// with symbols and trails, gets a geofence alert when a vehicle enters a
// restricted area, and acknowledges it; an alert goes only to the parties
// that may see both the track and the area.
func TestLivePictureEndToEnd(t *testing.T) {
	s := start(t, withDemo)
	pak := s.login("pak.reporter")
	usa := s.login("usa.liaison")
	isr := s.login("isr.liaison")
	cmcc := s.login("cmcc.watch")
	var area geoFeature
	json.Unmarshal(usa.must(201, "POST", "/api/features", square("Range Bravo", "USA", []string{"USA"}, 34.45, 31.50)), &area)

	now := time.Now().Add(-time.Minute)
	pak.must(202, "POST", "/api/tracks", []any{report("PAK-V1", 34.43, 31.50, now)})
	pak.must(202, "POST", "/api/tracks", []any{report("PAK-V1", 34.44, 31.50, now.Add(10*time.Second)), report("PAK-V2", 34.30, 31.40, now)})
	// A line of NDJSON, GeoJSON style: the vehicle drives into the area.
	line := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[34.451,31.501]},"properties":{"uid":"PAK-V1","type":"a-f-G-E-V","time":%q}}`,
		now.Add(20*time.Second).UTC().Format(time.RFC3339Nano))
	pak.must(202, "POST", "/api/tracks", line+"\n", "Content-Type", "application/x-ndjson")

	ts := usa.tracks("")
	var v1 *trackOut
	for i := range ts {
		if ts[i].UID == "PAK-V1" {
			v1 = &ts[i]
		}
	}
	if v1 == nil || v1.Lon != 34.451 || v1.SIDC != "SFGPEV---------" || v1.Banner != "REL TO PAK, ISF" || v1.Source != "http" {
		t.Fatalf("USA sees PAK-V1 as %+v", v1)
	}
	for _, tr := range isr.tracks("") {
		if strings.HasPrefix(tr.UID, "PAK-") {
			t.Fatalf("ISR sees PAK's track %s", tr.UID)
		}
	}
	isr.must(404, "GET", "/api/tracks/PAK-V1", nil)
	var hist struct {
		Points []struct {
			Lon float64 `json:"lon"`
		} `json:"points"`
	}
	json.Unmarshal(usa.must(200, "GET", "/api/tracks/PAK-V1/history?from="+now.Add(-time.Minute).UTC().Format(time.RFC3339), nil), &hist)
	if len(hist.Points) != 3 || hist.Points[2].Lon != 34.451 {
		t.Fatalf("trail %+v", hist.Points)
	}

	// Entering the USA-only range: USA and the center are told, PAK (which
	// may not see the area) is not, nor ISR (which may not see the track).
	a := usa.waitAlert("type=enter", func(a alertOut) bool { return a.TrackUID == "PAK-V1" && a.ZoneID == area.ID })
	if a.Severity != "critical" || !strings.Contains(a.Message, "entered restricted area Range Bravo") || a.Status != "open" || a.Banner != "REL TO CMCC, USA" {
		t.Fatalf("alert %+v", a)
	}
	cmcc.waitAlert("", func(x alertOut) bool { return x.ID == a.ID })
	for _, c := range []*client{pak, isr} {
		for _, x := range c.alerts("") {
			if x.ID == a.ID {
				t.Fatalf("%s sees the alert on a range it may not see", c.name)
			}
		}
		c.must(404, "GET", "/api/alerts/"+a.ID, nil)
	}
	var acked alertOut
	json.Unmarshal(usa.must(200, "POST", "/api/alerts/"+a.ID+"/ack", map[string]string{"note": "called the convoy lead"}), &acked)
	if acked.Status != "acknowledged" || acked.Ack == nil || acked.Ack.By != "usa.liaison" || acked.Ack.Note != "called the convoy lead" {
		t.Fatalf("acknowledged %+v", acked)
	}
	usa.must(409, "POST", "/api/alerts/"+a.ID+"/ack", map[string]string{})
	pak.must(404, "POST", "/api/alerts/"+a.ID+"/ack", map[string]string{})
	if got := cmcc.alerts("status=open"); len(got) > 0 && got[0].ID == a.ID {
		t.Fatal("acknowledged alert still listed as open")
	}
}

// TestTrackReportsBadInput refuses malformed, out-of-range, future-dated,
// oversized and unauthorised reports with precise problems, storing none
// of a refused batch.
func TestTrackReportsBadInput(t *testing.T) {
	s := start(t, withDemo)
	pak := s.login("pak.reporter")
	idn := s.login("idn.liaison")
	now := time.Now()
	cases := []struct {
		name   string
		body   any
		ctype  string
		status int
		want   string
	}{
		{"latitude out of range", []any{report("BAD-1", 34.4, 95, now)}, "", 400, "lat"},
		{"longitude out of range", []any{report("BAD-1", 190, 31.4, now)}, "", 400, "lon"},
		{"absurdly in the future", []any{report("BAD-1", 34.4, 31.4, now.AddDate(1, 0, 0))}, "", 400, "in the future"},
		{"missing time", []any{map[string]any{"uid": "BAD-1", "lat": 31.4, "lon": 34.4}}, "", 400, "time"},
		{"one bad report refuses the batch", []any{report("BAD-1", 34.4, 31.4, now), report("BAD-2", 34.4, -91, now)}, "", 400, "[1] lat"},
		{"unknown field", []any{map[string]any{"uid": "BAD-1", "lat": 31.4, "lon": 34.4, "time": now, "colour": "red"}}, "", 400, "colour"},
		{"not JSON", "{{{", "", 400, "syntax error at byte 2"},
		{"bad NDJSON line", "{\"uid\":\"BAD-1\",\"lat\":31.4,\"lon\":34.4,\"time\":\"" + now.UTC().Format(time.RFC3339) + "\"}\nnope\n", "application/x-ndjson", 400, "line 2"},
		{"GeoJSON that is not a point", map[string]any{"type": "Feature", "geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{34, 31}, {34.1, 31.1}}}, "properties": map[string]any{"uid": "BAD-1", "time": now}}, "", 400, "Point"},
		{"a marking PAK's policy refuses", []any{map[string]any{"uid": "BAD-1", "lat": 31.4, "lon": 34.4, "time": now, "marking": map[string]any{"owner": "PAK", "rel": []string{"ISR"}}}}, "", 400, "ISR"},
		{"reporting for another party", []any{map[string]any{"uid": "BAD-1", "lat": 31.4, "lon": 34.4, "time": now, "marking": map[string]any{"owner": "IDN", "rel": []string{}}}}, "", 400, "you report for PAK"},
		{"wrong content type", "uid=BAD-1", "text/plain", 415, "content type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var res *http.Response
			var b []byte
			if tc.ctype != "" {
				res, b = pak.do("POST", "/api/tracks", tc.body, "Content-Type", tc.ctype)
			} else {
				res, b = pak.do("POST", "/api/tracks", tc.body)
			}
			if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (want %d) %s; want mention of %q", res.StatusCode, tc.status, b, tc.want)
			}
		})
	}
	pak.must(404, "GET", "/api/tracks/BAD-1", nil)
	// A uid belongs to the party that first reported it.
	pak.must(202, "POST", "/api/tracks", []any{report("PAK-OWN", 34.4, 31.4, now)})
	res, b := idn.do("POST", "/api/tracks", []any{report("PAK-OWN", 34.41, 31.41, now.Add(time.Second))})
	if res.StatusCode != 400 || !strings.Contains(string(b), "belongs to PAK") {
		t.Fatalf("IDN taking over PAK's uid: %d %s", res.StatusCode, b)
	}
	viewer := s.login("pak.viewer")
	viewer.must(403, "POST", "/api/tracks", []any{report("PAK-V", 34.4, 31.4, now)})
}

// TestTrackLiveStream follows /api/tracks/live: a snapshot, then coalesced
// updates, each only of tracks the viewer may see.
func TestTrackLiveStream(t *testing.T) {
	s := start(t, withDemo)
	pak := s.login("pak.reporter")
	now := time.Now()
	pak.must(202, "POST", "/api/tracks", []any{report("PAK-S1", 34.40, 31.40, now)})
	open := func(c *client) (*bufio.Reader, func()) {
		req, _ := http.NewRequest("GET", c.base+"/api/tracks/live", nil)
		res, err := (&http.Client{Jar: c.hc.Jar}).Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("live stream as %s: %v %v", c.name, err, res)
		}
		return bufio.NewReader(res.Body), func() { res.Body.Close() }
	}
	idnR, closeIDN := open(s.login("idn.liaison"))
	defer closeIDN()
	isrR, closeISR := open(s.login("isr.liaison"))
	defer closeISR()
	next := func(r *bufio.Reader) (string, string) {
		var ev, data string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				ev = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && ev != "":
				return ev, data
			}
		}
	}
	if ev, data := next(idnR); ev != "tracks.snapshot" || !strings.Contains(data, "PAK-S1") {
		t.Fatalf("IDN snapshot %s %s", ev, data)
	}
	if ev, data := next(isrR); ev != "tracks.snapshot" || strings.Contains(data, "PAK-S1") {
		t.Fatalf("ISR snapshot %s %s", ev, data)
	}
	for i := 1; i <= 5; i++ {
		pak.must(202, "POST", "/api/tracks", []any{report("PAK-S1", 34.40+float64(i)/1000, 31.40, now.Add(time.Duration(i)*time.Second))})
	}
	// The center's own track reaches both; PAK's only IDN.
	s.login("cmcc.watch").must(202, "POST", "/api/tracks", []any{map[string]any{"uid": "CMCC-1", "type": "a-f-G", "lat": 31.3, "lon": 34.3, "time": now, "marking": map[string]any{"owner": "CMCC", "rel": []string{"ALL"}}}})
	got := ""
	for !strings.Contains(got, "CMCC-1") || !strings.Contains(got, "34.405") {
		_, data := next(idnR)
		got += data
	}
	_, data := next(isrR)
	for !strings.Contains(data, "CMCC-1") {
		_, data = next(isrR)
	}
	if strings.Contains(data, "PAK-S1") {
		t.Fatal("ISR's live stream carried PAK's track")
	}
}

// TestLivePictureAcrossInstances runs two instances on one PostgreSQL
// database and one NATS cluster: a position reported on one is a track on
// the other, a TAK device on one sees a device of another party on the
// other (and one excluded by release policy does not), and a geofence
// alert is raised once and reaches both.
func TestLivePictureAcrossInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test")
	}
	pg := pgtest.URL(t)
	nc := natstest.NewCluster(t, 3)
	shared := func(m *Main) { m.Config.PostgresURL, m.Config.NATSURL, m.Config.NATSReplicas = pg, nc.URL(), 3 }
	a := start(t, withDemo, shared)
	b := start(t, withDemo, shared)
	pakA := a.login("pak.reporter")
	usaB := b.login("usa.liaison")
	now := time.Now()
	pakA.must(202, "POST", "/api/tracks", []any{report("PAK-X1", 34.40, 31.40, now)})
	deadline := time.Now().Add(15 * time.Second)
	for {
		ts := usaB.tracks("")
		if slices.ContainsFunc(ts, func(t trackOut) bool { return t.UID == "PAK-X1" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a track reported on instance A never reached instance B")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// TAK devices on different instances.
	idnA := a.dialTAK("idn.liaison")
	isrB := b.dialTAK("isr.liaison")
	cmccB := b.dialTAK("cmcc.watch")
	pakB := b.dialTAK("pak.liaison")
	pakB.send(pli("PAK-T1", "Falcon 7", 31.41, 34.36, now))
	idnA.waitFor(uidIs("PAK-T1"), "PAK's position from the other instance")
	idnA.send(pli("IDN-T1", "Garuda 7", 31.55, 34.50, now))
	cmccB.waitFor(uidIs("IDN-T1"), "IDN's position from the other instance")
	mark := pli("IDN-M1", "Garuda marker", 31.55, 34.50, now)
	mark.Type, mark.ReleasableTo = "b-m-p-s-m", "ALL"
	idnA.send(mark)
	isrB.waitFor(uidIs("IDN-M1"), "IDN's marker released to ALL, from the other instance")
	if isrB.has(uidIs("PAK-T1")) {
		t.Fatal("ISR's device received PAK's position through the other instance")
	}
	// One alert, seen on both instances: a PAK unit enters the perimeter
	// buffer zone (ISR's, released to ALL).
	in := demo.M(31.45, 0.95)
	pakA.must(202, "POST", "/api/tracks", []any{report("PAK-X2", in.Lon(), in.Lat(), now)})
	cmccA, cmccBapi := a.login("cmcc.watch"), b.login("cmcc.watch")
	al := cmccBapi.waitAlert("type=enter", func(x alertOut) bool { return x.TrackUID == "PAK-X2" })
	cmccA.waitAlert("type=enter", func(x alertOut) bool { return x.ID == al.ID })
	n := 0
	for _, x := range cmccA.alerts("type=enter") {
		if x.TrackUID == "PAK-X2" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d enter alerts for one entry", n)
	}
}

// TestConvoyOffRouteArrivalAndEscalation follows a demo convoy in progress:
// its tracker leaving the approved route raises a critical off-route alert
// naming the movement, coming back clears it, reaching the end is an
// arrival; an urgent alert left open is escalated.
func TestConvoyOffRouteArrivalAndEscalation(t *testing.T) {
	s := start(t, withDemo, func(m *Main) { m.Config.AlertEscalateAfter = time.Second })
	cmcc := s.login("cmcc.watch")
	var list struct {
		Movements []struct {
			ID       string  `json:"id"`
			Route    geoLine `json:"route"`
			Vehicles []struct {
				Tracker string `json:"tracker"`
			} `json:"vehicles"`
			Marking struct {
				Owner string `json:"owner"`
			} `json:"marking"`
		} `json:"movements"`
	}
	mustDecode(t, cmcc.must(200, "GET", "/api/movements?status=in_progress", nil), &list)
	var id, tracker, owner string
	var route geoLine
	for _, m := range list.Movements {
		for _, v := range m.Vehicles {
			if v.Tracker == "SIM-UNICEF-7" {
				id, tracker, owner, route = m.ID, v.Tracker, m.Marking.Owner, m.Route
			}
		}
	}
	if id == "" || len(route.Coordinates) < 2 {
		t.Fatalf("no demo convoy in progress with tracker SIM-UNICEF-7: %+v", list.Movements)
	}
	rep := s.login(strings.ToLower(owner) + ".reporter")
	start := route.Coordinates[0]
	end := route.Coordinates[len(route.Coordinates)-1]
	mid := route.Coordinates[len(route.Coordinates)/2]
	now := time.Now().Add(-2 * time.Minute)
	step := func(i int, p []float64) {
		rep.must(202, "POST", "/api/tracks", []any{report(tracker, p[0], p[1], now.Add(time.Duration(i)*10*time.Second))})
	}
	step(0, start)
	step(1, []float64{mid[0] + 0.025, mid[1]}) // about 2.4 km east
	off := cmcc.waitAlert("type=off_route", func(a alertOut) bool { return a.TrackUID == tracker })
	if off.Severity != "critical" || !strings.Contains(off.Message, "off the approved route of movement") {
		t.Fatalf("off-route alert %+v", off)
	}
	step(2, mid)
	cmcc.waitAlert("type=back_on_route", func(a alertOut) bool { return a.TrackUID == tracker })
	step(3, end)
	cmcc.waitAlert("type=arrived", func(a alertOut) bool { return a.TrackUID == tracker })
	// Left open, the off-route alert is escalated.
	deadline := time.Now().Add(15 * time.Second)
	for {
		var a struct {
			EscalatedAt *time.Time `json:"escalated_at"`
		}
		mustDecode(t, cmcc.must(200, "GET", "/api/alerts/"+off.ID, nil), &a)
		if a.EscalatedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an open critical alert was never escalated")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type geoLine struct {
	Coordinates [][]float64 `json:"coordinates"`
}

// TestTrackStatesSurviveARestart: a track that reported again within the
// writer's latest-state interval (its newest state not yet rewritten) is
// found at its newest position after a clean restart, with every report in
// its history.
func TestTrackStatesSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().Add(-time.Minute)
	{
		s := start(t, withDemo, withDataDir(dir))
		pak := s.login("pak.reporter")
		pak.must(202, "POST", "/api/tracks", []any{report("PAK-R1", 34.43, 31.50, now)})
		time.Sleep(time.Second) // written at once: the track had been quiet
		pak.must(202, "POST", "/api/tracks", []any{report("PAK-R1", 34.44, 31.51, now.Add(10*time.Second))})
		if err := s.m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := start(t, withDemo, withDataDir(dir))
	pak := s.login("pak.reporter")
	var tr trackOut
	mustDecode(t, pak.must(200, "GET", "/api/tracks/PAK-R1", nil), &tr)
	if tr.Lon != 34.44 || tr.Lat != 31.51 {
		t.Fatalf("after a restart PAK-R1 is at %v, %v; want its newest report, 34.44, 31.51", tr.Lon, tr.Lat)
	}
	var hist struct {
		Points []struct {
			Lon float64 `json:"lon"`
		} `json:"points"`
	}
	mustDecode(t, pak.must(200, "GET", "/api/tracks/PAK-R1/history?from="+now.Add(-time.Minute).UTC().Format(time.RFC3339), nil), &hist)
	if len(hist.Points) != 2 {
		t.Fatalf("history after a restart: %+v, want both reports", hist.Points)
	}
}
