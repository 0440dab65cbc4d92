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

// Broadcast carries live messages between instances without storing them:
// position reports and TAK traffic, which are many, matter only while
// fresh, and are written to the store behind (tracks) or not at all.
// Delivery is at most once, and an instance never receives its own
// broadcasts. A single embedded instance has none.
type Broadcast interface {
	Broadcast(name string, data []byte) error
	// Listen calls fn for every broadcast on name until ctx ends.
	Listen(ctx context.Context, name string, fn func(data []byte)) error
}
