package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/concord-mission/concord/assign"
	"github.com/concord-mission/concord/forcegen"
)

// jsq quotes s for a JavaScript string in a CSS attribute selector.
func jsq(s string) string { return fmt.Sprintf("%q", s) }

// evalJS runs a JavaScript expression that must return true.
func evalJS(t *testing.T, ctx context.Context, js, what string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil || !ok {
		t.Fatalf("%s: %v", what, err)
	}
}

// openBoard switches to the force-generation view and waits for the board.
func openBoard(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-forcegen"))); err != nil {
		t.Fatalf("open the force-generation view: %v", err)
	}
	waitJS(t, ctx, `document.querySelector('#fg-board')?.dataset.ready === '1' && document.querySelectorAll('.fg-sector').length > 0`, "the force-generation board")
}

// boardSettled is true once no draft check is pending.
const boardSettled = `(document.querySelector('#fg-board').dataset.checking || '0') === '0'`

// TestBrowserForceGenerationBoard drives the planner's board: the demo's
// starting assignment with its caveat and relay conflicts explained, a
// changed pick checked without saving, the optimizer's proposal accepted
// for Sector Central only and saved as version 2 with its audit trail; then
// a contributing nation's read-only board, where PAK's caveats and the
// conflicts they cause are not releasable, also after a live change.
func TestBrowserForceGenerationBoard(t *testing.T) {
	ctx := browser(t)
	s := start(t, withDemo)
	cmcc := s.login("cmcc.planner")
	b := board(t, cmcc)
	var central string
	coverage := map[string]string{}
	for _, sec := range b.Sectors {
		coverage[sec.ID] = sec.Coverage
		if strings.HasPrefix(sec.Name, "Sector Central") {
			central = sec.ID
		}
	}
	reqOf := func(sector string, c assign.Capability) string {
		for _, r := range b.Requirements {
			if r.Sector == sector && r.Capability == c {
				return r.ID
			}
		}
		t.Fatalf("no %s requirement in sector %s", c, sector)
		return ""
	}
	centralInf := reqOf(central, "infantry_battalion")
	pakInf, pakEng, idnInf := pledgeOf(b, "PAK", "infantry_battalion"), pledgeOf(b, "PAK", "engineer_company"), pledgeOf(b, "IDN", "infantry_battalion")
	if central == "" || pakInf.ID == "" || pakEng.ID == "" || idnInf.ID == "" {
		t.Fatal("the demo lacks Sector Central or the PAK and IDN pledges")
	}

	loginUI(t, ctx, s.url(), "cmcc.planner")
	openBoard(t, ctx)
	if st := text(t, ctx, "#fg-status"); st != "Assignment v1" {
		t.Fatalf("status %q", st)
	}
	// Four sectors, each coloured as the server computes its coverage.
	if n := count(t, ctx, ".fg-sector[data-sector-id][data-coverage]"); n != 4 {
		t.Fatalf("%d sectors on the board", n)
	}
	for id, cov := range coverage {
		if n := count(t, ctx, fmt.Sprintf(".fg-sector[data-sector-id=%s][data-coverage=%s]", jsq(id), cov)); n != 1 {
			t.Fatalf("sector %s is not shown as %s", id, cov)
		}
	}
	waitJS(t, ctx, `document.querySelectorAll('#fg-map .fg-map-sector').length === 4`, "the sectors on the board's map")
	// Sector Central: PAK's infantry breaks its no-disarmament caveat; the
	// engineers next to ISR's line need relayed liaison, at a cost.
	sel := fmt.Sprintf(".fg-sector[data-sector-id=%s]", jsq(central))
	evalJS(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('%s .fg-req[data-req-id=%s] .fg-conflict[data-hard="true"][data-redacted="false"]')].some(e => e.textContent.includes('disarmament'))`, sel, jsq(centralInf)),
		"Central's infantry shows PAK's disarmament caveat conflict")
	evalJS(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('%s .fg-conflict[data-relay="true"]')].some(e => e.querySelector('.fg-cf-cost')?.textContent.includes('relayed through the coordination center'))`, sel),
		"Central shows the relay conflict with its cost")
	screenshot(t, ctx, "forcegen-board")

	// Pick IDN's battalion for Central's infantry: the conflicts change at
	// once (IDN's no-combat caveat against line security), nothing is saved.
	pick := fmt.Sprintf(`.fg-req[data-req-id=%s] select.fg-pick`, jsq(centralInf))
	evalJS(t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector('%s'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, pick, idnInf.ID), "pick IDN's battalion")
	waitJS(t, ctx, boardSettled+fmt.Sprintf(` && [...document.querySelectorAll('.fg-req[data-req-id=%s] .fg-conflict')].some(e => e.textContent.includes('no combat'))`, jsq(centralInf)), "the draft checked with IDN's caveat")
	evalJS(t, ctx, fmt.Sprintf(`![...document.querySelectorAll('.fg-req[data-req-id=%s] .fg-conflict')].some(e => e.textContent.includes('disarmament'))`, jsq(centralInf)), "PAK's conflict gone from the draft")
	if d := text(t, ctx, "#fg-draft"); !strings.Contains(d, "not saved") {
		t.Fatalf("draft state %q", d)
	}
	screenshot(t, ctx, "forcegen-draft")
	if v := board(t, cmcc).Assignment.Version; v != 1 {
		t.Fatalf("picking saved the assignment (v%d)", v)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#fg-discard"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('.fg-req[data-req-id=%s] .fg-conflict')].some(e => e.textContent.includes('disarmament'))`, jsq(centralInf)), "the draft discarded")

	// Propose, accept Sector Central only, save.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#fg-propose"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `!!document.querySelector('#fg-proposal') && document.querySelectorAll('.fg-proposal-sector').length === 4`, "the proposal")
	evalJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('.fg-proposal-sector[data-sector-id=%s] .fg-prop-row.is-add').length > 0`, jsq(central)), "the proposal changes Central")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(".fg-proposal-sector[data-sector-id=%s] input.fg-accept", jsq(central))))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "forcegen-proposal")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#fg-accept-selected"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, boardSettled+` && document.querySelector('#fg-draft').textContent.includes('not saved')`, "the proposal in the draft")
	evalJS(t, ctx, fmt.Sprintf(`![...document.querySelectorAll('%s .fg-conflict[data-hard="true"]')].some(e => e.textContent.includes('disarmament'))`, sel), "Central without PAK's caveat conflict in the draft")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#fg-note"), "Optimizer's proposal for Sector Central"),
		chromedp.Click(chromedp.CSS("#fg-save")),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelector('#fg-status').textContent === 'Assignment v2'`, "version 2 on the board")
	waitJS(t, ctx, `document.querySelectorAll('#fg-history .fg-version').length === 2`, "two versions in the history")
	if h := text(t, ctx, "#fg-history"); !strings.Contains(h, "Optimizer's proposal for Sector Central") {
		t.Fatalf("history %q", h)
	}
	b2 := board(t, cmcc)
	if b2.Assignment.Version != 2 || b2.Assignment.Note != "Optimizer's proposal for Sector Central" {
		t.Fatalf("saved assignment %+v", b2.Assignment)
	}
	for _, c := range b2.Conflicts {
		if b2r := c.Requirement; c.Hard && c.Caveat >= 0 && sectorOf(b2, b2r) == central {
			t.Fatalf("Central still has a hard caveat conflict: %+v", c)
		}
	}
	screenshot(t, ctx, "forcegen-saved")

	// A contributing nation reads the board: no picking, PAK's caveats and
	// the conflicts they cause are not releasable to it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))); err != nil {
		t.Fatal(err)
	}
	loginUI(t, ctx, s.url(), "idn.liaison")
	openBoard(t, ctx)
	if st := text(t, ctx, "#fg-status"); st != "Assignment v2" {
		t.Fatalf("IDN sees %q", st)
	}
	for _, q := range []string{".fg-pick", "#fg-propose", "#fg-save", "#fg-note", "#fg-discard"} {
		if n := count(t, ctx, q); n != 0 {
			t.Fatalf("IDN's read-only board has %d %s", n, q)
		}
	}
	if n := count(t, ctx, fmt.Sprintf(".fg-pledge[data-pledge-id=%s] .fg-caveats-hidden", jsq(pakInf.ID))); n != 1 {
		t.Fatal("PAK's infantry does not show its caveats as not releasable")
	}
	if n := count(t, ctx, fmt.Sprintf(".fg-pledge[data-pledge-id=%s] .fg-caveat", jsq(pakInf.ID))); n != 0 {
		t.Fatal("IDN sees PAK's caveats")
	}
	if n := count(t, ctx, fmt.Sprintf(".fg-pledge[data-pledge-id=%s] .fg-caveat", jsq(idnInf.ID))); n != 1 {
		t.Fatal("IDN does not see its own caveat")
	}
	// PAK's engineers in Central still need relayed liaison; IDN learns only
	// that a caveat it may not see is involved.
	evalJS(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('%s .fg-conflict[data-redacted="true"]')].some(e => e.dataset.pledge === %q && e.textContent.includes('not releasable to you'))`, sel, pakEng.ID),
		"PAK's relay conflict shown as not releasable")
	noDisarmament := `!document.body.innerHTML.toLowerCase().includes('disarmament')`
	evalJS(t, ctx, noDisarmament, "no trace of PAK's caveat on IDN's board")

	// The planner puts PAK's battalion back on Central's infantry: IDN's
	// board follows live, with the conflict redacted.
	cur := board(t, cmcc)
	next := []assign.Placement{}
	for _, pl := range cur.Assignment.Placements {
		if pl.Requirement != centralInf && pl.Pledge != pakInf.ID {
			next = append(next, pl)
		}
	}
	next = append(next, assign.Placement{Pledge: pakInf.ID, Requirement: centralInf})
	cmcc.must(200, "PUT", "/api/forcegen/assignment", map[string]any{"version": cur.Assignment.Version, "placements": next, "note": "PAK back in Central"})
	waitJS(t, ctx, `document.querySelector('#fg-status').textContent === 'Assignment v3'`, "the live change on IDN's board")
	waitJS(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('.fg-req[data-req-id=%s] .fg-conflict[data-redacted="true"][data-hard="true"]')].some(e => e.textContent.includes('not releasable to you'))`, jsq(centralInf)), "PAK's disarmament conflict redacted for IDN")
	evalJS(t, ctx, noDisarmament, "no trace of PAK's caveat after the live change")
	if n := count(t, ctx, "#fg-history .fg-version"); n != 3 {
		t.Fatalf("IDN's history shows %d versions", n)
	}
	screenshot(t, ctx, "forcegen-nation")
}

func sectorOf(b forcegen.Board, req string) string {
	for _, r := range b.Requirements {
		if r.ID == req {
			return r.Sector
		}
	}
	return ""
}
