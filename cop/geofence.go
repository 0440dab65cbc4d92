package cop

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/geofence"
)

// GeofenceOptions tune the geofencer and its alerts.
type GeofenceOptions struct {
	// OffRouteM is how far from its movement's approved route a tracker may
	// be before it is off route; default 500 m.
	OffRouteM float64
	// ArrivalM is how close to the route's end counts as arrived; default
	// 300 m.
	ArrivalM float64
	// StaleAfter is how long a track may stay silent before it is stale;
	// default 5 minutes.
	StaleAfter time.Duration
	// EscalateAfter is how long an urgent alert may stay unacknowledged
	// before it is escalated; default 10 minutes.
	EscalateAfter time.Duration
	// Keep is how far back the alert feed reaches in memory; default 7
	// days, at most MaxAlerts alerts (default 200,000).
	Keep      time.Duration
	MaxAlerts int
}

// zoneInfo is what an alert says of a zone; Tag indexes it.
type zoneInfo struct {
	featureID string
	kind      concord.FeatureKind
	name      string
	marking   concord.Marking
	// controlling is the party beyond a control line.
	controlling string
	validTo     *time.Time
}

// movementInfo is what an alert says of a movement.
type movementInfo struct {
	reference string
	marking   concord.Marking
	trackers  []string
}

// geofencer evaluates every fresh report against the mission map while
// this instance holds the geofence lease, and stores what it finds as
// alerts. The engine is pure; this is its wiring.
type geofencer struct {
	s     *Service
	opts  GeofenceOptions
	index *alertIndex

	mu        sync.Mutex // guards the engine and the maps below
	eng       *geofence.Engine
	zones     []zoneInfo          // by tag
	tags      map[string]uint32   // feature id -> tag
	parts     map[string][]string // feature id -> engine zone ids
	versions  map[string]int      // feature id -> latest version applied
	movements map[string]movementInfo

	// Fresh positions wait in inbox for the geofencer, appended by many
	// reporting goroutines at once and taken in one swap; past inboxLimit
	// reporters wait (back-pressure), so that no report goes unchecked.
	active   atomic.Bool
	inMu     sync.Mutex
	inCond   *sync.Cond
	inbox    []geofence.Update
	inSignal chan struct{}

	alerts, writeFailures atomic.Int64
}

func newGeofencer(s *Service, opts GeofenceOptions) *geofencer {
	if opts.OffRouteM <= 0 {
		opts.OffRouteM = 500
	}
	if opts.ArrivalM <= 0 {
		opts.ArrivalM = 300
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 5 * time.Minute
	}
	if opts.EscalateAfter <= 0 {
		opts.EscalateAfter = 10 * time.Minute
	}
	if opts.Keep <= 0 {
		opts.Keep = 7 * 24 * time.Hour
	}
	if opts.MaxAlerts <= 0 {
		opts.MaxAlerts = 200000
	}
	g := &geofencer{s: s, opts: opts, index: newAlertIndex(opts.Keep, opts.MaxAlerts),
		eng: geofence.New(geofence.Config{StaleAfter: opts.StaleAfter}), tags: map[string]uint32{}, parts: map[string][]string{}, versions: map[string]int{}, movements: map[string]movementInfo{},
		inSignal: make(chan struct{}, 1)}
	g.inCond = sync.NewCond(&g.inMu)
	return g
}

// inboxLimit is how many reports may wait for the geofencer: a second or
// so of a heavy load, so that back-pressure reaches reporters before the
// wait makes alerts late.
const inboxLimit = 50_000

func (g *geofencer) backlog() int {
	g.inMu.Lock()
	defer g.inMu.Unlock()
	return len(g.inbox)
}

