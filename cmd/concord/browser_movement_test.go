package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/demo"
)

// mapProjection turns WGS84 points into page pixels on the Leaflet map, as
// a black box: from the on-screen centres of two site markers far apart
// and their coordinates (Web Mercator is linear in longitude and in the
// Mercator ordinate).
type mapProjection struct{ ax, bx, ay, by float64 }

func mercY(lat float64) float64 { return math.Log(math.Tan(math.Pi/4 + lat*math.Pi/360)) }

func (p mapProjection) px(lon, lat float64) (float64, float64) {
	return p.ax*lon + p.bx, p.ay*mercY(lat) + p.by
}

// projection reads the markers of the given point sites off the map.
func projection(t *testing.T, ctx context.Context, sites []geoFeature) mapProjection {
	t.Helper()
	var ids []string
	coords := map[string][2]float64{}
	for _, f := range sites {
		if c, ok := f.Geometry["coordinates"].([]any); ok && f.Geometry["type"] == "Point" && len(c) == 2 {
			lon, _ := c[0].(float64)
			lat, _ := c[1].(float64)
			ids = append(ids, f.ID)
			coords[f.ID] = [2]float64{lon, lat}
		}
	}
	js := fmt.Sprintf(`(() => { const box = document.querySelector('#map').getBoundingClientRect(); const out = [];
		for (const id of %s) { const el = document.querySelector('#map .site-icon[data-feature-id="' + id + '"]'); if (!el) continue;
			const r = el.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
			if (x > box.left + 20 && x < box.right - 20 && y > box.top + 20 && y < box.bottom - 20) out.push({id, x, y}); }
		return JSON.stringify(out); })()`, jsList(ids))
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	var seen []struct {
		ID string  `json:"id"`
		X  float64 `json:"x"`
		Y  float64 `json:"y"`
	}
	if err := json.Unmarshal([]byte(raw), &seen); err != nil {
		t.Fatal(err)
	}
	// The pair furthest apart in both directions.
	best, bi, bj := 0.0, -1, -1
	for i := range seen {
		for j := range seen {
			if d := math.Abs(seen[i].X-seen[j].X) * math.Abs(seen[i].Y-seen[j].Y); d > best {
				best, bi, bj = d, i, j
			}
		}
	}
	if bi < 0 {
		t.Fatalf("fewer than two site markers on the map: %s", raw)
	}
	a, b := seen[bi], seen[bj]
	ca, cb := coords[a.ID], coords[b.ID]
	var p mapProjection
	p.ax = (b.X - a.X) / (cb[0] - ca[0])
	p.bx = a.X - p.ax*ca[0]
	p.ay = (b.Y - a.Y) / (mercY(cb[1]) - mercY(ca[1]))
	p.by = a.Y - p.ay*mercY(ca[1])
	return p
}

func jsList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// zoomMapAt zooms the map in by two levels around a point, as a mouse
// wheel does, and returns the projection once the map has settled.
func zoomMapAt(t *testing.T, ctx context.Context, p mapProjection, at orb.Point, sites []geoFeature) mapProjection {
	t.Helper()
	x, y := p.px(at[0], at[1])
	evalJS(t, ctx, fmt.Sprintf(`(() => { const el = document.elementFromPoint(%f, %f); if (!el || !el.closest('#map')) return false;
		el.dispatchEvent(new WheelEvent('wheel', {clientX: %f, clientY: %f, deltaY: -240, deltaMode: 0, bubbles: true, cancelable: true})); return true; })()`, x, y, x, y),
		"wheel over the map")
	// Settled: two reads 300 ms apart agree.
	deadline := time.Now().Add(10 * time.Second)
	prev := projection(t, ctx, sites)
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		cur := projection(t, ctx, sites)
		if math.Abs(cur.ax-prev.ax) < 1e-6*math.Abs(cur.ax) && math.Abs(cur.bx-prev.bx) < 0.5 && math.Abs(cur.by-prev.by) < 0.5 && math.Abs(cur.ax-p.ax) > math.Abs(p.ax) {
			return cur
		}
		prev = cur
	}
	t.Fatal("the map did not settle after zooming")
	return p
}

