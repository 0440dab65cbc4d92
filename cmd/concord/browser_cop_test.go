package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/concord-mission/concord/demo"
)

// withTrackSimulator runs the demo with its track simulator reporting every
// `every`, its units moving speed times faster than the clock, starting lead
// into the scenario; the feature simulator stays quiet.
func withTrackSimulator(every time.Duration, speed float64, lead time.Duration) startOpt {
	return func(m *Main) {
		m.Demo, m.Simulate, m.DemoAidDays = true, true, 3
		m.SimEvery = time.Hour
		m.TrackSimEvery, m.TrackSimSpeed, m.TrackSimLead = every, speed, lead
	}
}

// waitJSFor polls a JavaScript condition until it is true or d has passed.
func waitJSFor(t *testing.T, ctx context.Context, d time.Duration, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

// shoot saves a screenshot once the map stands still (a zoom animation
// in progress would show half-drawn layers).
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	waitJSFor(t, ctx, 10*time.Second, `window.concordCop.settled()`, "the map to settle")
	screenshot(t, ctx, name)
}

// uiTrack is what window.concordCop.tracks() reports: a track held by the
// page, at the position its symbol is drawn.
type uiTrack struct {
	UID   string  `json:"uid"`
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Shown bool    `json:"shown"`
	Stale bool    `json:"stale"`
	Owner string  `json:"owner"`
}

func uiTracks(t *testing.T, ctx context.Context) map[string]uiTrack {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.concordCop ? window.concordCop.tracks() : [])`))
	if err != nil {
		t.Fatal(err)
	}
	var list []uiTrack
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]uiTrack{}
	for _, x := range list {
		out[x.UID] = x
	}
	return out
}

// revealTrack makes a track's own symbol appear by clicking the cluster
// that holds it (as a user would) until it does, then clicks the symbol.
func revealTrack(t *testing.T, ctx context.Context, uid string) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector('.trk[data-track-uid=%q]');
		if (el) { el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window})); return true; }
		const tr = window.concordCop.tracks().find(x => x.uid === %q);
		if (!tr) return false;
		const p = window.concordCop.mapPoint(tr.lat, tr.lon);
		let best = null, bd = Infinity;
		for (const c of document.querySelectorAll('.trk-cluster')) {
			const r = c.getBoundingClientRect();
			const d = Math.hypot(r.left + r.width / 2 - p.x, r.top + r.height / 2 - p.y);
			if (d < bd) { bd = d; best = c; }
		}
		if (best && !window.__clicking) {
			window.__clicking = true;
			setTimeout(() => { window.__clicking = false; }, 900);
			best.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));
		}
		return false;
	})()`, uid, uid)
	waitJSFor(t, ctx, 30*time.Second, js, "the symbol of "+uid)
	waitJSFor(t, ctx, 10*time.Second, fmt.Sprintf(`!document.querySelector('#track-panel').hidden && document.querySelector('#track-uid')?.textContent === %q`, uid), "the panel of "+uid)
}

