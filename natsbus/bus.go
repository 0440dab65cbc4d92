package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/concord-mission/concord"
)

// StreamName is the JetStream stream that holds Concord's events.
const StreamName = "CONCORD"

// Options configure Open. The zero value with a DataDir runs embedded.
type Options struct {
	// URL of an external NATS server or cluster (comma-separated); empty
	// runs nats-server in-process.
	URL string
	// DataDir holds the embedded server's JetStream files.
	DataDir string
	// Stream names the JetStream stream; default CONCORD. Tests set their
	// own so that runs on a shared server never collide.
	Stream string
	// Replicas is the stream replication factor: 1 embedded, 3 in a cluster.
	Replicas int
	// MaxAge bounds how long events stay replayable; default 30 days.
	MaxAge time.Duration
	// Name identifies this connection to the server.
	Name string
	// ConnectOptions are extra client options (credentials, TLS).
	ConnectOptions []nats.Option
	Log            *slog.Logger
}

// Bus is a connection to JetStream, and the embedded server if it runs one.
type Bus struct {
	opts Options
	ns   *server.Server
	nc   *nats.Conn
	// live is a second connection for broadcasts; it does not echo, so an
	// instance never receives its own broadcasts back.
	live *nats.Conn
	// liveSubs are the listeners, for their drop counts.
	liveMu      sync.Mutex
	liveSubs    map[*nats.Subscription]struct{}
	liveDropped int64
	js          jetstream.JetStream
	stream      jetstream.Stream
	log         *slog.Logger
}

var _ concord.Bus = (*Bus)(nil)

// Open starts the embedded server if needed, connects, and creates or
// updates the stream.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	if opts.Stream == "" {
		opts.Stream = StreamName
	}
	if opts.Replicas == 0 {
		opts.Replicas = 1
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = 30 * 24 * time.Hour
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		opts.Name = "concord"
	}
	b := &Bus{opts: opts, log: opts.Log}
	copts := append([]nats.Option{
		nats.Name(opts.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats_disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("nats_reconnected", "url", nc.ConnectedUrlRedacted()) }),
	}, opts.ConnectOptions...)
	url := opts.URL
	if url == "" {
		ns, err := server.NewServer(&server.Options{
			ServerName: "concord-embedded",
			DontListen: true,
			JetStream:  true,
			StoreDir:   filepath.Join(opts.DataDir, "nats"),
			NoSigs:     true,
			NoLog:      true,
			// Keep JetStream's own memory and disk use modest on a laptop.
			JetStreamMaxMemory: 256 << 20,
		})
		if err != nil {
			return nil, fmt.Errorf("embedded nats: %w", err)
		}
		ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			ns.Shutdown()
			return nil, errors.New("embedded nats did not become ready in 10s")
		}
		b.ns = ns
		copts = append(copts, nats.InProcessServer(ns))
	} else {
		copts = append(copts, nats.RetryOnFailedConnect(false), nats.Timeout(5*time.Second))
	}
	nc, err := nats.Connect(url, copts...)
	if err != nil {
		b.Close()
		return nil, concord.Errorf(concord.Unavailable, "cannot connect to NATS at %s: %v", redact(url), err)
	}
	b.nc = nc
	if b.live, err = nats.Connect(url, append(copts, nats.NoEcho(), nats.Name(opts.Name+" live"))...); err != nil {
		b.Close()
		return nil, concord.Errorf(concord.Unavailable, "cannot connect to NATS at %s: %v", redact(url), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		b.Close()
		return nil, err
	}
	b.js = js
	cfg := jetstream.StreamConfig{
		Name:       opts.Stream,
		Subjects:   []string{streamSubjects(opts.Stream)},
		Storage:    jetstream.FileStorage,
		Replicas:   opts.Replicas,
		MaxAge:     opts.MaxAge,
		Duplicates: 2 * time.Minute,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
	}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := js.CreateOrUpdateStream(sctx, cfg)
	if err != nil {
		b.Close()
		return nil, concord.Errorf(concord.Unavailable, "cannot create JetStream stream %s (replicas %d) on %s: %v", opts.Stream, opts.Replicas, redact(url), err)
	}
	b.stream = st
	return b, nil
}

