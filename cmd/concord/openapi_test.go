package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	validatorerrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/pipeline"
)

// recorder keeps every request and response a client makes so that they can
// be checked against the OpenAPI document afterwards.
type recorder struct {
	next  http.RoundTripper
	pairs []pair
}

type pair struct {
	req     *http.Request
	reqBody []byte
	res     *http.Response
	resBody []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var rb []byte
	if req.Body != nil {
		rb, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(rb))
	}
	res, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if res.Header.Get("Content-Type") == "text/event-stream" {
		return res, nil
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b))
	r.pairs = append(r.pairs, pair{req, rb, res, b})
	return res, nil
}

func TestOpenAPIDescribesRealResponses(t *testing.T) {
	doc, err := libopenapi.NewDocument(httpapi.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	// CSV bodies (aid imports and exports) are checked as strings against
	// their schemas, not skipped.
	v, errs := validator.NewValidator(doc, config.WithBodyDecoder("text/csv", content.CSVDecoder()))
	if len(errs) > 0 {
		t.Fatalf("openapi.json does not load: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("openapi.json is not a valid OpenAPI 3.1 document: %v", verrs)
	}

	s := start(t, withDemo)
	rec := &recorder{next: http.DefaultTransport}
	as := func(c *client) *client { c.hc.Transport = rec; return c }
	anon := as(s.anon())
	anon.must(200, "GET", "/healthz", nil)
	anon.must(200, "GET", "/readyz", nil)
	anon.must(200, "GET", "/api/openapi.json", nil)
	anon.must(401, "GET", "/api/me", nil)
	anon.must(200, "GET", "/api/session", nil)
	anon.must(401, "POST", "/api/login", map[string]string{"username": "nobody", "password": "xxxxxxxx"})
	anon.must(400, "POST", "/api/login", `{"username":`)

	admin := as(s.login("cmcc.admin"))
	pak := as(s.login("pak.liaison"))
	for _, c := range []*client{admin, pak} {
		c.must(200, "GET", "/api/me", nil)
		c.must(200, "GET", "/api/session", nil)
		c.must(200, "GET", "/api/config", nil)
		c.must(200, "GET", "/api/parties", nil)
		c.must(200, "GET", "/api/groups", nil)
		c.must(200, "GET", "/api/features?kind=site&limit=3", nil)
		c.must(200, "GET", "/api/features?bbox=34.3,31.3,34.5,31.5&as_of=2026-03-01T08:00:00Z", nil)
	}
	pak.must(400, "GET", "/api/features?limit=0", nil)
	pak.must(200, "POST", "/api/markings/check", map[string]any{"marking": map[string]any{"owner": "PAK", "rel": []string{"ISF", "USA"}}})
	pak.must(400, "POST", "/api/markings/check", map[string]any{"marking": map[string]any{"owner": "PAK", "rel": []string{"ISR"}}})

	var f geoFeature
	json.Unmarshal(pak.must(201, "POST", "/api/features", site("Depot", "PAK", []string{"ISF"}, 34.35, 31.43)), &f)
	pak.must(200, "GET", "/api/features/"+f.ID, nil)
	upd := site("Depot 2", "PAK", []string{"ISF"}, 34.35, 31.43)
	upd["properties"].(map[string]any)["version"] = 1
	pak.must(200, "PUT", "/api/features/"+f.ID, upd)
	pak.must(409, "PUT", "/api/features/"+f.ID, upd)
	pak.must(200, "GET", "/api/features/"+f.ID+"/history", nil)
	pak.must(404, "GET", "/api/features/"+f.ID+"x", nil)
	pak.must(415, "POST", "/api/features", "{}", "Content-Type", "text/plain")
	pak.must(403, "POST", "/api/features", site("x", "WFP", nil, 34.3, 31.4))
	pak.must(204, "DELETE", "/api/features/"+f.ID, nil)

	var tok struct{ ID string }
	json.Unmarshal(pak.must(201, "POST", "/api/tokens", map[string]any{"name": "t"}), &tok)
	pak.must(200, "GET", "/api/tokens", nil)
	pak.must(204, "DELETE", "/api/tokens/"+tok.ID, nil)
	pak.must(403, "GET", "/api/users", nil)
	admin.must(200, "GET", "/api/users", nil)
	admin.must(201, "POST", "/api/users", map[string]any{"username": "new.user", "party": "PAK", "roles": []string{"viewer"}, "password": "long enough pw"})
	admin.must(409, "POST", "/api/users", map[string]any{"username": "new.user", "party": "PAK", "roles": []string{"viewer"}, "password": "long enough pw"})
	admin.must(201, "POST", "/api/groups", map[string]any{"code": "MED", "name": "Medical cluster"})
	var p struct{ Version int }
	json.Unmarshal(admin.must(201, "POST", "/api/parties", map[string]any{"code": "IRC", "name": "IRC", "kind": "ngo", "groups": []string{"HUM", "MED"}}), &p)
	admin.must(200, "PUT", "/api/parties/IRC", map[string]any{"name": "International Rescue Committee", "kind": "ngo", "groups": []string{"HUM"}, "version": p.Version})
	admin.must(400, "POST", "/api/parties", map[string]any{"code": "x", "name": "", "kind": "club"})
	// Movements and notified sites.
	wfp := as(s.login("wfp.logistics"))
	cmcc := as(s.login("cmcc.watch"))
	wfp.must(200, "GET", "/api/deconfliction", nil)
	depart := time.Now().Add(72 * time.Hour)
	mb := movementBody("WFP", []string{"ALL"}, depart, 2, pt(31.41, 0.20), pt(31.47, 0.20))
	wfp.must(200, "POST", "/api/movements/check", mb)
	var mv movementResp
	mustDecode(t, wfp.must(201, "POST", "/api/movements", mb), &mv)
	wfp.must(400, "POST", "/api/movements", map[string]any{"purpose": "x"})
	wfp.must(200, "GET", "/api/movements?status=submitted", nil)
	wfp.must(200, "GET", "/api/movements/"+mv.ID, nil)
	mvUpd := movementBody("WFP", []string{"ALL"}, depart, 2, pt(31.41, 0.20), pt(31.47, 0.22))
	mvUpd["version"] = mv.Version
	mustDecode(t, wfp.must(200, "PUT", "/api/movements/"+mv.ID, mvUpd), &mv)
	wfp.must(409, "PUT", "/api/movements/"+mv.ID, mvUpd)
	mustDecode(t, cmcc.must(200, "POST", "/api/movements/"+mv.ID+"/transmit", nil), &mv)
	cmcc.must(409, "POST", "/api/movements/"+mv.ID+"/transmit", nil)
	wfp.must(200, "GET", "/api/movements/"+mv.ID+"/history", nil)
	pak.must(200, "GET", "/api/acks", nil)
	for _, a := range mv.Acks {
		as(s.login(strings.ToLower(a.Party)+".liaison")).must(200, "POST", "/api/movements/"+mv.ID+"/ack", map[string]string{"decision": "acknowledge"})
	}
	pak.must(404, "POST", "/api/movements/"+mv.ID+"/nonsense", nil)
	cmcc.must(400, "POST", "/api/movements/"+mv.ID+"/decide", map[string]any{"outcome": "denied"})
	cmcc.must(200, "POST", "/api/movements/"+mv.ID+"/decide", map[string]any{"outcome": "impeded", "delays": []map[string]any{{"minutes": 45, "reason": "checkpoint queue"}}})
	wfp.must(200, "POST", "/api/movements/"+mv.ID+"/start", nil)
	wfp.must(200, "POST", "/api/movements/"+mv.ID+"/complete", nil)
	var mv2 movementResp
	mustDecode(t, wfp.must(201, "POST", "/api/movements", mb), &mv2)
	wfp.must(200, "POST", "/api/movements/"+mv2.ID+"/cancel", map[string]any{"reason": "trucks not loaded"})
	var sn struct{ ID string }
	mustDecode(t, wfp.must(201, "POST", "/api/site-notifications", map[string]any{"name": "WFP office", "category": "office",
		"geometry": map[string]any{"type": "Point", "coordinates": pt(31.42, 0.12)}, "marking": map[string]any{"owner": "WFP", "rel": []string{"ALL"}}}), &sn)
	wfp.must(200, "GET", "/api/site-notifications", nil)
	wfp.must(200, "GET", "/api/site-notifications/"+sn.ID, nil)
	wfp.must(200, "GET", "/api/site-notifications/"+sn.ID+"/disclosures", nil)
	wfp.must(200, "POST", "/api/site-notifications/"+sn.ID+"/reconfirm", nil)
	// Live picture: a PAK unit reported into the perimeter buffer zone.
	rep := as(s.login("pak.reporter"))
	now := time.Now()
	in := demo.M(31.45, 0.95)
	rep.must(202, "POST", "/api/tracks", []any{report("PAK-OA1", 34.40, 31.40, now), report("PAK-OA2", in.Lon(), in.Lat(), now)})
	rep.must(400, "POST", "/api/tracks", []any{report("PAK-OA1", 34.40, 95, now)})
	pak.must(200, "GET", "/api/tracks?type=a-f&current=true", nil)
	pak.must(400, "GET", "/api/tracks?current=maybe", nil)
	pak.must(200, "GET", "/api/tracks/PAK-OA1", nil)
	pak.must(404, "GET", "/api/tracks/none", nil)
	pak.must(200, "GET", "/api/tracks/PAK-OA1/history", nil)
	alert := cmcc.waitAlert("type=enter", func(a alertOut) bool { return a.TrackUID == "PAK-OA2" })
	pak.must(200, "GET", "/api/alerts?status=open&severity=critical", nil)
	pak.must(400, "GET", "/api/alerts?severity=urgent", nil)
	pak.must(200, "GET", "/api/alerts/"+alert.ID, nil)
	pak.must(200, "POST", "/api/alerts/"+alert.ID+"/ack", map[string]any{"note": "patrol recalled"})
	cmcc.must(409, "POST", "/api/alerts/"+alert.ID+"/ack", map[string]any{})
	wfp.must(200, "POST", "/api/site-notifications/"+sn.ID+"/withdraw", nil)
	// Force generation.
	planner := as(s.login("cmcc.planner"))
	var fb struct {
		Sectors      []struct{ ID string }
		Requirements []struct{ ID string }
		Pledges      []struct {
			ID      string
			Nation  string
			Version int
		}
		Assignment struct {
			Version    int
			Placements []map[string]string
		}
		Conditions struct{ Version int }
	}
	mustDecode(t, planner.must(200, "GET", "/api/forcegen", nil), &fb)
	pak.must(200, "GET", "/api/forcegen", nil)
	wfp.must(403, "GET", "/api/forcegen", nil)
	day := time.Now().UTC().Truncate(24 * time.Hour)
	var rq struct {
		ID      string
		Version int
	}
	mustDecode(t, planner.must(201, "POST", "/api/forcegen/requirements", map[string]any{"sector": fb.Sectors[0].ID, "capability": "cimic_team", "quantity": 1,
		"tasks": []string{"cimic"}, "needed_by": day.AddDate(0, 0, 30)}), &rq)
	planner.must(200, "PUT", "/api/forcegen/requirements/"+rq.ID, map[string]any{"sector": fb.Sectors[0].ID, "capability": "cimic_team", "quantity": 2,
		"tasks": []string{"cimic"}, "needed_by": day.AddDate(0, 0, 30), "version": rq.Version})
	planner.must(200, "GET", "/api/forcegen/requirements/"+rq.ID+"/history", nil)
	pak.must(403, "POST", "/api/forcegen/requirements", map[string]any{"sector": fb.Sectors[0].ID, "capability": "cimic_team", "quantity": 1, "needed_by": day})
	var pl struct {
		ID      string
		Version int
	}
	pledge := map[string]any{"unit": "PAK CIMIC team", "capability": "cimic_team", "strength": 12, "readiness": day.AddDate(0, 0, 9),
		"caveats": []any{map[string]any{"type": "no_direct_contact", "party": "ISR"}}}
	mustDecode(t, pak.must(201, "POST", "/api/forcegen/pledges", pledge), &pl)
	pledge["version"], pledge["strength"] = pl.Version, 14
	pak.must(200, "PUT", "/api/forcegen/pledges/"+pl.ID, pledge)
	pak.must(409, "PUT", "/api/forcegen/pledges/"+pl.ID, pledge)
	pak.must(400, "POST", "/api/forcegen/pledges", map[string]any{"capability": "cimic_team", "strength": -1, "readiness": day})
	pak.must(200, "GET", "/api/forcegen/pledges/"+pl.ID+"/history", nil)
	planner.must(200, "PUT", "/api/forcegen/conditions", map[string]any{"cessation": false, "version": fb.Conditions.Version})
	planner.must(200, "POST", "/api/forcegen/check", map[string]any{"placements": fb.Assignment.Placements})
	pak.must(200, "POST", "/api/forcegen/check", map[string]any{"placements": fb.Assignment.Placements})
	planner.must(200, "POST", "/api/forcegen/propose", nil)
	planner.must(200, "PUT", "/api/forcegen/assignment", map[string]any{"version": fb.Assignment.Version, "placements": fb.Assignment.Placements, "note": "same"})
	planner.must(409, "PUT", "/api/forcegen/assignment", map[string]any{"version": fb.Assignment.Version, "placements": fb.Assignment.Placements})
	pak.must(403, "PUT", "/api/forcegen/assignment", map[string]any{"version": fb.Assignment.Version + 1, "placements": []any{}})
	planner.must(200, "GET", "/api/forcegen/assignment/history", nil)
	pak.must(200, "GET", "/api/forcegen/assignment/history", nil)
	// Aid pipeline: a consignment through its stages as the parties that
	// own each, crossings, KPIs, HXL exports and imports.
	isr := as(s.login("isr.liaison"))
	echo := as(s.login("echo.analyst"))
	cons := map[string]any{"sender": "WFP", "category": "food", "crossing": "Kerem Shalom crossing", "destination": "Distribution point Jabalia",
		"planned": map[string]any{"trucks": 10, "tonnes": 200}, "external_refs": map[string]string{"waybill": "WB-OPENAPI-1"},
		"lines": []any{map[string]any{"item_name": "Wheat flour", "quantity": 200, "unit": "t", "weight_kg": 200000, "expiry": "2027-01-31"}}}
	var cv pipeline.View
	mustDecode(t, wfp.must(201, "POST", "/api/consignments", cons), &cv)
	wfp.must(409, "POST", "/api/consignments", cons)
	wfp.must(400, "POST", "/api/consignments", map[string]any{"sender": "WFP", "category": "toys", "crossing": "Atlantis gate"})
	wfp.must(403, "POST", "/api/consignments", map[string]any{"sender": "NRC", "category": "food", "crossing": "Zikim crossing"})
	wfp.must(415, "POST", "/api/consignments", "{}", "Content-Type", "text/plain")
	wfp.must(200, "GET", "/api/consignments?org=wfp&status=registered,submitted_for_clearance&category=food&limit=5", nil)
	wfp.must(400, "GET", "/api/consignments?status=teleported", nil)
	wfp.must(200, "GET", "/api/consignments/"+cv.ID, nil)
	pak.must(404, "GET", "/api/consignments/"+cv.ID, nil)
	stages := "/api/consignments/" + cv.ID + "/events"
	full := map[string]any{"trucks": 10, "tonnes": 200}
	wfp.must(200, "POST", stages, map[string]any{"stage": "submitted_for_clearance"})
	wfp.must(403, "POST", stages, map[string]any{"stage": "cleared"})
	isr.must(200, "POST", stages, map[string]any{"stage": "cleared"})
	wfp.must(200, "POST", stages, map[string]any{"stage": "dispatched", "qty": full})
	isr.must(200, "POST", stages, map[string]any{"events": []any{map[string]any{"stage": "arrived_at_crossing", "qty": full},
		map[string]any{"stage": "inspected", "qty": full}, map[string]any{"stage": "offloaded", "qty": full, "place": "Kerem Shalom platform"}}})
	wfp.must(400, "POST", stages, map[string]any{"stage": "collected", "qty": map[string]any{"trucks": 12, "tonnes": 240}})
	mustDecode(t, wfp.must(200, "POST", stages, map[string]any{"stage": "collected", "qty": map[string]any{"trucks": 6, "tonnes": 120}}), &cv)
	wfp.must(200, "POST", stages, map[string]any{"stage": "collected", "qty": map[string]any{"trucks": 5, "tonnes": 100},
		"supersedes": cv.Timeline[len(cv.Timeline)-1].ID, "reason": "recount at the warehouse"})
	wfp.must(200, "POST", stages, map[string]any{"events": []any{map[string]any{"stage": "in_transit", "qty": map[string]any{"trucks": 5, "tonnes": 100}},
		map[string]any{"stage": "delivered", "qty": map[string]any{"trucks": 4, "tonnes": 80, "damaged_tonnes": 2}},
		map[string]any{"stage": "intercepted", "kind": "crowd", "qty": map[string]any{"trucks": 1, "tonnes": 20}}}})
	wfp.must(413, "POST", stages, map[string]any{"events": slices.Repeat([]any{map[string]any{"stage": "returned", "reason": "x"}}, 101)})
	pak.must(404, "POST", stages, map[string]any{"stage": "cancelled", "reason": "x"})
	cmcc.must(200, "GET", "/api/aid", nil)
	today := time.Now().UTC().Format("2006-01-02")
	cmcc.must(200, "GET", "/api/aid/kpis", nil)
	cmcc.must(200, "GET", "/api/aid/kpis?from="+time.Now().UTC().AddDate(0, 0, -6).Format("2006-01-02")+"&to="+time.Now().UTC().Format(time.RFC3339)+
		"&crossing="+cv.Crossing+"&category=food&org=WFP", nil)
	cmcc.must(400, "GET", "/api/aid/kpis?from=yesterday", nil)
	echo.must(200, "GET", "/api/aid/kpis", nil) // sees no consignment: no crossing totals (null)
	var cl struct{ Crossings []pipeline.CrossingView }
	mustDecode(t, cmcc.must(200, "GET", "/api/aid/crossings", nil), &cl)
	i := slices.IndexFunc(cl.Crossings, func(c pipeline.CrossingView) bool { return c.ID == cv.Crossing })
	if i < 0 {
		t.Fatalf("the consignment's crossing %s is not listed", cv.Crossing)
	}
	xc := cl.Crossings[i]
	setCrossing := func(c *client, status int, open bool, version int) pipeline.CrossingOps {
		var o pipeline.CrossingOps
		b := c.must(status, "PUT", "/api/aid/crossings/"+xc.ID, map[string]any{"hours": xc.Hours, "capacity_trucks": xc.CapacityTrucks,
			"inspection_mode": xc.InspectionMode, "open": open, "reason": "OpenAPI check", "version": version})
		if status == 200 {
			mustDecode(t, b, &o)
		}
		return o
	}
	o := setCrossing(cmcc, 200, !xc.Open, xc.Version)
	wfp.must(200, "GET", "/api/consignments/"+cv.ID, nil)
	setCrossing(cmcc, 409, xc.Open, xc.Version)
	setCrossing(wfp, 403, xc.Open, o.Version)
	setCrossing(cmcc, 200, xc.Open, o.Version)
	mustDecode(t, wfp.must(200, "GET", "/api/consignments/"+cv.ID, nil), &cv)
	if !slices.ContainsFunc(cv.Closures, func(c pipeline.Closure) bool { return c.Reason == "OpenAPI check" }) {
		t.Fatalf("the crossing's closure is not among the consignment's: %+v", cv.Closures)
	}
	cmcc.must(400, "PUT", "/api/aid/crossings/"+xc.ID, map[string]any{"open": xc.Open, "inspection_mode": "teleport", "version": o.Version + 1})
	cmcc.must(404, "PUT", "/api/aid/crossings/none", map[string]any{"open": true, "version": 0})
	cmcc.must(415, "PUT", "/api/aid/crossings/"+xc.ID, "{}", "Content-Type", "text/plain")
	cmcc.must(200, "GET", "/api/aid/export/consignments.csv?org=WFP", nil)
	cmcc.must(200, "GET", "/api/aid/export/events.csv?from="+today, nil)
	cmcc.must(200, "GET", "/api/aid/export/kpis.csv?crossing="+cv.Crossing, nil)
	cmcc.must(400, "GET", "/api/aid/export/events.csv?category=toys", nil)
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	var file bytes.Buffer
	if err := writeConsignmentsCSV(&file, 3, 9, "WFP", "UN2720-OPENAPI", yesterday); err != nil {
		t.Fatal(err)
	}
	bad := append(bytes.Clone(file.Bytes()), "UN2720-OPENAPI-BAD,WFP,WFP,food,Atlantis gate,,2,40,Tents,\n"...)
	wfp.must(200, "POST", "/api/consignments/import", file.Bytes(), "Content-Type", "text/csv")
	wfp.must(400, "POST", "/api/consignments/import", bad, "Content-Type", "text/csv")
	var ir pipeline.ImportResult
	mustDecode(t, wfp.must(200, "POST", "/api/consignments/import?mode=valid_only", bad, "Content-Type", "text/csv"), &ir)
	if ir.Rejected != 1 || len(ir.Errors) != 1 || ir.Errors[0].Column != "crossing" {
		t.Fatalf("a valid-only import of a file with one bad row: %+v", ir)
	}
	wfp.must(400, "POST", "/api/consignments/import?mode=some", file.Bytes(), "Content-Type", "text/csv")
	wfp.must(413, "POST", "/api/consignments/import", strings.Repeat("x,", 200)+"x\n", "Content-Type", "text/csv")
	wfp.must(415, "POST", "/api/consignments/import", file.Bytes())
	file.Reset()
	if _, err := writeEventsCSV(&file, 3, 9, "UN2720-OPENAPI", yesterday.Add(6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cmcc.must(200, "POST", "/api/consignments/import", file.Bytes(), "Content-Type", "text/csv")
	pak.must(204, "POST", "/api/logout", nil)

	ops := documentOperations(t)
	succeeded := map[string]bool{}
	for _, p := range rec.pairs {
		p.req.Body = io.NopCloser(bytes.NewReader(p.reqBody))
		p.res.Body = io.NopCloser(bytes.NewReader(p.resBody))
		if ok, verrs := v.ValidateHttpResponse(p.req, p.res); !ok {
			t.Errorf("%s %s → %d does not match openapi.json:\n  %s\n  body: %.300s", p.req.Method, p.req.URL.Path, p.res.StatusCode, validationErrors(verrs), p.resBody)
		}
		op, ok := operationFor(ops, p.req.Method, p.req.URL.Path)
		if !ok || p.res.StatusCode >= 300 {
			continue
		}
		succeeded[op.ID] = true
		// A request the server accepted must be one the document
		// describes (body, query and path parameters).
		if slices.Contains(op.Tags, aidTag) {
			p.req.Body = io.NopCloser(bytes.NewReader(p.reqBody))
			if ok, verrs := v.ValidateHttpRequest(p.req); !ok {
				t.Errorf("%s %s, accepted with %d, does not match openapi.json:\n  %s\n  body: %.300s", p.req.Method, p.req.URL.RequestURI(), p.res.StatusCode, validationErrors(verrs), p.reqBody)
			}
		}
	}
	for _, op := range ops {
		if slices.Contains(op.Tags, aidTag) && !succeeded[op.ID] {
			t.Errorf("%s %s (%s) is never answered with success here, so its schemas go unchecked", op.Method, op.Path, op.ID)
		}
	}
	if len(rec.pairs) < 40 {
		t.Fatalf("only %d exchanges checked", len(rec.pairs))
	}
}

// aidTag tags the aid pipeline's operations in openapi.json.
const aidTag = "aid pipeline"

func validationErrors(verrs []*validatorerrors.ValidationError) string {
	var msgs []string
	for _, e := range verrs {
		msgs = append(msgs, fmt.Sprintf("%s: %s %v", e.Message, e.Reason, e.SchemaValidationErrors))
	}
	return strings.Join(msgs, "\n  ")
}

// docOperation is one operation of openapi.json.
type docOperation struct {
	Method, Path string
	ID           string   `json:"operationId"`
	Tags         []string `json:"tags"`
}

// documentOperations lists the operations of openapi.json.
func documentOperations(t *testing.T) []docOperation {
	t.Helper()
	var d struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(httpapi.OpenAPI, &d); err != nil {
		t.Fatal(err)
	}
	var ops []docOperation
	for path, item := range d.Paths {
		for method, raw := range item {
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch", "head", "options"}, method) {
				continue
			}
			op := docOperation{Method: strings.ToUpper(method), Path: path}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// operationFor finds the operation that describes a request: the path
// template matching it with the most literal segments, as the server's
// router prefers /api/consignments/import to /api/consignments/{id}.
func operationFor(ops []docOperation, method, path string) (docOperation, bool) {
	segs := strings.Split(path, "/")
	best, bestLiterals := docOperation{}, -1
	for _, op := range ops {
		tpl := strings.Split(op.Path, "/")
		if op.Method != method || len(tpl) != len(segs) {
			continue
		}
		literals := 0
		for i := range tpl {
			if strings.HasPrefix(tpl[i], "{") {
				continue
			}
			if tpl[i] != segs[i] {
				literals = -1
				break
			}
			literals++
		}
		if literals > bestLiterals {
			best, bestLiterals = op, literals
		}
	}
	return best, bestLiterals >= 0
}

// TestOpenAPIListsEveryRoute: every route httpapi registers is an
// operation of openapi.json.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	files, err := filepath.Glob("../../httpapi/*.go")
	if err != nil {
		t.Fatal(err)
	}
	ops := documentOperations(t)
	route := regexp.MustCompile(`HandleFunc\("(GET|HEAD|POST|PUT|PATCH|DELETE) (/[^"]*)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range route.FindAllStringSubmatch(string(b), -1) {
			n++
			if !slices.ContainsFunc(ops, func(o docOperation) bool { return o.Method == m[1] && o.Path == m[2] }) {
				t.Errorf("%s %s (registered in %s) is missing from openapi.json", m[1], m[2], filepath.Base(f))
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d routes in httpapi: have they moved out of HandleFunc calls?", n)
	}
}
