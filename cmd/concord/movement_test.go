package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/demo"
)

func pt(s, t float64) []float64 { p := demo.M(s, t); return []float64{p[0], p[1]} }

// movementBody is a movement request over strip coordinates.
func movementBody(owner string, rel []string, depart time.Time, hours float64, pts ...[]float64) map[string]any {
	return map[string]any{
		"purpose":   "food",
		"route":     map[string]any{"type": "LineString", "coordinates": pts},
		"depart":    depart.UTC().Format(time.RFC3339),
		"arrive":    depart.Add(time.Duration(hours * float64(time.Hour))).UTC().Format(time.RFC3339),
		"vehicles":  []map[string]string{{"plate": "PK-1001", "type": "truck"}, {"plate": "PK-1002", "type": "escort"}},
		"personnel": 7,
		"contacts":  []map[string]string{{"name": "Major Khan", "phone": "+92-300-555-0101"}},
		"marking":   map[string]any{"owner": owner, "rel": rel},
	}
}

type movementResp struct {
	concord.Movement
	Banner string `json:"banner"`
}

// TestMovementWorkflowWithRelay runs a PAK movement across the yellow line:
// the controlling party must acknowledge, PAK's policy forbids releasing
// the movement to it, so the coordination center relays a sanitized
// request; ISR answers it without learning who moves, and PAK sees the
// answer without learning who gave it. Then the center decides and the
// movement runs to completion.
func TestMovementWorkflowWithRelay(t *testing.T) {
	s := start(t, withDemo)
	pak, isr, cmcc, idn := s.login("pak.liaison"), s.login("isr.liaison"), s.login("cmcc.watch"), s.login("idn.liaison")
	isrStream := isr.stream("")
	depart := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	body := movementBody("PAK", []string{"ISF"}, depart, 2, pt(31.43, 0.30), pt(31.43, 0.75))

	var chk struct {
		Findings   []concord.Finding `json:"findings"`
		AckParties []string          `json:"ack_parties"`
	}
	mustDecode(t, pak.must(200, "POST", "/api/movements/check", body), &chk)
	if len(chk.AckParties) != 1 || chk.AckParties[0] != "ISR" {
		t.Fatalf("ack parties %v, findings %+v", chk.AckParties, chk.Findings)
	}
	lines := 0
	for _, f := range chk.Findings {
		if f.Check == "control_line" {
			lines++
			if f.Party != "ISR" || len(f.Route) < 2 || !strings.Contains(f.Reason, "ISR") {
				t.Fatalf("control-line finding %+v", f)
			}
		}
	}
	if lines < 2 {
		t.Fatalf("expected crossings of several line versions, got %d", lines)
	}

	var m movementResp
	mustDecode(t, pak.must(201, "POST", "/api/movements", body), &m)
	if m.Status != concord.MovementSubmitted || m.Banner != "REL TO PAK, ISF" || !strings.HasPrefix(m.Reference, "MOV-") {
		t.Fatalf("created %+v", m.Movement)
	}
	pak.must(403, "POST", "/api/movements/"+m.ID+"/transmit", nil)
	mustDecode(t, cmcc.must(200, "POST", "/api/movements/"+m.ID+"/transmit", nil), &m)
	if m.Status != concord.MovementTransmitted || len(m.Acks) != 1 || !m.Acks[0].Relayed || m.Acks[0].Party != "ISR" {
		t.Fatalf("transmitted %+v", m.Acks)
	}

	// ISR cannot see the movement, only its relayed request.
	isr.must(404, "GET", "/api/movements/"+m.ID, nil)
	var inbox struct {
		Direct  []movementResp    `json:"direct"`
		Relayed []json.RawMessage `json:"relayed"`
	}
	mustDecode(t, isr.must(200, "GET", "/api/acks", nil), &inbox)
	var raw []byte
	for _, d := range inbox.Direct {
		if d.ID == m.ID {
			t.Fatal("ISR received the PAK movement directly")
		}
	}
	for _, r := range inbox.Relayed {
		var rr concord.RelayRequest
		mustDecode(t, r, &rr)
		if rr.Reference == m.ID {
			raw = r
			if rr.Vehicles != 2 || len(rr.Route) == 0 || rr.State != concord.AckPending {
				t.Fatalf("relayed request %s", r)
			}
		}
	}
	if raw == nil {
		t.Fatal("no relayed request for ISR")
	}
	for _, secret := range []string{"PAK", "PK-1001", "Major Khan", "+92", `"personnel"`, "food", m.Reference} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("ISR's relayed request leaks %q: %s", secret, raw)
		}
	}
	ev := waitEvent(t, isrStream, 10*time.Second, func(e sseEvent) bool { return e.Name == "relay.requested" && strings.HasPrefix(e.Data.RecordID, m.ID) })
	for _, secret := range []string{"PAK", "PK-1001", "Major Khan"} {
		if strings.Contains(string(ev.Data.Data), secret) {
			t.Fatalf("ISR's relay event leaks %q", secret)
		}
	}

	// Only addressed parties may answer; an objection needs a reason.
	idn.must(404, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "acknowledge"})
	isr.must(400, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "object"})
	isr.must(400, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "maybe"})
	ans := string(isr.must(200, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "acknowledge"}))
	if strings.Contains(ans, "PAK") || strings.Contains(ans, "PK-1001") {
		t.Fatalf("answer leaks the movement: %s", ans)
	}

	// PAK sees ISR's answer but not which ISR officer gave it.
	mustDecode(t, pak.must(200, "GET", "/api/movements/"+m.ID, nil), &m)
	if m.Status != concord.MovementAcked || m.Acks[0].State != concord.AckAcknowledged || strings.Contains(m.Acks[0].By, "isr") {
		t.Fatalf("after ISR's answer: %s %+v", m.Status, m.Acks[0])
	}

	// Decide, run, complete; illegal steps are refused.
	pak.must(409, "POST", "/api/movements/"+m.ID+"/complete", nil)
	cmcc.must(400, "POST", "/api/movements/"+m.ID+"/decide", map[string]any{"outcome": "denied"})
	mustDecode(t, cmcc.must(200, "POST", "/api/movements/"+m.ID+"/decide", map[string]any{"outcome": "facilitated"}), &m)
	cmcc.must(409, "POST", "/api/movements/"+m.ID+"/transmit", nil)
	mustDecode(t, pak.must(200, "POST", "/api/movements/"+m.ID+"/start", nil), &m)
	mustDecode(t, pak.must(200, "POST", "/api/movements/"+m.ID+"/complete", nil), &m)
	if m.Status != concord.MovementCompleted {
		t.Fatalf("status %s", m.Status)
	}
	var h struct{ Versions []concord.Version }
	mustDecode(t, pak.must(200, "GET", "/api/movements/"+m.ID+"/history", nil), &h)
	var verbs []string
	for _, v := range h.Versions {
		verbs = append(verbs, v.Verb)
	}
	if got := strings.Join(verbs, ","); got != "created,transmitted,acknowledged,facilitated,in_progress,completed" {
		t.Fatalf("timeline %s", got)
	}
	// The history does not name ISR's officer or party to PAK either; the
	// center sees who answered.
	if raw := string(pak.must(200, "GET", "/api/movements/"+m.ID+"/history", nil)); strings.Contains(raw, "isr.") || strings.Contains(raw, `"actor_party":"ISR"`) {
		t.Fatalf("PAK's history names ISR's officer: %s", raw)
	}
	if raw := string(cmcc.must(200, "GET", "/api/movements/"+m.ID+"/history", nil)); !strings.Contains(raw, "isr.liaison") {
		t.Fatal("the center's history should name who answered")
	}
	isr.must(404, "GET", "/api/movements/"+m.ID+"/history", nil)
}