// clickMap clicks the map at a point, as a person does; the point must
// not lie under a marker (a click there would route via the site).
func clickMap(t *testing.T, ctx context.Context, p mapProjection, at orb.Point) {
	t.Helper()
	x, y := p.px(at[0], at[1])
	evalJS(t, ctx, fmt.Sprintf(`(() => { const el = document.elementFromPoint(%f, %f); return !!el && !!el.closest('#map') && !el.closest('.leaflet-marker-icon, .leaflet-control, .leaflet-tooltip'); })()`, x, y),
		fmt.Sprintf("waypoint %v is on the open map, not under a marker or control", at))
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatalf("click the map at %v: %v", at, err)
	}
}

// setInput sets a form control's value and fires its input event.
func setInput(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	evalJS(t, ctx, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, selector, value),
		"set "+selector)
}

// findingsOnMap returns the checks of the findings drawn on the map, each
// with the reason the side panel gives for it (empty if none).
const findingsOnMap = `JSON.stringify([...document.querySelectorAll('#map path.finding-seg[data-finding-index]')].map(p => {
	const i = p.dataset.findingIndex; const item = document.querySelector('#mv-findings .finding[data-finding-index="' + i + '"] .f-reason');
	const r = p.getBoundingClientRect();
	return {check: p.dataset.findingCheck, severity: p.dataset.severity, index: +i, reason: item ? item.textContent : '', x: r.left + r.width / 2, y: r.top + r.height / 2};
}))`

