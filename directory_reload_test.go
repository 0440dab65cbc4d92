package concord_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/concord-mission/concord"
)

// gatedStore holds the next Parties read, once armed, until released, so a
// test can interleave a reload with a write.
type gatedStore struct {
	concord.Store
	mu      sync.Mutex
	armed   bool
	reading chan struct{} // closed when the held read has read the store
	release chan struct{}
}

func (g *gatedStore) Parties(ctx context.Context) ([]concord.Party, error) {
	ps, err := g.Store.Parties(ctx)
	g.mu.Lock()
	held := g.armed
	g.armed = false
	g.mu.Unlock()
	if held {
		close(g.reading)
		<-g.release
	}
	return ps, err
}

// A reload triggered by the bus that read the store before a party was
// committed must not replace the directory after the writer's own reload:
// otherwise the new party vanishes from this instance until the next change.
func TestDirectoryReloadsDoNotGoBackInTime(t *testing.T) {
	ctx := context.Background()
	rig := newRelayRig(t)
	store := &gatedStore{Store: rig.db, reading: make(chan struct{}), release: make(chan struct{})}
	svc, err := concord.NewService(ctx, store, concord.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	admin := concord.Viewer{UserID: "system:test", Username: "test", Party: "CMCC", Roles: []concord.Role{concord.RoleAdmin}}

	store.mu.Lock()
	store.armed = true
	store.mu.Unlock()
	applied := make(chan error, 1)
	go func() { applied <- svc.Apply(ctx, concord.Event{Kind: "group"}) }()
	<-store.reading // the stale reload has read the parties without IRC

	put := make(chan error, 1)
	go func() {
		_, err := svc.PutParty(ctx, admin, concord.Party{Code: "IRC", Name: "IRC", Kind: "ngo"})
		put <- err
	}()
	// Give the write time to commit and reach its own reload, then let the
	// stale reload finish.
	time.Sleep(100 * time.Millisecond)
	close(store.release)
	if err := <-applied; err != nil {
		t.Fatal(err)
	}
	if err := <-put; err != nil {
		t.Fatal(err)
	}
	if _, ok := svc.Access().Directory().Party("IRC"); !ok {
		t.Fatal("party IRC, committed and reloaded, is missing from the directory")
	}
}
