package cop

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
)

// broadcastTracks is the broadcast name of position batches.
const broadcastTracks = "tracks"

// Options tune the service. The zero value works.
type Options struct {
	// Retention is how long track history is kept; default 7 days.
	Retention time.Duration
	// MaxFuture is how far ahead of the clock a report may be dated
	// (device clock skew); default 10 minutes.
	MaxFuture time.Duration
	// DefaultStale is how long a report stays current when it does not say;
	// default 5 minutes.
	DefaultStale time.Duration
	// FlushEvery is how often reports are written to the store's track
	// history; default 250 ms.
	FlushEvery time.Duration
	// SaveLatestEvery is how often at most a track's latest state is
	// rewritten in the store (a track's first report after a quiet spell
	// is written at once, its last one at the end of the interval);
	// default 5 s. The live picture is in memory; the stored state is
	// what a restart or another instance starts from, so a crash loses
	// at most this much of a track's movement there, never a report of
	// the history.
	SaveLatestEvery time.Duration
	// MaxBatch bounds one call to Report; default 10,000.
	MaxBatch int
	// Geofence configures the geofencer and alerts.
	Geofence GeofenceOptions
	// Broadcast, when set, shares reports with the other instances.
	Broadcast concord.Broadcast
	Log       *slog.Logger
}

// Service is the live picture's application service.
type Service struct {
	core  *concord.Service
	store concord.Store
	opts  Options
	log   *slog.Logger

	tracks *trackMap
	// trackers maps a tracker uid to the movement in progress it follows;
	// movementVersions is the latest version of each movement applied.
	trMu             sync.RWMutex
	trackers         map[string]string
	movementVersions map[string]int

	// Accepted reports wait in pending for the store, batch by batch as
	// they arrived (appending a batch copies no report); nPending counts
	// them.
	pendMu   sync.Mutex
	pending  [][]concord.Track
	nPending int
	// held paces the rewrites of latest states (only the writer touches
	// it): a uid is in it from the write of its latest state until
	// SaveLatestEvery later, marked dirty if it reported meanwhile.
	held map[string]*heldLatest

	feedMu sync.RWMutex
	feeds  []func([]concord.Track)

	watchMu  sync.RWMutex
	watchers map[*Watcher]struct{}

	fence *geofencer

	accepted, rejected, written, writeFailures, broadcastFailures atomic.Int64
}

// New returns the service; call Load before serving.
func New(core *concord.Service, opts Options) *Service {
	if opts.Retention <= 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = 10 * time.Minute
	}
	if opts.DefaultStale <= 0 {
		opts.DefaultStale = 5 * time.Minute
	}
	if opts.SaveLatestEvery <= 0 {
		opts.SaveLatestEvery = 5 * time.Second
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 250 * time.Millisecond
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 10000
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{core: core, store: core.Store(), opts: opts, log: opts.Log,
		tracks: newTrackMap(), trackers: map[string]string{}, movementVersions: map[string]int{}, watchers: map[*Watcher]struct{}{}}
	s.fence = newGeofencer(s, opts.Geofence)
	// Zones written here count from the next report on, not from when
	// their event comes back from the bus.
	core.OnFeature(func(f concord.Feature) { s.fence.putFeature(&f) })
	return s
}

// Load reads the latest state of every track and the movements in
// progress from the store.
func (s *Service) Load(ctx context.Context) error {
	since := s.core.Now().Add(-s.opts.Retention)
	after := ""
	for {
		ts, err := s.store.Tracks(ctx, concord.TrackQuery{After: after, UpdatedSince: since, Limit: 5000})
		if err != nil {
			return fmt.Errorf("load tracks: %w", err)
		}
		for i := range ts {
			t := ts[i]
			s.tracks.put(&t)
		}
		if len(ts) < 5000 {
			break
		}
		after = ts[len(ts)-1].UID
	}
	after = ""
	for {
		rs, err := s.store.Records(ctx, concord.RecordQuery{Kind: "movement", Statuses: []string{string(concord.MovementInProgress)}, After: after, Limit: 2000})
		if err != nil {
			return fmt.Errorf("load movements in progress: %w", err)
		}
		for _, r := range rs {
			s.putMovement(r.Data)
		}
		if len(rs) < 2000 {
			break
		}
		after = rs[len(rs)-1].ID
	}
	return s.fence.load(ctx)
}

