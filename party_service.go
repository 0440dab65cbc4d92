package concord

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// Parties returns every mission party. Parties, groups and release policies
// are mission directory data that every authenticated party may read: a
// party must know whom it may release to, and why a marking was refused.
func (s *Service) Parties(v Viewer) ([]Party, error) {
	if err := s.checkViewer(v); err != nil {
		return nil, err
	}
	return s.access.Directory().Parties(), nil
}

// Groups returns every group with its members.
func (s *Service) Groups(v Viewer) ([]Group, error) {
	if err := s.checkViewer(v); err != nil {
		return nil, err
	}
	return s.access.Directory().Groups(), nil
}

// PutParty creates or updates a party (mission admins only). Version 0
// creates; otherwise it must match the stored version.
func (s *Service) PutParty(ctx context.Context, v Viewer, p Party) (Party, error) {
	if err := s.requireMissionAdmin(v); err != nil {
		return Party{}, err
	}
	if err := s.CheckWritable(); err != nil {
		return Party{}, err
	}
	p.Code = strings.ToUpper(strings.TrimSpace(p.Code))
	slices.Sort(p.Groups)
	p.Groups = slices.Compact(p.Groups)
	if p.Groups == nil {
		p.Groups = []string{}
	}
	if p.Policy.NeverReleaseTo == nil {
		p.Policy.NeverReleaseTo = []string{}
	}
	if err := p.Validate(); err != nil {
		return Party{}, err
	}
	d := s.access.Directory()
	old, exists := d.Party(p.Code)
	if p.Version == 0 && exists {
		return Party{}, Errorf(Conflict, "party %s already exists", p.Code)
	}
	if p.Version != 0 && !exists {
		return Party{}, Errorf(NotFound, "party %s not found", p.Code)
	}
	if exists && old.Version != p.Version {
		return Party{}, Errorf(Conflict, "party %s is at version %d, not %d; reload and retry", p.Code, old.Version, p.Version)
	}
	// Check the new directory would be consistent before writing.
	parties := d.Parties()
	if exists {
		parties = slices.DeleteFunc(parties, func(q Party) bool { return q.Code == p.Code })
	}
	prev := p.Version
	p.Version++
	p.UpdatedAt = s.now().UTC()
	if _, err := NewDirectory(append(parties, p), d.Groups()); err != nil {
		return Party{}, err
	}
	verb := VerbCreated
	if exists {
		verb = VerbUpdated
	}
	ev := s.newEvent(v, "party", verb, p.Code, p.Version, Marking{Owner: p.Code, Rel: []string{RelAll}, Caveats: []string{}}, p.UpdatedAt)
	ev.Data, _ = json.Marshal(p)
	if err := s.store.PutParty(ctx, p, prev, ev); err != nil {
		return Party{}, err
	}
	s.Committed()
	return p, s.ReloadDirectory(ctx)
}

// PutGroup creates or updates a group (mission admins only).
func (s *Service) PutGroup(ctx context.Context, v Viewer, g Group) (Group, error) {
	if err := s.requireMissionAdmin(v); err != nil {
		return Group{}, err
	}
	if err := s.CheckWritable(); err != nil {
		return Group{}, err
	}
	g.Code = strings.ToUpper(strings.TrimSpace(g.Code))
	if err := g.Validate(); err != nil {
		return Group{}, err
	}
	d := s.access.Directory()
	if _, clash := d.Party(g.Code); clash {
		return Group{}, Errorf(Conflict, "%s is already a party code", g.Code)
	}
	var old *Group
	for _, x := range d.Groups() {
		if x.Code == g.Code {
			x := x
			old = &x
		}
	}
	if g.Version == 0 && old != nil {
		return Group{}, Errorf(Conflict, "group %s already exists", g.Code)
	}
	if g.Version != 0 && (old == nil || old.Version != g.Version) {
		return Group{}, Errorf(Conflict, "group %s is not at version %d; reload and retry", g.Code, g.Version)
	}
	prev := g.Version
	g.Version++
	g.UpdatedAt = s.now().UTC()
	verb := VerbCreated
	if old != nil {
		verb = VerbUpdated
	}
	coord := v.Party
	ev := s.newEvent(v, "group", verb, g.Code, g.Version, Marking{Owner: coord, Rel: []string{RelAll}, Caveats: []string{}}, g.UpdatedAt)
	ev.Data, _ = json.Marshal(g)
	if err := s.store.PutGroup(ctx, g, prev, ev); err != nil {
		return Group{}, err
	}
	s.Committed()
	return g, s.ReloadDirectory(ctx)
}
