package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord/assign"
	"github.com/concord-mission/concord/forcegen"
	"github.com/concord-mission/concord/postgres/pgtest"
)

func board(t *testing.T, c *client) forcegen.Board {
	t.Helper()
	var b forcegen.Board
	mustDecode(t, c.must(200, "GET", "/api/forcegen", nil), &b)
	return b
}

func pledgeOf(b forcegen.Board, nation string, capability assign.Capability) forcegen.Pledge {
	for _, p := range b.Pledges {
		if p.Nation == nation && p.Capability == capability {
			return p
		}
	}
	return forcegen.Pledge{}
}

// TestForceGenerationEndToEnd walks the planner's day through the API on
// both stores: the demo's starting assignment with its caveat and relay
// conflicts, the optimizer's proposal accepted for one sector, and the
// audit trail of both versions.
func TestForceGenerationEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { forceGenerationEndToEnd(t, start(t, withDemo)) })
	t.Run("postgres", func(t *testing.T) {
		u := pgtest.URL(t)
		forceGenerationEndToEnd(t, start(t, withDemo, func(m *Main) { m.Config.PostgresURL = u }))
	})
}

func forceGenerationEndToEnd(t *testing.T, s *system) {
	cmcc := s.login("cmcc.planner")
	b := board(t, cmcc)
	if len(b.Sectors) != 4 || len(b.Requirements) != 8 || len(b.Pledges) != 9 || b.Assignment.Version != 1 {
		t.Fatalf("demo board: %d sectors, %d requirements, %d pledges, assignment v%d", len(b.Sectors), len(b.Requirements), len(b.Pledges), b.Assignment.Version)
	}
	var hardCaveat, relay bool
	for _, c := range b.Conflicts {
		if c.Hard && c.Caveat >= 0 && c.Nation == "PAK" && strings.Contains(c.Reason, "disarmament") {
			hardCaveat = true
		}
		if c.Relay && c.Nation == "PAK" && strings.Contains(c.Cost, "relayed") && strings.Contains(c.Evidence, "km") {
			relay = true
		}
	}
	if !hardCaveat || !relay {
		t.Fatalf("the starting assignment should show PAK's disarmament caveat conflict and a relay-resolvable one: %+v", b.Conflicts)
	}
	for _, sec := range b.Sectors {
		if sec.Coverage == "" || sec.Needed != 2 {
			t.Fatalf("sector %+v", sec)
		}
	}

	// The optimizer's proposal never breaks a hard caveat.
	var p forcegen.ProposalView
	mustDecode(t, cmcc.must(200, "POST", "/api/forcegen/propose", nil), &p)
	if p.BaseVersion != 1 || len(p.Placements) == 0 {
		t.Fatalf("proposal %+v", p)
	}
	var check struct{ Conflicts []forcegen.Conflict }
	mustDecode(t, cmcc.must(200, "POST", "/api/forcegen/check", map[string]any{"placements": p.Placements}), &check)
	for _, c := range check.Conflicts {
		if c.Hard && c.Kind != assign.KindShortfall {
			t.Fatalf("the proposal breaks a hard rule: %+v", c)
		}
	}
	for _, g := range p.Gaps {
		if len(g.Reasons) == 0 {
			t.Fatalf("gap without a reason: %+v", g)
		}
	}

	// Accept the proposal for Sector Central only.
	central := map[string]bool{}
	for _, r := range b.Requirements {
		for _, sec := range b.Sectors {
			if sec.ID == r.Sector && strings.HasPrefix(sec.Name, "Sector Central") {
				central[r.ID] = true
			}
		}
	}
	next := []assign.Placement{}
	for _, pl := range b.Assignment.Placements {
		if !central[pl.Requirement] {
			next = append(next, pl)
		}
	}
	for _, pl := range p.Placements {
		if central[pl.Requirement] && !slices.ContainsFunc(next, func(x assign.Placement) bool { return x.Pledge == pl.Pledge }) {
			next = append(next, pl)
		}
	}
	var a forcegen.Assignment
	mustDecode(t, cmcc.must(200, "PUT", "/api/forcegen/assignment", map[string]any{"version": 1, "placements": next, "note": "optimizer for Central"}), &a)
	if a.Version != 2 || a.UpdatedBy != "cmcc.planner" {
		t.Fatalf("saved %+v", a)
	}
	// A stale save is refused.
	if res, body := cmcc.do("PUT", "/api/forcegen/assignment", map[string]any{"version": 1, "placements": next}); res.StatusCode != 409 {
		t.Fatalf("stale save: %d %s", res.StatusCode, body)
	}
	b2 := board(t, cmcc)
	for _, c := range b2.Conflicts {
		if c.Hard && c.Caveat >= 0 && central[c.Requirement] {
			t.Fatalf("Central still has a caveat conflict after accepting the proposal: %+v", c)
		}
	}

	// The audit trail: the center sees every version with its placements,
	// a contingent sees that it changed and by whom.
	type version struct {
		Version int
		Actor   string
		Data    json.RawMessage
	}
	var h struct{ Versions []version }
	mustDecode(t, cmcc.must(200, "GET", "/api/forcegen/assignment/history", nil), &h)
	hist := h.Versions
	if len(hist) != 2 || hist[1].Actor != "cmcc.planner" || !strings.Contains(string(hist[1].Data), `"placements"`) || !strings.Contains(string(hist[1].Data), `"add"`) {
		t.Fatalf("center's history: %+v", hist)
	}
	mustDecode(t, s.login("pak.liaison").must(200, "GET", "/api/forcegen/assignment/history", nil), &h)
	hist = h.Versions
	if len(hist) != 2 || strings.Contains(string(hist[1].Data), `"placements"`) || !strings.Contains(string(hist[1].Data), `"placed"`) {
		t.Fatalf("contingent's history: %s", hist[1].Data)
	}
}

