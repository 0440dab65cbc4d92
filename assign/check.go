package assign

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Kind names a conflict type.
type Kind string

// The conflict kinds.
const (
	KindCapability Kind = "capability_mismatch"
	KindTask       Kind = "task_forbidden"
	KindGeography  Kind = "geographic_limit"
	KindReadiness  Kind = "readiness_late"
	KindStrength   Kind = "strength_low"
	KindCondition  Kind = "condition_unmet"
	KindContact    Kind = "no_direct_contact"
	KindShortfall  Kind = "requirement_unmet"
)

// Conflict is one problem with an assignment, explained.
type Conflict struct {
	Kind        Kind   `json:"kind"`
	Pledge      string `json:"pledge,omitempty"`
	Requirement string `json:"requirement"`
	// Hard conflicts forbid the placement; others (relay) can be resolved
	// at a cost.
	Hard bool `json:"hard"`
	// Relay marks a conflict that relayed liaison through the coordination
	// center resolves; Cost says what that costs.
	Relay bool   `json:"relay"`
	Cost  string `json:"cost,omitempty"`
	// Caveat is the index of the pledge's caveat involved (-1 if none), so
	// that a caller can redact it for viewers who may not see caveats.
	Caveat   int    `json:"caveat"`
	Reason   string `json:"reason"`
	Evidence string `json:"evidence,omitempty"`
}

// World is everything a check or a proposal needs.
type World struct {
	Mission      Mission
	Sectors      map[string]Sector
	Requirements map[string]Requirement
	Pledges      map[string]Pledge
}

// SectorName returns a sector's name, or its ID when it has none.
func (w World) SectorName(id string) string {
	if s, ok := w.Sectors[id]; ok && s.Name != "" {
		return s.Name
	}
	return id
}

func (w World) contactKm() float64 {
	if w.Mission.ContactKm > 0 {
		return w.Mission.ContactKm
	}
	return 1
}