// Feed registers fn to receive every fresh report, whoever may see it,
// after it is accepted here or on another instance. It is for trusted
// in-process consumers (the TAK router) that apply Directory.CanSee
// themselves; fn must not block.
func (s *Service) Feed(fn func([]concord.Track)) {
	s.feedMu.Lock()
	s.feeds = append(s.feeds, fn)
	s.feedMu.Unlock()
}

// canReport checks that v may send position reports.
func (s *Service) canReport(v concord.Viewer) error {
	if !v.CanWrite() {
		return concord.Errorf(concord.Forbidden, "your role may not report positions")
	}
	if !v.IsSystem() {
		if _, ok := s.core.Access().Directory().Party(v.Party); !ok {
			return concord.Errorf(concord.Forbidden, "your party %s is not part of the mission", v.Party)
		}
	}
	return nil
}

// Report accepts position reports from v, all or none: every report is
// checked (ranges, times, marking, who owns the uid) before any is kept.
// Source says how they arrived ("http", "tak", "sim").
func (s *Service) Report(ctx context.Context, v concord.Viewer, source string, in []concord.Track) error {
	if err := s.canReport(v); err != nil {
		return err
	}
	if len(in) == 0 {
		return concord.Errorf(concord.Invalid, "no position reports")
	}
	if len(in) > s.opts.MaxBatch {
		return concord.Errorf(concord.TooLarge, "at most %d position reports at once, got %d", s.opts.MaxBatch, len(in))
	}
	if err := s.core.CheckWritable(); err != nil {
		return err
	}
	now := s.core.Now().UTC()
	d := s.core.Access().Directory()
	coord := s.core.IsCoordinator(v) || v.IsSystem()
	var fields []concord.FieldError
	out := make([]concord.Track, len(in))
	for i := range in {
		t := in[i]
		prefix := ""
		if len(in) > 1 {
			prefix = fmt.Sprintf("[%d] ", i)
		}
		bad := func(err error) {
			if e, ok := err.(*concord.Error); ok && len(e.Fields) > 0 {
				for _, f := range e.Fields {
					fields = append(fields, concord.FieldError{Field: prefix + f.Field, Reason: f.Reason})
				}
				return
			}
			fields = append(fields, concord.FieldError{Field: prefix + "report", Reason: err.Error()})
		}
		if t.Callsign == "" {
			t.Callsign = t.UID
		}
		if t.Stale.IsZero() && !t.Time.IsZero() {
			t.Stale = t.Time.Add(s.opts.DefaultStale)
		}
		t.Time, t.Stale = t.Time.UTC().Truncate(time.Millisecond), t.Stale.UTC().Truncate(time.Millisecond)
		t.Source, t.SourceUser, t.Received = source, v.Username, now
		t.SIDC = SIDC(t.Type)
		if err := t.Validate(now, s.opts.MaxFuture); err != nil {
			bad(err)
			continue
		}
		if t.Marking.Owner == "" {
			t.Marking = concord.Marking{Owner: v.Party, Rel: defaultRel(d, v.Party)}
		}
		m, err := d.NormalizeMarking(t.Marking)
		if err != nil {
			bad(err)
			continue
		}
		t.Marking = m
		if m.Owner != v.Party && !coord {
			fields = append(fields, concord.FieldError{Field: prefix + "marking.owner", Reason: fmt.Sprintf("you report for %s, not %s", v.Party, m.Owner)})
			continue
		}
		if cur := s.tracks.get(t.UID); cur != nil && cur.Marking.Owner != m.Owner && !coord {
			fields = append(fields, concord.FieldError{Field: prefix + "uid", Reason: fmt.Sprintf("track %s belongs to %s", t.UID, cur.Marking.Owner)})
			continue
		}
		t.MovementID = s.trackerOf(t.UID)
		out[i] = t
	}
	if len(fields) > 0 {
		s.rejected.Add(int64(len(in)))
		msg := fmt.Sprintf("position report refused: %s: %s", fields[0].Field, fields[0].Reason)
		if len(fields) > 1 {
			msg = fmt.Sprintf("position reports refused: %d problems, first %s: %s", len(fields), fields[0].Field, fields[0].Reason)
		}
		return concord.InvalidFields(msg, fields)
	}
	s.accepted.Add(int64(len(out)))
	s.pendMu.Lock()
	s.pending = append(s.pending, out)
	s.nPending += len(out)
	s.pendMu.Unlock()
	if b := s.opts.Broadcast; b != nil {
		data, err := json.Marshal(out)
		if err == nil {
			err = b.Broadcast(broadcastTracks, data)
		}
		if err != nil {
			s.broadcastFailures.Add(1)
		}
	}
	s.apply(out)
	return nil
}