// TestForceGenerationReleasability proves that a nation's caveats reach
// only the center and those it released them to, on every surface: the
// board, the checker's explanations, the optimizer, the history and the
// live stream.
func TestForceGenerationReleasability(t *testing.T) {
	s := start(t, withDemo)
	cmcc, pak, idn, wfp := s.login("cmcc.planner"), s.login("pak.liaison"), s.login("idn.liaison"), s.login("wfp.logistics")
	secret := []string{"disarmament", "deploys only after", "no_disarmament", "requires_parliament", "requires_cessation", "through the coordination center"}
	leaks := func(body []byte) string {
		// Vocabulary lists (caveat types, tasks) are public; strip them.
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			delete(m, "caveat_types")
			delete(m, "tasks")
			body, _ = json.Marshal(m)
		}
		for _, w := range secret {
			if strings.Contains(string(body), w) {
				return w
			}
		}
		return ""
	}

	// IDN sees PAK's pledge but not its caveats, and the conflicts they
	// cause only as "a caveat not releasable to you".
	raw := idn.must(200, "GET", "/api/forcegen", nil)
	if w := leaks(raw); w != "" {
		t.Fatalf("IDN's board reveals %q: %s", w, raw)
	}
	var b forcegen.Board
	mustDecode(t, raw, &b)
	pakInf := pledgeOf(b, "PAK", "infantry_battalion")
	if pakInf.ID == "" || !pakInf.CaveatsHidden || len(pakInf.Caveats) != 0 {
		t.Fatalf("IDN should see PAK's pledge without caveats: %+v", pakInf)
	}
	var redacted int
	for _, c := range b.Conflicts {
		if c.Nation == "PAK" && c.Redacted {
			redacted++
			if c.Reason != "conflicts with a caveat not releasable to you" || c.Evidence != "" || c.Caveat != -1 {
				t.Fatalf("redacted conflict says too much: %+v", c)
			}
		}
	}
	if redacted == 0 {
		t.Fatal("IDN should see that PAK's placement conflicts with a caveat")
	}
	// IDN's own caveats, released to the force, are visible to PAK.
	if p := pledgeOf(board(t, pak), "IDN", "infantry_battalion"); p.CaveatsHidden || len(p.Caveats) != 1 {
		t.Fatalf("PAK should see IDN's released caveat: %+v", p)
	}
	// The center sees everything.
	if p := pledgeOf(board(t, cmcc), "PAK", "infantry_battalion"); p.CaveatsHidden || len(p.Caveats) != 2 {
		t.Fatalf("the center should see PAK's caveats: %+v", p)
	}

	// The checker, asked by IDN about PAK's placement, explains nothing it
	// may not see.
	full := board(t, cmcc)
	raw = idn.must(200, "POST", "/api/forcegen/check", map[string]any{"placements": full.Assignment.Placements})
	if w := leaks(raw); w != "" || !strings.Contains(string(raw), "not releasable to you") {
		t.Fatalf("IDN's check reveals %q: %s", w, raw)
	}
	// History of PAK's pledge: no caveats for IDN.
	raw = idn.must(200, "GET", "/api/forcegen/pledges/"+pakInf.ID+"/history", nil)
	if w := leaks(raw); w != "" {
		t.Fatalf("IDN's view of PAK's pledge history reveals %q: %s", w, raw)
	}
	// Only the center runs the optimizer; humanitarian parties have no
	// board.
	if res, body := idn.do("POST", "/api/forcegen/propose", nil); res.StatusCode != 403 {
		t.Fatalf("IDN propose: %d %s", res.StatusCode, body)
	}
	if res, body := wfp.do("GET", "/api/forcegen", nil); res.StatusCode != 403 {
		t.Fatalf("WFP board: %d %s", res.StatusCode, body)
	}

	// Live: PAK changes its pledge; IDN's stream carries the change without
	// the caveats, the center's with them.
	idnStream, cmccStream, wfpStream := idn.stream(""), cmcc.stream(""), wfp.stream("")
	pakOwn := pledgeOf(board(t, pak), "PAK", "infantry_battalion")
	pakOwn.Strength = 820
	pak.must(200, "PUT", "/api/forcegen/pledges/"+pakOwn.ID, pakOwn)
	ev := waitEvent(t, cmccStream, 10*time.Second, func(e sseEvent) bool {
		return e.Data.Kind == forcegen.KindPledgeCaveats && e.Data.RecordID == pakOwn.ID
	})
	if !strings.Contains(string(ev.Data.Data), "no_disarmament") {
		t.Fatalf("the center's stream lacks the caveats: %s", ev.Data.Data)
	}
	// The caveat copy is the change's last event: once the center has it,
	// IDN has had every chance to receive it too.
	got := false
	for done := false; !done; {
		select {
		case e := <-idnStream:
			if e.Data.RecordID == pakOwn.ID {
				if e.Data.Kind != forcegen.KindPledge || leaks(e.Data.Data) != "" {
					t.Fatalf("IDN's stream carried %s: %s", e.Data.Kind, e.Data.Data)
				}
				got = true
			}
		case <-time.After(2 * time.Second):
			done = true
		}
	}
	if !got {
		t.Fatal("IDN's stream never heard of PAK's change")
	}
	for done := false; !done; {
		select {
		case e := <-wfpStream:
			if strings.HasPrefix(e.Data.Kind, "fg_") {
				t.Fatalf("WFP's stream carried %s", e.Data.Kind)
			}
		case <-time.After(200 * time.Millisecond):
			done = true
		}
	}
}

