package concord

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Relay moves committed events from the store's outbox to the bus. Because
// the outbox row is written in the same transaction as the change, an event
// survives a crash between commit and publish: the next Relay run publishes
// it, and the bus drops a duplicate if the crash came after the publish but
// before the outbox row was removed.
type Relay struct {
	store    OutboxStore
	bus      Bus
	log      *slog.Logger
	wake     chan struct{}
	interval time.Duration

	published atomic.Int64
	failures  atomic.Int64
	pending   atomic.Int64

	// mu serialises passes over the outbox. Published events stay in the
	// outbox until the next removal (unmarked); reads go on after the
	// last one published (after).
	mu       sync.Mutex
	unmarked []int64
	after    int64
	marked   time.Time
}

// NewRelay returns a relay that polls at least every interval.
func NewRelay(store OutboxStore, bus Bus, log *slog.Logger, interval time.Duration) *Relay {
	if interval <= 0 {
		interval = time.Second
	}
	return &Relay{store: store, bus: bus, log: log, wake: make(chan struct{}, 1), interval: interval}
}

// Wake asks the relay to publish now; it never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Published returns how many events this relay has published.
func (r *Relay) Published() int64 { return r.published.Load() }

// Failures returns how many publish attempts failed.
func (r *Relay) Failures() int64 { return r.failures.Load() }

// Pending returns the size of the last outbox batch seen, a lag indicator.
func (r *Relay) Pending() int64 { return r.pending.Load() }

// Run publishes pending events until ctx ends. On failure it backs off and
// retries; events stay in the outbox meanwhile.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	backoff := time.Duration(0)
	failing := false
	for {
		if err := r.pass(ctx, false); err != nil {
			if ctx.Err() != nil {
				return
			}
			if !failing {
				r.log.Warn("outbox_publish_failed", "err", err)
			}
			failing = true
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
		} else {
			if failing {
				r.log.Info("outbox_publish_recovered")
			}
			failing, backoff = false, 0
		}
		var delay <-chan time.Time
		if backoff > 0 {
			delay = time.After(backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-delay:
		case <-r.wake:
			if backoff > 0 {
				continue
			}
		case <-t.C:
		}
	}
}

// BatchPublisher is a bus that publishes many events in one round trip; it
// returns how many of the first events are stored.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, evs []Event) (int, error)
}

// Outbox pass sizes and pace: events read and published per round trip;
// published events are removed from the outbox once markBatch of them wait
// or markEvery after the last removal, whichever comes first. Removing is a
// write on the store's one writer (SQLite), where it queues behind
// positions and alerts: doing it once per pass, not once per read, kept
// the relay behind every burst of alerts.
const (
	readBatch = 1024
	markBatch = 16384
	markEvery = 250 * time.Millisecond
)

// Drain publishes every pending event now, in commit order, and removes
// what it published from the outbox before it returns.
func (r *Relay) Drain(ctx context.Context) error { return r.pass(ctx, true) }

// pass publishes the events past the last one published. Between removals
// it reads on from there; after each removal it reads from the start
// again, so that an event committed late with an earlier sequence
// (PostgreSQL) goes out at the next removal at the latest. final removes
// everything published before returning.
func (r *Relay) pass(ctx context.Context, final bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		evs, err := r.store.PendingEvents(ctx, r.after, readBatch)
		if err != nil {
			return err
		}
		r.pending.Store(int64(len(evs)))
		if len(evs) == 0 {
			if final || time.Since(r.marked) >= markEvery {
				return r.mark(ctx)
			}
			return nil
		}
		var perr error
		n := 0
		if bp, ok := r.bus.(BatchPublisher); ok {
			n, perr = bp.PublishBatch(ctx, evs)
		} else {
			for _, ev := range evs {
				if _, perr = r.bus.Publish(ctx, ev); perr != nil {
					break
				}
				n++
			}
		}
		for _, ev := range evs[:n] {
			r.unmarked = append(r.unmarked, ev.Seq)
		}
		if n > 0 {
			r.after = evs[n-1].Seq
			r.published.Add(int64(n))
		}
		if perr != nil {
			r.failures.Add(1)
			return perr
		}
		if len(r.unmarked) >= markBatch {
			if err := r.mark(ctx); err != nil {
				return err
			}
		}
	}
}

// mark removes the published events from the outbox and starts the next
// read from the beginning. Callers hold r.mu.
func (r *Relay) mark(ctx context.Context) error {
	if len(r.unmarked) > 0 {
		if err := r.store.MarkPublished(context.WithoutCancel(ctx), r.unmarked); err != nil {
			return err
		}
	}
	r.unmarked, r.after, r.marked = r.unmarked[:0], 0, time.Now()
	return nil
}
