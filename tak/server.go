package tak

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cop"
	"github.com/concord-mission/concord/cot"
)

// Options configure a Server.
type Options struct {
	// Addr is the plain TCP listen address (TAK's 8087); empty disables it.
	Addr string
	// TLSAddr is the TLS listen address (TAK's 8089), which requires a
	// client certificate signed by TLS.ClientCAs; empty disables it.
	TLSAddr string
	TLS     *tls.Config
	// MaxEventBytes bounds one event; larger ones close the connection.
	// Default 2 MiB.
	MaxEventBytes int
	// QueueLimit is how many messages may wait for one device before it is
	// disconnected as too slow; default 20,000. From CoalesceAt waiting
	// (default 512), positions of the same uid replace each other.
	QueueLimit int
	CoalesceAt int
	// WriteTimeout is how long one flush to a device may take; default 30 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a connection that sends nothing (devices ping
	// every 15 s or so); default 10 minutes.
	IdleTimeout time.Duration
	// AuthTimeout is how long a plain-TCP device has to send <auth>;
	// default 30 s.
	AuthTimeout time.Duration
	// MaxFuture is how far ahead of the clock an event may be dated;
	// default 10 minutes.
	MaxFuture time.Duration
	// DisableProtobuf keeps every connection in XML.
	DisableProtobuf bool

	Service *concord.Service
	COP     *cop.Service
	// Hub delivers the committed changes that become overlays.
	Hub *concord.Hub
	// Broadcast, when set, carries TAK traffic to and from other instances.
	Broadcast concord.Broadcast
	// Login checks a plain-TCP <auth> (password or API token).
	Login func(ctx context.Context, username, secret string) (concord.Viewer, error)
	// CertUser maps a verified client certificate to its account.
	CertUser func(ctx context.Context, cert *x509.Certificate) (concord.Viewer, error)
	// AnonymousParty, when set, lets plain-TCP devices that send no <auth>
	// in as receive-only viewers of that party.
	AnonymousParty string
	Registry       prometheus.Registerer
	Log            *slog.Logger
}

// Server is the TAK server.
type Server struct {
	opts     Options
	log      *slog.Logger
	metrics  *metrics
	router   *router
	overlays *overlays

	lns          []net.Listener
	tcpLn, tlsLn net.Listener
	nextID       atomic.Uint64
	wg           sync.WaitGroup
	cancel       context.CancelFunc
	ctx          context.Context
}

// New builds a server; Open starts it.
func New(opts Options) *Server {
	if opts.MaxEventBytes <= 0 {
		opts.MaxEventBytes = 2 << 20
	}
	if opts.QueueLimit <= 0 {
		opts.QueueLimit = 20000
	}
	if opts.CoalesceAt <= 0 {
		opts.CoalesceAt = 512
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 10 * time.Minute
	}
	if opts.AuthTimeout <= 0 {
		opts.AuthTimeout = 30 * time.Second
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = 10 * time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: opts.Log, metrics: newMetrics(opts.Registry)}
	s.router = newRouter(func() *concord.Directory { return opts.Service.Access().Directory() }, s.metrics)
	s.overlays = newOverlays(s)
	return s
}

func (s *Server) now() time.Time { return s.opts.Service.Now().UTC() }

// Open binds the listeners and serves in the background.
func (s *Server) Open(ctx context.Context) error {
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if s.opts.Addr != "" {
		ln, err := net.Listen("tcp", s.opts.Addr)
		if err != nil {
			return fmt.Errorf("listen for TAK on %s: %w", s.opts.Addr, err)
		}
		s.tcpLn = ln
		s.lns = append(s.lns, ln)
		s.goServe(ln, "tcp")
	}
	if s.opts.TLSAddr != "" {
		if s.opts.TLS == nil {
			s.Close()
			return errors.New("the TAK TLS listener needs a TLS configuration")
		}
		ln, err := net.Listen("tcp", s.opts.TLSAddr)
		if err != nil {
			s.Close()
			return fmt.Errorf("listen for TAK over TLS on %s: %w", s.opts.TLSAddr, err)
		}
		s.tlsLn = tls.NewListener(ln, s.opts.TLS)
		s.lns = append(s.lns, s.tlsLn)
		s.goServe(s.tlsLn, "tls")
	}
	if s.opts.COP != nil {
		s.opts.COP.Feed(s.fromLivePicture)
	}
	if s.opts.Hub != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.overlays.run(s.ctx)
		}()
	}
	if s.opts.Broadcast != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.opts.Broadcast.Listen(s.ctx, broadcastName, s.fromInstance); err != nil && s.ctx.Err() == nil {
				s.log.Error("tak_broadcast_listen_failed", "err", err)
			}
		}()
	}
	return nil
}

