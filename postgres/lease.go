package postgres

import (
	"context"
	"time"

	"github.com/concord-mission/concord"
)

// Leaser grants leases as PostgreSQL session advisory locks, each held on
// its own connection: when the holder process dies its connection closes,
// PostgreSQL releases the lock, and another instance's next attempt takes
// it over.
type Leaser struct {
	db *DB
	// Retry is how often a waiting instance tries again; Check how often a
	// holder verifies that its connection (and so its lock) is alive.
	Retry, Check time.Duration
}

var _ concord.Leaser = (*Leaser)(nil)

// NewLeaser returns a Leaser on db.
func NewLeaser(db *DB) *Leaser { return &Leaser{db: db, Retry: time.Second, Check: 2 * time.Second} }

// Acquire blocks until this instance holds the named lease.
func (l *Leaser) Acquire(ctx context.Context, name string) (context.Context, func(), error) {
	for {
		conn, err := l.db.pool.Acquire(ctx)
		if err == nil {
			var got bool
			err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, "concord:"+name).Scan(&got)
			if err == nil && got {
				lctx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() {
					defer close(done)
					t := time.NewTicker(l.Check)
					defer t.Stop()
					for {
						select {
						case <-lctx.Done():
							return
						case <-t.C:
							pctx, pcancel := context.WithTimeout(lctx, l.Check)
							err := conn.Ping(pctx)
							pcancel()
							if err != nil && lctx.Err() == nil {
								cancel() // the connection, and with it the lock, is gone
								return
							}
						}
					}
				}()
				release := func() {
					cancel()
					<-done
					rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer rcancel()
					if _, err := conn.Exec(rctx, `SELECT pg_advisory_unlock(hashtext($1))`, "concord:"+name); err != nil {
						conn.Conn().Close(rctx) // closing the session releases the lock too
					}
					conn.Release()
				}
				return lctx, release, nil
			}
			conn.Release()
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(l.Retry):
		}
	}
}