// TestMovementChangeReasksOnlyAffectedParties: a WFP movement visible to
// all goes north through Sector Central (PAK) into Sector Gaza City (AZE).
// Changing only its end, inside Gaza City, asks AZE again and keeps PAK's
// answer; moving the window asks both again. An objection keeps the
// movement from being facilitated.
func TestMovementChangeReasksOnlyAffectedParties(t *testing.T) {
	s := start(t, withDemo)
	wfp, pak, aze, cmcc := s.login("wfp.logistics"), s.login("pak.liaison"), s.login("aze.liaison"), s.login("cmcc.watch")
	depart := time.Now().Add(80 * time.Hour).Truncate(time.Minute)
	route := func(end []float64) [][]float64 { return [][]float64{pt(31.41, 0.20), pt(31.47, 0.20), end} }
	body := movementBody("WFP", []string{"ALL"}, depart, 3, route(pt(31.50, 0.25))...)
	var m movementResp
	mustDecode(t, wfp.must(201, "POST", "/api/movements", body), &m)
	mustDecode(t, cmcc.must(200, "POST", "/api/movements/"+m.ID+"/transmit", nil), &m)
	if m.Ack("PAK") == nil || m.Ack("AZE") == nil || m.Ack("PAK").Relayed || len(m.Acks) != 2 {
		t.Fatalf("acks %+v", m.Acks)
	}
	pak.must(200, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "acknowledge"})
	aze.must(200, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "object", "reason": "checkpoint rebuilt on that road"})
	mustDecode(t, wfp.must(200, "GET", "/api/movements/"+m.ID, nil), &m)
	if m.Status != concord.MovementTransmitted || m.Ack("AZE").State != concord.AckObjected {
		t.Fatalf("with an objection the movement stays transmitted, got %s %+v", m.Status, m.Acks)
	}
	cmcc.must(409, "POST", "/api/movements/"+m.ID+"/decide", map[string]any{"outcome": "facilitated"})

	// Change only the end, inside Gaza City: AZE is asked again, PAK not.
	upd := movementBody("WFP", []string{"ALL"}, depart, 3, route(pt(31.50, 0.35))...)
	upd["version"] = m.Version
	mustDecode(t, wfp.must(200, "PUT", "/api/movements/"+m.ID, upd), &m)
	if a := m.Ack("PAK"); a == nil || a.State != concord.AckAcknowledged {
		t.Fatalf("PAK's unchanged concern was asked again: %+v", a)
	}
	if a := m.Ack("AZE"); a == nil || a.State != concord.AckPending {
		t.Fatalf("AZE's changed concern was not asked again: %+v", a)
	}
	// Moving the window changes every concern.
	upd = movementBody("WFP", []string{"ALL"}, depart.Add(2*time.Hour), 3, route(pt(31.50, 0.35))...)
	upd["version"] = m.Version
	mustDecode(t, wfp.must(200, "PUT", "/api/movements/"+m.ID, upd), &m)
	if a := m.Ack("PAK"); a == nil || a.State != concord.AckPending {
		t.Fatalf("PAK not asked again after the window moved: %+v", a)
	}
	wfp.must(409, "PUT", "/api/movements/"+m.ID, upd) // stale version
}

