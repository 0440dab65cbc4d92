package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/httpapi"
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
	v, errs := validator.NewValidator(doc)
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
	pak.must(204, "POST", "/api/logout", nil)

	for _, p := range rec.pairs {
		p.req.Body = io.NopCloser(bytes.NewReader(p.reqBody))
		p.res.Body = io.NopCloser(bytes.NewReader(p.resBody))
		if ok, verrs := v.ValidateHttpResponse(p.req, p.res); !ok {
			var msgs []string
			for _, e := range verrs {
				msgs = append(msgs, fmt.Sprintf("%s: %s %v", e.Message, e.Reason, e.SchemaValidationErrors))
			}
			t.Errorf("%s %s → %d does not match openapi.json:\n  %s\n  body: %.300s", p.req.Method, p.req.URL.Path, p.res.StatusCode, strings.Join(msgs, "\n  "), p.resBody)
		}
	}
	if len(rec.pairs) < 40 {
		t.Fatalf("only %d exchanges checked", len(rec.pairs))
	}
}
