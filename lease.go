package concord

import "context"

// Leaser grants named leases so that singleton work (the outbox relay,
// simulators, sweeps) runs on exactly one instance at a time, and moves to
// another instance when its holder dies.
type Leaser interface {
	// Acquire blocks until this instance holds the lease or ctx ends. The
	// returned context ends when the lease is lost; release gives it up.
	Acquire(ctx context.Context, name string) (lease context.Context, release func(), err error)
}

// LocalLeaser grants every lease at once. It serves a single instance on
// the embedded store, where no other instance can exist.
type LocalLeaser struct{}

// Acquire returns a lease that lasts until ctx ends or release is called.
func (LocalLeaser) Acquire(ctx context.Context, _ string) (context.Context, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	return lctx, cancel, nil
}
