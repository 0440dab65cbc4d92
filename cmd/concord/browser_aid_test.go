package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/pipeline"
)

// openAid switches to the aid pipeline view and waits for its dashboard
// and list.
func openAid(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-aid"))); err != nil {
		t.Fatalf("open the aid view: %v", err)
	}
	waitJS(t, ctx, aidSettled, "the aid dashboard and list")
}

// aidSettled is true once the dashboard and the list answer the same,
// current filter.
const aidSettled = `(() => { const b = document.querySelector('#aid-board'), l = document.querySelector('#aid-list');
	return !!b && !!l && b.dataset.ready === '1' && l.dataset.ready === '1' && b.dataset.from === l.dataset.from && b.dataset.to === l.dataset.to && b.dataset.crossing === l.dataset.crossing; })()`

// setField sets an input or select of the aid view as a person would, and
// fires its change event.
func setField(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	evalJS(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return e.value === %q; })()`, selector, value, value),
		"set "+selector+" to "+value)
}

// tiles reads the dashboard's headline figures: the raw value each tile
// carries and the text it shows.
func tiles(t *testing.T, ctx context.Context) map[string][2]string {
	t.Helper()
	m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][2]string](`Object.fromEntries([...document.querySelectorAll('#aid-tiles .aid-tile-value')]
		.map(e => [e.dataset.kpiPart || e.closest('[data-kpi]').dataset.kpi, [e.dataset.value, e.textContent]]))`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkTiles compares the dashboard with the API's KPIs for the same
// filter. What awaits collection is taken as of the server's minute, so it
// may be that of the answer before the dashboard loaded (earlier) or the
// one after (k).
func checkTiles(t *testing.T, ctx context.Context, k, earlier aid.KPIs) {
	t.Helper()
	got := tiles(t, ctx)
	if earlier.Awaiting.Consignments != k.Awaiting.Consignments && got["awaiting"][0] == strconv.Itoa(earlier.Awaiting.Consignments) {
		k.Awaiting = earlier.Awaiting
	}
	rate := func(r *float64) string {
		if r == nil {
			return "null"
		}
		return strconv.FormatFloat(*r, 'f', -1, 64)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	want := map[string]string{
		"entered_trucks":    f(k.Entered.Trucks),
		"days_met_target":   strconv.Itoa(k.DaysMet),
		"entered_tonnes":    f(k.Entered.Tonnes),
		"fuel_litres":       f(k.FuelLitres),
		"awaiting":          strconv.Itoa(k.Awaiting.Consignments),
		"collection_rate":   rate(k.CollectionRate),
		"delivery_rate":     rate(k.DeliveryRate),
		"interception_rate": rate(k.InterceptionRate),
		"delivered_north":   f(k.North.Tonnes),
		"delivered_south":   f(k.South.Tonnes),
		"consignments":      strconv.Itoa(k.Consignments),
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("no %s tile on the dashboard (tiles: %v)", name, got)
		}
		if g[0] != w {
			t.Fatalf("tile %s holds %s, the API says %s", name, g[0], w)
		}
	}
	// What people read: whole numbers with thousands separators, and an
	// em dash for a rate without a denominator.
	for _, name := range []string{"entered_trucks", "entered_tonnes", "awaiting", "consignments", "delivered_north", "delivered_south"} {
		v, _ := strconv.ParseFloat(want[name], 64)
		if shown := strings.ReplaceAll(got[name][1], ",", ""); shown != strconv.FormatFloat(math.Round(v), 'f', -1, 64) {
			t.Fatalf("tile %s shows %q for %s", name, got[name][1], want[name])
		}
	}
	for _, name := range []string{"collection_rate", "delivery_rate", "interception_rate"} {
		if (want[name] == "null") != (got[name][1] == "—") {
			t.Fatalf("tile %s shows %q for %s", name, got[name][1], want[name])
		}
	}
	// The daily bars are the API's days.
	series, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`JSON.parse(document.querySelector('#aid-chart-entered').dataset.series)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != len(k.Days) {
		t.Fatalf("the entered chart has %d days, the API %d", len(series), len(k.Days))
	}
	for i, d := range k.Days {
		if series[i] != d.Entered.Trucks {
			t.Fatalf("the entered chart shows %g trucks on %s, the API %g", series[i], d.Date, d.Entered.Trucks)
		}
	}
}