func TestMovementBadInput(t *testing.T) {
	s := start(t, withDemo, func(m *Main) { m.Config.MaxRouteKm = 30 })
	wfp := s.login("wfp.logistics")
	depart := time.Now().Add(72 * time.Hour)
	ok := func(mut func(b map[string]any)) map[string]any {
		b := movementBody("WFP", []string{"ALL"}, depart, 2, pt(31.43, 0.10), pt(31.43, 0.40))
		mut(b)
		return b
	}
	route := func(pts ...[]float64) func(map[string]any) {
		return func(b map[string]any) { b["route"] = map[string]any{"type": "LineString", "coordinates": pts} }
	}
	var zigzag [][]float64
	for i := 0; i < 12; i++ {
		zigzag = append(zigzag, pt(31.40+float64(i%2)*0.1, 0.1+float64(i)*0.01))
	}
	var features geoFeature
	mustDecode(t, wfp.must(200, "GET", "/api/features?kind=site&limit=1", nil), &struct{ Features []geoFeature }{Features: []geoFeature{features}})
	cases := []struct {
		name, want string
		body       map[string]any
	}{
		{"one point", "at least 2 points", ok(route(pt(31.43, 0.1)))},
		{"zero length", "zero length", ok(route(pt(31.43, 0.1), pt(31.43, 0.1)))},
		{"outside the AO", "outside the area of operations", ok(route(pt(31.43, 0.1), []float64{34.0, 31.0}))},
		{"too long", "more than the limit of 30 km", ok(route(zigzag...))},
		{"window ends before it starts", "ends", ok(func(b map[string]any) { b["arrive"] = depart.Add(-time.Hour).UTC().Format(time.RFC3339) })},
		{"window over 7 days", "at most", ok(func(b map[string]any) { b["arrive"] = depart.Add(8 * 24 * time.Hour).UTC().Format(time.RFC3339) })},
		{"unknown site", "unknown site", ok(func(b map[string]any) { b["sites"] = []string{"no-such-site"} })},
		{"unknown corridor", "unknown corridor", ok(func(b map[string]any) { b["corridors"] = []string{"no-such-road"} })},
		{"unknown purpose", "purpose", ok(func(b map[string]any) { b["purpose"] = "tourism" })},
		{"policy-breaking marking", "unknown party", ok(func(b map[string]any) { b["marking"] = map[string]any{"owner": "WFP", "rel": []string{"NOPE"}} })},
		{"not a line", "LineString", ok(func(b map[string]any) { b["route"] = map[string]any{"type": "Point", "coordinates": pt(31.43, 0.1)} })},
	}
	before := s.counts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wfp.t = t
			res, b := wfp.do("POST", "/api/movements", tc.body)
			if res.StatusCode != 400 || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%d %s, want 400 mentioning %q", res.StatusCode, b, tc.want)
			}
		})
	}
	if after := s.counts(); after["records"] != before["records"] {
		t.Fatal("a refused movement was stored")
	}
}