// TestForceGenerationBadInput: precise errors, nothing stored.
func TestForceGenerationBadInput(t *testing.T) {
	s := start(t, withDemo)
	cmcc, pak := s.login("cmcc.planner"), s.login("pak.liaison")
	b := board(t, cmcc)
	sector := b.Sectors[0].ID
	day := time.Now().UTC().Truncate(24 * time.Hour)
	pledge := func(mut func(map[string]any)) map[string]any {
		p := map[string]any{"unit": "PAK test company", "capability": "infantry_company", "strength": 120,
			"readiness": day.AddDate(0, 0, 10).Format(time.RFC3339), "caveats": []any{}}
		mut(p)
		return p
	}
	requirement := func(mut func(map[string]any)) map[string]any {
		r := map[string]any{"sector": sector, "phase": 1, "capability": "eod_team", "quantity": 1, "min_strength": 10,
			"tasks": []string{"eod"}, "needed_by": day.AddDate(0, 0, 20).Format(time.RFC3339)}
		mut(r)
		return r
	}
	cases := []struct {
		name       string
		c          *client
		method     string
		path, want string
		body       map[string]any
	}{
		{"unknown capability", pak, "POST", "/api/forcegen/pledges", "unknown capability \"tank_regiment\"",
			pledge(func(p map[string]any) { p["capability"] = "tank_regiment" })},
		{"unknown caveat type", pak, "POST", "/api/forcegen/pledges", "unknown caveat type \"no_rain\"",
			pledge(func(p map[string]any) { p["caveats"] = []any{map[string]any{"type": "no_rain"}} })},
		{"caveat parameter of the wrong type", pak, "POST", "/api/forcegen/pledges", "field caveats.km must be a number, got string",
			pledge(func(p map[string]any) {
				p["caveats"] = []any{map[string]any{"type": "min_distance_from_line", "km": "five"}}
			})},
		{"caveat missing its parameter", pak, "POST", "/api/forcegen/pledges", "needs the party",
			pledge(func(p map[string]any) { p["caveats"] = []any{map[string]any{"type": "no_direct_contact"}} })},
		{"caveat naming an unknown sector", pak, "POST", "/api/forcegen/pledges", "no sector \"atlantis\"",
			pledge(func(p map[string]any) {
				p["caveats"] = []any{map[string]any{"type": "only_sectors", "sectors": []string{"atlantis"}}}
			})},
		{"strength below zero", pak, "POST", "/api/forcegen/pledges", "strength: must be 0 to 20000, got -5",
			pledge(func(p map[string]any) { p["strength"] = -5 })},
		{"readiness before the pledge date", pak, "POST", "/api/forcegen/pledges", "before the pledge date",
			pledge(func(p map[string]any) {
				p["pledged_at"] = day.Format(time.RFC3339)
				p["readiness"] = day.AddDate(0, 0, -3).Format(time.RFC3339)
			})},
		{"pledge for another nation", pak, "POST", "/api/forcegen/pledges", "only for PAK",
			pledge(func(p map[string]any) { p["nation"] = "IDN" })},
		{"unknown field", pak, "POST", "/api/forcegen/pledges", "unknown field",
			pledge(func(p map[string]any) { p["tanks"] = 3 })},
		{"requirement in a sector that does not exist", cmcc, "POST", "/api/forcegen/requirements", "no sector \"sector-9\"",
			requirement(func(r map[string]any) { r["sector"] = "sector-9" })},
		{"requirement with an unknown task", cmcc, "POST", "/api/forcegen/requirements", "unknown task \"sightseeing\"",
			requirement(func(r map[string]any) { r["tasks"] = []string{"sightseeing"} })},
		{"requirement from a nation", pak, "POST", "/api/forcegen/requirements", "only the coordination center",
			requirement(func(r map[string]any) {})},
		{"assignment to a requirement that does not exist", cmcc, "PUT", "/api/forcegen/assignment", "no requirement \"nowhere\"",
			map[string]any{"version": 1, "placements": []any{map[string]any{"pledge": b.Pledges[0].ID, "requirement": "nowhere"}}}},
		{"assignment of a pledge twice", cmcc, "PUT", "/api/forcegen/assignment", "placed twice",
			map[string]any{"version": 1, "placements": []any{
				map[string]any{"pledge": b.Pledges[0].ID, "requirement": b.Requirements[0].ID},
				map[string]any{"pledge": b.Pledges[0].ID, "requirement": b.Requirements[1].ID}}}},
		{"assignment without placements", cmcc, "PUT", "/api/forcegen/assignment", "placements is required",
			map[string]any{"version": 1}},
	}
	before := s.counts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			res, body := tc.c.do(tc.method, tc.path, tc.body)
			var problem struct{ Detail string }
			_ = json.Unmarshal(body, &problem)
			if res.StatusCode/100 != 4 || !strings.Contains(problem.Detail, tc.want) || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s\nwant a problem mentioning %q", res.StatusCode, body, tc.want)
			}
		})
	}
	cmcc.t, pak.t = t, t
	after := s.counts()
	// Disclosures log reads of notified sites, which go on meanwhile.
	delete(before, "disclosures")
	delete(after, "disclosures")
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refused input changed the store: %v → %v", before, after)
	}
	if a := board(t, cmcc).Assignment; a.Version != 1 {
		t.Fatalf("assignment moved to v%d", a.Version)
	}
}

