package tak

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cot"
)

// overlays pushes the mission map to devices as CoT shapes and markers:
// sectors, restricted and activity areas, control lines, sites and the
// routes of approved movements. Each goes only to the parties that may see
// it (Directory.CanSee through the router), and a device whose party loses
// sight of one is told to delete it.
type overlays struct {
	s *Server

	// cache keeps the overlay messages devices were sent on connecting,
	// by uid and version, so that a thousand devices connecting together
	// share one message (encoded once per format) instead of building a
	// thousand copies of every shape.
	mu    sync.Mutex
	cache map[string]cachedOverlay
}

// cachedOverlay is an overlay message and when it was built: its time and
// stale are those of that moment, so it is reused only for a while.
type cachedOverlay struct {
	version int
	built   time.Time
	msg     *message
}

// overlayReuse is how long a built overlay message is sent as it is.
const overlayReuse = time.Minute

func newOverlays(s *Server) *overlays { return &overlays{s: s, cache: map[string]cachedOverlay{}} }

// shared returns the cached message for uid at version, building it with
// build (nil: nothing to send) when there is none younger than
// overlayReuse.
func (o *overlays) shared(uid string, version int, now time.Time, m concord.Marking, build func() *cot.Event) *message {
	o.mu.Lock()
	c, ok := o.cache[uid]
	o.mu.Unlock()
	if ok && c.version == version && now.Sub(c.built) < overlayReuse && !now.Before(c.built) && c.msg.ev.Stale.After(now) {
		return c.msg
	}
	ev := build()
	if ev == nil {
		return nil
	}
	msg := newMessage(ev, m, ClassMission, nil)
	o.mu.Lock()
	if len(o.cache) > 20000 {
		for k, c := range o.cache {
			if now.Sub(c.built) >= overlayReuse {
				delete(o.cache, k)
			}
		}
	}
	o.cache[uid] = cachedOverlay{version: version, built: now, msg: msg}
	o.mu.Unlock()
	return msg
}

// overlayKinds are the feature kinds devices receive.
var overlayKinds = []concord.FeatureKind{concord.FeatureSector, concord.FeatureRestrictedArea, concord.FeatureActivityArea,
	concord.FeatureControlLine, concord.FeatureSite}

// overlayLife is how long a device keeps an overlay without validity: it
// receives them again whenever it connects.
const overlayLife = 7 * 24 * time.Hour

// ARGB colours of the overlays.
const (
	colorSector     = 0xff3b6fb6
	colorRestricted = 0xffd62828
	colorActivity   = 0xfff39c12
	colorLine       = 0xfff1c40f
	colorRoute      = 0xff2ecc71
	fillAlpha       = 0x40000000
)

func featureUID(id string) string  { return "concord.feature." + id }
func movementUID(id string) string { return "concord.movement." + id }

// featureEvent is a feature as CoT, or nil when devices should not have
// it (expired, deleted, or a kind they do not receive).
func (o *overlays) featureEvent(f *concord.Feature, now time.Time) *cot.Event {
	if f.Deleted || (f.ValidTo != nil && !f.ValidTo.After(now)) {
		return nil
	}
	stale := now.Add(overlayLife)
	if f.ValidTo != nil && f.ValidTo.Before(stale) {
		stale = *f.ValidTo
	}
	d := o.s.opts.Service.Access().Directory()
	remarks := f.Description
	if b := d.Banner(f.Marking); b != "" {
		remarks = strings.TrimSpace(b + "\n" + remarks)
	}
	uid, name := featureUID(f.ID), f.Name
	switch f.Kind {
	case concord.FeatureSector, concord.FeatureRestrictedArea, concord.FeatureActivityArea:
		ring := outerRing(f.Geometry)
		if len(ring) < 4 {
			return nil
		}
		color := uint32(colorSector)
		switch f.Kind {
		case concord.FeatureRestrictedArea:
			color = colorRestricted
		case concord.FeatureActivityArea:
			color = colorActivity
		default:
			if lead := f.Attrs.LeadParty; lead != "" {
				name += " (" + lead + ")"
			}
		}
		if f.ValidFrom != nil || f.ValidTo != nil {
			remarks += "\n" + validity(f)
		}
		return cot.Polygon(uid, name, ring, color, color&0x00ffffff|fillAlpha, remarks, now, stale)
	case concord.FeatureControlLine:
		line := lineOf(f.Geometry)
		if len(line) < 2 {
			return nil
		}
		if v := f.Attrs.LineVersion; v != "" {
			name += " (" + string(v) + ")"
		}
		return cot.Polyline(uid, name, line, colorLine, remarks, now, stale)
	case concord.FeatureSite:
		c := orb.Geometry(f.Geometry).Bound().Center()
		if p, ok := f.Geometry.(orb.Point); ok {
			c = p
		}
		if f.Attrs.SiteKind != "" {
			remarks = strings.TrimSpace(string(f.Attrs.SiteKind) + " " + string(f.Attrs.Status) + "\n" + remarks)
		}
		return cot.Marker(uid, name, "a-n-G-I", c.Lat(), c.Lon(), remarks, now, stale)
	}
	return nil
}

func validity(f *concord.Feature) string {
	t := func(p *time.Time) string {
		if p == nil {
			return "…"
		}
		return p.UTC().Format("2006-01-02 15:04Z")
	}
	return "valid " + t(f.ValidFrom) + " to " + t(f.ValidTo)
}

