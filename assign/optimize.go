package assign

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Proposal is the optimizer's assignment with what it leaves unmet.
type Proposal struct {
	Placements []Placement `json:"placements"`
	// Score is the sum of the priorities of the slots filled.
	Score int   `json:"score"`
	Gaps  []Gap `json:"gaps"`
	// Relays lists placements that need relayed liaison, with the cost.
	Relays []Conflict `json:"relays"`
}

// Gap is a requirement the proposal cannot fully meet, and why.
type Gap struct {
	Requirement string   `json:"requirement"`
	Missing     int      `json:"missing"`
	Reasons     []string `json:"reasons"`
	// Blocking are the hard conflicts that keep otherwise matching
	// pledges out, for callers that explain (and redact) caveats.
	Blocking []Conflict `json:"blocking"`
}

type slot struct {
	req  *Requirement
	k    int
	with int // index of the pledge filling it, -1 if none
}

type edge struct {
	pledge int
	relay  bool
}

// Propose returns the optimal assignment of accepted pledges.
func (w World) Propose() Proposal {
	var reqs []*Requirement
	for id := range w.Requirements {
		r := w.Requirements[id]
		reqs = append(reqs, &r)
	}
	slices.SortFunc(reqs, func(a, b *Requirement) int { return cmp.Compare(a.ID, b.ID) })
	var pledges []Pledge
	for _, p := range w.Pledges {
		if p.Accepted {
			pledges = append(pledges, p)
		}
	}
	slices.SortFunc(pledges, func(a, b Pledge) int { return cmp.Compare(a.ID, b.ID) })

	prop := Proposal{Placements: []Placement{}, Gaps: []Gap{}, Relays: []Conflict{}}
	byCap := map[Capability][]int{}
	for i, p := range pledges {
		byCap[p.Capability] = append(byCap[p.Capability], i)
	}
	reqCaps := map[Capability][]*Requirement{}
	for _, r := range reqs {
		reqCaps[r.Capability] = append(reqCaps[r.Capability], r)
	}
	caps := make([]Capability, 0, len(reqCaps))
	for c := range reqCaps {
		caps = append(caps, c)
	}
	slices.Sort(caps)
	for _, c := range caps {
		w.proposeCap(reqCaps[c], pledges, byCap[c], &prop)
	}
	slices.SortFunc(prop.Placements, func(a, b Placement) int {
		return cmp.Or(cmp.Compare(a.Requirement, b.Requirement), cmp.Compare(a.Pledge, b.Pledge))
	})
	slices.SortFunc(prop.Gaps, func(a, b Gap) int { return cmp.Compare(a.Requirement, b.Requirement) })
	return prop
}

// proposeCap solves one capability: greedy over slots by priority with
// augmenting paths (optimal for the transversal matroid of slots).
func (w World) proposeCap(reqs []*Requirement, pledges []Pledge, idx []int, prop *Proposal) {
	edges := map[string][]edge{}
	for _, r := range reqs {
		var es []edge
		for _, i := range idx {
			if hard, relay := w.verdict(pledges[i], *r); !hard {
				es = append(es, edge{pledge: i, relay: relay})
			}
		}
		// Prefer pledges that need no relay, then earlier readiness.
		slices.SortStableFunc(es, func(a, b edge) int {
			if a.relay != b.relay {
				if a.relay {
					return 1
				}
				return -1
			}
			return cmp.Or(pledges[a.pledge].Readiness.Compare(pledges[b.pledge].Readiness), cmp.Compare(pledges[a.pledge].ID, pledges[b.pledge].ID))
		})
		edges[r.ID] = es
	}
	var slots []*slot
	for _, r := range reqs {
		for k := 0; k < r.Quantity; k++ {
			slots = append(slots, &slot{req: r, k: k, with: -1})
		}
	}
	slices.SortStableFunc(slots, func(a, b *slot) int {
		return cmp.Or(cmp.Compare(prio(*b.req), prio(*a.req)), a.req.NeededBy.Compare(b.req.NeededBy), cmp.Compare(a.req.ID, b.req.ID), cmp.Compare(a.k, b.k))
	})
	holder := map[int]*slot{} // pledge -> slot it fills
	seen := map[int]int{}     // pledge -> the attempt that visited it
	attempt := 0
	var augment func(s *slot) bool
	augment = func(s *slot) bool {
		for _, e := range edges[s.req.ID] {
			if seen[e.pledge] == attempt {
				continue
			}
			seen[e.pledge] = attempt
			if h := holder[e.pledge]; h == nil || augment(h) {
				holder[e.pledge] = s
				s.with = e.pledge
				return true
			}
		}
		return false
	}
	for _, s := range slots {
		attempt++
		augment(s)
	}
	missing := map[string]int{}
	for _, s := range slots {
		if s.with < 0 {
			missing[s.req.ID]++
			continue
		}
		p := pledges[s.with]
		prop.Placements = append(prop.Placements, Placement{Pledge: p.ID, Requirement: s.req.ID})
		prop.Score += prio(*s.req)
		for _, c := range w.CheckPlacement(p, *s.req) {
			if c.Relay {
				prop.Relays = append(prop.Relays, c)
			}
		}
	}
	for _, r := range reqs {
		n := missing[r.ID]
		if n == 0 {
			continue
		}
		// Explain only the requirements left short, with the conflicts of
		// the first ten excluded pledges in full.
		var blocking []Conflict
		shown := 0
		for _, i := range idx {
			if hard, _ := w.verdict(pledges[i], *r); !hard || shown == 10 {
				continue
			}
			shown++
			for _, c := range w.CheckPlacement(pledges[i], *r) {
				if c.Hard {
					blocking = append(blocking, c)
				}
			}
		}
		g := Gap{Requirement: r.ID, Missing: n, Blocking: blocking, Reasons: w.gapReasons(*r, pledges, idx, edges[r.ID], blocking)}
		prop.Gaps = append(prop.Gaps, g)
	}
}

