package tak

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cot"
)

// conn is one connected device: a reader (this connection's goroutine,
// which also routes what the device sends) and a writer goroutine fed by
// the connection's queue.
type conn struct {
	srv       *Server
	nc        net.Conn
	id        uint64
	transport string
	log       *slog.Logger

	viewer concord.Viewer
	authed bool
	// format is the wire format the writer uses; it changes once, after
	// the protocol response is written.
	format atomic.Int32
	q      *queue

	// offered is the uid of the protocol offer sent to the device, if any.
	offered string

	mu      sync.Mutex
	calls   []string // callsigns the device announced
	ownUIDs []string // uids the device reports as itself

	done      chan struct{}
	closeOnce sync.Once
	reason    string
}

// kill closes the connection once, for the given reason (a metric label)
// and detail (logged).
func (c *conn) kill(reason, detail string) {
	c.closeOnce.Do(func() {
		c.reason = reason
		close(c.done)
		_ = c.nc.Close()
		c.q.close()
		c.srv.metrics.disconnects.WithLabelValues(reason).Inc()
		lvl := slog.LevelInfo
		if reason != "closed_by_device" && reason != "server_shutdown" {
			lvl = slog.LevelWarn
		}
		c.log.Log(context.Background(), lvl, "tak_disconnected", "reason", reason, "detail", detail, "user", c.viewer.Username, "party", c.viewer.Party)
	})
}

// send queues a message for the device; a device whose queue overflows is
// too slow to serve and is disconnected.
func (c *conn) send(m *message) {
	if !c.q.push(m) {
		c.kill("slow_consumer", fmt.Sprintf("more than %d messages waiting", c.q.limit))
	}
}

func (c *conn) callsigns() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func (c *conn) uids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ownUIDs)
}

// learn records a uid and callsign the device announced for itself (a
// position report with a contact endpoint), for directed delivery.
func (c *conn) learn(uid, callsign string) {
	c.mu.Lock()
	changed := false
	if uid != "" && !slices.Contains(c.ownUIDs, uid) && len(c.ownUIDs) < 16 {
		c.ownUIDs = append(c.ownUIDs, uid)
		changed = true
	}
	if callsign != "" && !slices.Contains(c.calls, callsign) && len(c.calls) < 16 {
		c.calls = append(c.calls, callsign)
		changed = true
	}
	c.mu.Unlock()
	if changed {
		c.srv.router.learned()
	}
}

// writeLoop writes queued messages, flushing when the queue is empty.
func (c *conn) writeLoop() {
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	m := c.srv.metrics
	for {
		select {
		case <-c.done:
			return
		case <-c.q.signal:
		}
		for {
			batch := c.q.take()
			if len(batch) == 0 {
				break
			}
			for _, msg := range batch {
				f := cot.Format(c.format.Load())
				if _, err := bw.Write(msg.bytes(f)); err != nil {
					c.kill(writeReason(err), err.Error())
					return
				}
				m.deliveredBy[f][msg.class].Inc()
				if msg.switchTo >= 0 {
					// Everything after the protocol response is in the
					// new format.
					if err := c.flush(bw); err != nil {
						return
					}
					c.format.Store(int32(msg.switchTo))
					c.srv.metrics.connections.WithLabelValues(c.transport, f.String()).Dec()
					c.srv.metrics.connections.WithLabelValues(c.transport, msg.switchTo.String()).Inc()
				}
			}
			m.queued.Observe(float64(len(batch)))
		}
		if err := c.flush(bw); err != nil {
			return
		}
	}
}

func (c *conn) flush(bw *bufio.Writer) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
	if err := bw.Flush(); err != nil {
		c.kill(writeReason(err), err.Error())
		return err
	}
	return nil
}

func writeReason(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "slow_consumer"
	}
	return "write_failed"
}

// serve reads from the device until it disconnects.
func (c *conn) serve(ctx context.Context) {
	s := c.srv
	go c.writeLoop()
	sr := cot.NewStreamReader(c.nc, s.opts.MaxEventBytes)
	if c.authed {
		c.start()
	}
	authBy := time.Now().Add(s.opts.AuthTimeout)
	for {
		deadline := time.Now().Add(s.opts.IdleTimeout)
		if !c.authed {
			deadline = authBy
		}
		_ = c.nc.SetReadDeadline(deadline)
		b, f, err := sr.Next()
		if err != nil {
			switch {
			case errors.Is(err, io.EOF):
				c.kill("closed_by_device", "")
			case errors.Is(err, cot.ErrTooLarge):
				c.kill("too_large", err.Error())
			case errors.Is(err, os.ErrDeadlineExceeded) && !c.authed:
				c.kill("unauthenticated", "no <auth> message within "+s.opts.AuthTimeout.String())
			case errors.Is(err, os.ErrDeadlineExceeded):
				c.kill("idle", "nothing received for "+s.opts.IdleTimeout.String())
			case errors.Is(err, net.ErrClosed):
				c.kill("server_shutdown", "")
			default:
				c.kill("read_failed", err.Error())
			}
			return
		}
		if cot.IsAuth(b) {
			c.auth(ctx, b)
			continue
		}
		if !c.authed {
			if s.opts.AnonymousParty == "" {
				s.metrics.refused.WithLabelValues("unauthenticated").Inc()
				c.kill("unauthenticated", "the first message must be <auth> (or connect over TLS with a client certificate)")
				return
			}
			c.viewer = concord.Viewer{UserID: "anonymous", Username: "anonymous", Party: s.opts.AnonymousParty, Roles: []concord.Role{concord.RoleViewer}}
			c.authed = true
			c.start()
		}
		var ev *cot.Event
		if f == cot.FormatProto {
			ev, _, err = cot.DecodeProto(b)
			if ev == nil && err == nil {
				continue // a TakControl-only message
			}
		} else {
			ev, err = cot.DecodeXML(b)
		}
		if err != nil {
			c.refuse("malformed", err.Error())
			continue
		}
		c.handle(ctx, ev, f, sr)
	}
}

