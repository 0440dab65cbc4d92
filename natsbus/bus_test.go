package natsbus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/natsbus"
	"github.com/concord-mission/concord/natsbus/natstest"
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
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", id)
	}
	return concord.Event{}
}

func TestExternalServer(t *testing.T) {
	url := natstest.ExternalURL(t)
	ctx := context.Background()
	stream := fmt.Sprintf("CONCORD_TEST_%d", time.Now().UnixNano())
	b, err := natsbus.Open(ctx, natsbus.Options{URL: url, Stream: stream})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		b.DeleteStream(ctx)
		b.Close()
	}()
	exerciseBus(t, b)
}

func TestThreeNodeClusterSurvivesANodeLoss(t *testing.T) {
	c := natstest.NewCluster(t, 3)
	ctx := context.Background()
	b, err := natsbus.Open(ctx, natsbus.Options{URL: c.URL(), Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exerciseBus(t, b)

	// Kill a node (the stream leader's or not) and keep publishing: an R3
	// stream keeps its quorum with two nodes, and the client reconnects.
	from, _ := b.LastSeq(ctx)
	got := make(chan concord.Event, 1000)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	// Resubscribe after a failure from the last event seen, as the Hub's
	// owner does.
	go func() {
		next := from + 1
		for sctx.Err() == nil {
			err := b.Subscribe(sctx, next, func(e concord.Event) { got <- e; next = e.StreamSeq + 1 })
			if sctx.Err() == nil {
				t.Logf("subscription ended (%v); resubscribing from %d", err, next)
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
	c.Kill(0)
	for i := 100; i < 200; i++ {
		var err error
		for attempt := 0; attempt < 50; attempt++ {
			if _, err = b.Publish(ctx, event(i)); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond) // leader election after the loss
		}
		if err != nil {
			t.Fatalf("publish %d after node loss: %v", i, err)
		}
	}
	start := time.Now()
	for i := 100; i < 200; i++ {
		waitFor(t, got, fmt.Sprintf("ev-%d", i))
	}
	t.Logf("subscriber caught up %s after the node loss", time.Since(start).Round(time.Millisecond))
}

// exerciseBus publishes and reads back through a bus.
func exerciseBus(t *testing.T, b *natsbus.Bus) {
	t.Helper()
	ctx := context.Background()
	from, err := b.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan concord.Event, 100)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go b.Subscribe(sctx, from+1, func(e concord.Event) { got <- e })
	for i := 1; i <= 10; i++ {
		if _, err := b.Publish(ctx, event(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 10; i++ {
		waitFor(t, got, fmt.Sprintf("ev-%d", i))
	}
}