func TestSiteNotifications(t *testing.T) {
	s := start(t, withDemo)
	msf, pak, isr, wfp := s.login("msf.logistics"), s.login("pak.liaison"), s.login("isr.liaison"), s.login("wfp.viewer")
	pakStream, msfStream, wfpStream := pak.stream(""), msf.stream(""), wfp.stream("")
	body := map[string]any{
		"name": "MSF guesthouse Deir al-Balah", "category": "guesthouse",
		"geometry": map[string]any{"type": "Point", "coordinates": pt(31.42, 0.12)}, "reconfirm_hours": 1,
		"marking": map[string]any{"owner": "MSF", "rel": []string{"ISF", "ISR"}},
	}
	var n concord.SiteNotification
	mustDecode(t, msf.must(201, "POST", "/api/site-notifications", body), &n)
	waitEvent(t, pakStream, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == n.ID })
	pak.must(200, "GET", "/api/site-notifications/"+n.ID, nil)
	isr.must(200, "GET", "/api/site-notifications", nil)
	wfp.must(404, "GET", "/api/site-notifications/"+n.ID, nil)
	pak.must(403, "GET", "/api/site-notifications/"+n.ID+"/disclosures", nil)
	// The disclosure log says who received it, through which surface.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ds struct{ Disclosures []concord.Disclosure }
		mustDecode(t, msf.must(200, "GET", "/api/site-notifications/"+n.ID+"/disclosures", nil), &ds)
		got := map[string]bool{}
		for _, d := range ds.Disclosures {
			got[d.Party+"/"+d.Via] = true
		}
		if (got["PAK/api"] || got["PAK/stream"]) && got["ISR/api"] && !got["WFP/api"] && !got["WFP/stream"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("disclosures %+v", ds.Disclosures)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A movement passing it is told to keep clear; marked for parties
	// that may not all see the site, it is not named.
	depart := time.Now().Add(72 * time.Hour)
	for _, rel := range [][]string{{"ISF", "ISR"}, {"HUM"}} {
		var chk struct{ Findings []concord.Finding }
		mustDecode(t, msf.must(200, "POST", "/api/movements/check", movementBody("MSF", rel, depart, 1, pt(31.40, 0.12), pt(31.44, 0.12))), &chk)
		named, withheld := false, false
		for _, f := range chk.Findings {
			named = named || f.Check == "notified_site" && f.RecordID == n.ID && strings.Contains(f.Reason, n.Name)
			withheld = withheld || f.Check == "notified_site" && f.RecordID == "" && !strings.Contains(f.Reason, n.Name)
		}
		if want := rel[0] != "HUM"; named != want || withheld == want {
			t.Fatalf("REL %v: the notified site named %v, withheld %v: %+v", rel, named, withheld, chk.Findings)
		}
	}
	// Expiry without reconfirmation, then reconfirmation.
	s.m.Service.SetNow(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if k, err := s.m.Service.ExpireNotifications(t.Context()); err != nil || k != 1 {
		t.Fatalf("expired %d, %v", k, err)
	}
	mustDecode(t, msf.must(200, "GET", "/api/site-notifications/"+n.ID, nil), &n)
	if n.Status != concord.NotificationExpired {
		t.Fatalf("status %s", n.Status)
	}
	// The expiry alerts the owner (and the parties told of the site) on
	// the live stream; a party it was not released to hears nothing.
	waitEvent(t, msfStream, 10*time.Second, func(e sseEvent) bool { return e.Name == "site_notification.expired" && e.Data.RecordID == n.ID })
	waitEvent(t, pakStream, 10*time.Second, func(e sseEvent) bool { return e.Name == "site_notification.expired" && e.Data.RecordID == n.ID })
	var marker concord.SiteNotification
	mustDecode(t, msf.must(201, "POST", "/api/site-notifications", map[string]any{"name": "MSF warehouse", "category": "warehouse",
		"geometry": map[string]any{"type": "Point", "coordinates": pt(31.45, 0.12)}, "marking": map[string]any{"owner": "MSF", "rel": []string{"ALL"}}}), &marker)
	waitEvent(t, wfpStream, 10*time.Second, func(e sseEvent) bool {
		if e.Data.RecordID == n.ID {
			t.Fatalf("WFP's stream received %s of a site not released to it", e.Name)
		}
		return e.Data.RecordID == marker.ID
	})
	mustDecode(t, msf.must(200, "POST", "/api/site-notifications/"+n.ID+"/reconfirm", nil), &n)
	if n.Status != concord.NotificationActive {
		t.Fatalf("after reconfirm %s", n.Status)
	}
	pak.must(403, "POST", "/api/site-notifications/"+n.ID+"/withdraw", nil)
	msf.must(400, "POST", "/api/site-notifications", map[string]any{"name": "x", "category": "castle", "geometry": map[string]any{"type": "Point", "coordinates": []float64{200, 0}}, "marking": map[string]any{"owner": "MSF"}})
}

// TestMovementFindingsWithheld: the engine knows every area and movement,
// but a plan's findings are read by its owner and by every party the
// movement is marked for. A restricted area and a movement that PAK keeps
// to itself still block WFP's plan and share its road, but WFP's check,
// its stored movement and the live event do not name them; PAK's own
// check does.
func TestMovementFindingsWithheld(t *testing.T) {
	s := start(t, withDemo)
	pak, wfp, cmcc := s.login("pak.liaison"), s.login("wfp.logistics"), s.login("cmcc.watch")
	wfpStream := wfp.stream("")
	ring := [][]float64{pt(31.449, 0.20), pt(31.449, 0.25), pt(31.451, 0.25), pt(31.451, 0.20), pt(31.449, 0.20)}
	pak.must(201, "POST", "/api/features", map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}},
		"properties": map[string]any{"kind": "restricted_area", "name": "PAK quiet zone", "marking": map[string]any{"owner": "PAK", "rel": []string{"PAK"}}}})
	depart := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	road := [][]float64{pt(31.45, 0.02), pt(31.45, 0.30)}
	var own movementResp
	mustDecode(t, pak.must(201, "POST", "/api/movements", movementBody("PAK", []string{"PAK"}, depart, 2, pt(31.45, 0.02), pt(31.45, 0.17))), &own)
	mustDecode(t, cmcc.must(200, "POST", "/api/movements/"+own.ID+"/transmit", nil), &own)
	mustDecode(t, cmcc.must(200, "POST", "/api/movements/"+own.ID+"/decide", map[string]any{"outcome": "facilitated"}), &own)

	secrets := []string{"PAK quiet zone", own.ID, own.Reference}
	plan := movementBody("WFP", []string{"HUM"}, depart.Add(10*time.Minute), 2, road...)
	type check struct {
		Findings   []concord.Finding      `json:"findings"`
		Earliest   *concord.DepartureSlot `json:"earliest"`
		AckParties []string               `json:"ack_parties"`
	}
	checks := func(fs []concord.Finding) map[string]concord.Severity {
		out := map[string]concord.Severity{}
		for _, f := range fs {
			out[f.Check] = f.Severity
		}
		return out
	}
	var theirs, mine check
	raw := wfp.must(200, "POST", "/api/movements/check", plan)
	mustDecode(t, raw, &theirs)
	for _, secret := range secrets {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("WFP's check names %q: %s", secret, raw)
		}
	}
	got := checks(theirs.Findings)
	if got["restricted_area"] != concord.SeverityBlocking || got["movement"] != concord.SeverityWarning || theirs.Earliest == nil {
		t.Fatalf("WFP's check lost what it must know: %+v", theirs.Findings)
	}
	for _, f := range theirs.Findings {
		if (f.Check == "restricted_area" || f.Check == "movement") && (f.RecordID != "" || f.Party != "" || !strings.Contains(f.Reason, "not releasable")) {
			t.Fatalf("withheld finding %+v", f)
		}
	}
	// The same plan checked by PAK names both.
	mustDecode(t, pak.must(200, "POST", "/api/movements/check", movementBody("PAK", []string{"PAK"}, depart.Add(10*time.Minute), 2, road...)), &mine)
	named := map[string]bool{}
	for _, f := range mine.Findings {
		named[f.RecordName] = true
	}
	if !named["PAK quiet zone"] || !named[own.Reference] {
		t.Fatalf("PAK's own check does not name its records: %+v", mine.Findings)
	}

	// Notified, the movement stores and publishes the withheld findings.
	var m movementResp
	raw = wfp.must(201, "POST", "/api/movements", plan)
	mustDecode(t, raw, &m)
	ev := waitEvent(t, wfpStream, 10*time.Second, func(e sseEvent) bool { return e.Data.RecordID == m.ID })
	for _, b := range [][]byte{raw, wfp.must(200, "GET", "/api/movements/"+m.ID, nil), ev.Data.Data, cmcc.must(200, "GET", "/api/movements/"+m.ID, nil)} {
		for _, secret := range secrets {
			if strings.Contains(string(b), secret) {
				t.Fatalf("WFP's movement names %q: %s", secret, b)
			}
		}
	}
	if got := checks(m.Findings); got["restricted_area"] != concord.SeverityBlocking || got["movement"] != concord.SeverityWarning {
		t.Fatalf("stored findings %+v", m.Findings)
	}
}

