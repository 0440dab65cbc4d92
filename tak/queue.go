package tak

import "sync"

// queue is a connection's outbound queue. Messages leave in the order they
// came. Once the device falls behind (more than coalesceAt messages
// waiting), a position report still waiting is replaced by a newer one of
// the same uid (coalescing: a slow device gets the latest positions, not a
// growing backlog); below that every report is delivered, so scheduling
// jitter costs nothing. Nothing else is ever dropped; a queue that still
// grows past its limit means a pathologically slow device, which the
// connection then disconnects.
type queue struct {
	mu    sync.Mutex
	items []*message
	posAt map[string]int // uid -> index in items of its waiting position
	limit int
	// coalesceAt is the backlog from which positions coalesce.
	coalesceAt int
	closed     bool
	signal     chan struct{}
	spare      []*message
	metrics    *metrics
}

func newQueue(limit, coalesceAt int, m *metrics) *queue {
	return &queue{posAt: map[string]int{}, limit: limit, coalesceAt: coalesceAt, signal: make(chan struct{}, 1), metrics: m}
}

// push adds a message; it reports false when the queue is over its limit
// (the caller disconnects the device).
func (q *queue) push(m *message) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return true
	}
	if m.class == ClassPosition {
		if i, ok := q.posAt[m.ev.UID]; ok && len(q.items) >= q.coalesceAt {
			q.items[i] = m
			q.mu.Unlock()
			q.metrics.coalesced.Inc()
			return true
		}
		q.posAt[m.ev.UID] = len(q.items)
	}
	q.items = append(q.items, m)
	over := len(q.items) > q.limit
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
	return !over
}

// take returns every waiting message, oldest first. The slice is reused
// by the next take.
func (q *queue) take() []*message {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.items
	q.items = q.spare[:0]
	q.spare = out
	// After a burst (a catch-up of thousands of tracks), let the large
	// map and slice go instead of keeping them for every idle device:
	// maps do not shrink when cleared.
	if len(q.posAt) > smallQueue {
		q.posAt = map[string]int{}
	} else {
		clear(q.posAt)
	}
	if cap(q.items) > 4*smallQueue {
		q.items = nil
	}
	return out
}

// smallQueue is the backlog up to which a queue keeps its memory for reuse.
const smallQueue = 256

// close stops the queue and counts what it still held as dropped.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	for _, m := range q.items {
		q.metrics.dropped.WithLabelValues("disconnected", m.class.String()).Inc()
	}
	q.items = nil
}