// TestBrowserLivePicture drives the live picture in a real browser: the
// simulated tracks drawn with their MIL-STD-2525 symbols (as symbols or in
// clusters), moving; the track panel with its trail and movement link; the
// filters; an alert raised by the intruding vehicle arriving in the feed
// with its cues, acknowledged with a note; an escalated off-route alert;
// the wall display; then the controlling party's map, on which PAK's
// patrols never appear, and a track withdrawn from its sight live, and a
// viewer who may not acknowledge.
func TestBrowserLivePicture(t *testing.T) {
	// Ten minutes into the scenario at twice the speed: the stray convoy is
	// off its route at once, the intruding vehicle reaches the closed zone
	// some 20 s later. Alerts left open escalate after 15 s. The banner is
	// the demo's own (the screenshots go into the README).
	s := start(t, withTrackSimulator(time.Second, 2, 600*time.Second), func(m *Main) {
		m.Config.AlertEscalateAfter = 15 * time.Second
		m.Config.Exercise = demo.Exercise
	})
	ctx := browserFor(t, 150*time.Second)
	cmcc := s.login("cmcc.watch")
	loginUI(t, ctx, s.url(), "cmcc.watch")

	// Every simulated track the API gives the center is on its map, each
	// as its own symbol or counted in a cluster.
	waitJSFor(t, ctx, 30*time.Second, `window.concordCop && window.concordCop.tracks().length >= 12`, "the simulated tracks")
	api := map[string]string{}
	for _, tr := range cmcc.tracks("") {
		if tr.SIDC == "" {
			t.Fatalf("track %s has no symbol code", tr.UID)
		}
		api[tr.UID] = tr.SIDC
	}
	ui := uiTracks(t, ctx)
	for uid := range api {
		if _, ok := ui[uid]; !ok {
			t.Fatalf("track %s is not on the map (UI holds %d tracks)", uid, len(ui))
		}
	}
	waitJSFor(t, ctx, 20*time.Second, `(() => { const n = [...document.querySelectorAll('#map .trk')].length + [...document.querySelectorAll('#map .trk-cluster')].reduce((a, c) => a + Number(c.dataset.count), 0);
		return n === window.concordCop.tracks().filter(x => x.shown).length && n >= 12; })()`, "every track drawn as a symbol or in a cluster")
	evalJS(t, ctx, `[...document.querySelectorAll('#map .trk')].every(e => e.querySelector('.trk-sym svg path') && e.querySelector('.trk-label').textContent.length > 0)`, "symbols drawn by milsymbol, with labels")
	if c := text(t, ctx, "#tracks-visible"); !strings.HasPrefix(c, fmt.Sprintf("%d of %d", len(api), len(api))) {
		t.Fatalf("visible count %q, want %d of %d", c, len(api), len(api))
	}

	// They move: a patrol's drawn position changes between two reads.
	before := uiTracks(t, ctx)["SIM-PAK-P1"]
	deadline := time.Now().Add(20 * time.Second)
	for {
		now := uiTracks(t, ctx)["SIM-PAK-P1"]
		if now.Lat != before.Lat || now.Lon != before.Lon {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIM-PAK-P1 did not move from %v,%v", before.Lat, before.Lon)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Filters: hiding PAK, then neutrals, changes what is drawn and counted.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#track-filter-party .cop-chip[data-value="PAK"]`))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 5*time.Second, `window.concordCop.tracks().filter(x => x.owner === 'PAK').every(x => !x.shown) && !document.querySelector('#map .trk[data-track-uid^="SIM-PAK-"]')`, "PAK's tracks hidden")
	if c := text(t, ctx, "#tracks-visible"); !strings.HasPrefix(c, fmt.Sprintf("%d of %d", len(api)-2, len(api))) {
		t.Fatalf("visible count with PAK hidden %q", c)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#track-filter-party .cop-chip[data-value="PAK"]`)),
		chromedp.Click(chromedp.CSS(`#track-filter-identity .cop-chip[data-value="neutral"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 5*time.Second, `window.concordCop.tracks().filter(x => x.shown).length === window.concordCop.tracks().filter(x => !x.uid.startsWith('SIM-WFP-') && !x.uid.startsWith('SIM-UNICEF-')).length`, "neutral convoys hidden, PAK shown again")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#track-filter-identity .cop-chip[data-value="neutral"]`))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 5*time.Second, `window.concordCop.tracks().every(x => x.shown)`, "all tracks shown again")

	// A track whose report is no longer current is drawn dimmed, and
	// "hide stale" takes it off the map.
	past := time.Now().UTC()
	cmcc.must(202, "POST", "/api/tracks", []any{map[string]any{"uid": "CMCC-OLD-1", "callsign": "Liaison car", "type": "a-f-G-E-V", "lat": 31.47, "lon": 34.27,
		"time": past.Add(-30 * time.Second).Format(time.RFC3339Nano), "stale": past.Add(-10 * time.Second).Format(time.RFC3339Nano)}})
	waitJSFor(t, ctx, 10*time.Second, `!!document.querySelector('#map .trk.is-stale[data-track-uid="CMCC-OLD-1"] .trk-sym svg')`, "the stale track drawn dimmed")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#tracks-hide-stale"))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 5*time.Second, `!document.querySelector('#map .trk[data-track-uid="CMCC-OLD-1"]') && !window.concordCop.tracks().find(x => x.uid === 'CMCC-OLD-1').shown`, "the stale track hidden")
	if c := text(t, ctx, "#tracks-visible"); !strings.Contains(c, fmt.Sprintf("of %d", len(api)+1)) {
		t.Fatalf("visible count with the stale track hidden %q", c)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#tracks-hide-stale"))); err != nil {
		t.Fatal(err)
	}

	// The track panel of the convoy truck that strays: marking, report,
	// speed, source, trail and the movement it belongs to.
	revealTrack(t, ctx, "SIM-UNICEF-7")
	var truck struct {
		MovementID string `json:"movement_id"`
		Banner     string `json:"banner"`
		Callsign   string `json:"callsign"`
	}
	json.Unmarshal(cmcc.must(200, "GET", "/api/tracks/SIM-UNICEF-7", nil), &truck)
	if truck.MovementID == "" {
		t.Fatal("the demo's convoy truck belongs to no movement")
	}
	if b := text(t, ctx, "#track-banner"); b != truck.Banner {
		t.Fatalf("track banner %q, want %q", b, truck.Banner)
	}
	if c := text(t, ctx, "#track-callsign"); c != truck.Callsign {
		t.Fatalf("callsign %q, want %q", c, truck.Callsign)
	}
	for sel, want := range map[string]string{"#track-speed": "km/h", "#track-source": "simulator", "#track-age": "ago", "#track-position": "° N"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Fatalf("%s shows %q, want it to contain %q", sel, got, want)
		}
	}
	waitJSFor(t, ctx, 15*time.Second, `/\d+ reports? in the last 15 min/.test(document.querySelector('#track-trail-info').textContent) && document.querySelectorAll('#map path.trk-trail').length === 1`, "the trail from the history")
	var mv struct {
		Reference string `json:"reference"`
	}
	json.Unmarshal(cmcc.must(200, "GET", "/api/movements/"+truck.MovementID, nil), &mv)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#track-movement"))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 10*time.Second, fmt.Sprintf(`document.body.classList.contains('view-movements') && document.querySelector('#mv-detail-ref')?.textContent === %q`, mv.Reference), "the movement opened from the track")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-map"))); err != nil {
		t.Fatal(err)
	}

	// The intruding vehicle enters the closed military zone: a critical
	// alert arrives in the feed with its cues.
	enter := `.alert-item[data-type="enter"][data-alert-track="SIM-AZE-V9"][data-severity="critical"]`
	waitJSFor(t, ctx, 60*time.Second, fmt.Sprintf(`!!document.querySelector('%s')`, enter), "the intruding vehicle's enter alert in the feed")
	if m := text(t, ctx, enter+" .al-msg"); !strings.Contains(m, "AZE Recce 9") || !strings.Contains(m, "Closed military zone") {
		t.Fatalf("alert sentence %q", m)
	}
	waitJSFor(t, ctx, 5*time.Second, `document.querySelector('#alert-announcer').textContent.includes('AZE Recce 9') && window.concordCop.cues().cues >= 1`, "the spoken cue")
	evalJS(t, ctx, `!document.querySelector('#nav-map-alerts').hidden && Number(document.querySelector('#nav-map-alerts').textContent) >= 1 && document.querySelector('#nav-map-alerts').classList.contains('is-flashing')`, "the flashing badge on the Map tab")
	cue, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.concordCop.cues())`))
	if err != nil || !strings.Contains(cue, `"audio":"running"`) || strings.Contains(cue, `"sounds":0`) {
		t.Fatalf("no sound played for the alert: %s %v", cue, err)
	}

	// Acknowledge it with a note.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(enter+" .al-ack-btn"))); err != nil {
		t.Fatal(err)
	}
	note := "Recce 9 told to leave the zone by AZE liaison"
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(enter+" textarea"), note),
		chromedp.Click(chromedp.CSS(enter+" .al-ack-submit")),
	); err != nil {
		t.Fatal(err)
	}
	acked := `.alert-item[data-type="enter"][data-alert-track="SIM-AZE-V9"][data-status="acknowledged"]`
	waitJSFor(t, ctx, 10*time.Second, fmt.Sprintf(`(() => { const e = document.querySelector('%s .al-acked'); return !!e && e.textContent.includes('cmcc.watch') && e.textContent.includes(%q); })()`, acked, note), "the alert shown acknowledged")
	var stored alertOut
	for _, a := range cmcc.alerts("track=SIM-AZE-V9&type=enter") {
		if a.Status == "acknowledged" {
			stored = a
		}
	}
	if stored.Ack == nil || stored.Ack.By != "cmcc.watch" || stored.Ack.Note != note {
		t.Fatalf("the acknowledgement was not stored: %+v", stored)
	}

	// Clicking the alert shows where it happened and selects the vehicle.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(acked+" .al-msg"))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 10*time.Second, `document.querySelector('#track-uid')?.textContent === 'SIM-AZE-V9' && !!document.querySelector('#map .alert-pulse')`, "the vehicle selected from its alert")

	// The convoy that strays raises an off-route alert; nobody acknowledges
	// it, so it is escalated, and marked so.
	waitJSFor(t, ctx, 90*time.Second, `!!document.querySelector('.alert-item[data-type="off_route"].is-escalated .al-esc-tag')`, "an escalated off-route alert")
	evalJS(t, ctx, `(() => { document.querySelector('#alerts-panel').scrollIntoView({block: 'start'}); return true; })()`, "scroll to the alerts")
	shoot(t, ctx, "ui-alerts")

	// The stray truck again, from its alert, with an hour of trail, seen
	// among the others.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.alert-item[data-type="off_route"] .al-msg`))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 10*time.Second, `document.querySelector('#track-uid')?.textContent === 'SIM-UNICEF-7'`, "the truck selected from its alert")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#track-panel [data-trail="60"]`))); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 10*time.Second, `/in the last 60 min/.test(document.querySelector('#track-trail-info').textContent) && !!document.querySelector('#map .trk.is-selected .trk-ring') && !!document.querySelector('#map path.trk-trail')`, "the truck's hour of trail")
	waitJSFor(t, ctx, 10*time.Second, fmt.Sprintf(`!!document.querySelector('#map path.trk-route') && document.querySelector('#track-route-info').textContent.includes(%q)`, mv.Reference), "the movement's approved route drawn")
	evalJS(t, ctx, `(() => { document.querySelector('.sidebar').scrollTop = 0; return true; })()`, "scroll the side panel back")
	shoot(t, ctx, "ui-tracks")

	// The wall display, from its button: no controls, the picture fitted,
	// large labels, the ticker with the open escalated alert, the clock.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#wall-open")), chromedp.WaitVisible(chromedp.CSS(`body.wall-mode[data-ready="1"]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	waitJSFor(t, ctx, 30*time.Second, `window.concordCop && window.concordCop.tracks().length >= 12 && document.querySelector('#wall-live').textContent === 'live'`, "the wall live with its tracks")
	for _, q := range []string{".topbar", ".sidebar", ".asof-bar", ".leaflet-control-zoom", "#wall-open"} {
		evalJS(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !e || e.offsetParent === null; })()`, q), q+" hidden on the wall")
	}
	evalJS(t, ctx, `document.querySelector('.exercise-banner').offsetHeight > 0 && document.querySelector('#wall-marking').textContent.includes('CMCC')`, "exercise banner and releasability line on the wall")
	evalJS(t, ctx, `/^\d\d:\d\d:\d\dZ$/.test(document.querySelector('#wall-clock').textContent)`, "the UTC clock")
	waitJSFor(t, ctx, 20*time.Second, `(() => { const r = document.querySelector('#map').getBoundingClientRect();
		return window.concordCop.tracks().every(x => { const p = window.concordCop.mapPoint(x.lat, x.lon); return p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom; }); })()`, "every track within the wall's view")
	waitJSFor(t, ctx, 10*time.Second, `[...document.querySelectorAll('#wall-ticker .wall-alert.al-critical.is-escalated')].some(e => e.textContent.includes('off the approved route'))`, "the escalated alert on the ticker")
	evalJS(t, ctx, `[...document.querySelectorAll('#map .trk-label')].every(e => parseFloat(getComputedStyle(e).fontSize) >= 17)`, "large labels on the wall")
	shoot(t, ctx, "ui-wall")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\x1b"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"] .topbar`))); err != nil {
		t.Fatalf("leave the wall: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1600, 1000)); err != nil {
		t.Fatal(err)
	}

	// The controlling party: PAK's release policy keeps PAK's patrols off
	// its map (and their alerts out of its feed); convoys marked for every
	// party are there. A track it sees goes away live when its marking no
	// longer releases it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))); err != nil {
		t.Fatal(err)
	}
	isr := s.login("isr.liaison")
	for _, tr := range isr.tracks("") {
		if strings.HasPrefix(tr.UID, "SIM-PAK-") {
			t.Fatalf("the API gives ISR PAK's track %s", tr.UID)
		}
	}
	wfpOps := s.login("wfp.logistics")
	now := time.Now().UTC()
	wfpOps.must(202, "POST", "/api/tracks", []any{map[string]any{"uid": "WFP-TEST-1", "callsign": "WFP Test 1", "type": "a-n-G-E-V-C", "lat": 31.45, "lon": 34.40,
		"time": now.Format(time.RFC3339Nano), "marking": map[string]any{"owner": "WFP", "rel": []string{"ALL"}}}})
	loginUI(t, ctx, s.url(), "isr.liaison")
	waitJSFor(t, ctx, 30*time.Second, `window.concordCop && window.concordCop.tracks().some(x => x.uid.startsWith('SIM-WFP-')) && window.concordCop.tracks().some(x => x.uid === 'WFP-TEST-1')`, "the convoys and WFP's test track on ISR's map")
	noPAK := `!window.concordCop.tracks().some(x => x.uid.startsWith('SIM-PAK-') || x.owner === 'PAK') && !document.querySelector('[data-track-uid^="SIM-PAK-"], [data-alert-track^="SIM-PAK-"]') && !document.body.innerHTML.includes('PAK Patrol')`
	evalJS(t, ctx, noPAK, "no PAK patrol on ISR's map or in its feed")
	wfpOps.must(202, "POST", "/api/tracks", []any{map[string]any{"uid": "WFP-TEST-1", "callsign": "WFP Test 1", "type": "a-n-G-E-V-C", "lat": 31.451, "lon": 34.401,
		"time": now.Add(time.Second).Format(time.RFC3339Nano), "marking": map[string]any{"owner": "WFP", "rel": []string{}}}})
	waitJSFor(t, ctx, 10*time.Second, `!window.concordCop.tracks().some(x => x.uid === 'WFP-TEST-1') && !document.querySelector('[data-track-uid="WFP-TEST-1"]')`, "WFP's track withdrawn from ISR's map")
	// PAK's patrols keep reporting meanwhile, and never show.
	waitJSFor(t, ctx, 10*time.Second, `document.body.dataset.trackStream === 'live'`, "ISR's track stream live")
	evalJS(t, ctx, noPAK, "still no PAK patrol on ISR's map")

	// A viewer reads alerts but may not acknowledge them.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))); err != nil {
		t.Fatal(err)
	}
	loginUI(t, ctx, s.url(), "cmcc.viewer")
	waitJSFor(t, ctx, 15*time.Second, `document.querySelectorAll('.alert-item').length > 0`, "alerts for the viewer")
	if n := count(t, ctx, ".al-ack-btn"); n != 0 {
		t.Fatalf("a viewer is offered %d acknowledge buttons", n)
	}
	if r := text(t, ctx, ".al-role"); !strings.Contains(r, "not acknowledge") {
		t.Fatalf("role note %q", r)
	}
}