func prio(r Requirement) int { return max(1, r.Priority) }

// gapReasons explains why a requirement stays short.
func (w World) gapReasons(r Requirement, pledges []Pledge, idx []int, eligible []edge, blocking []Conflict) []string {
	all := 0
	for _, p := range w.Pledges {
		if p.Capability == r.Capability {
			all++
		}
	}
	if len(idx) == 0 {
		if all > 0 {
			return []string{fmt.Sprintf("no accepted pledge of a %s (%d offered, not yet accepted)", human(string(r.Capability)), all)}
		}
		return []string{fmt.Sprintf("no pledge of a %s", human(string(r.Capability)))}
	}
	var out []string
	// Count distinct pledges per kind: one pledge may break two caveats.
	seen := map[Kind]map[string]bool{}
	kinds := map[Kind]int{}
	for _, c := range blocking {
		if seen[c.Kind] == nil {
			seen[c.Kind] = map[string]bool{}
		}
		if !seen[c.Kind][c.Pledge] {
			seen[c.Kind][c.Pledge] = true
			kinds[c.Kind]++
		}
	}
	var ks []Kind
	for k := range kinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		switch k {
		case KindTask, KindGeography, KindCondition:
			out = append(out, fmt.Sprintf("%d pledge(s) of that capability are excluded by their caveats (%s)", kinds[k], human(string(k))))
		case KindReadiness:
			out = append(out, fmt.Sprintf("%d pledge(s) are ready too late", kinds[k]))
		case KindStrength:
			out = append(out, fmt.Sprintf("%d pledge(s) are below the minimum strength", kinds[k]))
		}
	}
	if len(eligible) > 0 {
		out = append(out, fmt.Sprintf("the %d eligible pledge(s) are placed on requirements of higher or equal priority", len(eligible)))
	}
	if len(out) == 0 {
		out = append(out, "no eligible pledge")
	}
	return out
}

// Diff compares a proposal with the current assignment: placements to add,
// to remove, and unchanged ones.
func Diff(current, proposed []Placement) (add, remove, keep []Placement) {
	key := func(p Placement) string { return p.Pledge + "\x00" + p.Requirement }
	cur := map[string]bool{}
	for _, p := range current {
		cur[key(p)] = true
	}
	prop := map[string]bool{}
	for _, p := range proposed {
		prop[key(p)] = true
		if cur[key(p)] {
			keep = append(keep, p)
		} else {
			add = append(add, p)
		}
	}
	for _, p := range current {
		if !prop[key(p)] {
			remove = append(remove, p)
		}
	}
	return
}

// Explain renders conflicts as lines, for logs and tests.
func Explain(cs []Conflict) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %s/%s: %s\n", c.Kind, c.Pledge, c.Requirement, c.Reason)
	}
	return b.String()
}