// TestMovementStepsOutOfTurnStoreNothing: every step out of turn, by a
// party that may not take it, or with a bad body is refused with its own
// status, and leaves the movement, its history and the event log as they
// were.
func TestMovementStepsOutOfTurnStoreNothing(t *testing.T) {
	s := start(t, withDemo)
	wfp, unicef, pak, aze, idn, cmcc := s.login("wfp.logistics"), s.login("unicef.logistics"), s.login("pak.liaison"), s.login("aze.liaison"), s.login("idn.liaison"), s.login("cmcc.watch")
	depart := time.Now().Add(80 * time.Hour).Truncate(time.Minute)
	body := movementBody("WFP", []string{"ALL"}, depart, 3, pt(31.41, 0.20), pt(31.47, 0.20), pt(31.50, 0.25))
	var m movementResp
	mustDecode(t, wfp.must(201, "POST", "/api/movements", body), &m)
	path := "/api/movements/" + m.ID
	ack := map[string]string{"decision": "acknowledge"}
	change := func(version int) map[string]any {
		b := movementBody("WFP", []string{"ALL"}, depart, 3, pt(31.41, 0.20), pt(31.47, 0.20))
		b["version"] = version
		return b
	}
	type step struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		status int
	}
	refuse := func(steps ...step) {
		t.Helper()
		for _, st := range steps {
			var before movementResp
			mustDecode(t, cmcc.must(200, "GET", path, nil), &before)
			counts := s.counts()
			res, b := st.c.do(st.method, st.path, st.body)
			if res.StatusCode != st.status {
				t.Fatalf("%s: %d %s, want %d", st.name, res.StatusCode, b, st.status)
			}
			var after movementResp
			mustDecode(t, cmcc.must(200, "GET", path, nil), &after)
			if after.Version != before.Version || after.Status != before.Status {
				t.Fatalf("%s changed the movement: v%d %s → v%d %s", st.name, before.Version, before.Status, after.Version, after.Status)
			}
			if got := s.counts(); fmt.Sprint(got) != fmt.Sprint(counts) {
				t.Fatalf("%s stored something: %v → %v", st.name, counts, got)
			}
		}
	}
	// Submitted.
	refuse(
		step{"the owner transmits", wfp, "POST", path + "/transmit", nil, 403},
		step{"an answer before anyone is asked", pak, "POST", path + "/ack", ack, 404},
		step{"a decision before transmission", cmcc, "POST", path + "/decide", map[string]any{"outcome": "facilitated"}, 409},
		step{"a start before a decision", wfp, "POST", path + "/start", nil, 409},
		step{"arrival before a start", wfp, "POST", path + "/complete", nil, 409},
		step{"a cancellation without a reason", wfp, "POST", path + "/cancel", map[string]any{}, 400},
		step{"another organisation cancels", unicef, "POST", path + "/cancel", map[string]any{"reason": "mine now"}, 403},
		step{"another organisation changes it", unicef, "PUT", path, change(1), 403},
		step{"a change without a version", wfp, "PUT", path, change(0), 400},
		step{"a change from another version", wfp, "PUT", path, change(2), 409},
		step{"an unknown step", wfp, "POST", path + "/teleport", nil, 404},
	)
	mustDecode(t, cmcc.must(200, "POST", path+"/transmit", nil), &m)
	if m.Ack("PAK") == nil || m.Ack("AZE") == nil || m.Ack("IDN") != nil {
		t.Fatalf("asked %+v", m.Acks)
	}
	// Transmitted.
	refuse(
		step{"a party not asked answers", idn, "POST", path + "/ack", ack, 404},
		step{"an objection without a reason", pak, "POST", path + "/ack", map[string]string{"decision": "object"}, 400},
		step{"an unknown answer", pak, "POST", path + "/ack", map[string]string{"decision": "maybe"}, 400},
		step{"an organisation answers for a party", wfp, "POST", path + "/ack", ack, 404},
		step{"facilitated while answers are pending", cmcc, "POST", path + "/decide", map[string]any{"outcome": "facilitated"}, 409},
		step{"denied without a reason", cmcc, "POST", path + "/decide", map[string]any{"outcome": "denied"}, 400},
		step{"impeded without delays", cmcc, "POST", path + "/decide", map[string]any{"outcome": "impeded"}, 400},
		step{"an unknown outcome", cmcc, "POST", path + "/decide", map[string]any{"outcome": "waved_through"}, 400},
		step{"a liaison officer decides", pak, "POST", path + "/decide", map[string]any{"outcome": "facilitated"}, 403},
		step{"transmitted again", cmcc, "POST", path + "/transmit", nil, 409},
	)
	pak.must(200, "POST", path+"/ack", ack)
	aze.must(200, "POST", path+"/ack", ack)
	cmcc.must(200, "POST", path+"/decide", map[string]any{"outcome": "facilitated"})
	wfp.must(200, "POST", path+"/start", nil)
	wfp.must(200, "POST", path+"/complete", nil)
	// Completed.
	refuse(
		step{"a completed movement cancelled", wfp, "POST", path + "/cancel", map[string]any{"reason": "too late"}, 409},
		step{"a completed movement answered", pak, "POST", path + "/ack", ack, 409},
		step{"a completed movement changed", wfp, "PUT", path, change(7), 409},
		step{"a completed movement started again", wfp, "POST", path + "/start", nil, 409},
		step{"a completed movement decided again", cmcc, "POST", path + "/decide", map[string]any{"outcome": "denied", "reason": "no"}, 409},
	)
}
