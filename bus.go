package concord

import "context"

// Bus carries committed events between instances and to live streams. The
// natsbus package implements it on NATS JetStream.
type Bus interface {
	// Publish stores ev durably on the bus and returns its bus sequence.
	// Publishing the same event ID twice stores it once.
	Publish(ctx context.Context, ev Event) (uint64, error)
	// Subscribe calls fn, in order, for every event from sequence from on
	// (including events published later), until ctx ends or the
	// subscription fails.
	Subscribe(ctx context.Context, from uint64, fn func(Event)) error
	// LastSeq returns the sequence of the newest stored event, and
	// FirstSeq that of the oldest still kept (older ones aged out).
	LastSeq(ctx context.Context) (uint64, error)
	FirstSeq(ctx context.Context) (uint64, error)
	// Replay calls fn, in order, for every stored event with a sequence of
	// at least from, up to the last one stored when Replay started, and
	// returns the sequence of the last event it delivered (or from-1).
	Replay(ctx context.Context, from uint64, fn func(Event) error) (uint64, error)
}
