package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/pipeline"
)

func kpis(t *testing.T, c *client, query string) aid.KPIs {
	t.Helper()
	var k aid.KPIs
	mustDecode(t, c.must(200, "GET", "/api/aid/kpis?"+query, nil), &k)
	return k
}

// listAll pages through the consignments a client may see.
func listAll(t *testing.T, c *client, query string) []pipeline.Summary {
	t.Helper()
	var out []pipeline.Summary
	cursor := ""
	for {
		var page struct {
			Consignments []pipeline.Summary
			Next         string
		}
		mustDecode(t, c.must(200, "GET", "/api/consignments?limit=1000&"+query+"&cursor="+cursor, nil), &page)
		out = append(out, page.Consignments...)
		if page.Next == "" {
			return out
		}
		cursor = page.Next
	}
}

func csvRequest(c *client, path string, body []byte) (int, []byte) {
	c.t.Helper()
	res, b := c.do("POST", path, body, "Content-Type", "text/csv")
	return res.StatusCode, b
}

// TestAidPipelineEndToEnd follows a consignment through its stages as the
// parties that own each, imports 10,000 consignments through the CLI and
// 10,000 through the API, then their stage events, and reads the KPIs back.
func TestAidPipelineEndToEnd(t *testing.T) {
	s := start(t, withDemo, withAidHistory)
	wfp, isr, cmcc := s.login("wfp.logistics"), s.login("isr.liaison"), s.login("cmcc.watch")

	// The demo's 60 days.
	k := kpis(t, cmcc, "")
	if len(k.Days) != 30 || k.Entered.Trucks < 5000 || k.DaysMet == 0 || k.CollectionRate == nil || len(k.ByCrossing) < 3 || len(k.Rejections) == 0 {
		t.Fatalf("demo KPIs look wrong: %d days, %g trucks entered, %d days met, %d crossings, %d rejection reasons",
			len(k.Days), k.Entered.Trucks, k.DaysMet, len(k.ByCrossing), len(k.Rejections))
	}

	// One consignment through its stages.
	var c pipeline.View
	mustDecode(t, wfp.must(201, "POST", "/api/consignments", map[string]any{"sender": "WFP", "category": "food", "crossing": "Kerem Shalom crossing",
		"destination": "Distribution point Jabalia", "planned": map[string]any{"trucks": 10, "tonnes": 200}, "external_refs": map[string]string{"waybill": "WB-E2E-1"},
		"lines": []any{map[string]any{"item_name": "Wheat flour", "quantity": 200, "unit": "t"}}}), &c)
	if c.Status != aid.Registered || c.Region != "north" || !strings.Contains(c.Banner, "ISR") || !strings.HasPrefix(c.Ref, "CRS-KS-") {
		t.Fatalf("created %+v", c)
	}
	stage := func(cl *client, want int, st aid.Stage, q map[string]any, extra ...any) pipeline.View {
		t.Helper()
		body := map[string]any{"stage": st}
		if q != nil {
			body["qty"] = q
		}
		for i := 0; i+1 < len(extra); i += 2 {
			body[extra[i].(string)] = extra[i+1]
		}
		var v pipeline.View
		b := cl.must(want, "POST", "/api/consignments/"+c.ID+"/events", body)
		if want == 200 {
			mustDecode(t, b, &v)
		}
		return v
	}
	full := map[string]any{"trucks": 10, "tonnes": 200}
	stage(wfp, 200, aid.SubmittedForClearance, nil)
	stage(wfp, 403, aid.Cleared, nil) // the crossing's operator clears
	stage(isr, 200, aid.Cleared, nil)
	stage(wfp, 200, aid.Dispatched, full)
	stage(isr, 200, aid.ArrivedAtCrossing, full)
	stage(isr, 200, aid.Inspected, full)
	stage(isr, 200, aid.Offloaded, full)
	res, body := wfp.do("POST", "/api/consignments/"+c.ID+"/events", map[string]any{"stage": "collected", "qty": map[string]any{"trucks": 12, "tonnes": 240}})
	if res.StatusCode != 400 || !strings.Contains(string(body), "12 trucks, more than the 10, currently at offloaded") {
		t.Fatalf("collecting more than offloaded: %d %s", res.StatusCode, body)
	}
	v := stage(wfp, 200, aid.Collected, map[string]any{"trucks": 6, "tonnes": 120})
	if v.Status != aid.Collected || v.AtStage["offloaded"].Trucks != 4 {
		t.Fatalf("after a partial collection: %s, at offloaded %+v", v.Status, v.AtStage["offloaded"])
	}
	// A correction supersedes, never edits.
	first := v.Timeline[len(v.Timeline)-1]
	v = stage(wfp, 200, aid.Collected, map[string]any{"trucks": 5, "tonnes": 100}, "supersedes", first.ID, "reason", "recount at the warehouse")
	if len(v.Superseded) != 1 || v.AtStage["offloaded"].Trucks != 5 {
		t.Fatalf("after the correction: superseded %d, at offloaded %+v", len(v.Superseded), v.AtStage["offloaded"])
	}

	// 10,000 consignments through the command line, while the server runs.
	dir := s.m.Config.DataDir
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	file := filepath.Join(t.TempDir(), "cli.csv")
	var buf bytes.Buffer
	if err := writeConsignmentsCSV(&buf, 10000, 1, "WFP", "UN2720-CLI", yesterday.AddDate(0, 0, -3)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	start := time.Now()
	if err := run(context.Background(), func() {}, []string{"aid", "import", "--data-dir", dir, "--username", "wfp.logistics", "--file", file}, nil, &out, &errOut); err != nil {
		t.Fatalf("CLI import: %v\n%s", err, errOut.String())
	}
	t.Logf("CLI import of 10,000 rows: %v (%s)", time.Since(start), strings.TrimSpace(out.String()))
	if !strings.Contains(out.String(), "10000 consignments created") || !strings.Contains(errOut.String(), "checking") {
		t.Fatalf("CLI import said %q, progress %q", out.String(), errOut.String())
	}
	// 10,000 more through the API.
	buf.Reset()
	if err := writeConsignmentsCSV(&buf, 10000, 2, "WFP", "UN2720-API", yesterday.AddDate(0, 0, -3)); err != nil {
		t.Fatal(err)
	}
	apiFile := bytes.Clone(buf.Bytes())
	start = time.Now()
	code, b := csvRequest(wfp, "/api/consignments/import", apiFile)
	var ir pipeline.ImportResult
	mustDecode(t, b, &ir)
	t.Logf("API import of 10,000 rows: %v", time.Since(start))
	if code != 200 || ir.Consignments != 10000 || ir.Kind != "consignments" {
		t.Fatalf("API import: %d %s", code, b)
	}
	// Importing again creates nothing.
	code, b = csvRequest(wfp, "/api/consignments/import", apiFile)
	mustDecode(t, b, &ir)
	if code != 200 || ir.Consignments != 0 || ir.Skipped != 10000 {
		t.Fatalf("re-import: %d %s", code, b)
	}
	// The CLI's consignments reach the server's index through the bus.
	deadline := time.Now().Add(60 * time.Second)
	for len(listAll(t, wfp, "status=registered")) < 20000 {
		if time.Now().After(deadline) {
			t.Fatal("the CLI-imported consignments never reached the server")
		}
		time.Sleep(500 * time.Millisecond)
	}

	// Their stages up to offloading yesterday, as the coordination center
	// (which may record any stage): yesterday's entries grow by exactly the
	// trucks offloaded.
	q := "from=" + yesterday.Format("2006-01-02") + "&to=" + yesterday.AddDate(0, 0, 1).Format("2006-01-02")
	before := kpis(t, cmcc, q)
	buf.Reset()
	trucks, err := writeEventsCSV(&buf, 2000, 2, "UN2720-API", yesterday.Add(6*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	code, b = csvRequest(cmcc, "/api/consignments/import", buf.Bytes())
	mustDecode(t, b, &ir)
	if code != 200 || ir.Kind != "events" || ir.Events != 12000 {
		t.Fatalf("events import: %d %.500s", code, b)
	}
	after := kpis(t, cmcc, q)
	if got := after.Entered.Trucks - before.Entered.Trucks; got != trucks {
		t.Fatalf("yesterday's entries grew by %g trucks, want %g", got, trucks)
	}
	if after.Awaiting.Consignments-before.Awaiting.Consignments != 2000 {
		t.Fatalf("awaiting collection grew by %d, want 2000", after.Awaiting.Consignments-before.Awaiting.Consignments)
	}
	// The same events again: all duplicates.
	code, b = csvRequest(cmcc, "/api/consignments/import", buf.Bytes())
	mustDecode(t, b, &ir)
	if code != 200 || ir.Events != 0 || ir.Skipped != 12000 {
		t.Fatalf("events re-import: %d %.300s", code, b)
	}
	// HXL export of the events: a hashtag row and one row per event.
	res, body = cmcc.do("GET", "/api/aid/export/events.csv?"+q, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(body), "#status+stage") {
		t.Fatalf("export: %d %.200s", res.StatusCode, body)
	}
	res, body = cmcc.do("GET", "/api/aid/export/kpis.csv?"+q, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "#indicator+trucks+entered+num") || !strings.Contains(string(body), fmt.Sprint(after.Entered.Trucks)) {
		t.Fatalf("KPI export: %d %s", res.StatusCode, body)
	}
}

// TestAidReleasability: an organisation sees its own consignments and what
// is released to it — in lists, reads, KPIs, exports and the stream — and
// aggregates never count a record the viewer may not see.
func TestAidReleasability(t *testing.T) {
	s := start(t, withDemo)
	cmcc, wfp, nrc, echo := s.login("cmcc.watch"), s.login("wfp.logistics"), s.login("nrc.logistics"), s.login("echo.analyst")
	nrcList := listAll(t, nrc, "")
	if len(nrcList) == 0 {
		t.Fatal("NRC sees none of its consignments")
	}
	for _, c := range nrcList {
		if c.Sender != "NRC" && c.Implementer != "NRC" {
			t.Fatalf("NRC sees %s's consignment %s", c.Sender, c.Ref)
		}
	}
	if all := listAll(t, cmcc, "org=NRC"); len(all) != len(nrcList) {
		t.Fatalf("NRC sees %d consignments, the center counts %d of NRC's", len(nrcList), len(all))
	}
	// NRC's aggregates equal the center's aggregates over NRC's records.
	mine, theirs := kpis(t, nrc, ""), kpis(t, cmcc, "org=NRC")
	// "Now" moves between the two requests; the rest must be equal.
	if mine.Awaiting.Consignments != theirs.Awaiting.Consignments || mine.Awaiting.Qty != theirs.Awaiting.Qty {
		t.Fatalf("awaiting differs: %+v vs %+v", mine.Awaiting, theirs.Awaiting)
	}
	mine.Awaiting = theirs.Awaiting
	a, _ := json.MarshalIndent(mine, "", " ")
	b, _ := json.MarshalIndent(theirs, "", " ")
	if string(a) != string(b) {
		al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("NRC's KPIs differ from the center's over NRC's records at line %d: %q vs %q", i, al[i], bl[i])
			}
		}
		t.Fatalf("NRC's KPIs differ from the center's over NRC's records")
	}
	if all := kpis(t, cmcc, ""); all.Entered.Trucks <= mine.Entered.Trucks {
		t.Fatal("the center's totals should exceed NRC's")
	}
	// A donor with nothing released to it sees nothing, in any form.
	if l := listAll(t, echo, ""); len(l) != 0 {
		t.Fatalf("ECHO sees %d consignments", len(l))
	}
	if k := kpis(t, echo, ""); k.Entered.Trucks != 0 || k.Consignments != 0 || k.Awaiting.Consignments != 0 || len(k.Rejections) != 0 {
		t.Fatalf("ECHO's KPIs count records it may not see: %+v", k)
	}
	wfpList := listAll(t, wfp, "org=WFP")
	nrc.must(404, "GET", "/api/consignments/"+wfpList[0].ID, nil)
	nrc.must(404, "POST", "/api/consignments/"+wfpList[0].ID+"/events", map[string]any{"stage": "collected", "qty": map[string]any{"trucks": 1}})
	res, body := nrc.do("GET", "/api/aid/export/consignments.csv", nil)
	if res.StatusCode != 200 || strings.Contains(string(body), ",WFP,") {
		t.Fatalf("NRC's export holds WFP rows: %.300s", body)
	}
	// Live: a WFP stage event reaches WFP and not NRC.
	nrcStream, wfpStream := nrc.stream(""), wfp.stream("")
	var target pipeline.View
	mustDecode(t, wfp.must(201, "POST", "/api/consignments", map[string]any{"sender": "WFP", "category": "food", "crossing": "Zikim crossing",
		"external_refs": map[string]string{"waybill": "WB-LIVE"}}), &target)
	wfp.must(200, "POST", "/api/consignments/"+target.ID+"/events", map[string]any{"stage": "submitted_for_clearance"})
	waitEvent(t, wfpStream, 10*time.Second, func(e sseEvent) bool { return e.Data.Kind == "consignment" && e.Data.RecordID == target.ID })
	for done := false; !done; {
		select {
		case e := <-nrcStream:
			if e.Data.RecordID == target.ID {
				t.Fatalf("NRC's stream carried WFP's consignment: %s", e.Data.Data)
			}
		case <-time.After(time.Second):
			done = true
		}
	}
}

// TestAidBadInput: precise errors, nothing stored.
func TestAidBadInput(t *testing.T) {
	s := start(t, withDemo)
	wfp := s.login("wfp.logistics")
	var created pipeline.View
	mustDecode(t, wfp.must(201, "POST", "/api/consignments", map[string]any{"sender": "WFP", "category": "food", "crossing": "Zikim crossing",
		"external_refs": map[string]string{"waybill": "WB-TARGET"}}), &created)
	id := created.ID
	ok := func(mut func(map[string]any)) map[string]any {
		b := map[string]any{"sender": "WFP", "category": "food", "crossing": "Kerem Shalom crossing", "planned": map[string]any{"trucks": 2, "tonnes": 40},
			"external_refs": map[string]string{"waybill": "WB-BAD"}}
		mut(b)
		return b
	}
	future := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	header := "#meta+ref+un2720,#org+prog,#sector+cluster,#loc+crossing+name,#output+trucks+num,#value+tonnes\n"
	good := "UN-OK-1,WFP,food,Kerem Shalom crossing,2,40\n"
	cases := []struct {
		name, path string
		body       any
		csv        string
		status     int
		want       string
	}{
		{"unknown crossing", "/api/consignments", ok(func(b map[string]any) { b["crossing"] = "Atlantis gate" }), "", 400, `unknown crossing "Atlantis gate"`},
		{"unknown organisation", "/api/consignments", ok(func(b map[string]any) { b["sender"] = "ACME" }), "", 400, "unknown organisation ACME"},
		{"unknown category", "/api/consignments", ok(func(b map[string]any) { b["category"] = "toys" }), "", 400, `unknown category "toys"`},
		{"negative quantity", "/api/consignments", ok(func(b map[string]any) { b["planned"] = map[string]any{"tonnes": -4} }), "", 400, "tonnes must be a number from 0"},
		{"non-numeric quantity", "/api/consignments", ok(func(b map[string]any) { b["planned"] = map[string]any{"tonnes": "lots"} }), "", 400, "planned.tonnes must be a number"},
		{"registered in the future", "/api/consignments", ok(func(b map[string]any) { b["registered_at"] = future }), "", 400, "is in the future"},
		{"stage in the future", "/api/consignments/" + id + "/events", map[string]any{"stage": "cancelled", "reason": "x", "at": future}, "", 400, "is in the future"},
		{"illegal transition", "/api/consignments/" + id + "/events", map[string]any{"stage": "registered"}, "", 400, "already registered"},
		{"unknown stage", "/api/consignments/" + id + "/events", map[string]any{"stage": "teleported"}, "", 400, `unknown stage "teleported"`},
		{"CSV: unknown crossing", "/api/consignments/import", nil, header + good + "UN-BAD-2,WFP,food,Atlantis gate,2,40\n", 400, "line 3, column crossing"},
		{"CSV: non-numeric quantity", "/api/consignments/import", nil, header + good + "UN-BAD-3,WFP,food,Zikim crossing,two,40\n", 400, `"two" is not a number`},
		{"CSV: negative quantity", "/api/consignments/import", nil, header + "UN-BAD-4,WFP,food,Zikim crossing,2,-40\n", 400, "-40 is negative"},
		{"CSV: unknown organisation", "/api/consignments/import", nil, header + "UN-BAD-5,ACME,food,Zikim crossing,2,40\n", 400, "unknown organisation ACME"},
		{"CSV: unknown category", "/api/consignments/import", nil, header + "UN-BAD-6,WFP,toys,Zikim crossing,2,40\n", 400, `unknown category "toys"`},
		{"CSV: duplicate reference with other content", "/api/consignments/import", nil, header + good + "UN-OK-1,WFP,food,Kerem Shalom crossing,3,40\n", 400, "different content (trucks 2, not 3)"},
		{"CSV: wrong encoding", "/api/consignments/import", nil, header + "UN-BAD-7,WFP,food,Zikim crossing,2,40,caf\xe9\n", 400, "line 2 is not UTF-8"},
		{"CSV: missing header", "/api/consignments/import", nil, good, 400, "missing header"},
		{"CSV: no external reference", "/api/consignments/import", nil, "#org+prog,#sector+cluster,#loc+crossing+name\nWFP,food,Zikim crossing\n", 400, "needs an external reference"},
		{"CSV: 1,000,000 columns", "/api/consignments/import", nil, strings.Repeat("x,", 999999) + "x\n", 413, "has 1000000 columns; at most 200"},
		{"CSV: not CSV content type", "/api/consignments/import", map[string]any{"x": 1}, "", 415, "content type must be text/csv"},
	}
	before := s.counts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wfp.t = t
			var res *responseLite
			if tc.csv != "" {
				code, b := csvRequest(wfp, tc.path, []byte(tc.csv))
				res = &responseLite{code, b}
			} else {
				r, b := wfp.do("POST", tc.path, tc.body)
				res = &responseLite{r.StatusCode, b}
			}
			var p struct {
				Detail string
				Errors []struct{ Field, Reason string }
			}
			_ = json.Unmarshal(res.body, &p)
			all := p.Detail
			for _, e := range p.Errors {
				all += " | " + e.Field + ": " + e.Reason
			}
			if res.code != tc.status || !strings.Contains(all, tc.want) {
				t.Fatalf("%d %s\nwant %d mentioning %q", res.code, all, tc.status, tc.want)
			}
		})
	}
	wfp.t = t
	after := s.counts()
	delete(before, "disclosures")
	delete(after, "disclosures")
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("refused input changed the store: %v → %v", before, after)
	}
	// --valid-only through the command line: the good row goes in, the bad
	// one goes to the rejects file with its reason.
	dir := t.TempDir()
	src, rej := filepath.Join(dir, "mixed.csv"), filepath.Join(dir, "rejects.csv")
	if err := os.WriteFile(src, []byte(header+good+"UN-BAD-8,WFP,food,Atlantis gate,2,40\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), func() {}, []string{"aid", "import", "--data-dir", s.m.Config.DataDir, "--username", "wfp.logistics", "--valid-only", "--rejects", rej, "--file", src},
		nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	r, _ := os.ReadFile(rej)
	if !strings.Contains(out.String(), "1 consignments created") || !strings.Contains(string(r), "Atlantis gate") || !strings.Contains(string(r), "unknown crossing") {
		t.Fatalf("valid-only import: %s; rejects: %s", out.String(), r)
	}
}

type responseLite struct {
	code int
	body []byte
}

// TestAidSimulator: the demo's aid simulator moves consignments along the
// pipeline, registers new ones and closes and reopens crossings, each as
// the party whose step it is (every step passes the pipeline's rules), and
// the live stream carries it.
func TestAidSimulator(t *testing.T) {
	s := start(t, withDemo)
	ch := s.login("cmcc.watch").stream("")
	sys := concord.SystemViewer("CMCC", "test")
	before := map[string]aid.Stage{}
	for _, c := range listAll(t, s.login("cmcc.watch"), "") {
		before[c.ID] = c.Status
	}
	sim := demo.NewAidSimulator(s.m.Pipeline, 1, s.m.Log)
	// Steps are drawn at random: take them until each kind has happened
	// (a few hundred at most).
	moved, added, toggled := 0, 0, 0
	for i := 0; i < 400 && (moved < 20 || added == 0 || toggled == 0); i++ {
		if err := sim.Step(context.Background()); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		moved, added, toggled = 0, 0, 0
		all, _ := s.m.Pipeline.List(sys, pipeline.ListQuery{Limit: 1000})
		for _, c := range all {
			st, ok := before[c.ID]
			if !ok {
				added++
				st = aid.SubmittedForClearance // where the simulator leaves a new one
			}
			if st != c.Status {
				moved++
			}
		}
		crossings, err := s.m.Pipeline.Crossings(context.Background(), sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range crossings {
			toggled += len(c.History)
		}
	}
	if moved < 20 || added == 0 || toggled == 0 {
		t.Fatalf("after 400 steps: %d consignments moved on, %d registered, %d crossing changes", moved, added, toggled)
	}
	waitEvent(t, ch, 10*time.Second, func(e sseEvent) bool {
		return e.Data.Kind == pipeline.KindConsignment && e.Name == "consignment.staged"
	})
}