// boardFilter is the filter the dashboard last answered.
func boardFilter(t *testing.T, ctx context.Context) (from, to, crossing string) {
	t.Helper()
	m, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`({...document.querySelector('#aid-board').dataset})`))
	if err != nil {
		t.Fatal(err)
	}
	return m["from"], m["to"], m["crossing"]
}

// listIDs is the consignment list's rows, in order.
func listIDs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#aid-list-table .aid-row')].map(r => r.dataset.consignmentId)`))
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// timelineRows is the detail's timeline: effective or superseded event ids, in order.
func timelineRows(t *testing.T, ctx context.Context, superseded bool) []string {
	t.Helper()
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll('#aid-timeline .aid-ev[data-superseded="%t"]')].map(r => r.dataset.eventId + ' ' + r.dataset.stage)`, superseded)))
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func eventRows(evs []aid.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.ID+" "+string(e.Stage))
	}
	return out
}

func getConsignment(t *testing.T, c *client, id string) pipeline.View {
	t.Helper()
	var v pipeline.View
	mustDecode(t, c.must(200, "GET", "/api/consignments/"+url.PathEscape(id), nil), &v)
	return v
}

func addDay(day string, n int) string {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		panic(err)
	}
	return d.AddDate(0, 0, n).Format("2006-01-02")
}

// TestBrowserAid drives the aid pipeline view as the coordination center's
// watch officer over the demo's 60 days: the dashboard shows the API's
// figures, follows a crossing and date filter, lists the API's
// consignments and opens one with its timeline; a stage is recorded and
// corrected through the form (a refused one shows the server's reason);
// a change made elsewhere reaches the list and the dashboard live; a
// crossing is closed with a reason; the map layer sizes the crossings by
// the API's 7-day figures and marks the closed one. Then an
// NGO finds neither another organisation's consignment in its list nor
// by its id.
func TestBrowserAid(t *testing.T) {
	s := start(t, withDemo, withAidHistory)
	ctx := browserFor(t, 4*time.Minute)
	cmcc := s.login("cmcc.watch")
	var cs struct{ Crossings []pipeline.CrossingView }
	mustDecode(t, cmcc.must(200, "GET", "/api/aid/crossings", nil), &cs)
	var kerem string
	for _, c := range cs.Crossings {
		if c.Name == "Kerem Shalom crossing" {
			kerem = c.ID
		}
	}
	if kerem == "" {
		t.Fatal("the demo has no Kerem Shalom crossing")
	}

	loginUI(t, ctx, s.url(), "cmcc.watch")
	if ex := text(t, ctx, "#exercise-label"); !strings.Contains(ex, "TEST EXERCISE") {
		t.Fatalf("exercise label shows %q", ex)
	}
	// The dashboard opens on the last 30 days, the API's default range: its
	// figures are the API's.
	opening := kpis(t, cmcc, "")
	openAid(t, ctx)
	from, to, crossing := boardFilter(t, ctx)
	all := kpis(t, cmcc, "from="+from+"&to="+to)
	if crossing != "" || from != addDay(to, -30) || !all.From.Equal(opening.From) || !all.To.Equal(opening.To) {
		t.Fatalf("the dashboard opened on %s–%s crossing %q; the API's default is %s–%s", from, to, crossing, opening.From, opening.To)
	}
	if all.Entered.Trucks == 0 || all.Awaiting.Consignments == 0 {
		t.Fatalf("the demo's last 30 days look empty: %+v", all)
	}
	checkTiles(t, ctx, all, opening)
	if n := count(t, ctx, "#aid-crossings .aid-xing[data-crossing-id]"); n != len(cs.Crossings) {
		t.Fatalf("%d crossings on the dashboard, the API lists %d", n, len(cs.Crossings))
	}
	screenshot(t, ctx, "browser-aid-dashboard")

	// Kerem Shalom over nine days: the figures change to the API's answer
	// for that filter, and so does the list.
	from2, last2 := addDay(to, -14), addDay(to, -6)
	to2 := addDay(last2, 1)
	q := fmt.Sprintf("from=%s&to=%s&crossing=%s", from2, to2, kerem)
	earlier := kpis(t, cmcc, q)
	setField(t, ctx, "#aid-from", from2)
	setField(t, ctx, "#aid-to", last2)
	setField(t, ctx, "#aid-crossing", kerem)
	waitJS(t, ctx, aidSettled+fmt.Sprintf(` && document.querySelector('#aid-board').dataset.crossing === %q && document.querySelector('#aid-board').dataset.from === %q && document.querySelector('#aid-board').dataset.to === %q`, kerem, from2, to2),
		"the dashboard filtered by Kerem Shalom and nine days")
	kk := kpis(t, cmcc, q)
	if kk.Entered.Trucks == 0 || kk.Entered.Trucks == all.Entered.Trucks || len(kk.Days) != 9 {
		t.Fatalf("the filtered KPIs do not differ: %g trucks over %d days", kk.Entered.Trucks, len(kk.Days))
	}
	checkTiles(t, ctx, kk, earlier)
	if n := count(t, ctx, fmt.Sprintf(".aid-xing.is-filtered[data-crossing-id=%s]", jsq(kerem))); n != 1 {
		t.Fatal("Kerem Shalom is not marked as the filter")
	}
	var page struct {
		Consignments []pipeline.Summary
		Next         string
	}
	mustDecode(t, cmcc.must(200, "GET", "/api/consignments?limit=50&"+q, nil), &page)
	if ids := listIDs(t, ctx); len(ids) == 0 || len(ids) != len(page.Consignments) {
		t.Fatalf("the list shows %d consignments, the API %d", len(ids), len(page.Consignments))
	} else {
		for i, c := range page.Consignments {
			if ids[i] != c.ID {
				t.Fatalf("row %d is %s, the API's %s", i, ids[i], c.ID)
			}
			if c.Crossing != kerem {
				t.Fatalf("the API listed %s through another crossing", c.Ref)
			}
		}
	}
	// The exports carry the filter.
	for _, what := range []string{"consignments", "events", "kpis"} {
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('#aid-export-%s').getAttribute('href')`, what)))
		if err != nil || href != "/api/aid/export/"+what+".csv?"+q {
			t.Fatalf("the %s export links to %q (%v)", what, href, err)
		}
	}
	res, body := cmcc.do("GET", "/api/aid/export/kpis.csv?"+q, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "#indicator") {
		t.Fatalf("the filtered KPI export: %d %.200s", res.StatusCode, body)
	}

	// A consignment from the list, with its timeline.
	first := page.Consignments[0]
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(".aid-row[data-consignment-id=%s]", jsq(first.ID))))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#aid-detail').dataset.consignmentId === %q && document.querySelector('#aid-detail').dataset.ready === '1'`, first.ID), "the consignment's detail")
	v := getConsignment(t, cmcc, first.ID)
	if got, want := timelineRows(t, ctx, false), eventRows(v.Timeline); !slices.Equal(got, want) {
		t.Fatalf("timeline rows\n%v\nthe API's\n%v", got, want)
	}
	if ref := text(t, ctx, "#aid-detail-ref"); ref != v.Ref {
		t.Fatalf("detail of %q, want %q", ref, v.Ref)
	}
	if b := text(t, ctx, "#aid-detail-banner"); b != v.Banner {
		t.Fatalf("banner %q, want %q", b, v.Banner)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-detail-close"))); err != nil {
		t.Fatal(err)
	}

	// Goods awaiting collection: the watch officer records a collection
	// through the form — first too much (refused with the server's
	// reason), then part — and corrects it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-reset"))); err != nil {
		t.Fatal(err)
	}
	setField(t, ctx, "#aid-status", "offloaded")
	waitJS(t, ctx, aidSettled+` && document.querySelector('#aid-list').dataset.status === 'offloaded' && document.querySelector('#aid-board').dataset.crossing === '' && document.querySelectorAll('.aid-row').length > 0`, "the consignments awaiting collection")
	target := listIDs(t, ctx)[0]
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(".aid-row[data-consignment-id=%s]", jsq(target))))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#aid-detail').dataset.consignmentId === %q && !!document.querySelector('#aid-stage-form')`, target), "the stage form")
	before := getConsignment(t, cmcc, target)
	off := before.AtStage["offloaded"]
	if before.Status != aid.Offloaded || off.Trucks < 1 {
		t.Fatalf("consignment %s is %s with %+v offloaded", before.Ref, before.Status, off)
	}
	if st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#aid-form-stage').value`)); st != "collected" {
		t.Fatalf("the form proposes %q after offloading", st)
	}
	tooMany := off.Trucks + 5
	setField(t, ctx, "#aid-form-trucks", strconv.FormatFloat(tooMany, 'f', -1, 64))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-form-submit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `!document.querySelector('#aid-form-error').hidden`, "the refusal")
	// The same request through the API answers the same reason, and the
	// refused event stored nothing.
	res, body = cmcc.do("POST", "/api/consignments/"+target+"/events", map[string]any{"stage": "collected", "qty": map[string]any{"trucks": tooMany, "tonnes": off.Tonnes, "pallets": off.Pallets, "litres": off.Litres}})
	var problem struct{ Detail string }
	_ = json.Unmarshal(body, &problem)
	if res.StatusCode != 400 || !strings.Contains(problem.Detail, "currently at offloaded") {
		t.Fatalf("collecting too much through the API: %d %s", res.StatusCode, body)
	}
	// (Each names the moment it was made.)
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	if shown := text(t, ctx, "#aid-form-error"); !strings.EqualFold(stamp.ReplaceAllString(shown, "T"), stamp.ReplaceAllString(problem.Detail, "T")) {
		t.Fatalf("the form shows %q, the server said %q", shown, problem.Detail)
	}
	if after := getConsignment(t, cmcc, target); len(after.Timeline) != len(before.Timeline) {
		t.Fatal("a refused stage event was stored")
	}
	setField(t, ctx, "#aid-form-trucks", "1")
	setField(t, ctx, "#aid-form-tonnes", "1")
	setField(t, ctx, "#aid-form-pallets", "")
	setField(t, ctx, "#aid-form-litres", "")
	setField(t, ctx, "#aid-form-evidence", "gate receipt 4471")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-form-submit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('#aid-timeline .aid-ev[data-superseded="false"]').length === %d`, len(before.Timeline)+1), "the collection on the timeline")
	collected := getConsignment(t, cmcc, target)
	ev := collected.Timeline[len(collected.Timeline)-1]
	if ev.Stage != aid.Collected || ev.Qty.Trucks != 1 || ev.Evidence != "gate receipt 4471" || ev.Party != "CMCC" {
		t.Fatalf("recorded %+v", ev)
	}
	setField(t, ctx, "#aid-form-stage", "collected")
	setField(t, ctx, "#aid-form-supersedes", ev.ID)
	setField(t, ctx, "#aid-form-trucks", "1")
	setField(t, ctx, "#aid-form-tonnes", "0.8")
	setField(t, ctx, "#aid-form-reason", "recount at the warehouse")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-form-submit"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('#aid-timeline .aid-ev.is-superseded[data-superseded="true"][data-event-id=%s]')`, jsq(ev.ID)), "the superseded collection struck through")
	v = getConsignment(t, cmcc, target)
	if got, want := timelineRows(t, ctx, false), eventRows(v.Timeline); !slices.Equal(got, want) {
		t.Fatalf("timeline rows\n%v\nthe API's\n%v", got, want)
	}
	if got, want := timelineRows(t, ctx, true), eventRows(v.Superseded); !slices.Equal(got, want) || len(want) != 1 {
		t.Fatalf("superseded rows %v, the API's %v", got, want)
	}
	if by := text(t, ctx, fmt.Sprintf(".aid-ev[data-event-id=%s] .aid-ev-superseded-by", jsq(ev.ID))); !strings.Contains(by, "recount at the warehouse") {
		t.Fatalf("the superseded event says %q", by)
	}
	evalJS(t, ctx, fmt.Sprintf(`(document.querySelector('.aid-ev[data-event-id=%s]').scrollIntoView({block: 'center'}), true)`, jsq(ev.ID)), "scroll to the correction")
	screenshot(t, ctx, "browser-aid-timeline")

	// Live: goods collected elsewhere leave the list of what awaits
	// collection, and the dashboard follows, without a reload.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-detail-close"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#aid-list').dataset.ready === '1' && !document.querySelector('.aid-row[data-consignment-id=%s]')`, jsq(target)), "the collected consignment gone from the offloaded list")
	var other pipeline.View
	for _, id := range listIDs(t, ctx) {
		if v := getConsignment(t, cmcc, id); v.Status == aid.Offloaded {
			other = v
			break
		}
	}
	if other.ID == "" {
		t.Fatal("no other consignment awaits collection")
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__noReload = 1`)); err != nil {
		t.Fatal(err)
	}
	cmcc.must(200, "POST", "/api/consignments/"+other.ID+"/events", map[string]any{"stage": "collected", "qty": other.AtStage["offloaded"]})
	waitJS(t, ctx, fmt.Sprintf(`!document.querySelector('.aid-row[data-consignment-id=%s]')`, jsq(other.ID)), "the live change in the list")
	from, to, _ = boardFilter(t, ctx)
	now := kpis(t, cmcc, "from="+from+"&to="+to)
	if now.CollectionRate == nil {
		t.Fatal("no collection rate")
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#aid-tiles [data-kpi="collection_rate"] .aid-tile-value').dataset.value === %q`, strconv.FormatFloat(*now.CollectionRate, 'f', -1, 64)), "the live change on the dashboard")
	if still, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__noReload || 0`)); err != nil || still != 1 {
		t.Fatal("the page reloaded")
	}

	// The coordination center closes a crossing, with a reason.
	var zikim pipeline.CrossingView
	for _, c := range cs.Crossings {
		if c.Name == "Zikim crossing" {
			zikim = c
		}
	}
	card := fmt.Sprintf(".aid-xing[data-crossing-id=%s]", jsq(zikim.ID))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(card))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#aid-crossing-panel')?.dataset.crossingId === %q && !!document.querySelector('#aid-xing-toggle')`, zikim.ID), "Zikim's history and form")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-xing-toggle"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `!document.querySelector('#aid-xing-error').hidden && document.querySelector('#aid-xing-error').textContent.includes('needs a reason')`, "closing without a reason refused")
	setField(t, ctx, "#aid-xing-reason", "crowd at the gate")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-xing-toggle"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('%s[data-open="false"]')`, card), "Zikim closed on the dashboard")
	mustDecode(t, cmcc.must(200, "GET", "/api/aid/crossings", nil), &cs)
	for _, c := range cs.Crossings {
		if c.ID == zikim.ID && (c.Open || c.History[len(c.History)-1].Reason != "crowd at the gate" || c.History[len(c.History)-1].By != "CMCC") {
			t.Fatalf("Zikim after closing: %+v", c)
		}
	}
	if h := text(t, ctx, "#aid-crossing-panel"); !strings.Contains(h, "crowd at the gate") {
		t.Fatalf("Zikim's history reads %q", h)
	}

	// The pipeline on the mission map: a circle per crossing sized by the
	// API's last 7 days, red when closed, toggled like the other overlays.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-map"))); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	week := kpis(t, cmcc, "from="+addDay(today, -6)+"&to="+addDay(today, 1))
	entered := map[string]float64{}
	for _, c := range week.ByCrossing {
		entered[c.Crossing] = c.Entered.Trucks
	}
	for _, c := range cs.Crossings {
		waitJS(t, ctx, fmt.Sprintf(`document.querySelector('[data-aid-crossing=%s]')?.dataset.trucks === %q && document.querySelector('[data-aid-crossing=%s]').dataset.open === '%t'`,
			jsq(c.ID), strconv.FormatFloat(entered[c.ID], 'f', -1, 64), jsq(c.ID), c.Open), "the map circle of "+c.Name)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#overlay-aid"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelectorAll('[data-aid-crossing]').length === 0`, "the aid layer hidden")

	// An NGO: another organisation's consignment, not released to it, is
	// neither in its list nor found by its id.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))); err != nil {
		t.Fatal(err)
	}
	wfp := s.login("wfp.logistics")
	nrc := listAll(t, cmcc, "org=NRC")
	if len(nrc) == 0 {
		t.Fatal("the demo has no NRC consignment")
	}
	hidden := nrc[0]
	wfp.must(404, "GET", "/api/consignments/"+hidden.ID, nil)
	loginUI(t, ctx, s.url(), "wfp.logistics")
	opening = kpis(t, wfp, "")
	openAid(t, ctx)
	from, to, _ = boardFilter(t, ctx)
	checkTiles(t, ctx, kpis(t, wfp, "from="+from+"&to="+to), opening)
	setField(t, ctx, "#aid-org", "NRC")
	waitJS(t, ctx, aidSettled+` && document.querySelector('#aid-board').dataset.org === 'NRC' && !!document.querySelector('#aid-list-table .aid-empty')`, "WFP's list filtered by NRC")
	if ids := listIDs(t, ctx); len(ids) != 0 {
		t.Fatalf("WFP's list shows %d NRC consignments", len(ids))
	}
	none := kpis(t, wfp, "from="+from+"&to="+to+"&org=NRC")
	checkTiles(t, ctx, none, none)
	if got := tiles(t, ctx)["collection_rate"][1]; got != "—" {
		t.Fatalf("WFP's collection rate over NRC shows %q", got)
	}
	setField(t, ctx, "#aid-open-id", hidden.ID)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-open-btn"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#aid-detail').dataset.consignmentId === %q && document.querySelector('#aid-detail').dataset.ready === '1'`, hidden.ID), "the answer for NRC's consignment")
	if msg := text(t, ctx, "#aid-detail-error"); !strings.Contains(msg, "not found") || strings.Contains(msg, hidden.Ref) {
		t.Fatalf("WFP opening NRC's consignment reads %q", msg)
	}
	if n := count(t, ctx, "#aid-timeline"); n != 0 {
		t.Fatal("WFP sees a timeline of NRC's consignment")
	}
}