type mapFinding struct {
	Check    string  `json:"check"`
	Severity string  `json:"severity"`
	Index    int     `json:"index"`
	Reason   string  `json:"reason"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
}

func mapFindings(t *testing.T, ctx context.Context) []mapFinding {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](findingsOnMap))
	if err != nil {
		t.Fatal(err)
	}
	var out []mapFinding
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSettled is true once the form's check of the current plan is shown.
const checkSettled = `!document.querySelector('#mv-check').hasAttribute('aria-busy') && document.querySelector('#mv-check .mv-check-status').textContent.startsWith('Checked at')`

// TestBrowserMovementRequest is issue 4's browser test: WFP's logistics
// officer draws a route in the demo by clicking waypoints on the map and
// sees the findings appear on the map segment by segment, each with its
// reason beside the map; submits; then the coordination center's watch
// officer finds the request in the queue and transmits it to the parties
// whose acknowledgement it needs.
func TestBrowserMovementRequest(t *testing.T) {
	ctx := browser(t)
	s := start(t, withDemo)
	wfp, cmcc := s.login("wfp.logistics"), s.login("cmcc.watch")
	sites := wfp.features("kind=site")

	loginUI(t, ctx, s.url(), "wfp.logistics")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-movements")), chromedp.WaitVisible(chromedp.CSS("#mv-new"))); err != nil {
		t.Fatalf("open the movements view: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#mv-new")), chromedp.WaitVisible(chromedp.CSS("#mv-form"))); err != nil {
		t.Fatalf("open the form: %v", err)
	}
	if n := count(t, ctx, "#mv-form-panel .safety-notice, #mv-form-panel [class*=notice]"); n == 0 {
		t.Fatal("the form does not say that notification is no guarantee of safety")
	}
	depart := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Hour)
	setInput(t, ctx, "#mv-depart", depart.Format("2006-01-02T15:04"))
	setInput(t, ctx, "#mv-arrive", depart.Add(3*time.Hour).Format("2006-01-02T15:04"))
	setInput(t, ctx, "#mv-purpose", "food")
	setInput(t, ctx, "#mv-personnel", "4")
	setInput(t, ctx, "#mv-vehicles .mv-v-plate", "WFP-101")
	setInput(t, ctx, "#mv-vehicles .mv-v-type", "Truck")
	setInput(t, ctx, "#mv-contacts .mv-c-name", "Amal Haddad")

	// Two waypoints west of the yellow line: the check reports the
	// sectors the route passes, but no crossing.
	a, b, c := demo.M(31.40, 0.22), demo.M(31.43, 0.35), demo.M(31.43, 0.75)
	proj := zoomMapAt(t, ctx, projection(t, ctx, sites), b, sites)
	clickMap(t, ctx, proj, a)
	clickMap(t, ctx, proj, b)
	waitJS(t, ctx, `document.querySelector('#mv-points').textContent === '2'`, "two waypoints")
	waitJS(t, ctx, checkSettled+` && document.querySelectorAll('#map path.finding-seg').length > 0`, "findings of the first segment on the map")
	first := mapFindings(t, ctx)
	for _, f := range first {
		if f.Check == "control_line" {
			t.Fatalf("a control-line crossing before the route reaches the line: %+v", f)
		}
		if f.Reason == "" {
			t.Fatalf("finding %d on the map has no reason beside it: %+v", f.Index, f)
		}
	}
	if !slicesContainsCheck(first, "sector") {
		t.Fatalf("no sector finding for the first segment: %+v", first)
	}

	// A third waypoint east of the line: its crossings appear on the new
	// segment, naming ISR, whose acknowledgement is needed.
	clickMap(t, ctx, proj, c)
	waitJS(t, ctx, `document.querySelector('#mv-points').textContent === '3'`, "three waypoints")
	waitJS(t, ctx, checkSettled+` && document.querySelectorAll('#map path.finding-seg[data-finding-check="control_line"]').length > 0`, "the crossings on the map")
	bx, _ := proj.px(b[0], b[1])
	cx, _ := proj.px(c[0], c[1])
	var crossing *mapFinding
	all := mapFindings(t, ctx)
	for i, f := range all {
		if f.Reason == "" {
			t.Fatalf("finding %d on the map has no reason beside it: %+v", f.Index, f)
		}
		if f.Check != "control_line" {
			continue
		}
		if f.X < math.Min(bx, cx)-15 || f.X > math.Max(bx, cx)+15 {
			t.Fatalf("crossing drawn at x=%.0f, not on the new segment (x %.0f to %.0f): %+v", f.X, bx, cx, f)
		}
		if !strings.Contains(f.Reason, "ISR") || f.Severity != "needs_acknowledgement" {
			t.Fatalf("crossing %+v", f)
		}
		crossing = &all[i]
	}
	if len(all) <= len(first) || crossing == nil {
		t.Fatalf("%d findings after the third point, %d before", len(all), len(first))
	}
	if acks := text(t, ctx, "#mv-check .mv-ackparties"); !strings.Contains(acks, "ISR") {
		t.Fatalf("parties to acknowledge: %q", acks)
	}
	// Pointing at the crossing on the map picks out its reason in the list.
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, crossing.X, crossing.Y)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `!!document.querySelector('#mv-findings .finding.is-hot[data-check="control_line"]')`, "the crossing's reason highlighted")
	screenshot(t, ctx, "movement-form")

	// Submit: the request is stored as drawn.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#mv-submit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `(document.querySelector('#mv-detail:not([hidden]) #mv-detail-ref')?.textContent ?? '').startsWith('MOV-')`, "the submitted movement's detail")
	ref, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#mv-detail-ref').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Movements []concord.Movement `json:"movements"`
	}
	mustDecode(t, wfp.must(200, "GET", "/api/movements", nil), &list)
	var m *concord.Movement
	for i := range list.Movements {
		if list.Movements[i].Reference == ref {
			m = &list.Movements[i]
		}
	}
	if m == nil || m.Status != concord.MovementSubmitted || m.Marking.Owner != "WFP" || len(m.Route) != 3 || !m.Depart.Equal(depart) {
		t.Fatalf("stored movement %s: %+v", ref, m)
	}
	for i, want := range [][2]float64{{a[0], a[1]}, {b[0], b[1]}, {c[0], c[1]}} {
		// A click lands within a few pixels (tens of metres) of the point.
		if d := math.Hypot((m.Route[i][0]-want[0])*95000, (m.Route[i][1]-want[1])*111000); d > 150 {
			t.Fatalf("waypoint %d stored %.0f m from where it was clicked", i, d)
		}
	}

	// The watch officer's queue shows it; transmitting asks the parties.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))); err != nil {
		t.Fatal(err)
	}
	loginUI(t, ctx, s.url(), "cmcc.watch")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-movements"))); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf("#mv-queue tr[data-movement-id=%s]", jsq(m.ID))
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('%s .mv-status.st-submitted')`, row), "the request in the coordinator's queue")
	// The age filter: a request submitted a minute ago has not waited a day.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('mv-filter-age'); s.value = '24'; s.dispatchEvent(new Event('change')); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`!document.querySelector('%s')`, row), "the new request hidden by the 24 h age filter")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('mv-filter-age'); s.value = '0'; s.dispatchEvent(new Event('change')); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('%s')`, row), "the request back with any age")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#mv-detail:not([hidden]) #mv-detail-ref')?.textContent === %q && !!document.querySelector('#mv-transmit')`, ref), "the request's detail with the transmit action")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#mv-transmit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('%s .mv-status.st-transmitted') && document.querySelector('%s').textContent.includes('ISR')`, row, row), "the request transmitted, ISR asked")
	var got concord.Movement
	mustDecode(t, cmcc.must(200, "GET", "/api/movements/"+m.ID, nil), &got)
	if got.Status != concord.MovementTransmitted || !slicesContainsAck(got.Acks, "ISR") {
		t.Fatalf("after transmitting: %s, acks %+v", got.Status, got.Acks)
	}
	screenshot(t, ctx, "movement-queue")
}