// defaultRel is the release of a party's reports that do not say: the
// party's communities (a contingent's tracks go to the force).
func defaultRel(d *concord.Directory, party string) []string {
	p, ok := d.Party(party)
	if !ok {
		return []string{}
	}
	return slices.Clone(p.Groups)
}

// apply makes reports current here and hands the fresh ones (newer than
// what is known of their uid) to feeds, watchers and the geofencer.
func (s *Service) apply(ts []concord.Track) {
	fresh := make([]concord.Track, 0, len(ts))
	prev := make([]*concord.Marking, 0, len(ts))
	for i := range ts {
		t := ts[i]
		if t.MovementID == "" {
			t.MovementID = s.trackerOf(t.UID)
		}
		cur, kept := s.tracks.put(&t)
		if !kept {
			continue
		}
		if cur != nil && !cur.Marking.Equal(t.Marking) {
			m := cur.Marking
			prev = append(prev, &m)
		} else {
			prev = append(prev, nil)
		}
		fresh = append(fresh, t)
	}
	if len(fresh) == 0 {
		return
	}
	s.feedMu.RLock()
	for _, fn := range s.feeds {
		fn(fresh)
	}
	s.feedMu.RUnlock()
	s.notifyWatchers(fresh, prev)
	s.fence.offer(fresh)
}

// Listen applies the reports other instances broadcast until ctx ends.
func (s *Service) Listen(ctx context.Context) error {
	b := s.opts.Broadcast
	if b == nil {
		<-ctx.Done()
		return nil
	}
	return b.Listen(ctx, broadcastTracks, func(data []byte) {
		var ts []concord.Track
		if err := json.Unmarshal(data, &ts); err != nil {
			s.log.Warn("broadcast_decode_failed", "name", broadcastTracks, "err", err)
			return
		}
		s.apply(ts)
	})
}

// RunWriter writes accepted reports to the store every FlushEvery until ctx
// ends, then writes what is left.
func (s *Service) RunWriter(ctx context.Context) {
	t := time.NewTicker(s.opts.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flush(context.WithoutCancel(ctx), true)
			return
		case <-t.C:
			s.flush(ctx, false)
		}
	}
}

// maxPending bounds reports waiting for the store; beyond it the oldest
// are dropped from the history (and counted) rather than exhaust memory.
const maxPending = 2_000_000

// heldLatest is a uid whose latest state was written recently.
type heldLatest struct {
	until time.Time
	dirty bool
}

// flush writes every accepted report to the history, and the latest state
// of the tracks not written in the last SaveLatestEvery (of all that
// reported, when final). Rewriting a track's latest state (a JSON
// document and two index entries) cost three times its history row, and
// a device reporting every second needs it far less often.
func (s *Service) flush(ctx context.Context, final bool) {
	s.pendMu.Lock()
	parts, n := s.pending, s.nPending
	s.pending, s.nPending = nil, 0
	s.pendMu.Unlock()
	if n == 0 && len(s.held) == 0 {
		return
	}
	// Writers lock rows in uid order, so that instances never deadlock.
	// Sorting pointers moves 8 bytes where a report is hundreds.
	order := make([]*concord.Track, 0, n)
	for _, p := range parts {
		for i := range p {
			order = append(order, &p[i])
		}
	}
	slices.SortStableFunc(order, func(a, b *concord.Track) int { return cmp.Compare(a.UID, b.UID) })
	batch := make([]concord.Track, len(order))
	for i, t := range order {
		batch[i] = *t
	}
	latest := s.latestToSave(batch, time.Now(), final)
	// Small transactions, so that alerts and other writes waiting for the
	// store's one writer are not held up behind a burst of positions.
	const chunk = 100
	for i := 0; i < len(batch); i += chunk {
		part := batch[i:min(i+chunk, len(batch))]
		if err := s.store.PutTracks(ctx, part, nil); err != nil {
			s.writeFailures.Add(1)
			s.log.Warn("track_write_failed", "reports", len(batch)-i, "err", err)
			left := batch[i:]
			s.pendMu.Lock()
			if over := len(left) + s.nPending - maxPending; over > 0 {
				over = min(over, len(left))
				left = left[over:]
				s.rejected.Add(int64(over))
			}
			s.pending = append([][]concord.Track{left}, s.pending...)
			s.nPending += len(left)
			s.pendMu.Unlock()
			s.keepDirty(latest)
			return
		}
		s.written.Add(int64(len(part)))
	}
	for i := 0; i < len(latest); i += chunk {
		if err := s.store.PutTracks(ctx, nil, latest[i:min(i+chunk, len(latest))]); err != nil {
			s.writeFailures.Add(1)
			s.log.Warn("track_state_write_failed", "tracks", len(latest)-i, "err", err)
			s.keepDirty(latest[i:])
			return
		}
	}
}

