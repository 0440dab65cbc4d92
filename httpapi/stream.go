package httpapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/concord-mission/concord"
)

// streamEvent is what a live-stream client receives for one event.
type streamEvent struct {
	Kind       string               `json:"kind"`
	Verb       string               `json:"verb"`
	RecordID   string               `json:"record_id"`
	Version    int                  `json:"version,omitempty"`
	At         time.Time            `json:"at"`
	Actor      string               `json:"actor,omitempty"`
	ActorParty string               `json:"actor_party,omitempty"`
	Marking    *concord.MarkingView `json:"marking,omitempty"`
	Data       json.RawMessage      `json:"data,omitempty"`
}

// sseFrame encodes one projected event as a complete SSE frame.
func (s *Server) sseFrame(out concord.Event) []byte {
	se := streamEvent{Kind: out.Kind, Verb: out.Verb, RecordID: out.RecordID, Version: out.Version, At: out.At, Actor: out.Actor, ActorParty: out.ActorParty, Data: out.Data}
	if out.Verb != concord.VerbWithdrawn {
		se.Marking = &concord.MarkingView{Marking: out.Marking, Banner: s.svc.Access().Directory().Banner(out.Marking)}
	}
	b, _ := json.Marshal(se)
	return fmt.Appendf(nil, "id: %d\nevent: %s.%s\ndata: %s\n\n", out.StreamSeq, out.Kind, out.Verb, b)
}

// streamBuffer is how many events a client may fall behind before the hub
// drops it; it then resumes from its last event id.
const streamBuffer = 4096

// heartbeat keeps proxies from closing idle streams.
var heartbeat = 15 * time.Second

// stream serves Server-Sent Events: every change the viewer may see, as it
// is committed, filtered through concord.Project. A client that reconnects
// with Last-Event-ID first receives what it missed, replayed from the bus.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.Hub == nil || s.opts.Bus == nil {
		s.writeError(w, r, concord.Errorf(concord.Unavailable, "the live stream is not available on this instance"))
		return
	}
	var last uint64
	lastStr := r.Header.Get("Last-Event-ID")
	if lastStr == "" {
		lastStr = r.URL.Query().Get("last_event_id")
	}
	if lastStr != "" {
		n, err := strconv.ParseUint(lastStr, 10, 64)
		if err != nil {
			s.writeError(w, r, concord.Errorf(concord.Invalid, "Last-Event-ID must be an event id this stream sent, got %q", lastStr))
			return
		}
		last = n
	}
	kinds := map[string]bool{}
	if k := r.URL.Query().Get("kinds"); k != "" {
		for _, x := range strings.Split(k, ",") {
			kinds[strings.TrimSpace(x)] = true
		}
	}
	sub := s.opts.Hub.Subscribe(v, streamBuffer)
	defer s.opts.Hub.Unsubscribe(sub)

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 16<<10)
	fmt.Fprintf(bw, "retry: 2000\n: connected as %s (%s)\n\n", v.Username, v.Party)
	flush := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if bw.Flush() != nil || rc.Flush() != nil {
			return false
		}
		return true
	}
	if !flush() {
		return
	}
	ctx := r.Context()
	// write sends an event already projected for this viewer (the hub
	// projects live events; replayed ones are projected below).
	write := func(out concord.Event) {
		if len(kinds) > 0 && !kinds[out.Kind] {
			return
		}
		bw.Write(out.Encoded(s.sseFrame))
		s.metrics.delivered.Inc()
		if out.Kind == "site_notification" && out.Verb != concord.VerbWithdrawn {
			s.svc.Disclosed(v.Party, out.Kind, out.RecordID, out.Version, "stream")
		}
	}
	replayed := uint64(0)
	if lastStr != "" {
		// Events older than the stream keeps cannot be replayed: tell the
		// client to reload its state instead of letting it miss changes.
		if first, err := s.opts.Bus.FirstSeq(ctx); err == nil && last+1 < first {
			fmt.Fprintf(bw, "event: stream.reset\ndata: {\"reason\":\"events after %d are no longer kept; reload the current state\"}\n\n", last)
		}
		upTo, err := s.opts.Bus.Replay(ctx, last+1, func(ev concord.Event) error {
			if out, ok := concord.Project(s.svc.Access().Directory(), v.Party, ev); ok {
				write(out)
			}
			if bw.Buffered() > 8<<10 && !flush() {
				return fmt.Errorf("client gone")
			}
			return nil
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("stream_replay_failed", "request_id", requestID(ctx), "err", err)
			}
			return
		}
		replayed = upTo
		if !flush() {
			return
		}
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case <-sub.Done():
			// Dropped for lagging: end the response; the browser reconnects
			// with its Last-Event-ID and catches up from the bus.
			return
		case ev := <-sub.C:
			if ev.StreamSeq != 0 && ev.StreamSeq <= replayed {
				continue
			}
			write(ev)
			// Coalesce a burst into one flush.
			for n := len(sub.C); n > 0; n-- {
				ev := <-sub.C
				if ev.StreamSeq == 0 || ev.StreamSeq > replayed {
					write(ev)
				}
			}
			if !flush() {
				return
			}
		case <-tick.C:
			fmt.Fprint(bw, ": ping\n\n")
			if !flush() {
				return
			}
		}
	}
}