// TestBrowserAidImport imports a CSV file from the aid view: a bad file is
// refused with each problem's line and column and stores nothing; a good
// one registers its consignments and the list shows them.
func TestBrowserAidImport(t *testing.T) {
	s := start(t, withDemo)
	ctx := browserFor(t, 2*time.Minute)
	dir := t.TempDir()
	var good bytes.Buffer
	if err := writeConsignmentsCSV(&good, 25, 1, "WFP", "UN2720-UI", time.Now().Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	goodPath, badPath := filepath.Join(dir, "good.csv"), filepath.Join(dir, "bad.csv")
	// Two good rows, then one through an unknown crossing and one with a
	// negative weight (lines 5 and 6).
	rows, err := csv.NewReader(bytes.NewReader(good.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	nowhere, negative := slices.Clone(rows[2]), slices.Clone(rows[3])
	nowhere[0], nowhere[4] = "UN2720-UI-BAD1", "Nowhere crossing"
	negative[0], negative[7] = "UN2720-UI-BAD2", "-3"
	var badBuf bytes.Buffer
	cw := csv.NewWriter(&badBuf)
	_ = cw.WriteAll(append(slices.Clone(rows[:4]), nowhere, negative))
	bad := badBuf.String()
	for p, b := range map[string]string{goodPath: good.String(), badPath: bad} {
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := s.m.Pipeline.Len()

	loginUI(t, ctx, s.url(), "wfp.logistics")
	openAid(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-import-open"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `!document.querySelector('#aid-import').hidden && document.querySelector('#aid-list').hidden`, "the import panel in place of the list")
	upload := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#aid-import-file"), []string{path})); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `!document.querySelector('#aid-import-go').disabled`, "the import button enabled")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#aid-import-go"))); err != nil {
			t.Fatal(err)
		}
	}

	upload(badPath)
	waitJS(t, ctx, `!!document.querySelector('#aid-import-errors')`, "the bad file's problems")
	problems := text(t, ctx, "#aid-import-result")
	for _, want := range []string{"nothing was imported", "line 5, column crossing", "unknown crossing", "line 6, column tonnes", "-3 is negative"} {
		if !strings.Contains(problems, want) {
			t.Fatalf("the import panel says %q; want it to mention %q", problems, want)
		}
	}
	if n := s.m.Pipeline.Len(); n != before {
		t.Fatalf("a refused file stored %d consignments", n-before)
	}
	screenshot(t, ctx, "browser-aid-import-refused")

	upload(goodPath)
	waitJS(t, ctx, `!!document.querySelector('#aid-import-result .aid-import-done')`, "the good file's summary")
	if done := text(t, ctx, "#aid-import-result"); !strings.Contains(done, "25 rows, 25 consignments registered") {
		t.Fatalf("the import panel says %q", done)
	}
	if n := s.m.Pipeline.Len(); n != before+25 {
		t.Fatalf("%d consignments stored, want 25", n-before)
	}
	screenshot(t, ctx, "browser-aid-import")
	// Importing the same file again creates nothing.
	upload(goodPath)
	waitJS(t, ctx, `document.querySelector('#aid-import-result').textContent.includes('25 already there')`, "the second import's summary")
	if n := s.m.Pipeline.Len(); n != before+25 {
		t.Fatalf("the second import stored %d more", n-before-25)
	}
	// Escape goes back to the list.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelector('#aid-import').hidden && !document.querySelector('#aid-list').hidden`, "the list back after Escape")
}
