package pipeline

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
)

// entry is one consignment as the index holds it.
type entry struct {
	doc     Doc
	eff     []aid.Event // effective events in time order
	status  aid.Stage
	marking concord.Marking
	mkey    string // marking key, for per-request visibility caches
	version int
	created time.Time
	updated time.Time
}

// index holds every consignment in memory for lists and KPIs; the store
// stays the system of record. Local writes and bus events keep it current.
type index struct {
	mu     sync.RWMutex
	byID   map[string]*entry
	byExt  map[string]string // external key → id
	ids    []string
	sorted bool
}

func newIndex() *index { return &index{byID: map[string]*entry{}, byExt: map[string]string{}} }

func markingKey(m concord.Marking) string {
	return m.Owner + "|" + strings.Join(m.Rel, ",") + "|" + strings.Join(m.Caveats, ",")
}

// put adds or replaces an entry, unless the index already holds a newer
// version.
func (x *index) put(e *entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.putLocked(e)
}

func (x *index) putLocked(e *entry) {
	old, ok := x.byID[e.doc.ID]
	if ok && old.version >= e.version {
		return
	}
	if !ok {
		x.ids = append(x.ids, e.doc.ID)
		x.sorted = false
	} else if k := old.doc.externalKey(); k != "" {
		delete(x.byExt, k)
	}
	e.mkey = markingKey(e.marking)
	x.byID[e.doc.ID] = e
	if k := e.doc.externalKey(); k != "" {
		x.byExt[k] = e.doc.ID
	}
}

func (x *index) get(id string) *entry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byID[id]
}

func (x *index) byExternal(key string) *entry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if id, ok := x.byExt[key]; ok {
		return x.byID[id]
	}
	return nil
}

func (x *index) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// each calls fn for every entry, newest first, under the read lock.
func (x *index) each(fn func(*entry) bool) {
	x.mu.Lock()
	if !x.sorted {
		slices.Sort(x.ids)
		x.sorted = true
	}
	x.mu.Unlock()
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i := len(x.ids) - 1; i >= 0; i-- {
		if !fn(x.byID[x.ids[i]]) {
			return
		}
	}
}

// visibility caches CanSee per marking for one request.
type visibility struct {
	d     *concord.Directory
	v     concord.Viewer
	cache map[string]bool
}

func (s *Service) visibility(v concord.Viewer) *visibility {
	return &visibility{d: s.core.Access().Directory(), v: v, cache: map[string]bool{}}
}

func (vis *visibility) sees(e *entry) bool {
	if vis.v.IsSystem() {
		return true
	}
	ok, hit := vis.cache[e.mkey]
	if !hit {
		ok = vis.d.CanSee(vis.v.Party, e.marking)
		vis.cache[e.mkey] = ok
	}
	return ok
}
