package concord

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"time"
)

// FeaturePage is one page of features and the cursor for the next page
// ("" when there is none).
type FeaturePage struct {
	Features []Feature
	Next     string
}

// ListFeatures returns the features v may see that match q, a page at a
// time, ordered by id. Candidates come from the in-memory index; CanSee
// decides. With q.DocOnly the features carry only their id, kind, marking,
// version and stored document; otherwise they are read from the store.
func (s *Service) ListFeatures(ctx context.Context, v Viewer, q FeatureQuery) (FeaturePage, error) {
	if err := s.checkViewer(v); err != nil {
		return FeaturePage{}, err
	}
	d := s.access.Directory()
	if q.Limit <= 0 || q.Limit > s.opts.MaxPageSize {
		q.Limit = s.opts.MaxPageSize
	}
	keep := func(m Marking) bool { return d.CanSee(v.Party, m) }
	if v.IsSystem() {
		keep = func(Marking) bool { return true }
	}
	found := s.index.search(q, keep, q.Limit)
	var page FeaturePage
	if len(found) > q.Limit {
		found = found[:q.Limit]
		page.Next = found[len(found)-1].id
	}
	if q.DocOnly {
		page.Features = make([]Feature, len(found))
		for i, e := range found {
			page.Features[i] = Feature{ID: e.id, Kind: e.kind, Marking: e.marking, Version: e.version, Doc: e.doc}
		}
		return page, nil
	}
	ids := make([]string, len(found))
	for i, e := range found {
		ids[i] = e.id
	}
	if len(ids) == 0 {
		return page, nil
	}
	fs, err := s.store.Features(ctx, FeatureQuery{IDs: ids, Limit: len(ids)})
	if err != nil {
		return FeaturePage{}, err
	}
	// The store is the authority: re-check what it returns.
	for _, f := range fs {
		if keep(f.Marking) {
			page.Features = append(page.Features, f)
		}
	}
	return page, nil
}

// Feature returns one feature if v may see it. A feature v may not see is
// reported as not found, so that its existence does not leak.
func (s *Service) Feature(ctx context.Context, v Viewer, id string) (Feature, error) {
	if err := s.checkViewer(v); err != nil {
		return Feature{}, err
	}
	f, err := s.store.Feature(ctx, id)
	if err != nil {
		return Feature{}, err
	}
	if f.Deleted || !s.access.CanSee(v, f.Marking) {
		return Feature{}, Errorf(NotFound, "feature %s not found", id)
	}
	return f, nil
}

