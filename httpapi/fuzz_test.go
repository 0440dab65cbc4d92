package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cop"
	"github.com/concord-mission/concord/deconflict"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/password"
	"github.com/concord-mission/concord/sqlite"
)

var fuzzServer struct {
	once  sync.Once
	h     http.Handler
	token string
	err   error
}

// server builds one API over a real SQLite store for all fuzz inputs.
func server(f *testing.F) (http.Handler, string) {
	fuzzServer.once.Do(func() {
		ctx := context.Background()
		db, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{Migrate: true})
		if err != nil {
			fuzzServer.err = err
			return
		}
		svc, err := concord.NewService(ctx, db, concord.ServiceOptions{Deconflicter: deconflict.NewChecker(deconflict.Config{})})
		if err != nil {
			fuzzServer.err = err
			return
		}
		sys := concord.SystemViewer("CMCC", "fuzz")
		svc.PutGroup(ctx, sys, concord.Group{Code: "ISF", Name: "ISF"})
		svc.PutParty(ctx, sys, concord.Party{Code: "CMCC", Name: "C", Kind: concord.KindCoordination})
		svc.PutParty(ctx, sys, concord.Party{Code: "PAK", Name: "P", Kind: concord.KindContributingNation, Groups: []string{"ISF"}})
		hash, _ := password.Hash("fuzz-password")
		u, err := svc.CreateUser(ctx, sys, concord.User{Username: "admin", Party: "CMCC", Roles: []concord.Role{concord.RoleAdmin, concord.RoleCoordinator}}, hash)
		if err != nil {
			fuzzServer.err = err
			return
		}
		_, fuzzServer.token, fuzzServer.err = httpapi.CreateToken(ctx, db, u.ID, "fuzz", 0)
		live := cop.New(svc, cop.Options{})
		if fuzzServer.err = live.Load(ctx); fuzzServer.err != nil {
			return
		}
		fuzzServer.h = httpapi.New(httpapi.Options{Service: svc, COP: live, LoginRate: 1 << 20}).Handler()
	})
	if fuzzServer.err != nil {
		f.Fatal(fuzzServer.err)
	}
	return fuzzServer.h, fuzzServer.token
}

