package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/httpapi"
)

// BenchmarkListFeaturesHTTP measures GET /api/features for a bbox holding
// about 2,500 features, half of them visible to the caller, through the
// whole server handler (auth, access layer, store, GeoJSON encoding).
func BenchmarkListFeaturesHTTP(b *testing.B) {
	m := NewMain()
	m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	m.Config.DataDir = b.TempDir()
	m.Demo, m.Simulate = true, false
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 5000; i++ {
		rel := []string{"HUM"}
		if i%2 == 0 {
			rel = []string{"ISF"}
		}
		f := concord.Feature{Kind: concord.FeatureSite, Name: fmt.Sprint("s", i), Geometry: orb.Point{34.3 + rng.Float64()*0.1, 31.3 + rng.Float64()*0.1},
			Marking: concord.Marking{Owner: "WFP", Rel: rel}, Attrs: concord.FeatureAttrs{SiteKind: concord.SiteClinic, Status: concord.StatusOpen}}
		if _, err := m.Service.CreateFeature(ctx, concord.Viewer{UserID: "system:b", Party: "WFP", Roles: []concord.Role{concord.RoleCoordinator}}, concord.FeatureInput{Feature: f}); err != nil {
			b.Fatal(err)
		}
	}
	u, _, _ := m.Store.UserByName(ctx, "usa.viewer")
	_, tok, _ := httpapi.CreateToken(ctx, m.Store, u.ID, "b", 0)
	h := m.API.Handler()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/features?limit=5000&kind=site&bbox=34.3,31.3,34.4,31.4", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