// CreateFeature validates and stores a new feature owned by the marking's
// owner. Only the owner party's writers, or the coordination center, may
// create it.
func (s *Service) CreateFeature(ctx context.Context, v Viewer, in FeatureInput) (Feature, error) {
	f := in.Feature
	f.ID = newID()
	if err := s.prepareFeature(v, &f); err != nil {
		return Feature{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	f.Version, f.CreatedAt, f.UpdatedAt, f.UpdatedBy, f.UpdatedByParty = 1, now, now, v.Username, v.Party
	ev, err := s.featureEvent(v, VerbCreated, &f, nil)
	if err != nil {
		return Feature{}, err
	}
	if err := s.store.InsertFeature(ctx, f, ev); err != nil {
		return Feature{}, err
	}
	s.index.put(entryOf(&f), false)
	s.featureCommitted(f)
	s.Committed()
	return f, nil
}

// UpdateFeature replaces a feature's content. in.Version must be the
// version the client last saw.
func (s *Service) UpdateFeature(ctx context.Context, v Viewer, id string, in FeatureInput) (Feature, error) {
	old, err := s.Feature(ctx, v, id)
	if err != nil {
		return Feature{}, err
	}
	if err := s.canChange(v, old); err != nil {
		return Feature{}, err
	}
	if in.Version == 0 {
		return Feature{}, InvalidFields("invalid feature: properties.version is required to update (the version you last saw)", []FieldError{{Field: "version", Reason: "is required"}})
	}
	if in.Version != old.Version {
		return Feature{}, Errorf(Conflict, "feature %s is at version %d, not %d: someone changed it; reload and retry", id, old.Version, in.Version)
	}
	f := in.Feature
	f.ID = id
	if f.Kind != old.Kind {
		return Feature{}, InvalidFields("invalid feature: kind cannot change", []FieldError{{Field: "kind", Reason: "cannot change from " + string(old.Kind)}})
	}
	if err := s.prepareFeature(v, &f); err != nil {
		return Feature{}, err
	}
	if f.Marking.Owner != old.Marking.Owner && !s.IsCoordinator(v) {
		return Feature{}, Errorf(Forbidden, "only the coordination center may change the owner of a feature")
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	f.Version, f.CreatedAt, f.UpdatedAt, f.UpdatedBy, f.UpdatedByParty = old.Version+1, old.CreatedAt, now, v.Username, v.Party
	ev, err := s.featureEvent(v, VerbUpdated, &f, &old.Marking)
	if err != nil {
		return Feature{}, err
	}
	if err := s.store.UpdateFeature(ctx, f, old.Version, ev); err != nil {
		return Feature{}, err
	}
	s.index.put(entryOf(&f), false)
	s.featureCommitted(f)
	s.Committed()
	return f, nil
}

// DeleteFeature marks a feature deleted; its history stays.
func (s *Service) DeleteFeature(ctx context.Context, v Viewer, id string, version int) error {
	if err := s.CheckWritable(); err != nil {
		return err
	}
	old, err := s.Feature(ctx, v, id)
	if err != nil {
		return err
	}
	if err := s.canChange(v, old); err != nil {
		return err
	}
	if version != 0 && version != old.Version {
		return Errorf(Conflict, "feature %s is at version %d, not %d: someone changed it; reload and retry", id, old.Version, version)
	}
	f := old
	f.Deleted = true
	f.Version++
	f.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	f.UpdatedBy, f.UpdatedByParty = v.Username, v.Party
	ev, err := s.featureEvent(v, VerbDeleted, &f, &old.Marking)
	if err != nil {
		return err
	}
	if err := s.store.UpdateFeature(ctx, f, old.Version, ev); err != nil {
		return err
	}
	s.index.put(entryOf(&f), true)
	s.featureCommitted(f)
	s.Committed()
	return nil
}

func (s *Service) canChange(v Viewer, f Feature) error {
	if !v.CanWrite() {
		return Errorf(Forbidden, "your role may not change mission data")
	}
	if f.Marking.Owner != v.Party && !s.IsCoordinator(v) {
		return Errorf(Forbidden, "feature %s is owned by %s; only %s or the coordination center may change it", f.ID, f.Marking.Owner, f.Marking.Owner)
	}
	return nil
}

// prepareFeature validates a feature from a client and normalizes it.
func (s *Service) prepareFeature(v Viewer, f *Feature) error {
	f.Doc = nil
	if err := s.checkViewer(v); err != nil {
		return err
	}
	if err := s.CheckWritable(); err != nil {
		return err
	}
	if !v.CanWrite() {
		return Errorf(Forbidden, "your role may not change mission data")
	}
	if err := f.Validate(s.opts.Limits); err != nil {
		return err
	}
	d := s.access.Directory()
	var fe fieldErrors
	for field, code := range map[string]string{"lead_party": f.Attrs.LeadParty, "controlling_party": f.Attrs.ControllingParty} {
		if _, ok := d.Party(code); code != "" && !ok {
			fe.add(field, "unknown party %s", code)
		}
	}
	if err := fe.err("invalid feature"); err != nil {
		return err
	}
	m, err := d.NormalizeMarking(f.Marking)
	if err != nil {
		return err
	}
	if m.Owner != v.Party && !s.IsCoordinator(v) {
		return Errorf(Forbidden, "you may only create records owned by your party %s, not %s", v.Party, m.Owner)
	}
	f.Marking = m
	if f.ValidFrom != nil {
		t := f.ValidFrom.UTC().Truncate(time.Millisecond)
		f.ValidFrom = &t
	}
	if f.ValidTo != nil {
		t := f.ValidTo.UTC().Truncate(time.Millisecond)
		f.ValidTo = &t
	}
	return nil
}

// featureEvent encodes f once, as its stored document and as the data of
// the event that announces the change.
func (s *Service) featureEvent(v Viewer, verb string, f *Feature, prev *Marking) (Event, error) {
	ev := s.newEvent(v, "feature", verb, f.ID, f.Version, f.Marking, f.UpdatedAt)
	ev.PrevMarking = prev
	data, err := f.GeoJSON(s.access.Directory())
	if err != nil {
		return Event{}, WrapError(Internal, err, "encode feature")
	}
	ev.Data, f.Doc = data, data
	return ev, nil
}

// Version is one entry of a record's history as a viewer may see it.
type Version struct {
	Version    int             `json:"version"`
	Verb       string          `json:"verb"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	ActorParty string          `json:"actor_party"`
	Banner     string          `json:"banner"`
	Changed    []string        `json:"changed"`
	Data       json.RawMessage `json:"data"`
}

// FeatureHistory returns the versions of a feature that v may see, oldest
// first, each naming the properties it changed. A version whose own marking
// v may not see is left out.
func (s *Service) FeatureHistory(ctx context.Context, v Viewer, id string) ([]Version, error) {
	if _, err := s.Feature(ctx, v, id); err != nil {
		return nil, err
	}
	evs, err := s.store.History(ctx, "feature", id)
	if err != nil {
		return nil, err
	}
	d := s.access.Directory()
	out := []Version{}
	var prev map[string]json.RawMessage
	for _, ev := range evs {
		cur := flatten(ev.Data)
		visible := d.CanSee(v.Party, ev.Marking)
		if visible {
			out = append(out, Version{
				Version: ev.Version, Verb: ev.Verb, At: ev.At.UTC(), Actor: ev.Actor, ActorParty: ev.ActorParty,
				Banner: d.Banner(ev.Marking), Changed: changedKeys(prev, cur), Data: ev.Data,
			})
		}
		prev = cur
	}
	return out, nil
}

// flatten returns the top-level properties of a GeoJSON feature plus its
// geometry, for comparing versions.
func flatten(data json.RawMessage) map[string]json.RawMessage {
	var f struct {
		Geometry   json.RawMessage            `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(data, &f) != nil {
		return nil
	}
	m := maps.Clone(f.Properties)
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	m["geometry"] = f.Geometry
	for _, k := range []string{"version", "updated_at", "updated_by", "updated_by_party", "created_at"} {
		delete(m, k)
	}
	return m
}

func changedKeys(prev, cur map[string]json.RawMessage) []string {
	out := []string{}
	if prev == nil {
		return out
	}
	for k, v := range cur {
		if pv, ok := prev[k]; !ok || string(pv) != string(v) {
			out = append(out, k)
		}
	}
	for k := range prev {
		if _, ok := cur[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// OnFeature registers fn to see every feature this instance commits, right
// after the commit (engines that must not lag the map, such as the
// geofencer); other instances' changes reach them through the bus. Call it
// while wiring, before serving.
func (s *Service) OnFeature(fn func(Feature)) { s.featureSinks = append(s.featureSinks, fn) }

// featureCommitted hands a committed feature to the engines.
func (s *Service) featureCommitted(f Feature) {
	if s.opts.Deconflicter != nil {
		s.opts.Deconflicter.PutFeature(f)
	}
	for _, fn := range s.featureSinks {
		fn(f)
	}
}
