package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/postgres"
	"github.com/concord-mission/concord/postgres/pgtest"
)

// TestRLSAgreesWithAccessLayer builds random worlds, writes features with
// random markings through the Service, and checks that an analyst role of
// each party sees in PostgreSQL (table and layer views) exactly what the
// application shows that party.
func TestRLSAgreesWithAccessLayer(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("world", seed), func(t *testing.T) { rlsWorld(t, seed) })
	}
}

func rlsWorld(t *testing.T, seed uint64) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db, err := postgres.Open(ctx, u, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := concord.NewService(ctx, db, concord.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 5))
	sys := concord.SystemViewer("P00", "test")
	groups := []string{"GA", "GB"}
	for _, g := range groups {
		if _, err := svc.PutGroup(ctx, sys, concord.Group{Code: g, Name: g}); err != nil {
			t.Fatal(err)
		}
	}
	n := 6 + rng.IntN(4)
	var codes []string
	for i := 0; i < n; i++ {
		codes = append(codes, fmt.Sprintf("P%02d", i))
	}
	for i, code := range codes {
		p := concord.Party{Code: code, Name: code, Kind: concord.PartyKinds[1+rng.IntN(len(concord.PartyKinds)-1)]}
		if i == 0 {
			p.Kind = concord.KindCoordination
		}
		for _, g := range groups {
			if rng.IntN(2) == 0 {
				p.Groups = append(p.Groups, g)
			}
		}
		if i > 0 && rng.IntN(2) == 0 {
			if rng.IntN(3) == 0 {
				p.Policy.NeverReleaseTo = []string{groups[rng.IntN(len(groups))]}
			} else if j := rng.IntN(i); j != i {
				p.Policy.NeverReleaseTo = []string{codes[j]}
			}
		}
		if _, err := svc.PutParty(ctx, sys, p); err != nil {
			t.Fatal(err)
		}
	}
	tokens := append(append([]string{"ALL", "PUBLIC"}, groups...), codes...)
	kinds := []concord.FeatureKind{concord.FeatureSite, concord.FeatureRestrictedArea}
	written := 0
	for i := 0; i < 150; i++ {
		owner := codes[rng.IntN(n)]
		var rel []string
		for k := rng.IntN(3); k > 0; k-- {
			if t := tokens[rng.IntN(len(tokens))]; !slices.Contains(rel, t) {
				rel = append(rel, t)
			}
		}
		lon, lat := 34.2+rng.Float64()*0.3, 31.2+rng.Float64()*0.3
		f := concord.Feature{Kind: kinds[i%2], Name: fmt.Sprint("f", i), Marking: concord.Marking{Owner: owner, Rel: rel}}
		if f.Kind == concord.FeatureSite {
			f.Geometry = orb.Point{lon, lat}
			f.Attrs = concord.FeatureAttrs{SiteKind: concord.SiteClinic, Status: concord.StatusOpen}
		} else {
			f.Geometry = orb.Polygon{{{lon, lat}, {lon + 0.01, lat}, {lon + 0.01, lat + 0.01}, {lon, lat}}}
		}
		v := concord.Viewer{UserID: "system:test", Username: "t", Party: owner, Roles: []concord.Role{concord.RoleCoordinator}}
		if _, err := svc.CreateFeature(ctx, v, concord.FeatureInput{Feature: f}); err == nil {
			written++
		} else if concord.ErrorCode(err) != concord.Invalid {
			t.Fatal(err)
		}
	}
	admin := pgtest.AdminURL(t)
	for _, code := range codes {
		role := fmt.Sprintf("concord_test_%s_%d_%s", code[1:], seed, pgtest.Suffix(u))
		if err := db.GrantAnalyst(ctx, role, code, "analyst-pw"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pgtest.DropRole(admin, u, role) })
		page, err := svc.ListFeatures(ctx, concord.Viewer{UserID: "u", Party: code}, concord.FeatureQuery{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range page.Features {
			want = append(want, f.ID)
		}
		slices.Sort(want)

		ru, _ := url.Parse(u)
		ru.User = url.UserPassword(role, "analyst-pw")
		conn, err := pgx.Connect(ctx, ru.String())
		if err != nil {
			t.Fatal(err)
		}
		got := ids(t, conn, `SELECT id FROM features ORDER BY id`)
		viaViews := ids(t, conn, `SELECT id FROM layer_sites UNION ALL SELECT id FROM layer_restricted_areas ORDER BY id`)
		var writes int
		if _, err := conn.Exec(ctx, `DELETE FROM features`); err == nil {
			writes++
		}
		conn.Close(ctx)
		if !slices.Equal(got, want) {
			t.Errorf("party %s: PostgreSQL RLS shows %d features, the application %d", code, len(got), len(want))
		}
		if !slices.Equal(viaViews, want) {
			t.Errorf("party %s: layer views show %d features, the application %d", code, len(viaViews), len(want))
		}
		if writes > 0 {
			t.Errorf("analyst role of %s could delete features", code)
		}
	}
	t.Logf("%d parties, %d features written", n, written)
}

func ids(t *testing.T, conn *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
