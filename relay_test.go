package concord_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/natsbus"
	"github.com/concord-mission/concord/sqlite"
)

// relayRig is a real SQLite store and an embedded NATS bus.
type relayRig struct {
	db  *sqlite.DB
	bus *natsbus.Bus
}

func newRelayRig(t *testing.T) relayRig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "concord.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bus, err := natsbus.Open(ctx, natsbus.Options{DataDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	p := concord.Party{Code: "CMCC", Name: "Coordination center", Kind: concord.KindCoordination, Version: 1}
	if err := db.PutParty(ctx, p, 0, concord.Event{ID: uuid.NewString(), Kind: "party", Verb: concord.VerbCreated, RecordID: "CMCC", Version: 1,
		Marking: concord.Marking{Owner: "CMCC", Rel: []string{"ALL"}}, At: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	return relayRig{db, bus}
}

// commit stores n records with an event each, in one transaction, as the
// service does, and returns the events.
func (r relayRig) commit(t *testing.T, n int) []concord.Event {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := concord.Marking{Owner: "CMCC", Rel: []string{}, Caveats: []string{}}
	var ws []concord.RecordWrite
	var evs []concord.Event
	for range n {
		id := uuid.NewString()
		ev := concord.Event{ID: uuid.NewString(), Kind: "note", Verb: concord.VerbCreated, RecordID: id, Version: 1,
			Marking: mk, At: now, Actor: "test", ActorParty: "CMCC", Data: json.RawMessage(`{}`)}
		ws = append(ws, concord.RecordWrite{Record: concord.Record{Kind: "note", ID: id, Marking: mk, Version: 1, Status: "open",
			Data: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now}, Events: []concord.Event{ev}})
		evs = append(evs, ev)
	}
	if err := r.db.WriteRecords(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	return evs
}

// published returns the IDs of the events on the bus, in bus order.
func (r relayRig) published(t *testing.T) []string {
	t.Helper()
	var ids []string
	if _, err := r.bus.Replay(context.Background(), 1, func(ev concord.Event) error {
		ids = append(ids, ev.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func (r relayRig) outbox(t *testing.T) int {
	t.Helper()
	evs, err := r.db.PendingEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// Drain publishes every committed event once, in commit order, and leaves
// the outbox empty; events past a removal batch are not lost.
func TestRelayDrainPublishesInOrderAndEmptiesOutbox(t *testing.T) {
	r := newRelayRig(t)
	var want []string
	for range 17 { // more events than one removal batch
		for _, ev := range r.commit(t, 1000) {
			want = append(want, ev.ID)
		}
	}
	relay := concord.NewRelay(r.db, r.bus, slog.Default(), time.Second)
	if err := relay.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := r.published(t)[1:] // the party's event first
	if len(got) != len(want) {
		t.Fatalf("published %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d on the bus is %s, want %s", i, got[i], want[i])
		}
	}
	if n := r.outbox(t); n != 0 {
		t.Fatalf("outbox holds %d events after Drain", n)
	}
	if relay.Published() != int64(len(want)+1) {
		t.Fatalf("Published() = %d, want %d", relay.Published(), len(want)+1)
	}
}

// Run publishes a commit as soon as it is woken, and removes published
// events from the outbox later, in a batch, without a Drain.
func TestRelayRunPublishesAtOnceAndRemovesLater(t *testing.T) {
	r := newRelayRig(t)
	relay := concord.NewRelay(r.db, r.bus, slog.Default(), 100*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); relay.Run(ctx) }()
	defer func() { cancel(); <-done }()
	ev := r.commit(t, 1)[0]
	relay.Wake()
	deadline := time.Now().Add(5 * time.Second)
	for len(r.published(t)) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := r.published(t); len(got) != 2 || got[1] != ev.ID {
		t.Fatalf("bus holds %v, want the party's event and %s", got, ev.ID)
	}
	for r.outbox(t) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := r.outbox(t); n != 0 {
		t.Fatalf("outbox still holds %d published events", n)
	}
}

// An event that appears in the outbox with a sequence below one already
// published (a PostgreSQL transaction that took its sequence first and
// committed last) is not lost: the relay reads past the last event it
// published, and from the start again after each removal.
func TestRelayPublishesLateEarlierSequence(t *testing.T) {
	r := newRelayRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	relay := concord.NewRelay(r.db, r.bus, slog.Default(), 50*time.Millisecond)
	if err := relay.Drain(ctx); err != nil { // the party's event
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); relay.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor := func(n int) []string {
		deadline := time.Now().Add(5 * time.Second)
		for len(r.published(t)) < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		return r.published(t)
	}
	r.commit(t, 1)
	relay.Wake()
	waitFor(2)
	// The party's event took sequence 1 and is removed: the late event
	// takes it, below the one just published.
	late := concord.Event{ID: uuid.NewString(), Kind: "note", Verb: concord.VerbCreated, RecordID: "late", Version: 1,
		Marking: concord.Marking{Owner: "CMCC", Rel: []string{}, Caveats: []string{}}, At: time.Now().UTC(), Actor: "test", ActorParty: "CMCC"}
	b, _ := json.Marshal(late)
	if _, err := r.db.DB().ExecContext(ctx, `INSERT INTO outbox (seq, event) VALUES (1, ?)`, b); err != nil {
		t.Fatal(err)
	}
	r.commit(t, 1)
	relay.Wake()
	got := waitFor(4)
	if len(got) != 4 || !contains(got, late.ID) {
		t.Fatalf("bus holds %d events %v; the late one %s must be among 4", len(got), got, late.ID)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
