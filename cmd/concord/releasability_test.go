package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/password"
	"github.com/concord-mission/concord/postgres/pgtest"
)

// TestNoViewerSeesWhatItMayNot builds random worlds (parties, groups,
// release policies), lets every party write and re-mark random records
// through the API, and then checks every surface — list, get, history and
// the live stream — for every party: each sees exactly what the
// releasability rule allows, no more (no leak) and no less.
func TestNoViewerSeesWhatItMayNot(t *testing.T) {
	for world := 0; world < 3; world++ {
		t.Run(fmt.Sprint("sqlite/world", world), func(t *testing.T) { releasabilityWorld(t, uint64(world), nil) })
	}
	t.Run("postgres/world0", func(t *testing.T) {
		u := pgtest.URL(t)
		releasabilityWorld(t, 0, func(m *Main) { m.Config.PostgresURL = u })
	})
}

type written struct {
	id       string
	markings []concord.Marking // by version-1
	deleted  bool
}

func releasabilityWorld(t *testing.T, seed uint64, opt startOpt) {
	rng := rand.New(rand.NewPCG(seed, 99))
	var opts []startOpt
	if opt != nil {
		opts = append(opts, opt)
	}
	s := start(t, opts...)
	ctx := context.Background()
	svc := s.m.Service
	sys := concord.SystemViewer("P00", "test")

	groups := []string{"GA", "GB", "GC"}
	for _, g := range groups {
		if _, err := svc.PutGroup(ctx, sys, concord.Group{Code: g, Name: g}); err != nil {
			t.Fatal(err)
		}
	}
	n := 7 + rng.IntN(4)
	var codes []string
	for i := 0; i < n; i++ {
		codes = append(codes, fmt.Sprintf("P%02d", i))
	}
	var policied []concord.Party
	for i, code := range codes {
		p := concord.Party{Code: code, Name: code, Kind: concord.PartyKinds[1+rng.IntN(len(concord.PartyKinds)-1)]}
		if i == 0 {
			p.Kind = concord.KindCoordination
		}
		for _, g := range groups {
			if rng.IntN(3) == 0 {
				p.Groups = append(p.Groups, g)
			}
		}
		if i > 0 && rng.IntN(2) == 0 {
			target := codes[rng.IntN(n)]
			if rng.IntN(3) == 0 {
				target = groups[rng.IntN(len(groups))]
			}
			if target != code {
				p.Policy.NeverReleaseTo = []string{target}
			}
		}
		policy := p.Policy
		p.Policy = concord.ReleasePolicy{}
		if _, err := svc.PutParty(ctx, sys, p); err != nil {
			t.Fatal(err)
		}
		if len(policy.NeverReleaseTo) > 0 {
			p.Policy, p.Version = policy, 1
			policied = append(policied, p)
		}
	}
	for _, p := range policied {
		if _, err := svc.PutParty(ctx, sys, p); err != nil {
			t.Fatal(err)
		}
	}
	hash, _ := password.Hash("irrelevant-pw")
	clients := map[string]*client{}
	for _, code := range codes {
		u, err := svc.CreateUser(ctx, sys, concord.User{Username: "w." + code[1:], Party: code, Roles: []concord.Role{concord.RoleReporter}}, hash)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := httpapi.CreateToken(ctx, s.m.Store, u.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		c := s.anon()
		c.token, c.name = secret, code
		clients[code] = c
	}
	streams := map[string]<-chan sseEvent{}
	for _, code := range codes {
		streams[code] = clients[code].stream("")
	}

	tokens := append(append([]string{"ALL", "PUBLIC"}, groups...), codes...)
	randomRel := func() []string {
		var rel []string
		for k := rng.IntN(3); k > 0; k-- {
			t := tokens[rng.IntN(len(tokens))]
			if !slices.Contains(rel, t) {
				rel = append(rel, t)
			}
		}
		return rel
	}
	var records []*written
	refused := 0
	for i := 0; i < 12*n; i++ {
		owner := codes[rng.IntN(n)]
		c := clients[owner]
		if len(records) > 0 && rng.IntN(3) == 0 {
			// Re-mark (or delete) one of the owner's records.
			var mine []*written
			for _, r := range records {
				if r.markings[0].Owner == owner && !r.deleted {
					mine = append(mine, r)
				}
			}
			if len(mine) > 0 {
				r := mine[rng.IntN(len(mine))]
				if rng.IntN(5) == 0 {
					c.must(204, "DELETE", fmt.Sprintf("/api/features/%s?version=%d", r.id, len(r.markings)), nil)
					r.deleted = true
					continue
				}
				body := site("re-marked", owner, randomRel(), 34.3, 31.4)
				body["properties"].(map[string]any)["version"] = len(r.markings)
				res, b := c.do("PUT", "/api/features/"+r.id, body)
				if res.StatusCode == 400 {
					refused++
					continue
				}
				if res.StatusCode != 200 {
					t.Fatalf("update: %d %s", res.StatusCode, b)
				}
				var f geoFeature
				json.Unmarshal(b, &f)
				r.markings = append(r.markings, f.marking())
				continue
			}
		}
		res, b := c.do("POST", "/api/features", site(fmt.Sprint("r", i), owner, randomRel(), 34.2+rng.Float64()*0.3, 31.25+rng.Float64()*0.3))
		if res.StatusCode == 400 {
			refused++ // a marking that breaks the owner's policy
			continue
		}
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, b)
		}
		var f geoFeature
		json.Unmarshal(b, &f)
		records = append(records, &written{id: f.ID, markings: []concord.Marking{f.marking()}})
	}
	d := svc.Access().Directory()
	t.Logf("%d parties, %d records, %d refused markings", n, len(records), refused)

	// A marker everyone may see ends every stream's expectations.
	var marker geoFeature
	json.Unmarshal(clients["P00"].must(201, "POST", "/api/features", site("marker", "P00", []string{"ALL"}, 34.3, 31.4)), &marker)

	for _, code := range codes {
		c := clients[code]
		listed := map[string]bool{}
		for _, f := range c.features("limit=5000") {
			listed[f.ID] = true
		}
		for _, r := range records {
			cur := r.markings[len(r.markings)-1]
			want := !r.deleted && d.CanSee(code, cur)
			if listed[r.id] != want {
				t.Errorf("%s lists %s = %v, want %v (marking %+v)", code, r.id, listed[r.id], want, cur)
			}
			res, _ := c.do("GET", "/api/features/"+r.id, nil)
			if (res.StatusCode == 200) != want {
				t.Errorf("%s GET %s = %d, want visible %v", code, r.id, res.StatusCode, want)
			}
			res, b := c.do("GET", "/api/features/"+r.id+"/history", nil)
			if (res.StatusCode == 200) != want {
				t.Errorf("%s history %s = %d, want visible %v", code, r.id, res.StatusCode, want)
			}
			if res.StatusCode == 200 {
				var h struct{ Versions []concord.Version }
				json.Unmarshal(b, &h)
				for _, v := range h.Versions {
					if !d.CanSee(code, r.markings[v.Version-1]) {
						t.Errorf("%s sees version %d of %s marked %+v", code, v.Version, r.id, r.markings[v.Version-1])
					}
				}
			}
		}

		// The stream: every event must be one the viewer may see, and every
		// event it may see must arrive.
		expected := map[string]bool{}
		for _, r := range records {
			for v, m := range r.markings {
				key := fmt.Sprintf("%s/%d", r.id, v+1)
				switch {
				case d.CanSee(code, m):
					expected[key+"/data"] = true
				case v > 0 && d.CanSee(code, r.markings[v-1]):
					expected[key+"/withdrawn"] = true
				}
			}
			if r.deleted && d.CanSee(code, r.markings[len(r.markings)-1]) {
				expected[fmt.Sprintf("%s/%d/data", r.id, len(r.markings)+1)] = true
			}
		}
		got := map[string]bool{}
		waitEvent(t, streams[code], 20*time.Second, func(e sseEvent) bool {
			if e.Data.RecordID == marker.ID {
				return true
			}
			if e.Data.Kind != "feature" {
				return false
			}
			var key string
			if e.Name == "feature.withdrawn" {
				if e.Data.Marking != nil || len(e.Data.Data) > 0 {
					t.Errorf("%s: withdrawn event carries data: %+v", code, e.Data)
				}
				key = e.Data.RecordID + "/"
				for _, r := range records {
					if r.id == e.Data.RecordID {
						// withdrawn events carry no version; find the one.
						for v := 1; v < len(r.markings); v++ {
							if !d.CanSee(code, r.markings[v]) && d.CanSee(code, r.markings[v-1]) && !got[fmt.Sprintf("%s/%d/withdrawn", r.id, v+1)] {
								key = fmt.Sprintf("%s/%d/withdrawn", r.id, v+1)
								break
							}
						}
					}
				}
			} else {
				if e.Data.Marking == nil || !d.CanSee(code, *e.Data.Marking) {
					t.Errorf("LEAK: %s received %s of %s marked %+v", code, e.Name, e.Data.RecordID, e.Data.Marking)
				}
				key = fmt.Sprintf("%s/%d/data", e.Data.RecordID, e.Data.Version)
			}
			if !expected[key] {
				t.Errorf("%s received unexpected %s (%s)", code, e.Name, key)
			}
			got[key] = true
			return false
		})
		for k := range expected {
			if !got[k] {
				t.Errorf("%s never received %s", code, k)
			}
		}
	}
}