func outerRing(g orb.Geometry) [][2]float64 {
	var ring orb.Ring
	switch v := g.(type) {
	case orb.Polygon:
		if len(v) > 0 {
			ring = v[0]
		}
	case orb.MultiPolygon:
		if len(v) > 0 && len(v[0]) > 0 {
			ring = v[0][0]
		}
	}
	out := make([][2]float64, len(ring))
	for i, p := range ring {
		out[i] = [2]float64(p)
	}
	return out
}

func lineOf(g orb.Geometry) [][2]float64 {
	var line orb.LineString
	switch v := g.(type) {
	case orb.LineString:
		line = v
	case orb.MultiLineString:
		for _, l := range v {
			line = append(line, l...)
		}
	}
	out := make([][2]float64, len(line))
	for i, p := range line {
		out[i] = [2]float64(p)
	}
	return out
}

// movementEvent is an approved movement's route as CoT, or nil.
func (o *overlays) movementEvent(m *concord.Movement, now time.Time) *cot.Event {
	if !m.Status.Approved() || !m.Arrive.After(now) || len(m.Route) < 2 {
		return nil
	}
	line := make([][2]float64, len(m.Route))
	for i, p := range m.Route {
		line[i] = [2]float64(p)
	}
	remarks := fmt.Sprintf("%s %s, %s to %s UTC, %d vehicles. Notification is not a guarantee of safety.",
		m.Purpose, m.Status, m.Depart.UTC().Format("2006-01-02 15:04"), m.Arrive.UTC().Format("15:04"), len(m.Vehicles))
	return cot.Route(movementUID(m.ID), "Movement "+m.Reference, line, remarks, now, m.Arrive)
}

// catchUp sends a newly connected device every overlay its party may see.
func (o *overlays) catchUp(c *conn) {
	s := o.s
	if s.opts.Service == nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	now := s.now()
	q := concord.FeatureQuery{Kinds: overlayKinds, Limit: 5000}
	for {
		page, err := s.opts.Service.ListFeatures(ctx, c.viewer, q)
		if err != nil {
			c.log.Warn("tak_overlays_failed", "err", err)
			return
		}
		for i := range page.Features {
			f := &page.Features[i]
			if msg := o.shared(featureUID(f.ID), f.Version, now, f.Marking, func() *cot.Event { return o.featureEvent(f, now) }); msg != nil {
				c.send(msg)
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	mq := concord.MovementQuery{Limit: 1000}
	for {
		ms, next, err := s.opts.Service.Movements(ctx, c.viewer, mq)
		if err != nil {
			c.log.Warn("tak_overlays_failed", "err", err)
			return
		}
		for i := range ms {
			m := &ms[i]
			if msg := o.shared(movementUID(m.ID), m.Version, now, m.Marking, func() *cot.Event { return o.movementEvent(m, now) }); msg != nil {
				c.send(msg)
			}
		}
		if next == "" {
			return
		}
		mq.After = next
	}
}

// run follows committed changes and pushes overlay updates until ctx ends.
func (o *overlays) run(ctx context.Context) {
	s := o.s
	for ctx.Err() == nil {
		sub := s.opts.Hub.Subscribe(concord.SystemViewer(o.coordination(), "tak"), 4096)
		o.follow(ctx, sub)
		s.opts.Hub.Unsubscribe(sub)
	}
}

func (o *overlays) coordination() string {
	for _, p := range o.s.opts.Service.Access().Directory().Parties() {
		if p.Kind == concord.KindCoordination {
			return p.Code
		}
	}
	return ""
}

func (o *overlays) follow(ctx context.Context, sub *concord.Subscription) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Done():
			o.s.log.Warn("tak_overlay_feed_lagged")
			return
		case ev := <-sub.C:
			o.apply(ev)
		}
	}
}

// apply turns one committed change into overlay updates: the new shape to
// the parties that may see it, a delete to those that could see it before
// but may not now (or to all when it is gone).
func (o *overlays) apply(ev concord.Event) {
	now := o.s.now()
	var uid, typ string
	var out *cot.Event
	switch ev.Kind {
	case "feature":
		f, err := concord.DecodeFeatureDoc(ev.Data)
		if err != nil || !isOverlayKind(f.Kind) {
			return
		}
		f.Deleted = ev.Verb == concord.VerbDeleted
		uid, typ = featureUID(f.ID), "u-d-f"
		out = o.featureEvent(&f, now)
	case "movement":
		var m concord.Movement
		if json.Unmarshal(ev.Data, &m) != nil {
			return
		}
		uid, typ = movementUID(m.ID), "b-m-r"
		out = o.movementEvent(&m, now)
	default:
		return
	}
	d := o.s.opts.Service.Access().Directory()
	del := newMessage(cot.Delete(uid, typ, now), ev.Marking, ClassMission, nil)
	if out == nil {
		// Gone for everyone who had it, under either marking.
		o.s.router.routeWhere(del, func(p string) bool {
			return d.CanSee(p, ev.Marking) || (ev.PrevMarking != nil && d.CanSee(p, *ev.PrevMarking))
		})
		return
	}
	o.s.router.route(newMessage(out, ev.Marking, ClassMission, nil))
	if ev.PrevMarking != nil {
		prev := *ev.PrevMarking
		o.s.router.routeWhere(del, func(p string) bool { return d.CanSee(p, prev) && !d.CanSee(p, ev.Marking) })
	}
}

func isOverlayKind(k concord.FeatureKind) bool {
	for _, x := range overlayKinds {
		if x == k {
			return true
		}
	}
	return false
}