// latestToSave returns, in uid order, the latest state of the tracks due
// for a rewrite: those of batch not held, and the held ones whose interval
// is over and that reported meanwhile (every dirty one when final).
func (s *Service) latestToSave(batch []concord.Track, now time.Time, final bool) []concord.Track {
	if s.held == nil {
		s.held = map[string]*heldLatest{}
	}
	due := map[string]bool{}
	for i := range batch {
		uid := batch[i].UID
		if h, ok := s.held[uid]; ok {
			h.dirty = true
		} else {
			due[uid] = true
		}
	}
	for uid, h := range s.held {
		if final || !now.Before(h.until) {
			if h.dirty {
				due[uid] = true
			} else {
				delete(s.held, uid)
			}
		}
	}
	out := make([]concord.Track, 0, len(due))
	for uid := range due {
		s.held[uid] = &heldLatest{until: now.Add(s.opts.SaveLatestEvery)}
		if t := s.tracks.get(uid); t != nil {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(a, b concord.Track) int { return cmp.Compare(a.UID, b.UID) })
	return out
}

// keepDirty marks tracks whose latest state could not be written, so that
// the next flush past their interval tries again.
func (s *Service) keepDirty(ts []concord.Track) {
	for i := range ts {
		if h, ok := s.held[ts[i].UID]; ok {
			h.dirty = true
		}
	}
}

// RunPrune deletes history older than the retention every interval until
// ctx ends (singleton work).
func (s *Service) RunPrune(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		before := s.core.Now().Add(-s.opts.Retention)
		if n, err := s.store.PruneTracks(ctx, before); err != nil && ctx.Err() == nil {
			s.log.Warn("track_prune_failed", "err", err)
		} else if n > 0 {
			s.log.Info("track_history_pruned", "rows", n)
		}
		s.tracks.drop(func(tr *concord.Track) bool { return tr.Time.Before(before) })
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// TrackFilter selects tracks for a viewer.
type TrackFilter struct {
	BBox *orb.Bound
	// Party keeps tracks owned by these parties; Type keeps tracks whose
	// CoT type starts with one of these prefixes.
	Parties []string
	Types   []string
	// Current drops stale tracks.
	Current bool
}

// Keep reports whether the filter keeps a track at now.
func (f TrackFilter) Keep(t *concord.Track, now time.Time) bool {
	if f.BBox != nil && !f.BBox.Contains(orb.Point{t.Lon, t.Lat}) {
		return false
	}
	if len(f.Parties) > 0 && !slices.Contains(f.Parties, t.Marking.Owner) {
		return false
	}
	if len(f.Types) > 0 && !slices.ContainsFunc(f.Types, func(p string) bool { return hasTypePrefix(t.Type, p) }) {
		return false
	}
	return !f.Current || !t.IsStale(now)
}

// hasTypePrefix reports whether a CoT type lies under prefix in the type
// tree (a-f matches a-f-G-U-C but not a-fx).
func hasTypePrefix(typ, prefix string) bool {
	return typ == prefix || (len(typ) > len(prefix) && typ[:len(prefix)] == prefix && typ[len(prefix)] == '-')
}

// Tracks returns the tracks v may see, sorted by uid.
func (s *Service) Tracks(v concord.Viewer, f TrackFilter) []concord.Track {
	d := s.core.Access().Directory()
	now := s.core.Now()
	var out []concord.Track
	s.tracks.each(func(t *concord.Track) {
		if d.CanSee(v.Party, t.Marking) && f.Keep(t, now) {
			out = append(out, *t)
		}
	})
	if out == nil {
		out = []concord.Track{}
	}
	slices.SortFunc(out, func(a, b concord.Track) int { return cmp.Compare(a.UID, b.UID) })
	return out
}

// Track returns one track if v may see it (not found otherwise, so that
// existence does not leak).
func (s *Service) Track(v concord.Viewer, uid string) (concord.Track, error) {
	t := s.tracks.get(uid)
	if t == nil || !s.core.Access().CanSee(v, t.Marking) {
		return concord.Track{}, concord.Errorf(concord.NotFound, "track %s not found", uid)
	}
	return *t, nil
}

// History returns the reports of a track v may see in [from, to), oldest
// first, at most limit. The trail is as releasable as the track.
func (s *Service) History(ctx context.Context, v concord.Viewer, uid string, from, to time.Time, limit int) ([]concord.TrackPoint, error) {
	if _, err := s.Track(v, uid); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, concord.Errorf(concord.Invalid, "history window must end after it starts")
	}
	pts, err := s.store.TrackHistory(ctx, uid, from, to, limit)
	if err != nil {
		return nil, err
	}
	// Reports not yet written are part of the trail too.
	s.pendMu.Lock()
	for _, part := range s.pending {
		for i := range part {
			if t := &part[i]; t.UID == uid && !t.Time.Before(from) && t.Time.Before(to) {
				pts = append(pts, t.Point())
			}
		}
	}
	s.pendMu.Unlock()
	slices.SortFunc(pts, func(a, b concord.TrackPoint) int { return a.Time.Compare(b.Time) })
	pts = slices.CompactFunc(pts, func(a, b concord.TrackPoint) bool { return a.Time.Equal(b.Time) })
	if limit > 0 && len(pts) > limit {
		pts = pts[:limit]
	}
	return pts, nil
}

// Len returns how many tracks are known.
func (s *Service) Len() int {
	return s.tracks.len()
}

// Stats are counters for metrics.
type Stats struct {
	Accepted, Rejected, Written, WriteFailures, BroadcastFailures, Pending int64
	Alerts, AlertWriteFailures, GeofenceBacklog                            int64
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	s.pendMu.Lock()
	p := s.nPending
	s.pendMu.Unlock()
	return Stats{Accepted: s.accepted.Load(), Rejected: s.rejected.Load(), Written: s.written.Load(), WriteFailures: s.writeFailures.Load(),
		BroadcastFailures: s.broadcastFailures.Load(), Pending: int64(p),
		Alerts: s.fence.alerts.Load(), AlertWriteFailures: s.fence.writeFailures.Load(), GeofenceBacklog: int64(s.fence.backlog())}
}

// trackerOf returns the movement in progress a tracker uid follows.
func (s *Service) trackerOf(uid string) string {
	s.trMu.RLock()
	defer s.trMu.RUnlock()
	return s.trackers[uid]
}

// putMovement follows a movement's trackers while it is in progress. An
// older version than one already applied is ignored: the events of a
// movement's earlier steps can arrive after Load read its current state.
func (s *Service) putMovement(data []byte) {
	var m concord.Movement
	if json.Unmarshal(data, &m) != nil {
		return
	}
	s.trMu.Lock()
	if m.Version < s.movementVersions[m.ID] {
		s.trMu.Unlock()
		return
	}
	s.movementVersions[m.ID] = m.Version
	for uid, id := range s.trackers {
		if id == m.ID {
			delete(s.trackers, uid)
		}
	}
	if m.Status == concord.MovementInProgress {
		for _, v := range m.Vehicles {
			if v.Tracker != "" {
				s.trackers[v.Tracker] = m.ID
			}
		}
	}
	s.trMu.Unlock()
	s.fence.putMovement(m)
}

// Apply brings an event from the bus into the live picture: map features
// (zones) and movements (routes followed by trackers).
func (s *Service) Apply(ctx context.Context, ev concord.Event) error {
	switch ev.Kind {
	case "movement":
		s.putMovement(ev.Data)
	case "feature":
		return s.fence.putFeatureEvent(ev)
	case KindAlert:
		s.applyAlert(ev)
	}
	return nil
}