func slicesContainsCheck(fs []mapFinding, check string) bool {
	for _, f := range fs {
		if f.Check == check {
			return true
		}
	}
	return false
}

func slicesContainsAck(acks []concord.Ack, party string) bool {
	for _, a := range acks {
		if a.Party == party {
			return true
		}
	}
	return false
}

// TestBrowserSiteExpiryAlertsOwner: MSF's logistics officer is told, while
// working, that a site it notified has lapsed for want of reconfirmation.
func TestBrowserSiteExpiryAlertsOwner(t *testing.T) {
	ctx := browser(t)
	s := start(t, withDemo)
	msf := s.login("msf.logistics")
	var n concord.SiteNotification
	mustDecode(t, msf.must(201, "POST", "/api/site-notifications", map[string]any{
		"name": "MSF clinic annex", "category": "clinic_or_hospital", "reconfirm_hours": 1,
		"geometry": map[string]any{"type": "Point", "coordinates": pt(31.42, 0.12)},
		"marking":  map[string]any{"owner": "MSF", "rel": []string{"HUM"}},
	}), &n)
	loginUI(t, ctx, s.url(), "msf.logistics")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-movements")), chromedp.Click(chromedp.CSS("#mv-tab-sites"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelector('#mv-panel').textContent.includes('MSF clinic annex')`, "the site in the owner's list")
	s.m.Service.SetNow(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if k, err := s.m.Service.ExpireNotifications(t.Context()); err != nil || k != 1 {
		t.Fatalf("expired %d, %v", k, err)
	}
	waitJS(t, ctx, `[...document.querySelectorAll('.map-notice')].some(e => !e.hidden && e.textContent.includes('“MSF clinic annex” has expired'))`, "the owner alerted")
	screenshot(t, ctx, "site-expired")
}
