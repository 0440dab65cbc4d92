package concord

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// Directory is an immutable snapshot of the mission's parties and groups,
// with everything the releasability rule needs precomputed. Build one with
// NewDirectory; replace it as a whole when parties change.
type Directory struct {
	parties map[string]*Party
	groups  map[string]*Group
	order   []string            // party codes, sorted
	gorder  []string            // group codes, sorted
	members map[string][]string // group -> member party codes
	// denied[owner][viewer] is true when owner's policy refuses viewer.
	denied map[string]map[string]bool
}

// NewDirectory builds a directory and checks that every group a party names
// exists and that every policy refers to known parties or groups.
func NewDirectory(parties []Party, groups []Group) (*Directory, error) {
	d := &Directory{
		parties: make(map[string]*Party, len(parties)),
		groups:  make(map[string]*Group, len(groups)),
		members: map[string][]string{},
		denied:  map[string]map[string]bool{},
	}
	for i := range groups {
		g := groups[i]
		d.groups[g.Code] = &g
		d.gorder = append(d.gorder, g.Code)
	}
	for i := range parties {
		p := parties[i]
		if _, clash := d.groups[p.Code]; clash {
			return nil, Errorf(Invalid, "party code %s is also a group code", p.Code)
		}
		d.parties[p.Code] = &p
		d.order = append(d.order, p.Code)
		for _, g := range p.Groups {
			if _, ok := d.groups[g]; !ok {
				return nil, Errorf(Invalid, "party %s names unknown group %s", p.Code, g)
			}
			d.members[g] = append(d.members[g], p.Code)
		}
	}
	slices.Sort(d.order)
	slices.Sort(d.gorder)
	for _, p := range d.parties {
		deny := map[string]bool{}
		for _, c := range p.Policy.NeverReleaseTo {
			switch {
			case d.parties[c] != nil:
				deny[c] = true
			case d.groups[c] != nil:
				for _, m := range d.members[c] {
					deny[m] = true
				}
			default:
				return nil, Errorf(Invalid, "release policy of %s names unknown party or group %s", p.Code, c)
			}
		}
		// A party's policy never hides its records from itself or from
		// the coordination center, which relays on its behalf.
		for c := range deny {
			if c == p.Code || d.parties[c].Kind == KindCoordination {
				delete(deny, c)
			}
		}
		if len(deny) > 0 {
			d.denied[p.Code] = deny
		}
	}
	return d, nil
}

// Party returns the party with the given code.
func (d *Directory) Party(code string) (Party, bool) {
	p, ok := d.parties[code]
	if !ok {
		return Party{}, false
	}
	return *p, true
}

// Parties returns every party, sorted by code.
func (d *Directory) Parties() []Party {
	out := make([]Party, 0, len(d.order))
	for _, c := range d.order {
		out = append(out, *d.parties[c])
	}
	return out
}

// Groups returns every group, sorted by code.
func (d *Directory) Groups() []Group {
	out := make([]Group, 0, len(d.gorder))
	for _, c := range d.gorder {
		out = append(out, *d.groups[c])
	}
	return out
}

// Members returns the parties of a group, sorted.
func (d *Directory) Members(group string) []string {
	m := slices.Clone(d.members[group])
	slices.Sort(m)
	return m
}

// IsGroup reports whether code is a defined group.
func (d *Directory) IsGroup(code string) bool { return d.groups[code] != nil }

// CanSee is the releasability rule, the one place it is decided. A viewer's
// party sees a record if it is the coordination center, the owner, or named
// in rel (directly, through one of its groups, ALL or PUBLIC) and the owner's
// release policy does not refuse it.
func (d *Directory) CanSee(viewer string, m Marking) bool {
	p := d.parties[viewer]
	if p == nil {
		return false
	}
	if p.Kind == KindCoordination || m.Owner == viewer {
		return true
	}
	if d.denied[m.Owner][viewer] {
		return false
	}
	for _, t := range m.Rel {
		if t == viewer || t == RelAll || t == RelPublic {
			return true
		}
		for _, g := range p.Groups {
			if t == g {
				return true
			}
		}
	}
	return false
}

// Recipients returns the codes of every party that may see a record with
// this marking, sorted.
func (d *Directory) Recipients(m Marking) []string {
	var out []string
	for _, c := range d.order {
		if d.CanSee(c, m) {
			out = append(out, c)
		}
	}
	return out
}

