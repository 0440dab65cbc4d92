package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/concord-mission/concord/postgres"
	"github.com/concord-mission/concord/postgres/pgtest"
)

func TestLeaseIsExclusiveAndMovesOnRelease(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	a, err := postgres.Open(ctx, u, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	la, lb := postgres.NewLeaser(a), postgres.NewLeaser(b)
	lb.Retry = 50 * time.Millisecond
	held, release, err := la.Acquire(ctx, "relay")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if _, _, err := lb.Acquire(wctx, "relay"); err == nil {
		t.Fatal("a second holder got the lease")
	}
	cancel()
	// Another lease name is independent.
	_, rel2, err := lb.Acquire(ctx, "simulator")
	if err != nil {
		t.Fatal(err)
	}
	rel2()
	got := make(chan struct{})
	go func() {
		_, rel, err := lb.Acquire(ctx, "relay")
		if err == nil {
			rel()
			close(got)
		}
	}()
	release()
	if held.Err() == nil {
		t.Fatal("released lease context still live")
	}
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the lease did not move after release")
	}
	// A holder whose session dies (as with a SIGKILL) loses the lease, and
	// notices it.
	la.Check = 100 * time.Millisecond
	sweep, relSweep, err := la.Acquire(ctx, "sweep")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sweep.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the holder did not notice it lost its lease")
	}
	relSweep()
	wctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, rel, err := lb.Acquire(wctx, "sweep"); err != nil {
		t.Fatalf("lease of a dead holder did not move: %v", err)
	} else {
		rel()
	}
}