// load reads the zones from the map and recent alerts from the store.
func (g *geofencer) load(ctx context.Context) error {
	after := ""
	for {
		fs, err := g.s.store.Features(ctx, concord.FeatureQuery{After: after, Limit: 2000,
			Kinds: []concord.FeatureKind{concord.FeatureRestrictedArea, concord.FeatureActivityArea, concord.FeatureSector, concord.FeatureControlLine}})
		if err != nil {
			return fmt.Errorf("load zones: %w", err)
		}
		for i := range fs {
			g.putFeature(&fs[i])
		}
		if len(fs) < 2000 {
			break
		}
		after = fs[len(fs)-1].ID
	}
	since := g.s.core.Now().Add(-g.opts.Keep)
	far := g.s.core.Now().Add(24 * time.Hour)
	after = ""
	for {
		rs, err := g.s.store.Records(ctx, concord.RecordQuery{Kind: KindAlert, Overlaps: &[2]time.Time{since, far}, After: after, Limit: 5000})
		if err != nil {
			return fmt.Errorf("load alerts: %w", err)
		}
		for _, r := range rs {
			var a Alert
			if err := json.Unmarshal(r.Data, &a); err != nil {
				return fmt.Errorf("alert %s: %w", r.ID, err)
			}
			g.index.put(&a)
		}
		if len(rs) < 5000 {
			return nil
		}
		after = rs[len(rs)-1].ID
	}
}

var zoneKinds = map[concord.FeatureKind]geofence.ZoneKind{
	concord.FeatureRestrictedArea: geofence.Restricted,
	concord.FeatureActivityArea:   geofence.Activity,
	concord.FeatureSector:         geofence.Sector,
	concord.FeatureControlLine:    geofence.ControlLine,
}

// putFeature makes the engine's zones match a feature (one zone per part
// of a multi-geometry); deleted features and other kinds are removed. A
// part that stays is updated in place, so that the tracks inside it are
// not told again that they entered it. An older version than one already
// applied is ignored (events of earlier versions can arrive after load read
// the current ones).
func (g *geofencer) putFeature(f *concord.Feature) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.Version < g.versions[f.ID] {
		return
	}
	g.versions[f.ID] = f.Version
	old := g.parts[f.ID]
	delete(g.parts, f.ID)
	defer func() {
		for _, id := range old {
			if !slices.Contains(g.parts[f.ID], id) {
				g.eng.RemoveZone(id)
			}
		}
	}()
	zk, ok := zoneKinds[f.Kind]
	if !ok || f.Deleted {
		return
	}
	info := zoneInfo{featureID: f.ID, kind: f.Kind, name: f.Name, marking: f.Marking, controlling: f.Attrs.ControllingParty, validTo: f.ValidTo}
	tag, ok := g.tags[f.ID]
	if ok {
		g.zones[tag] = info
	} else {
		tag = uint32(len(g.zones))
		g.tags[f.ID] = tag
		g.zones = append(g.zones, info)
	}
	z := geofence.Zone{Kind: zk, Name: f.Name, Tag: tag}
	if f.ValidFrom != nil {
		z.From = *f.ValidFrom
	}
	if f.ValidTo != nil {
		z.To = *f.ValidTo
	}
	var polys []orb.Polygon
	var lines []orb.LineString
	switch geom := f.Geometry.(type) {
	case orb.Polygon:
		polys = append(polys, geom)
	case orb.MultiPolygon:
		polys = append(polys, geom...)
	case orb.LineString:
		lines = append(lines, geom)
	case orb.MultiLineString:
		lines = append(lines, geom...)
	}
	n := 0
	add := func(z geofence.Zone) {
		z.ID = f.ID
		if n > 0 {
			z.ID = fmt.Sprintf("%s#%d", f.ID, n)
		}
		n++
		if err := g.eng.PutZone(z); err != nil {
			g.s.log.Warn("geofence_zone_refused", "feature", f.ID, "err", err)
			return
		}
		g.parts[f.ID] = append(g.parts[f.ID], z.ID)
	}
	if zk == geofence.ControlLine {
		for _, l := range lines {
			z.Line = l
			add(z)
		}
		return
	}
	for _, p := range polys {
		z.Polygon = p
		add(z)
	}
}

// putFeatureEvent applies a feature event from the bus.
func (g *geofencer) putFeatureEvent(ev concord.Event) error {
	f, err := concord.DecodeFeatureDoc(ev.Data)
	if err != nil {
		return err
	}
	f.Deleted = ev.Verb == concord.VerbDeleted
	g.putFeature(&f)
	return nil
}

