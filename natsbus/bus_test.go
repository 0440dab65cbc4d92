package natsbus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/natsbus"
)

func openEmbedded(t *testing.T, dir string) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Open(context.Background(), natsbus.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func event(i int) concord.Event {
	return concord.Event{ID: fmt.Sprintf("ev-%d", i), Kind: "feature", Verb: "created", RecordID: fmt.Sprint(i), Version: 1,
		Marking: concord.Marking{Owner: "PAK", Rel: []string{"ISF"}}, At: time.Now().UTC()}
}

func TestPublishSubscribeReplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	b := openEmbedded(t, dir)
	got := make(chan concord.Event, 100)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	from, err := b.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- b.Subscribe(sctx, from+1, func(e concord.Event) { got <- e }) }()
	// Subscribing from a sequence delivers events published before the
	// consumer exists, so there is no start-up race.
	if _, err := b.Publish(ctx, event(0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, got, "ev-0")
	for i := 1; i <= 5; i++ {
		if _, err := b.Publish(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	// A duplicate publish of the same event ID is stored once.
	seqDup, err := b.Publish(ctx, event(5))
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for i := 1; i <= 5; i++ {
		e := waitFor(t, got, fmt.Sprintf("ev-%d", i))
		if e.StreamSeq <= last {
			t.Fatal("out of order")
		}
		last = e.StreamSeq
	}
	if seqDup != last {
		t.Fatalf("duplicate got seq %d, want the original %d", seqDup, last)
	}
	stop()
	<-done

	var replayed []string
	upTo, err := b.Replay(ctx, last-3, func(e concord.Event) error { replayed = append(replayed, e.ID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if upTo != last || len(replayed) != 4 || replayed[0] != "ev-2" {
		t.Fatalf("replay up to %d: %v", upTo, replayed)
	}
	if n, _ := b.Replay(ctx, last+1, func(concord.Event) error { t.Fatal("nothing to replay"); return nil }); n != last {
		t.Fatalf("empty replay returned %d", n)
	}
	// The embedded stream survives a restart.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2 := openEmbedded(t, dir)
	defer b2.Close()
	n, err := b2.LastSeq(ctx)
	if err != nil || n != last {
		t.Fatalf("after restart last seq %d (%v), want %d", n, err, last)
	}
}

func waitFor(t *testing.T, ch chan concord.Event, id string) concord.Event {
	t.Helper()
	select {
	case e := <-ch:
		if e.ID != id {
			t.Fatalf("got %s, want %s", e.ID, id)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", id)
	}
	return concord.Event{}
}