// refuse counts and logs a message the device sent that goes nowhere.
func (c *conn) refuse(reason, detail string) {
	c.srv.metrics.refused.WithLabelValues(reason).Inc()
	c.log.Info("tak_message_refused", "reason", reason, "detail", detail, "user", c.viewer.Username)
}

// auth handles a plain-TCP <auth> message.
func (c *conn) auth(ctx context.Context, b []byte) {
	s := c.srv
	if c.authed {
		return // devices repeat it; the first one counts
	}
	a, err := cot.ParseAuth(b)
	if err != nil || s.opts.Login == nil {
		s.metrics.refused.WithLabelValues("unauthenticated").Inc()
		c.kill("unauthenticated", "malformed <auth> message")
		return
	}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := s.opts.Login(actx, c.nc.RemoteAddr().String(), a.Username, a.Password)
	if err != nil {
		s.metrics.refused.WithLabelValues("unauthenticated").Inc()
		c.kill("unauthenticated", fmt.Sprintf("login of %q refused: %s", a.Username, concord.ErrorMessage(err)))
		return
	}
	c.viewer, c.authed = v, true
	c.log = c.log.With("user", v.Username, "party", v.Party)
	c.start()
}

// start registers an authenticated device: it joins the routing table,
// is offered TAK Protocol Version 1, and receives the picture so far.
func (c *conn) start() {
	s := c.srv
	s.router.add(c)
	c.log.Info("tak_connected", "user", c.viewer.Username, "party", c.viewer.Party, "transport", c.transport)
	now := s.now()
	if !s.opts.DisableProtobuf {
		c.offered = fmt.Sprintf("concord-takp-%d", c.id)
		c.send(newMessage(cot.ProtocolSupport(c.offered, now), concord.Marking{}, ClassControl, nil))
	}
	s.overlays.catchUp(c)
	s.router.catchUp(c, now)
}

// handle acts on one event from the device.
func (c *conn) handle(ctx context.Context, ev *cot.Event, f cot.Format, sr *cot.StreamReader) {
	s := c.srv
	now := s.now()
	if v, ok := cot.RequestedVersion(ev); ok {
		accept := v == 1 && !s.opts.DisableProtobuf && f == cot.FormatXML
		resp := newMessage(cot.ProtocolResponse(ev.UID, accept, now), concord.Marking{}, ClassControl, nil)
		if accept {
			// The device sends nothing more until it has the answer, and
			// then only protobuf; we write the answer in XML, then switch.
			sr.SetFormat(cot.FormatProto)
			resp.switchTo = cot.FormatProto
		}
		c.send(resp)
		return
	}
	switch {
	case cot.IsPing(ev):
		c.send(newMessage(cot.Pong(now), concord.Marking{}, ClassControl, nil))
		return
	case strings.HasPrefix(ev.Type, "t-x-takp"):
		return
	}
	if err := ev.Validate(now, s.opts.MaxFuture); err != nil {
		c.refuse("invalid", err.Error())
		return
	}
	if !c.viewer.CanWrite() {
		c.refuse("unauthorized", "the account may receive but not send")
		return
	}
	marking, err := s.marking(c.viewer, ev)
	if err != nil {
		c.refuse("unreleasable", concord.ErrorMessage(err))
		return
	}
	class := classify(ev)
	if class == ClassPosition && ev.Detail.Contact != nil && ev.Detail.Contact.Endpoint != "" {
		c.learn(ev.UID, ev.Detail.Contact.Callsign)
	}
	m := newMessage(ev, marking, class, c)
	if class == ClassPosition {
		if err := s.report(ctx, c.viewer, ev, marking); err != nil {
			c.refuse("live_picture", concord.ErrorMessage(err))
			return
		}
		s.router.remember(m)
	}
	if ev.Type == cot.TypeDelete {
		s.router.forget(deletedUIDs(ev)...)
	}
	s.metrics.received.WithLabelValues(f.String(), class.String()).Inc()
	s.router.route(m)
	s.relay(m)
}