// TestForceGenerationAcrossInstances runs two instances on one PostgreSQL
// database and one NATS cluster: a pledge filed on one reaches the other's
// board and live stream, redacted there as everywhere.
func TestForceGenerationAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	pakA := a.login("pak.liaison")
	idnB, cmccB := b.login("idn.liaison"), b.login("cmcc.planner")
	idnStream, cmccStream := idnB.stream(""), cmccB.stream("")

	var p forcegen.Pledge
	mustDecode(t, pakA.must(201, "POST", "/api/forcegen/pledges", map[string]any{"unit": "PAK signals company", "capability": "signals_company", "strength": 90,
		"readiness": time.Now().AddDate(0, 0, 8).UTC().Format(time.RFC3339), "marking": map[string]any{"owner": "PAK", "rel": []string{"ISF"}},
		"caveats": []any{map[string]any{"type": "no_disarmament"}}}), &p)
	ev := waitEvent(t, cmccStream, 15*time.Second, func(e sseEvent) bool { return e.Data.Kind == forcegen.KindPledgeCaveats && e.Data.RecordID == p.ID })
	if !strings.Contains(string(ev.Data.Data), "no_disarmament") {
		t.Fatalf("the center on the other instance lacks the caveat: %s", ev.Data.Data)
	}
	ev = waitEvent(t, idnStream, 15*time.Second, func(e sseEvent) bool { return e.Data.RecordID == p.ID })
	if ev.Data.Kind != forcegen.KindPledge || strings.Contains(string(ev.Data.Data), "disarmament") {
		t.Fatalf("IDN on the other instance received %s: %s", ev.Data.Kind, ev.Data.Data)
	}
	if got := pledgeOf(board(t, idnB), "PAK", "signals_company"); got.ID != p.ID || !got.CaveatsHidden {
		t.Fatalf("IDN's board on the other instance: %+v", got)
	}
	if got := pledgeOf(board(t, cmccB), "PAK", "signals_company"); len(got.Caveats) != 1 {
		t.Fatalf("the center's board on the other instance: %+v", got)
	}
}