// Addr returns the plain TCP listener's address, nil when disabled.
func (s *Server) Addr() net.Addr { return addrOf(s.tcpLn) }

// TLSAddr returns the TLS listener's address, nil when disabled.
func (s *Server) TLSAddr() net.Addr { return addrOf(s.tlsLn) }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// Connections returns the number of connected, authenticated devices.
func (s *Server) Connections() int { return s.router.count() }

func (s *Server) goServe(ln net.Listener, transport string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
					return
				}
				s.log.Warn("tak_accept_failed", "err", err)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.handleConn(nc, transport)
			}()
		}
	}()
}

func (s *Server) handleConn(nc net.Conn, transport string) {
	id := s.nextID.Add(1)
	c := &conn{srv: s, nc: nc, id: id, transport: transport, q: newQueue(s.opts.QueueLimit, s.opts.CoalesceAt, s.metrics), done: make(chan struct{}),
		log: s.log.With("conn", id, "remote", nc.RemoteAddr().String(), "transport", transport)}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if t, ok := nc.(*tls.Conn); ok {
		_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
		if err := t.HandshakeContext(s.ctx); err != nil {
			s.metrics.refused.WithLabelValues("tls_handshake").Inc()
			s.metrics.disconnects.WithLabelValues("tls_handshake").Inc()
			c.log.Warn("tak_tls_refused", "err", err)
			_ = nc.Close()
			return
		}
		_ = nc.SetDeadline(time.Time{})
		certs := t.ConnectionState().PeerCertificates
		if len(certs) == 0 || s.opts.CertUser == nil {
			s.metrics.disconnects.WithLabelValues("unauthenticated").Inc()
			c.log.Warn("tak_tls_refused", "err", "no client certificate")
			_ = nc.Close()
			return
		}
		v, err := s.opts.CertUser(s.ctx, certs[0])
		if err != nil {
			s.metrics.disconnects.WithLabelValues("unauthenticated").Inc()
			c.log.Warn("tak_tls_refused", "err", concord.ErrorMessage(err), "subject", certs[0].Subject.CommonName)
			_ = nc.Close()
			return
		}
		c.viewer, c.authed = v, true
		c.log = c.log.With("user", v.Username, "party", v.Party)
	}
	s.metrics.connections.WithLabelValues(transport, cot.FormatXML.String()).Inc()
	defer func() {
		s.router.remove(c)
		s.metrics.connections.WithLabelValues(transport, cot.Format(c.format.Load()).String()).Dec()
	}()
	c.serve(s.ctx)
}

// Close stops listening, disconnects every device and waits.
func (s *Server) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	for _, ln := range s.lns {
		_ = ln.Close()
	}
	s.router.mu.Lock()
	conns := make([]*conn, 0, len(s.router.conns))
	for c := range s.router.conns {
		conns = append(conns, c)
	}
	s.router.mu.Unlock()
	for _, c := range conns {
		c.kill("server_shutdown", "")
	}
	s.wg.Wait()
	return nil
}

// marking is the marking of an event a device sent: its releasableTo when
// it has one (party and group codes), else the device's party's default —
// owned by the party, released to its communities.
func (s *Server) marking(v concord.Viewer, ev *cot.Event) (concord.Marking, error) {
	d := s.opts.Service.Access().Directory()
	m := concord.Marking{Owner: v.Party}
	if ev.ReleasableTo != "" {
		m.Rel = concord.ParseMarkingTokens(ev.ReleasableTo)
	} else if p, ok := d.Party(v.Party); ok {
		m.Rel = p.Groups
	}
	return d.NormalizeMarking(m)
}