// streamSubjects returns the subject space of a stream. The default stream
// owns concord.>; a test stream owns its own prefix so that runs never mix.
func streamSubjects(stream string) string {
	if stream == StreamName {
		return concord.SubjectPrefix + ">"
	}
	return stream + "." + concord.SubjectPrefix + ">"
}

func (b *Bus) subject(ev concord.Event) string {
	if b.opts.Stream == StreamName {
		return ev.Subject()
	}
	return b.opts.Stream + "." + ev.Subject()
}

// Embedded reports whether the bus runs its own server.
func (b *Bus) Embedded() bool { return b.ns != nil }

// Conn returns the NATS connection for other users of the bus (e.g. leases).
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Connected reports whether the client is connected to a server.
func (b *Bus) Connected() bool { return b.nc != nil && b.nc.IsConnected() }

// Publish stores an event on the stream. JetStream drops a second publish
// of the same event ID within the duplicate window.
func (b *Bus) Publish(ctx context.Context, ev concord.Event) (uint64, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	msg := &nats.Msg{Subject: b.subject(ev), Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, ev.ID)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ack, err := b.js.PublishMsg(pctx, msg)
	if err != nil {
		return 0, concord.WrapError(concord.Unavailable, err, "the event bus is unavailable")
	}
	return ack.Sequence, nil
}

// PublishBatch publishes events in order without waiting for each
// acknowledgement in turn, then waits for them all; it returns how many of
// the first events are stored. One round trip per batch instead of per
// event is what lets the outbox keep up with bursts (geofence alerts).
// After a failure, events behind the failed one may be stored already; the
// relay publishes them again and JetStream drops the duplicates.
func (b *Bus) PublishBatch(ctx context.Context, evs []concord.Event) (int, error) {
	futs := make([]jetstream.PubAckFuture, 0, len(evs))
	var perr error
	for _, ev := range evs {
		data, err := json.Marshal(ev)
		if err != nil {
			perr = err
			break
		}
		msg := &nats.Msg{Subject: b.subject(ev), Data: data, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, ev.ID)
		f, err := b.js.PublishMsgAsync(msg)
		if err != nil {
			perr = concord.WrapError(concord.Unavailable, err, "the event bus is unavailable")
			break
		}
		futs = append(futs, f)
	}
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for i, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return i, concord.WrapError(concord.Unavailable, err, "the event bus is unavailable")
		case <-timeout.C:
			return i, concord.Errorf(concord.Unavailable, "the event bus did not acknowledge within 5 s")
		case <-ctx.Done():
			return i, ctx.Err()
		}
	}
	return len(futs), perr
}

func decode(m jetstream.Msg) (concord.Event, error) {
	var ev concord.Event
	if err := json.Unmarshal(m.Data(), &ev); err != nil {
		return ev, err
	}
	md, err := m.Metadata()
	if err != nil {
		return ev, err
	}
	ev.StreamSeq = md.Sequence.Stream
	return ev, nil
}

// Subscribe delivers, in order, every event from sequence from on.
func (b *Bus) Subscribe(ctx context.Context, from uint64, fn func(concord.Event)) error {
	if from == 0 {
		from = 1
	}
	cons, err := b.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return err
	}
	it, err := cons.Messages()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			return err
		}
		ev, err := decode(m)
		if err != nil {
			b.log.Error("bus_event_undecodable", "subject", m.Subject(), "err", err)
			continue
		}
		fn(ev)
	}
}