// putMovement sets or clears the routes its trackers follow. A tracker
// that stays on the movement keeps its off-route and arrival state (the
// engine keeps it for a new route of the same movement).
func (g *geofencer) putMovement(m concord.Movement) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.movements[m.ID]; ok {
		for _, uid := range old.trackers {
			if m.Status != concord.MovementInProgress || !slices.ContainsFunc(m.Vehicles, func(v concord.Vehicle) bool { return v.Tracker == uid }) {
				g.eng.ClearRoute(uid)
			}
		}
		delete(g.movements, m.ID)
	}
	if m.Status != concord.MovementInProgress {
		return
	}
	info := movementInfo{reference: m.Reference, marking: m.Marking}
	for _, v := range m.Vehicles {
		if v.Tracker == "" {
			continue
		}
		if err := g.eng.SetRoute(v.Tracker, geofence.Route{MovementID: m.ID, Line: orb.LineString(m.Route), OffRouteM: g.opts.OffRouteM, ArrivalM: g.opts.ArrivalM}); err != nil {
			g.s.log.Warn("geofence_route_refused", "movement", m.ID, "err", err)
			continue
		}
		info.trackers = append(info.trackers, v.Tracker)
	}
	g.movements[m.ID] = info
}

// offer hands fresh reports to the geofencer when it runs here; it blocks
// when the geofencer is far behind, so that no report goes unchecked.
func (g *geofencer) offer(ts []concord.Track) {
	if !g.active.Load() {
		return
	}
	g.inMu.Lock()
	for len(g.inbox) > inboxLimit && g.active.Load() {
		g.inCond.Wait()
	}
	for i := range ts {
		g.inbox = append(g.inbox, geofence.Update{TrackID: ts[i].UID, Pos: orb.Point{ts[i].Lon, ts[i].Lat}, At: ts[i].Time})
	}
	g.inMu.Unlock()
	select {
	case g.inSignal <- struct{}{}:
	default:
	}
}

// take returns the waiting reports; the slice is reused for the next ones.
func (g *geofencer) take(spare []geofence.Update) []geofence.Update {
	g.inMu.Lock()
	out := g.inbox
	g.inbox = spare[:0]
	g.inCond.Broadcast()
	g.inMu.Unlock()
	return out
}

// Run evaluates reports while this instance holds the geofence lease
// (singleton work) until ctx ends. It first brings the engine up to the
// latest known positions without raising alerts, so that a restart or a
// take-over does not repeat what the previous run reported.
func (s *Service) RunGeofence(ctx context.Context) {
	g := s.fence
	var prime []geofence.Update
	s.tracks.each(func(t *concord.Track) {
		prime = append(prime, geofence.Update{TrackID: t.UID, Pos: orb.Point{t.Lon, t.Lat}, At: t.Time})
	})
	g.mu.Lock()
	var scratch []geofence.Event
	for _, u := range prime {
		scratch = g.eng.Update(scratch[:0], u)
	}
	g.eng.Tick(scratch[:0], s.core.Now())
	g.mu.Unlock()
	g.active.Store(true)
	defer func() {
		g.active.Store(false)
		// Let blocked offers through; the next holder primes afresh.
		g.take(nil)
	}()
	// Alerts are committed by their own goroutine, so that evaluation goes
	// on while the store's writer is busy; a full queue holds evaluation
	// back, and with it the reporters.
	commits := make(chan alertBatch, 16)
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		g.commit(ctx, commits)
	}()
	defer func() {
		close(commits)
		<-committed
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var evs []geofence.Event
	var spare []geofence.Update
	send := func(evs []geofence.Event) bool {
		b := g.prepare(evs)
		if len(b.writes) == 0 {
			return true
		}
		select {
		case commits <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.inSignal:
			us := g.take(spare)
			// A slice at a time, so that the first alerts of a burst
			// go out while the rest are evaluated.
			for i := 0; i < len(us); i += evalSlice {
				g.mu.Lock()
				evs = evs[:0]
				for _, u := range us[i:min(i+evalSlice, len(us))] {
					evs = g.eng.Update(evs, u)
				}
				g.mu.Unlock()
				if !send(evs) {
					return
				}
			}
			spare = us
		case <-tick.C:
			g.mu.Lock()
			evs = g.eng.Tick(evs[:0], s.core.Now())
			g.mu.Unlock()
			for i := 0; i < len(evs); i += evalSlice {
				if !send(evs[i:min(i+evalSlice, len(evs))]) {
					return
				}
			}
		}
	}
}