// NormalizeMarking validates a marking against the directory and the owner's
// release policy and returns it in canonical form (upper case, sorted, no
// duplicates). A marking that names a party the owner's policy refuses is
// refused with an error that says which policy it breaks.
func (d *Directory) NormalizeMarking(m Marking) (Marking, error) {
	var fe fieldErrors
	out := Marking{Owner: strings.ToUpper(strings.TrimSpace(m.Owner))}
	owner := d.parties[out.Owner]
	if out.Owner == "" {
		fe.add("marking.owner", "is required")
	} else if owner == nil {
		fe.add("marking.owner", "unknown party %s", out.Owner)
	}
	var dups []string
	out.Rel, dups = normalizeTokens(m.Rel)
	for _, t := range dups {
		fe.add("marking.rel", "%s is listed twice", t)
	}
	for _, t := range out.Rel {
		switch {
		case t == RelAll || t == RelPublic:
		case d.parties[t] != nil:
		case d.groups[t] != nil:
		default:
			fe.add("marking.rel", "unknown party or group %s", t)
		}
	}
	if len(out.Rel) > 64 {
		fe.add("marking.rel", "at most 64 tokens, got %d", len(out.Rel))
	}
	out.Caveats, dups = normalizeTokens(m.Caveats)
	for _, t := range dups {
		fe.add("marking.caveats", "%s is listed twice", t)
	}
	for _, c := range out.Caveats {
		if !slices.ContainsFunc(Caveats, func(k Caveat) bool { return k.Code == c }) {
			fe.add("marking.caveats", "unknown caveat %s", c)
		}
	}
	if owner != nil {
		deny := d.denied[owner.Code]
		for _, t := range out.Rel {
			switch {
			case t == RelPublic && len(owner.Policy.NeverReleaseTo) > 0:
				fe.add("marking.rel", "PUBLIC breaks the release policy of %s, which never releases to %s%s",
					owner.Code, strings.Join(owner.Policy.NeverReleaseTo, ", "), policyReason(owner))
			case d.parties[t] != nil && deny[t]:
				fe.add("marking.rel", "releasing to %s breaks the release policy of %s, which never releases to %s directly%s; the coordination center can relay a sanitized record instead",
					t, owner.Code, t, policyReason(owner))
			case d.groups[t] != nil && slices.Contains(owner.Policy.NeverReleaseTo, t):
				fe.add("marking.rel", "releasing to group %s breaks the release policy of %s%s", t, owner.Code, policyReason(owner))
			}
		}
	}
	if err := fe.err("invalid marking"); err != nil {
		return Marking{}, err
	}
	// Sort parties before groups for a stable, readable order.
	slices.SortStableFunc(out.Rel, func(a, b string) int { return d.tokenRank(a) - d.tokenRank(b) })
	return out, nil
}

func policyReason(p *Party) string {
	if p.Policy.Reason == "" {
		return ""
	}
	return " (" + p.Policy.Reason + ")"
}

func (d *Directory) tokenRank(t string) int {
	switch {
	case d.parties[t] != nil:
		return 0
	case t == RelPublic:
		return 2
	default:
		return 1
	}
}

// Banner renders a marking the way people read it: the owner first, then the
// parties alphabetically, then groups, e.g. "REL TO PAK, USA, ISF". Caveats
// follow after a double slash. PUBLIC records read "PUBLIC".
func (d *Directory) Banner(m Marking) string {
	var b strings.Builder
	if m.HasRel(RelPublic) {
		b.WriteString("PUBLIC")
	} else {
		var parties, groups []string
		for _, t := range m.Rel {
			if t == m.Owner {
				continue
			}
			if d.parties[t] != nil {
				parties = append(parties, t)
			} else {
				groups = append(groups, t)
			}
		}
		slices.Sort(parties)
		slices.Sort(groups)
		b.WriteString("REL TO ")
		b.WriteString(strings.Join(append(append([]string{m.Owner}, parties...), groups...), ", "))
	}
	for _, c := range m.Caveats {
		b.WriteString(" // ")
		b.WriteString(c)
	}
	return b.String()
}

// Access holds the current Directory and swaps it atomically when parties
// change, so that reads never lock.
type Access struct {
	dir atomic.Pointer[Directory]
}

// NewAccess returns an Access over an initial directory.
func NewAccess(d *Directory) *Access {
	a := &Access{}
	a.dir.Store(d)
	return a
}

// Directory returns the current snapshot.
func (a *Access) Directory() *Directory { return a.dir.Load() }

// Replace installs a new snapshot.
func (a *Access) Replace(d *Directory) { a.dir.Store(d) }

// CanSee reports whether viewer may see a record with marking m, using the
// current directory.
func (a *Access) CanSee(v Viewer, m Marking) bool { return a.dir.Load().CanSee(v.Party, m) }

// String helps debugging.
func (d *Directory) String() string {
	return fmt.Sprintf("directory(%d parties, %d groups)", len(d.parties), len(d.groups))
}