// CheckPlacement returns every conflict of putting pledge p on requirement r.
func (w World) CheckPlacement(p Pledge, r Requirement) []Conflict {
	var out []Conflict
	add := func(c Conflict) {
		c.Pledge, c.Requirement = p.ID, r.ID
		out = append(out, c)
	}
	sec := w.Sectors[r.Sector]
	secName := cmp.Or(sec.Name, r.Sector)
	if p.Capability != r.Capability {
		add(Conflict{Kind: KindCapability, Hard: true, Caveat: -1, Reason: fmt.Sprintf("%s pledged a %s; the requirement is for a %s", p.Nation, human(string(p.Capability)), human(string(r.Capability)))})
	}
	if r.MinStrength > 0 && p.Strength < r.MinStrength {
		add(Conflict{Kind: KindStrength, Hard: true, Caveat: -1, Reason: fmt.Sprintf("the unit's strength %d is below the %d the requirement needs", p.Strength, r.MinStrength)})
	}
	if !r.NeededBy.IsZero() && p.Readiness.After(r.NeededBy) {
		add(Conflict{Kind: KindReadiness, Hard: true, Caveat: -1, Reason: fmt.Sprintf("the unit is ready on %s, after the %s it is needed by", p.Readiness.Format("2 Jan 2006"), r.NeededBy.Format("2 Jan 2006"))})
	}
	for i, c := range p.Caveats {
		switch c.Type {
		case NoDisarmament:
			if slices.Contains(r.Tasks, "weapons_collection") {
				add(Conflict{Kind: KindTask, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s %s, and %s's requirement includes weapons collection", p.Nation, c.Text(), secName)})
			}
		case NoCombat:
			var hit []string
			for _, t := range r.Tasks {
				if slices.Contains(combatTasks, t) {
					hit = append(hit, human(string(t)))
				}
			}
			if len(hit) > 0 {
				add(Conflict{Kind: KindTask, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s accepts %s, and the requirement includes %s", p.Nation, c.Text(), strings.Join(hit, ", "))})
			}
		case AllowedTasks:
			var hit []string
			for _, t := range r.Tasks {
				if !slices.Contains(c.Tasks, t) {
					hit = append(hit, human(string(t)))
				}
			}
			if len(hit) > 0 {
				add(Conflict{Kind: KindTask, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s's unit is %s; the requirement also includes %s", p.Nation, c.Text(), strings.Join(hit, ", "))})
			}
		case RequiresCessation:
			if !w.Mission.Cessation {
				add(Conflict{Kind: KindCondition, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s %s, which does not hold yet", p.Nation, c.Text())})
			}
		case RequiresParliament:
			if !p.ParliamentApproved {
				add(Conflict{Kind: KindCondition, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s %s; the vote is still pending", p.Nation, c.Text())})
			}
		case OnlySectors:
			if !slices.Contains(c.Sectors, r.Sector) && !slices.Contains(c.Sectors, sec.Name) {
				add(Conflict{Kind: KindGeography, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s's unit serves %s, not %s", p.Nation, c.TextNaming(w.SectorName), secName)})
			}
		case MinDistanceFromLine:
			if sec.LineKm < c.Km {
				add(Conflict{Kind: KindGeography, Hard: true, Caveat: i, Reason: fmt.Sprintf("%s's unit %s, and %s lies %.1f km from one", p.Nation, c.Text(), secName, sec.LineKm),
					Evidence: fmt.Sprintf("%s: %.1f km to the nearest control line", secName, sec.LineKm)})
			}
		case NoDirectContact:
			d, ok := sec.PartyKm[c.Party]
			if ok && d <= w.contactKm() {
				add(Conflict{Kind: KindContact, Hard: false, Relay: true, Caveat: i,
					Reason:   fmt.Sprintf("%s deals with %s only through the coordination center, and %s borders the area %s controls", p.Nation, c.Party, secName, c.Party),
					Evidence: fmt.Sprintf("%s lies %.1f km from the nearest line or area %s controls", secName, d, c.Party),
					Cost:     fmt.Sprintf("every acknowledgement and deconfliction with %s in %s is relayed through the coordination center", c.Party, secName)})
			}
		}
	}
	return out
}

// verdict decides a placement without explaining it: whether a hard
// conflict forbids it and whether it needs relayed liaison. It must agree
// with CheckPlacement, which explains (a test checks that they agree).
func (w World) verdict(p Pledge, r Requirement) (hard, relay bool) {
	if p.Capability != r.Capability || (r.MinStrength > 0 && p.Strength < r.MinStrength) || (!r.NeededBy.IsZero() && p.Readiness.After(r.NeededBy)) {
		return true, false
	}
	sec := w.Sectors[r.Sector]
	for _, c := range p.Caveats {
		switch c.Type {
		case NoDisarmament:
			if slices.Contains(r.Tasks, "weapons_collection") {
				return true, false
			}
		case NoCombat:
			for _, t := range r.Tasks {
				if slices.Contains(combatTasks, t) {
					return true, false
				}
			}
		case AllowedTasks:
			for _, t := range r.Tasks {
				if !slices.Contains(c.Tasks, t) {
					return true, false
				}
			}
		case RequiresCessation:
			if !w.Mission.Cessation {
				return true, false
			}
		case RequiresParliament:
			if !p.ParliamentApproved {
				return true, false
			}
		case OnlySectors:
			if !slices.Contains(c.Sectors, r.Sector) && !slices.Contains(c.Sectors, sec.Name) {
				return true, false
			}
		case MinDistanceFromLine:
			if sec.LineKm < c.Km {
				return true, false
			}
		case NoDirectContact:
			if d, ok := sec.PartyKm[c.Party]; ok && d <= w.contactKm() {
				relay = true
			}
		}
	}
	return false, relay
}

// Check returns every conflict of an assignment: per placement, and per
// requirement left short of its quantity.
func (w World) Check(placements []Placement) []Conflict {
	var out []Conflict
	filled := map[string]int{}
	for _, pl := range placements {
		p, okp := w.Pledges[pl.Pledge]
		r, okr := w.Requirements[pl.Requirement]
		if !okp || !okr {
			out = append(out, Conflict{Kind: KindCapability, Hard: true, Pledge: pl.Pledge, Requirement: pl.Requirement, Caveat: -1, Reason: "unknown pledge or requirement"})
			continue
		}
		out = append(out, w.CheckPlacement(p, r)...)
		filled[r.ID]++
	}
	var reqs []Requirement
	for _, r := range w.Requirements {
		reqs = append(reqs, r)
	}
	slices.SortFunc(reqs, func(a, b Requirement) int { return cmp.Compare(a.ID, b.ID) })
	for _, r := range reqs {
		if n := filled[r.ID]; n < r.Quantity {
			out = append(out, Conflict{Kind: KindShortfall, Hard: true, Requirement: r.ID, Caveat: -1,
				Reason: fmt.Sprintf("%s needs %d × %s, %d assigned", cmp.Or(w.Sectors[r.Sector].Name, r.Sector), r.Quantity, human(string(r.Capability)), n)})
		}
	}
	return out
}

func human(s string) string { return strings.ReplaceAll(s, "_", " ") }