// FuzzAPIBodies sends arbitrary bodies to every endpoint that decodes one:
// the answer must never be a 5xx, and every error must be problem+json.
func FuzzAPIBodies(f *testing.F) {
	h, token := server(f)
	f.Add(uint8(0), []byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[34.3,31.4]},"properties":{"kind":"site","name":"x","site_kind":"clinic","status":"open","marking":{"owner":"PAK","rel":["ISF"]}}}`))
	f.Add(uint8(1), []byte(`{"username":"admin","password":"fuzz-password"}`))
	f.Add(uint8(2), []byte(`{"code":"NGO1","name":"n","kind":"ngo","groups":["ISF"],"policy":{"never_release_to":["PAK"]}}`))
	f.Add(uint8(3), []byte(`{"marking":{"owner":"PAK","rel":["ISF","ALL"],"caveats":["ORCON"]}}`))
	f.Add(uint8(4), []byte(`{"username":"u1","party":"PAK","roles":["viewer"],"password":"12345678"}`))
	f.Add(uint8(5), []byte(`{"name":"t","expires_in_days":3}`))
	f.Add(uint8(6), []byte(`{"code":"GRP","name":"g"}`))
	f.Add(uint8(0), []byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{}}`))
	movement := `{"purpose":"food","route":{"type":"LineString","coordinates":[[34.30,31.40],[34.35,31.42]]},"depart":"2030-01-02T08:00:00Z","arrive":"2030-01-02T10:00:00Z",` +
		`"vehicles":[{"plate":"P-1","type":"truck"}],"personnel":3,"contacts":[{"name":"A"}],"marking":{"owner":"PAK","rel":["ISF"]}}`
	f.Add(uint8(8), []byte(movement))
	f.Add(uint8(9), []byte(movement))
	f.Add(uint8(10), []byte(`{"version":1,`+movement[1:]))
	f.Add(uint8(11), []byte(`{"decision":"object","reason":"road closed"}`))
	f.Add(uint8(12), []byte(`{"outcome":"impeded","delays":[{"minutes":30,"reason":"queue"}]}`))
	f.Add(uint8(13), []byte(`{"reason":"cancelled"}`))
	f.Add(uint8(14), []byte(`{"name":"Clinic","category":"clinic_or_hospital","geometry":{"type":"Point","coordinates":[34.3,31.4]},"reconfirm_hours":24,"marking":{"owner":"PAK","rel":["ISF"]}}`))
	f.Add(uint8(8), []byte(`{"route":{"type":"LineString","coordinates":[[1e308,-1e308],[NaN,0]]},"depart":"x"}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		targets := []struct{ method, path string }{
			{"POST", "/api/features"}, {"POST", "/api/login"}, {"POST", "/api/parties"}, {"POST", "/api/markings/check"},
			{"POST", "/api/users"}, {"POST", "/api/tokens"}, {"POST", "/api/groups"}, {"PUT", "/api/parties/PAK"},
			{"POST", "/api/movements/check"}, {"POST", "/api/movements"}, {"PUT", "/api/movements/" + fuzzMovement(h, token)},
			{"POST", "/api/movements/" + fuzzMovement(h, token) + "/ack"}, {"POST", "/api/movements/" + fuzzMovement(h, token) + "/decide"},
			{"POST", "/api/movements/" + fuzzMovement(h, token) + "/cancel"}, {"POST", "/api/site-notifications"},
		}
		tg := targets[int(which)%len(targets)]
		req := httptest.NewRequest(tg.method, tg.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s answered %d: %s", tg.method, tg.path, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("error without problem+json: %d %s", rec.Code, ct)
			}
			var p httpapi.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Detail == "" || p.Code == "" || strings.Contains(p.Detail, "internal") {
				t.Fatalf("bad problem %s", rec.Body.String())
			}
		}
	})
}

var fuzzMovementID struct {
	once sync.Once
	id   string
}

// fuzzMovement returns a movement the fuzzed steps act on.
func fuzzMovement(h http.Handler, token string) string {
	fuzzMovementID.once.Do(func() {
		body := `{"purpose":"food","route":{"type":"LineString","coordinates":[[34.30,31.40],[34.35,31.42]]},"depart":"2030-01-02T08:00:00Z",` +
			`"arrive":"2030-01-02T10:00:00Z","marking":{"owner":"PAK","rel":["ISF"]}}`
		req := httptest.NewRequest("POST", "/api/movements", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var m struct{ ID string }
		if json.Unmarshal(rec.Body.Bytes(), &m) != nil || m.ID == "" {
			panic("fuzz movement not created: " + rec.Body.String())
		}
		fuzzMovementID.id = m.ID
	})
	return fuzzMovementID.id
}

// FuzzTrackReports sends arbitrary position reports, as JSON, GeoJSON and
// NDJSON: never a 5xx, every error problem+json, and nothing accepted
// outside valid ranges.
func FuzzTrackReports(f *testing.F) {
	h, token := server(f)
	f.Add(uint8(0), []byte(`[{"uid":"T1","type":"a-f-G","lat":31.4,"lon":34.4,"time":"2026-12-01T10:00:00Z"}]`))
	f.Add(uint8(1), []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[34.4,31.4,12]},"properties":{"uid":"T2","time":"2026-12-01T10:00:00Z"}}]}`))
	f.Add(uint8(2), []byte("{\"uid\":\"T3\",\"lat\":31.4,\"lon\":34.4,\"time\":\"2026-12-01T10:00:00Z\"}\n{\"uid\":\"T3\",\"lat\":91}\n"))
	f.Add(uint8(0), []byte(`[{"uid":"T4","lat":1e400,"lon":-0,"time":"2026-12-01T10:00:00Z","marking":{"owner":"PAK","rel":["ISF"]}}]`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ctype := []string{"application/json", "application/geo+json", "application/x-ndjson"}[int(which)%3]
		req := httptest.NewRequest("POST", "/api/tracks", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST /api/tracks answered %d: %s", rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("error without problem+json: %d", rec.Code)
		}
		if rec.Code == 202 {
			req := httptest.NewRequest("GET", "/api/tracks", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var out struct {
				Tracks []concord.Track `json:"tracks"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			for _, tr := range out.Tracks {
				if tr.Lat < -90 || tr.Lat > 90 || tr.Lon < -180 || tr.Lon > 180 || tr.UID == "" {
					t.Fatalf("an invalid report was kept: %+v", tr)
				}
			}
		}
	})
}