// Replay delivers stored events from sequence from up to the last one
// stored when Replay started.
func (b *Bus) Replay(ctx context.Context, from uint64, fn func(concord.Event) error) (uint64, error) {
	if from == 0 {
		from = 1
	}
	info, err := b.stream.Info(ctx)
	if err != nil {
		return 0, concord.WrapError(concord.Unavailable, err, "the event bus is unavailable")
	}
	last := info.State.LastSeq
	if from < info.State.FirstSeq {
		from = info.State.FirstSeq
	}
	if from > last {
		return from - 1, nil
	}
	cons, err := b.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return 0, err
	}
	it, err := cons.Messages()
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	done := from - 1
	for done < last {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			return done, err
		}
		ev, err := decode(m)
		if err != nil {
			return done, err
		}
		if err := fn(ev); err != nil {
			return done, err
		}
		done = ev.StreamSeq
	}
	return done, nil
}

// LastSeq returns the sequence of the newest stored event.
func (b *Bus) LastSeq(ctx context.Context) (uint64, error) {
	info, err := b.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}

// FirstSeq returns the sequence of the oldest event still stored.
func (b *Bus) FirstSeq(ctx context.Context) (uint64, error) {
	info, err := b.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.FirstSeq, nil
}

// DeleteStream removes the stream; tests use it to clean up after
// themselves on a shared server.
func (b *Bus) DeleteStream(ctx context.Context) error {
	return b.js.DeleteStream(ctx, b.opts.Stream)
}

// Close drains the connection, then shuts the embedded server down.
func (b *Bus) Close() error {
	var err error
	if b.live != nil {
		b.live.Close()
	}
	if b.nc != nil {
		if derr := b.nc.Drain(); derr != nil && !errors.Is(derr, nats.ErrConnectionClosed) {
			err = derr
		}
		for i := 0; i < 100 && !b.nc.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		b.nc.Close()
	}
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
	}
	return err
}

func redact(url string) string {
	if url == "" {
		return "the embedded server"
	}
	parts := strings.Split(url, ",")
	for i, p := range parts {
		if u, err := neturl.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = neturl.User(u.User.Username())
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}

var _ concord.Broadcast = (*Bus)(nil)

// liveSubject is where broadcasts of name travel: outside the stream's
// subjects (so that nothing stores them) and under the stream's name (so
// that deployments and test runs sharing a server never mix).
func (b *Bus) liveSubject(name string) string { return "live." + b.opts.Stream + "." + name }

// Broadcast sends data to every other instance listening on name, at most
// once and without storing it (core NATS, not JetStream).
func (b *Bus) Broadcast(name string, data []byte) error {
	if err := b.live.Publish(b.liveSubject(name), data); err != nil {
		return concord.WrapError(concord.Unavailable, err, "the event bus is unavailable")
	}
	return nil
}

// Listen calls fn with every broadcast other instances send on name until
// ctx ends. fn runs on one goroutine, in arrival order.
func (b *Bus) Listen(ctx context.Context, name string, fn func(data []byte)) error {
	sub, err := b.live.Subscribe(b.liveSubject(name), func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		return err
	}
	// Broadcasts are bursty (positions); let the client buffer generously
	// rather than drop.
	if err := sub.SetPendingLimits(1<<20, 1<<30); err != nil {
		return err
	}
	b.liveMu.Lock()
	if b.liveSubs == nil {
		b.liveSubs = map[*nats.Subscription]struct{}{}
	}
	b.liveSubs[sub] = struct{}{}
	b.liveMu.Unlock()
	<-ctx.Done()
	b.liveMu.Lock()
	if d, err := sub.Dropped(); err == nil {
		b.liveDropped += int64(d)
	}
	delete(b.liveSubs, sub)
	b.liveMu.Unlock()
	return sub.Unsubscribe()
}

// BroadcastDropped returns how many broadcasts the listeners of this
// instance dropped because they fell too far behind.
func (b *Bus) BroadcastDropped() int64 {
	b.liveMu.Lock()
	defer b.liveMu.Unlock()
	var n int64
	for sub := range b.liveSubs {
		if d, err := sub.Dropped(); err == nil {
			n += int64(d)
		}
	}
	return n + b.liveDropped
}