// report hands a device's position to the live picture.
func (s *Server) report(ctx context.Context, v concord.Viewer, ev *cot.Event, m concord.Marking) error {
	if s.opts.COP == nil {
		return nil
	}
	return s.opts.COP.Report(ctx, v, "tak", []concord.Track{trackOf(ev, m)})
}

// broadcastName is where TAK traffic travels between instances.
const broadcastName = "tak"

// envelope is a message on its way to another instance.
type envelope struct {
	Marking concord.Marking `json:"m"`
	Class   Class           `json:"c"`
	Payload []byte          `json:"p"` // TakMessage protobuf, unframed
}

// relay sends a message to the other instances' devices.
func (s *Server) relay(m *message) {
	if s.opts.Broadcast == nil {
		return
	}
	b, err := json.Marshal(envelope{Marking: m.marking, Class: m.class, Payload: cot.AppendProtoPayload(nil, m.ev)})
	if err == nil {
		err = s.opts.Broadcast.Broadcast(broadcastName, b)
	}
	if err != nil {
		s.metrics.dropped.WithLabelValues("broadcast_failed", m.class.String()).Inc()
	}
}

// fromInstance routes a message another instance received.
func (s *Server) fromInstance(data []byte) {
	var e envelope
	if err := json.Unmarshal(data, &e); err != nil {
		s.log.Warn("tak_broadcast_decode_failed", "err", err)
		return
	}
	ev, _, err := cot.DecodeProto(e.Payload)
	if err != nil || ev == nil {
		s.log.Warn("tak_broadcast_decode_failed", "err", err)
		return
	}
	m := newMessage(ev, e.Marking, e.Class, nil)
	if m.class == ClassPosition {
		s.router.remember(m)
	}
	if ev.Type == cot.TypeDelete {
		s.router.forget(deletedUIDs(ev)...)
	}
	s.router.route(m)
}

// fromLivePicture sends devices the tracks that reached the live picture
// by other means than TAK (HTTP trackers, simulators), as CoT positions.
func (s *Server) fromLivePicture(ts []concord.Track) {
	for i := range ts {
		t := &ts[i]
		if t.Source == "tak" {
			continue // devices already had it, with all its detail
		}
		m := newMessage(eventOf(t), t.Marking, ClassPosition, nil)
		s.router.remember(m)
		s.router.route(m)
	}
}

// trackOf is a device's position report as a track.
func trackOf(ev *cot.Event, m concord.Marking) concord.Track {
	t := concord.Track{UID: ev.UID, Type: ev.Type, Marking: m, Lat: ev.Point.Lat, Lon: ev.Point.Lon,
		HAE: ev.Point.HAE, CE: ev.Point.CE, LE: ev.Point.LE, Time: ev.Time, Stale: ev.Stale}
	if c := ev.Detail.Contact; c != nil {
		t.Callsign = c.Callsign
	}
	if tr := ev.Detail.Track; tr != nil {
		course, speed := tr.Course, tr.Speed
		if course >= 0 && course <= 360 {
			t.Course = &course
		}
		if speed >= 0 && speed < 3000 {
			t.Speed = &speed
		}
	}
	if len(t.Callsign) > 128 {
		t.Callsign = t.Callsign[:128]
	}
	t.Type = strings.SplitN(t.Type, ";", 2)[0]
	return t
}

// eventOf is a track as a CoT position report.
func eventOf(t *concord.Track) *cot.Event {
	ev := &cot.Event{UID: t.UID, Type: t.Type, How: "m-g", Time: t.Time, Start: t.Time, Stale: t.Stale,
		Point: cot.Point{Lat: t.Lat, Lon: t.Lon, HAE: t.HAE, CE: t.CE, LE: t.LE}}
	if t.Source == "sim" {
		ev.How = "m-s"
	}
	ev.Detail.Contact = &cot.Contact{Callsign: t.Callsign}
	if t.Course != nil || t.Speed != nil {
		tr := &cot.Track{}
		if t.Course != nil {
			tr.Course = *t.Course
		}
		if t.Speed != nil {
			tr.Speed = *t.Speed
		}
		ev.Detail.Track = tr
	}
	return ev
}
