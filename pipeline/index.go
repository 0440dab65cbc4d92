package pipeline

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
)

// entry is one consignment as the index holds it. Entries are never
// changed once in the index: a write replaces the entry.
type entry struct {
	// doc.Events holds every event once: the effective ones in time order,
	// then the superseded ones (eff is its first part), so that the
	// largest part of a consignment is not kept twice.
	doc  Doc
	eff  []aid.Event // effective events in time order
	left aid.Left    // what eff leaves awaiting collection, for KPIs
	// first and last are the times of the first and last effective
	// events, so that a KPI query skips a consignment outside its range
	// without reading its events.
	first, last time.Time
	status      aid.Stage
	marking     concord.Marking
	mark        int // the marking's number in the index, for visibility caches
	version     int
	created     time.Time
	updated     time.Time
}

// newEntry makes an entry of a consignment and its built timeline.
func newEntry(c aid.Consignment, tl *aid.Timeline, m concord.Marking, version int, created, updated time.Time) *entry {
	all := make([]aid.Event, 0, len(tl.Events)+len(tl.Superseded))
	all = append(append(all, tl.Events...), tl.Superseded...)
	eff := all[:len(tl.Events):len(tl.Events)]
	e := &entry{doc: Doc{Consignment: c, Events: all}, eff: eff, left: aid.Leftover(eff), status: tl.Status(), marking: m,
		version: version, created: created, updated: updated}
	if len(eff) > 0 {
		e.first, e.last = eff[0].At, eff[len(eff)-1].At
	}
	return e
}

// slot holds the current entry of one consignment, with what a KPI query
// needs to skip it kept inline, so that a scan of every consignment reads
// the slots one after another instead of chasing a pointer to each entry.
type slot struct {
	e *entry
	// first and last are the Unix nanoseconds of the first and last
	// effective events; awaits tells whether something is left awaiting
	// collection (aid.Left.Awaits).
	first, last int64
	mark        int32
	events      bool
	awaits      bool
}

// index holds every consignment in memory for lists and KPIs; the store
// stays the system of record. Local writes and bus events keep it current.
type index struct {
	mu    sync.RWMutex
	byID  map[string]int    // id → position in slots
	byExt map[string]string // external key → id
	slots []slot            // in the order consignments were first seen
	// order is the positions of slots ordered by id, rebuilt after
	// additions when a list needs it.
	order  []int32
	sorted bool
	// marks numbers the distinct markings, so that a request decides
	// visibility once per marking and looks it up by number.
	marks map[string]int
}

func newIndex() *index {
	return &index{byID: map[string]int{}, byExt: map[string]string{}, marks: map[string]int{}}
}

func markingKey(m concord.Marking) string {
	return m.Owner + "|" + strings.Join(m.Rel, ",") + "|" + strings.Join(m.Caveats, ",")
}

// put adds or replaces an entry, unless the index already holds a newer
// version.
func (x *index) put(e *entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	pos, ok := x.byID[e.doc.ID]
	if ok && x.slots[pos].e.version >= e.version {
		return
	}
	if !ok {
		pos = len(x.slots)
		x.byID[e.doc.ID] = pos
		x.slots = append(x.slots, slot{})
		x.order = append(x.order, int32(pos))
		x.sorted = false
	} else if k := x.slots[pos].e.doc.externalKey(); k != "" {
		delete(x.byExt, k)
	}
	key := markingKey(e.marking)
	n, ok := x.marks[key]
	if !ok {
		n = len(x.marks)
		x.marks[key] = n
	}
	e.mark = n
	sl := slot{e: e, mark: int32(n), events: len(e.eff) > 0, awaits: e.left.Awaits()}
	if sl.events {
		sl.first, sl.last = e.first.UnixNano(), e.last.UnixNano()
	}
	x.slots[pos] = sl
	if k := e.doc.externalKey(); k != "" {
		x.byExt[k] = e.doc.ID
	}
}

func (x *index) get(id string) *entry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if pos, ok := x.byID[id]; ok {
		return x.slots[pos].e
	}
	return nil
}

func (x *index) byExternal(key string) *entry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if id, ok := x.byExt[key]; ok {
		return x.slots[x.byID[id]].e
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
		slices.SortFunc(x.order, func(a, b int32) int { return strings.Compare(x.slots[a].e.doc.ID, x.slots[b].e.doc.ID) })
		x.sorted = true
	}
	x.mu.Unlock()
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i := len(x.order) - 1; i >= 0; i-- {
		if !fn(x.slots[x.order[i]].e) {
			return
		}
	}
}

// scan calls fn for every slot in no particular order, under the read
// lock; fn must not keep the pointer.
func (x *index) scan(fn func(*slot)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i := range x.slots {
		fn(&x.slots[i])
	}
}

// visibility caches CanSee per marking for one request.
type visibility struct {
	d     *concord.Directory
	v     concord.Viewer
	cache []int8 // by marking number: 0 not decided, 1 visible, -1 not
}

func (s *Service) visibility(v concord.Viewer) *visibility {
	return &visibility{d: s.core.Access().Directory(), v: v}
}

func (vis *visibility) sees(e *entry) bool {
	if vis.v.IsSystem() {
		return true
	}
	if e.mark >= len(vis.cache) {
		vis.cache = append(vis.cache, make([]int8, e.mark+1-len(vis.cache))...)
	}
	switch vis.cache[e.mark] {
	case 1:
		return true
	case -1:
		return false
	}
	ok := vis.d.CanSee(vis.v.Party, e.marking)
	vis.cache[e.mark] = -1
	if ok {
		vis.cache[e.mark] = 1
	}
	return ok
}
