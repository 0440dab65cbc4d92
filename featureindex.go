package concord

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/concord-mission/concord/geo"
)

// featureIndex holds every live feature's bounding box, kind, validity,
// marking and document in memory, so that lists (the map's hot path) are
// answered without the store. It is rebuilt from the store at start,
// updated synchronously by this instance's writes and from the bus for
// other instances' writes; an entry only ever moves forward in version,
// so the two paths may arrive in any order.
type featureIndex struct {
	mu   sync.RWMutex
	tree geo.Index[*indexed]
	byID map[string]*indexed
}

type indexed struct {
	id       string
	kind     FeatureKind
	bound    orb.Bound
	from, to *time.Time
	marking  Marking
	version  int
	doc      json.RawMessage
}

func newFeatureIndex() *featureIndex { return &featureIndex{byID: map[string]*indexed{}} }

func entryOf(f *Feature) *indexed {
	return &indexed{id: f.ID, kind: f.Kind, bound: f.Bound(), from: f.ValidFrom, to: f.ValidTo, marking: f.Marking, version: f.Version, doc: f.Doc}
}

// entryFromEvent rebuilds an index entry from a feature event's data.
func entryFromEvent(ev Event) (*indexed, error) {
	var doc struct {
		Geometry   json.RawMessage `json:"geometry"`
		Properties struct {
			Kind      FeatureKind `json:"kind"`
			ValidFrom *time.Time  `json:"valid_from"`
			ValidTo   *time.Time  `json:"valid_to"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(ev.Data, &doc); err != nil {
		return nil, err
	}
	g, err := geojson.UnmarshalGeometry(doc.Geometry)
	if err != nil || g.Coordinates == nil {
		return nil, fmt.Errorf("event %s: no geometry", ev.ID)
	}
	return &indexed{id: ev.RecordID, kind: doc.Properties.Kind, bound: g.Coordinates.Bound(), from: doc.Properties.ValidFrom,
		to: doc.Properties.ValidTo, marking: ev.Marking, version: ev.Version, doc: ev.Data}, nil
}

// put installs e unless the index already holds a newer version; deleted
// removes the feature.
func (x *featureIndex) put(e *indexed, deleted bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old := x.byID[e.id]
	if old != nil {
		if old.version >= e.version {
			return
		}
		x.tree.Delete(old.bound, old)
	}
	if deleted {
		// Keep a tombstone so that an older event arriving late is ignored.
		x.byID[e.id] = &indexed{id: e.id, version: e.version}
		return
	}
	x.byID[e.id] = e
	x.tree.Insert(e.bound, e)
}

// marking returns a live feature's marking.
func (x *featureIndex) marking(id string) (Marking, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e := x.byID[id]
	if e == nil {
		return Marking{}, false
	}
	return e.marking, true
}

func (x *featureIndex) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.tree.Len()
}

// search returns, ordered by id, the entries after q.After that match q and
// that keep(marking) allows, at most limit+1 of them.
func (x *featureIndex) search(q FeatureQuery, keep func(Marking) bool, limit int) []*indexed {
	var out []*indexed
	visit := func(e *indexed) bool {
		if (q.After != "" && e.id <= q.After) || (len(q.Kinds) > 0 && !slices.Contains(q.Kinds, e.kind)) {
			return true
		}
		if q.ActiveAt != nil && ((e.from != nil && q.ActiveAt.Before(*e.from)) || (e.to != nil && !q.ActiveAt.Before(*e.to))) {
			return true
		}
		if len(q.IDs) > 0 && !slices.Contains(q.IDs, e.id) {
			return true
		}
		if keep(e.marking) {
			out = append(out, e)
		}
		return true
	}
	x.mu.RLock()
	if q.BBox != nil {
		x.tree.Search(*q.BBox, visit)
	} else {
		x.tree.Scan(visit)
	}
	x.mu.RUnlock()
	slices.SortFunc(out, func(a, b *indexed) int { return strings.Compare(a.id, b.id) })
	if len(out) > limit+1 {
		out = out[:limit+1]
	}
	return out
}

// load rebuilds the index from the store.
func (x *featureIndex) load(ctx context.Context, store FeatureStore) error {
	after := ""
	for {
		page, err := store.Features(ctx, FeatureQuery{After: after, Limit: 2000})
		if err != nil {
			return err
		}
		for i := range page {
			x.put(entryOf(&page[i]), false)
		}
		if len(page) < 2000 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
