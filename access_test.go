package concord_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/concord-mission/concord"
)

func directory(t testing.TB) *concord.Directory {
	t.Helper()
	d, err := concord.NewDirectory([]concord.Party{
		{Code: "CMCC", Name: "Center", Kind: concord.KindCoordination},
		{Code: "USA", Name: "US", Kind: concord.KindContributingNation, Groups: []string{"ISF"}},
		{Code: "PAK", Name: "Pakistan", Kind: concord.KindContributingNation, Groups: []string{"ISF"},
			Policy: concord.ReleasePolicy{NeverReleaseTo: []string{"ISR"}, Reason: "no direct cooperation"}},
		{Code: "IDN", Name: "Indonesia", Kind: concord.KindContributingNation, Groups: []string{"ISF"}},
		{Code: "ISR", Name: "Controlling", Kind: concord.KindControllingParty},
		{Code: "WFP", Name: "WFP", Kind: concord.KindUNAgency, Groups: []string{"HUM"}},
		{Code: "MSF", Name: "MSF", Kind: concord.KindNGO, Groups: []string{"HUM"}, Policy: concord.ReleasePolicy{NeverReleaseTo: []string{"ISF"}}},
	}, []concord.Group{{Code: "ISF", Name: "ISF"}, {Code: "HUM", Name: "Humanitarian"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func m(owner string, rel ...string) concord.Marking {
	return concord.Marking{Owner: owner, Rel: rel, Caveats: []string{}}
}

func TestCanSee(t *testing.T) {
	d := directory(t)
	cases := []struct {
		name   string
		viewer string
		mark   concord.Marking
		want   bool
	}{
		{"owner sees own", "PAK", m("PAK"), true},
		{"center sees all", "CMCC", m("PAK"), true},
		{"center sees despite policy", "CMCC", m("PAK", "ALL"), true},
		{"not named", "USA", m("PAK"), false},
		{"named party", "USA", m("PAK", "USA"), true},
		{"via group", "IDN", m("PAK", "ISF"), true},
		{"group does not include", "WFP", m("PAK", "ISF"), false},
		{"ALL", "WFP", m("PAK", "ALL"), true},
		{"PUBLIC", "ISR", m("WFP", "PUBLIC"), true},
		{"policy overrides ALL", "ISR", m("PAK", "ALL"), false},
		{"policy by group overrides party", "USA", m("MSF", "ALL"), false},
		{"policy by group leaves others", "WFP", m("MSF", "ALL"), true},
		{"unknown viewer", "XXX", m("PAK", "PUBLIC"), false},
		{"other owner not bound by PAK's policy", "ISR", m("USA", "ALL"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.CanSee(tc.viewer, tc.mark); got != tc.want {
				t.Fatalf("CanSee(%s, %+v) = %v, want %v", tc.viewer, tc.mark, got, tc.want)
			}
		})
	}
}

func TestNormalizeMarking(t *testing.T) {
	d := directory(t)
	cases := []struct {
		name    string
		in      concord.Marking
		want    []string // normalized rel
		wantErr string
	}{
		{"sorted parties before groups", concord.Marking{Owner: "pak", Rel: []string{"isf", "USA", " idn "}}, []string{"IDN", "USA", "ISF"}, ""},
		{"unknown party", concord.Marking{Owner: "PAK", Rel: []string{"XYZ"}}, nil, "unknown party or group XYZ"},
		{"unknown owner", concord.Marking{Owner: "XYZ"}, nil, "unknown party XYZ"},
		{"missing owner", concord.Marking{}, nil, "marking.owner: is required"},
		{"duplicate", concord.Marking{Owner: "PAK", Rel: []string{"USA", "usa"}}, nil, "USA is listed twice"},
		{"policy refuses named party", concord.Marking{Owner: "PAK", Rel: []string{"ISR"}}, nil, "breaks the release policy of PAK"},
		{"policy refuses PUBLIC", concord.Marking{Owner: "PAK", Rel: []string{"PUBLIC"}}, nil, "PUBLIC breaks the release policy of PAK"},
		{"policy refuses named group", concord.Marking{Owner: "MSF", Rel: []string{"ISF"}}, nil, "releasing to group ISF breaks"},
		{"policy refuses member of refused group", concord.Marking{Owner: "MSF", Rel: []string{"USA"}}, nil, "releasing to USA breaks"},
		{"ALL allowed despite policy", concord.Marking{Owner: "PAK", Rel: []string{"ALL"}}, []string{"ALL"}, ""},
		{"unknown caveat", concord.Marking{Owner: "PAK", Caveats: []string{"NOFORN"}}, nil, "unknown caveat NOFORN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.NormalizeMarking(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if concord.ErrorCode(err) != concord.Invalid {
					t.Fatalf("code = %s", concord.ErrorCode(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Rel, tc.want) {
				t.Fatalf("rel = %v, want %v", got.Rel, tc.want)
			}
		})
	}
}

func TestBanner(t *testing.T) {
	d := directory(t)
	for _, tc := range []struct {
		m    concord.Marking
		want string
	}{
		{concord.Marking{Owner: "PAK", Rel: []string{"ISF", "USA"}}, "REL TO PAK, USA, ISF"},
		{concord.Marking{Owner: "USA", Rel: []string{"PAK", "IDN", "HUM", "ISF"}}, "REL TO USA, IDN, PAK, HUM, ISF"},
		{concord.Marking{Owner: "PAK", Rel: []string{"PAK"}}, "REL TO PAK"},
		{concord.Marking{Owner: "WFP", Rel: []string{"PUBLIC"}}, "PUBLIC"},
		{concord.Marking{Owner: "PAK", Rel: []string{"ISF"}, Caveats: []string{"ORCON"}}, "REL TO PAK, ISF // ORCON"},
	} {
		if got := d.Banner(tc.m); got != tc.want {
			t.Errorf("Banner(%+v) = %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestDirectoryRejectsInconsistency(t *testing.T) {
	if _, err := concord.NewDirectory([]concord.Party{{Code: "PAK", Groups: []string{"NOPE"}}}, nil); err == nil {
		t.Fatal("unknown group accepted")
	}
	if _, err := concord.NewDirectory([]concord.Party{{Code: "PAK", Policy: concord.ReleasePolicy{NeverReleaseTo: []string{"NOPE"}}}}, nil); err == nil {
		t.Fatal("unknown policy target accepted")
	}
	if _, err := concord.NewDirectory([]concord.Party{{Code: "ISF"}}, []concord.Group{{Code: "ISF"}}); err == nil {
		t.Fatal("party and group with one code accepted")
	}
}

// randomWorld builds a random directory: n parties of random kinds in
// random groups with random release policies.
func randomWorld(rng *rand.Rand, n int) ([]concord.Party, []concord.Group) {
	groups := []concord.Group{{Code: "GA", Name: "A"}, {Code: "GB", Name: "B"}, {Code: "GC", Name: "C"}}
	var ps []concord.Party
	for i := 0; i < n; i++ {
		p := concord.Party{Code: fmt.Sprintf("P%02d", i), Name: "p", Kind: concord.PartyKinds[1+rng.IntN(len(concord.PartyKinds)-1)]}
		if i == 0 {
			p.Kind = concord.KindCoordination
		}
		for _, g := range groups {
			if rng.IntN(3) == 0 {
				p.Groups = append(p.Groups, g.Code)
			}
		}
		ps = append(ps, p)
	}
	for i := range ps {
		if rng.IntN(3) == 0 {
			if rng.IntN(2) == 0 {
				ps[i].Policy.NeverReleaseTo = []string{ps[rng.IntN(n)].Code}
			} else {
				ps[i].Policy.NeverReleaseTo = []string{groups[rng.IntN(len(groups))].Code}
			}
			if ps[i].Policy.NeverReleaseTo[0] == ps[i].Code {
				ps[i].Policy.NeverReleaseTo = nil
			}
		}
	}
	return ps, groups
}

// reference is a deliberately naive restatement of the rule in DESIGN.md,
// written independently of Directory's precomputed tables.
func reference(ps []concord.Party, viewer string, mk concord.Marking) bool {
	byCode := map[string]concord.Party{}
	for _, p := range ps {
		byCode[p.Code] = p
	}
	v, ok := byCode[viewer]
	if !ok {
		return false
	}
	if v.Kind == concord.KindCoordination || mk.Owner == viewer {
		return true
	}
	owner := byCode[mk.Owner]
	for _, x := range owner.Policy.NeverReleaseTo {
		if x == viewer || slices.Contains(v.Groups, x) {
			return false
		}
	}
	for _, r := range mk.Rel {
		if r == "ALL" || r == "PUBLIC" || r == viewer || slices.Contains(v.Groups, r) {
			return true
		}
	}
	return false
}

func TestCanSeeAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for world := 0; world < 50; world++ {
		ps, gs := randomWorld(rng, 3+rng.IntN(12))
		d, err := concord.NewDirectory(ps, gs)
		if err != nil {
			t.Fatal(err)
		}
		tokens := []string{"ALL", "PUBLIC"}
		for _, g := range gs {
			tokens = append(tokens, g.Code)
		}
		for _, p := range ps {
			tokens = append(tokens, p.Code)
		}
		for rec := 0; rec < 200; rec++ {
			mk := concord.Marking{Owner: ps[rng.IntN(len(ps))].Code}
			for k := rng.IntN(4); k > 0; k-- {
				mk.Rel = append(mk.Rel, tokens[rng.IntN(len(tokens))])
			}
			for _, p := range ps {
				if got, want := d.CanSee(p.Code, mk), reference(ps, p.Code, mk); got != want {
					t.Fatalf("world %d: CanSee(%s, %+v) = %v, reference says %v (parties %+v)", world, p.Code, mk, got, want, ps)
				}
			}
			// A marking the directory accepts never names a refused party.
			if n, err := d.NormalizeMarking(mk); err == nil {
				for _, r := range n.Rel {
					if _, isParty := d.Party(r); isParty && !d.CanSee(r, n) {
						t.Fatalf("accepted marking %+v names %s who cannot see it", n, r)
					}
				}
			}
		}
	}
}

func BenchmarkCanSee(b *testing.B) {
	d := directory(b)
	mk := m("PAK", "USA", "HUM", "ISF")
	viewers := []string{"CMCC", "USA", "PAK", "IDN", "ISR", "WFP", "MSF"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.CanSee(viewers[i%len(viewers)], mk)
	}
}
