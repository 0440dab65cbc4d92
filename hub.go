package concord

import (
	"context"
	"sync"
	"sync/atomic"
)

// Project is the per-viewer projection of an event, the one rule every live
// stream applies: a viewer party receives the event if it may see the
// record's new marking; if it could see the old marking but not the new one
// it receives a "withdrawn" notice that names the record and nothing else;
// otherwise it receives nothing.
func Project(d *Directory, party string, ev Event) (Event, bool) {
	if d.CanSee(party, ev.Marking) {
		return ev, true
	}
	if ev.PrevMarking != nil && d.CanSee(party, *ev.PrevMarking) {
		return ev.Withdrawn(), true
	}
	return Event{}, false
}

// Hub fans the bus's events out to live-stream subscribers on this
// instance, each through Project. One bus subscription serves every
// subscriber, whatever their number.
type Hub struct {
	access *Access
	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
	// lastSeq is the bus sequence of the last event dispatched.
	lastSeq atomic.Uint64
	// OnEvent, if set, sees every event before subscribers do (e.g. to
	// reload the directory when parties change).
	OnEvent func(Event)
	dropped atomic.Int64
}

// NewHub returns a hub that filters through access.
func NewHub(access *Access) *Hub {
	return &Hub{access: access, subs: map[*Subscription]struct{}{}}
}

// Subscription is one live-stream client. Events arrives on C; when the
// client falls more than the buffer behind, the hub closes Done and stops
// sending, and the client resumes from its last event id.
type Subscription struct {
	Viewer Viewer
	C      chan Event
	done   chan struct{}
	once   sync.Once
}

// Done is closed when the hub dropped the subscription for lagging.
func (s *Subscription) Done() <-chan struct{} { return s.done }

func (s *Subscription) close() { s.once.Do(func() { close(s.done) }) }

// Subscribe adds a subscriber with a buffer of buf events.
func (h *Hub) Subscribe(v Viewer, buf int) *Subscription {
	s := &Subscription{Viewer: v, C: make(chan Event, buf), done: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes a subscriber.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	s.close()
}

// Subscribers returns the number of connected subscribers.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Dropped returns how many subscribers were dropped for lagging.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// LastSeq returns the bus sequence of the last event dispatched.
func (h *Hub) LastSeq() uint64 { return h.lastSeq.Load() }

// Dispatch delivers one event to every subscriber entitled to it.
func (h *Hub) Dispatch(ev Event) {
	if h.OnEvent != nil {
		h.OnEvent(ev)
	}
	d := h.access.Directory()
	// The two variants a subscriber can receive, each encoded at most once.
	full, withdrawn := ev, ev.Withdrawn()
	full.enc, withdrawn.enc = &encoding{}, &encoding{}
	h.mu.RLock()
	var lagging []*Subscription
	for s := range h.subs {
		out, ok := Project(d, s.Viewer.Party, ev)
		if !ok {
			continue
		}
		if out.Verb == VerbWithdrawn {
			out = withdrawn
		} else {
			out = full
		}
		select {
		case s.C <- out:
		default:
			lagging = append(lagging, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range lagging {
		h.dropped.Add(1)
		h.Unsubscribe(s)
	}
	h.lastSeq.Store(ev.StreamSeq)
}

// Run feeds the hub from the bus, starting at sequence from, until ctx
// ends or the subscription fails. To resume without a gap, call it again
// with LastSeq()+1.
func (h *Hub) Run(ctx context.Context, bus Bus, from uint64) error {
	return bus.Subscribe(ctx, from, h.Dispatch)
}
