package concord

import (
	"context"
	"log/slog"
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
		if err := r.Drain(ctx); err != nil {
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

// Drain publishes every pending event now, in commit order.
func (r *Relay) Drain(ctx context.Context) error {
	for {
		evs, err := r.store.PendingEvents(ctx, 256)
		if err != nil {
			return err
		}
		r.pending.Store(int64(len(evs)))
		if len(evs) == 0 {
			return nil
		}
		done := make([]int64, 0, len(evs))
		var perr error
		if bp, ok := r.bus.(BatchPublisher); ok {
			var n int
			n, perr = bp.PublishBatch(ctx, evs)
			for _, ev := range evs[:n] {
				done = append(done, ev.Seq)
			}
			if perr != nil {
				r.failures.Add(1)
			}
		} else {
			for _, ev := range evs {
				if _, perr = r.bus.Publish(ctx, ev); perr != nil {
					r.failures.Add(1)
					break
				}
				done = append(done, ev.Seq)
			}
		}
		if len(done) > 0 {
			if err := r.store.MarkPublished(context.WithoutCancel(ctx), done); err != nil {
				return err
			}
			r.published.Add(int64(len(done)))
		}
		if perr != nil {
			return perr
		}
	}
}