// evalSlice is how many updates (or tick events) go into one alert batch.
const evalSlice = 1000

// alertBatch is alerts ready to commit, with their records and events.
type alertBatch struct {
	writes []concord.RecordWrite
	alerts []*Alert
}

// commit writes alert batches until batches is closed; batches waiting
// together go into one transaction.
func (g *geofencer) commit(ctx context.Context, batches <-chan alertBatch) {
	for b := range batches {
	more:
		for len(b.writes) < 4*evalSlice {
			select {
			case next, ok := <-batches:
				if !ok {
					break more
				}
				b.writes = append(b.writes, next.writes...)
				b.alerts = append(b.alerts, next.alerts...)
			default:
				break more
			}
		}
		g.store(ctx, b)
	}
}

// prepare turns engine events into alerts, with the records and events
// that store them.
func (g *geofencer) prepare(evs []geofence.Event) alertBatch {
	now := g.s.core.Now().UTC().Truncate(time.Millisecond)
	d := g.s.core.Access().Directory()
	coord := g.s.coordinationParty()
	sys := concord.SystemViewer(coord, "geofence")
	var writes []concord.RecordWrite
	var alerts []*Alert
	g.mu.Lock()
	for _, ev := range evs {
		a, ok := g.alertOf(d, coord, ev)
		if !ok {
			continue
		}
		a.CreatedAt, a.UpdatedAt = now, now
		r, err := a.record()
		if err != nil {
			continue
		}
		writes = append(writes, concord.RecordWrite{Record: r, Events: []concord.Event{{ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte("alert:"+a.ID)).String(),
			Kind: KindAlert, Verb: concord.VerbCreated, RecordID: a.ID, Version: 1, Marking: a.Marking, At: now, Actor: sys.Username, ActorParty: sys.Party, Data: r.Data}}})
		alerts = append(alerts, a)
	}
	g.mu.Unlock()
	return alertBatch{writes: writes, alerts: alerts}
}

// store commits alerts with their events; an alert already stored (same
// idempotency key) is skipped.
func (g *geofencer) store(ctx context.Context, b alertBatch) {
	writes, alerts := b.writes, b.alerts
	err := g.s.store.WriteRecords(ctx, writes)
	if concord.ErrorCode(err) == concord.Conflict {
		// Some were stored before (a replay): write the others one by one.
		err = nil
		kept := alerts[:0]
		for i, w := range writes {
			werr := g.s.store.WriteRecords(ctx, []concord.RecordWrite{w})
			switch concord.ErrorCode(werr) {
			case "":
				kept = append(kept, alerts[i])
			case concord.Conflict:
			default:
				err = werr
			}
		}
		alerts = kept
	}
	if err != nil {
		g.writeFailures.Add(1)
		if ctx.Err() == nil {
			g.s.log.Warn("alert_write_failed", "alerts", len(writes), "err", err)
		}
		return
	}
	g.s.core.Committed()
	for _, a := range alerts {
		g.index.put(a)
	}
	g.alerts.Add(int64(len(alerts)))
}

