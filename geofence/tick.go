package geofence

import (
	"math"
	"slices"
	"time"
)

// boundary is the opening or closing of an area's validity window.
type boundary struct {
	at      int64
	z       *zone
	version uint32
	open    bool
}

// staleEntry is when a track may go stale: a lower bound, as reports move
// the real deadline later without touching the queue.
type staleEntry struct {
	at int64
	t  *track
}

// queue is a binary min-heap.
type queue[T any] struct {
	h    []T
	less func(a, b T) bool
}

func (q *queue[T]) push(v T) {
	q.h = append(q.h, v)
	q.up(len(q.h) - 1)
}

func (q *queue[T]) pop() T {
	v := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	var zero T
	q.h[n] = zero
	q.h = q.h[:n]
	if n > 0 {
		q.down(0)
	}
	return v
}

func (q *queue[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(q.h[i], q.h[p]) {
			return
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *queue[T]) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(q.h) {
			return
		}
		m := l
		if r := l + 1; r < len(q.h) && q.less(q.h[r], q.h[l]) {
			m = r
		}
		if !q.less(q.h[m], q.h[i]) {
			return
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
}

// filter keeps the entries for which keep is true.
func (q *queue[T]) filter(keep func(T) bool) {
	q.h = slices.DeleteFunc(q.h, func(v T) bool { return !keep(v) })
	for i := len(q.h)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

func (e *Engine) deadline(t *track) int64 {
	if t.reportNs > math.MaxInt64-e.staleNs {
		return math.MaxInt64
	}
	return t.reportNs + e.staleNs
}

// Tick evaluates time alone at now and appends the resulting events to
// dst, ordered by time, track, transition and zone: Enter and Exit (At =
// the boundary) for tracks standing inside an area whose validity window
// opens or closes at or before now since their last evaluation, and Stale
// (At = last report + StaleAfter), once, for tracks without a report for
// StaleAfter. A track evaluated at a boundary counts as evaluated then:
// later updates older than it are out of order. When nothing is due, Tick
// costs two comparisons.
func (e *Engine) Tick(dst []Event, now time.Time) []Event {
	n := nanos(now)
	start := len(dst)
	for len(e.bounds.h) > 0 && e.bounds.h[0].at <= n {
		b := e.bounds.pop()
		if b.z.removed || b.version != b.z.version {
			continue
		}
		dst = e.boundary(dst, b)
	}
	for len(e.stale.h) > 0 && e.stale.h[0].at <= n {
		t := e.stale.h[0].t
		if t.removed {
			e.stale.pop()
			continue
		}
		if d := e.deadline(t); d > n {
			e.stale.h[0].at = d
			e.stale.down(0)
			continue
		}
		e.stale.pop()
		t.stale, t.inQueue = true, false
		at := t.reportAt.Add(e.cfg.StaleAfter)
		var buf [64]byte
		dst = append(dst, Event{ID: eventID(buf[:0], t.id, "", Stale, e.deadline(t)), TrackID: t.id, Transition: Stale, At: at, Pos: t.pos})
	}
	if len(dst)-start > 1 {
		slices.SortFunc(dst[start:], compareEvents)
	}
	return dst
}

// boundary applies one window boundary to the tracks standing in the area
// that were last evaluated before it: a scan of every track, which is
// cheap next to how rarely windows open and close.
func (e *Engine) boundary(dst []Event, b boundary) []Event {
	z := b.z
	for _, t := range e.list {
		if !t.seen || t.at >= b.at {
			continue
		}
		k, found := slices.BinarySearchFunc(t.inside, z, compareZones)
		switch {
		case b.open && !found && z.activeAt(b.at) && inBound(z.bound, t.pos) && z.contains(t.pos):
			t.inside = slices.Insert(t.inside, k, z)
			dst = append(dst, e.zoneEvent(Enter, t, z, z.fromT, b.at, t.pos))
			t.at = b.at
		case !b.open && found:
			t.inside = slices.Delete(t.inside, k, k+1)
			dst = append(dst, e.zoneEvent(Exit, t, z, z.toT, b.at, t.pos))
			t.at = b.at
		}
	}
	return dst
}
