package tak

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cot"
)

// table is an immutable snapshot of the connected devices, grouped the way
// routing needs them. Connects, disconnects and new callsigns replace it
// (copy on write); routing reads it without locking.
type table struct {
	parties    []string
	byParty    map[string][]*conn
	byCallsign map[string][]*conn
	byUID      map[string][]*conn
}

// router delivers messages to the connected devices entitled to them.
type router struct {
	dir     func() *concord.Directory
	metrics *metrics

	mu    sync.Mutex // serialises table rebuilds
	conns map[*conn]struct{}
	tab   atomic.Pointer[table]

	// latest holds the newest position message of every uid, so that a
	// device that connects sees everyone at once (TAK's "latest SA").
	latestMu sync.Mutex
	latest   map[string]*message
}

func newRouter(dir func() *concord.Directory, m *metrics) *router {
	r := &router{dir: dir, metrics: m, conns: map[*conn]struct{}{}, latest: map[string]*message{}}
	r.tab.Store(&table{byParty: map[string][]*conn{}, byCallsign: map[string][]*conn{}, byUID: map[string][]*conn{}})
	return r
}

// rebuild makes a new table from the connections. Callers hold r.mu.
func (r *router) rebuild() {
	t := &table{byParty: map[string][]*conn{}, byCallsign: map[string][]*conn{}, byUID: map[string][]*conn{}}
	for c := range r.conns {
		if len(t.byParty[c.viewer.Party]) == 0 {
			t.parties = append(t.parties, c.viewer.Party)
		}
		t.byParty[c.viewer.Party] = append(t.byParty[c.viewer.Party], c)
		for _, cs := range c.callsigns() {
			t.byCallsign[cs] = append(t.byCallsign[cs], c)
		}
		for _, uid := range c.uids() {
			t.byUID[uid] = append(t.byUID[uid], c)
		}
	}
	slices.Sort(t.parties)
	r.tab.Store(t)
}

func (r *router) add(c *conn) {
	r.mu.Lock()
	r.conns[c] = struct{}{}
	r.rebuild()
	r.mu.Unlock()
}

func (r *router) remove(c *conn) {
	r.mu.Lock()
	if _, ok := r.conns[c]; ok {
		delete(r.conns, c)
		r.rebuild()
	}
	r.mu.Unlock()
}

// learned is called when a connection announced a new uid or callsign.
func (r *router) learned() {
	r.mu.Lock()
	r.rebuild()
	r.mu.Unlock()
}

// count returns the number of connected devices.
func (r *router) count() int {
	n := 0
	for _, cs := range r.tab.Load().byParty {
		n += len(cs)
	}
	return n
}

// route delivers m to every connected device whose party may see it, or,
// for directed messages (marti dest), to the named devices that may. It
// runs on the caller's goroutine and never blocks on a device.
func (r *router) route(m *message) {
	d := r.dir()
	t := r.tab.Load()
	if dests := m.ev.Detail.Dests; len(dests) > 0 {
		var sent []*conn
		for _, dst := range dests {
			var cs []*conn
			switch {
			case dst.UID != "":
				cs = t.byUID[dst.UID]
			case dst.Callsign != "":
				cs = t.byCallsign[dst.Callsign]
			}
			for _, c := range cs {
				if c != m.from && !slices.Contains(sent, c) && d.CanSee(c.viewer.Party, m.marking) {
					sent = append(sent, c)
					c.send(m)
				}
			}
		}
		return
	}
	for _, p := range t.parties {
		if !d.CanSee(p, m.marking) {
			continue
		}
		for _, c := range t.byParty[p] {
			if c != m.from {
				c.send(m)
			}
		}
	}
}

// routeWhere delivers m to every connected device whose party passes
// keep (the caller decides releasability, e.g. "could see it before").
func (r *router) routeWhere(m *message, keep func(party string) bool) {
	t := r.tab.Load()
	for _, p := range t.parties {
		if keep(p) {
			for _, c := range t.byParty[p] {
				c.send(m)
			}
		}
	}
}

// remember keeps m as the latest position of its uid.
func (r *router) remember(m *message) {
	r.latestMu.Lock()
	if cur := r.latest[m.ev.UID]; cur == nil || !m.ev.Time.Before(cur.ev.Time) {
		r.latest[m.ev.UID] = m
	}
	r.latestMu.Unlock()
}

// catchUp sends a newly connected device the latest position of every uid
// its party may see that is not stale.
func (r *router) catchUp(c *conn, now time.Time) {
	d := r.dir()
	r.latestMu.Lock()
	var out []*message
	for uid, m := range r.latest {
		if !m.ev.Stale.After(now) {
			delete(r.latest, uid)
			continue
		}
		if d.CanSee(c.viewer.Party, m.marking) {
			out = append(out, m)
		}
	}
	r.latestMu.Unlock()
	slices.SortFunc(out, func(a, b *message) int { return a.ev.Time.Compare(b.ev.Time) })
	for _, m := range out {
		c.send(m)
	}
}

// forget drops the latest positions of the given uids (deleted items).
func (r *router) forget(uids ...string) {
	r.latestMu.Lock()
	for _, u := range uids {
		delete(r.latest, u)
	}
	r.latestMu.Unlock()
}

// deletedUIDs returns the uids a t-x-d-d event deletes.
func deletedUIDs(e *cot.Event) []string {
	var out []string
	for _, l := range e.Detail.Links {
		if l.UID != "" {
			out = append(out, l.UID)
		}
	}
	return out
}