// alertOf describes an engine event as an alert, released only to the
// parties that may see both the track and what the alert names. Callers
// hold g.mu.
func (g *geofencer) alertOf(d *concord.Directory, coord string, ev geofence.Event) (*Alert, bool) {
	t := g.s.tracks.get(ev.TrackID)
	if t == nil {
		return nil, false
	}
	a := &Alert{ID: ev.ID, TrackUID: t.UID, Callsign: t.Callsign, TrackOwner: t.Marking.Owner, At: ev.At.UTC().Truncate(time.Millisecond),
		Lat: ev.Pos.Lat(), Lon: ev.Pos.Lon(), Status: AlertOpen, Version: 1}
	who := fmt.Sprintf("%s (%s)", t.Callsign, t.Marking.Owner)
	audience := d.Recipients(t.Marking)
	switch ev.Transition {
	case geofence.Stale:
		a.Type, a.Severity = AlertStale, SeverityWarning
		a.Message = fmt.Sprintf("%s has not reported since %s UTC", who, t.Time.UTC().Format("2006-01-02 15:04"))
	case geofence.OffRoute, geofence.BackOnRoute, geofence.Arrived:
		m, ok := g.movements[ev.ZoneID]
		if !ok {
			return nil, false
		}
		a.ZoneID, a.ZoneKind, a.ZoneName, a.MovementID = ev.ZoneID, "movement", m.reference, ev.ZoneID
		audience = intersect(audience, d.Recipients(m.marking))
		switch ev.Transition {
		case geofence.OffRoute:
			a.Type, a.Severity, a.DistanceM = AlertOffRoute, SeverityCritical, ev.DistanceM
			a.Message = fmt.Sprintf("%s is %.0f m off the approved route of movement %s", who, ev.DistanceM, m.reference)
		case geofence.BackOnRoute:
			a.Type, a.Severity, a.DistanceM = AlertBackOnRoute, SeverityInfo, ev.DistanceM
			a.Message = fmt.Sprintf("%s is back on the approved route of movement %s", who, m.reference)
		default:
			a.Type, a.Severity = AlertArrived, SeverityInfo
			a.Message = fmt.Sprintf("%s arrived at the end of the route of movement %s", who, m.reference)
		}
	default:
		if int(ev.Tag) >= len(g.zones) {
			return nil, false
		}
		z := g.zones[ev.Tag]
		a.ZoneID, a.ZoneKind, a.ZoneName = z.featureID, string(z.kind), z.name
		audience = intersect(audience, d.Recipients(z.marking))
		what := kindLabel(z.kind) + " " + z.name
		switch ev.Transition {
		case geofence.Enter:
			a.Type, a.Severity = AlertEnter, SeverityWarning
			if z.kind == concord.FeatureRestrictedArea {
				a.Severity = SeverityCritical
			}
			a.Message = fmt.Sprintf("%s entered %s", who, what)
			if z.validTo != nil {
				a.Message += fmt.Sprintf(" (in force until %s UTC)", z.validTo.UTC().Format("2006-01-02 15:04"))
			}
		case geofence.Exit:
			a.Type, a.Severity = AlertExit, SeverityInfo
			a.Message = fmt.Sprintf("%s left %s", who, what)
		case geofence.SectorChange:
			a.Type, a.Severity = AlertSectorChange, SeverityInfo
			from := ""
			if ev.FromZone != "" {
				from = g.zoneName(ev.FromZone)
				a.FromZone = from
			}
			if from != "" {
				a.Message = fmt.Sprintf("%s moved from sector %s into sector %s", who, from, z.name)
			} else {
				a.Message = fmt.Sprintf("%s entered sector %s", who, z.name)
			}
		case geofence.Cross:
			a.Type, a.Severity = AlertCross, SeverityCritical
			a.Message = fmt.Sprintf("%s crossed %s", who, what)
			if z.controlling != "" {
				a.Message += fmt.Sprintf(", held by %s beyond it", z.controlling)
			}
		default:
			return nil, false
		}
	}
	owner := coord
	if owner == "" {
		owner = t.Marking.Owner
	}
	rel := []string{}
	for _, p := range audience {
		if pp, ok := d.Party(p); ok && pp.Kind != concord.KindCoordination && p != owner {
			rel = append(rel, p)
		}
	}
	a.Marking = concord.Marking{Owner: owner, Rel: rel, Caveats: []string{}}
	return a, true
}

// zoneName returns the name of an engine zone (a feature, or a part of one).
func (g *geofencer) zoneName(zoneID string) string {
	fid, _, _ := strings.Cut(zoneID, "#")
	if tag, ok := g.tags[fid]; ok {
		return g.zones[tag].name
	}
	return zoneID
}

func kindLabel(k concord.FeatureKind) string {
	switch k {
	case concord.FeatureRestrictedArea:
		return "restricted area"
	case concord.FeatureActivityArea:
		return "activity area"
	case concord.FeatureControlLine:
		return "control line"
	}
	return string(k)
}

// intersect returns the codes in both sorted lists.
func intersect(a, b []string) []string {
	out := []string{}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }
