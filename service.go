package concord

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord/geo"
)

// Service is the application layer every surface goes through: it validates
// input, checks who may do what, decides releasability through Access, and
// turns each change into an Event that the Store commits with it.
type Service struct {
	store       Store
	access      *Access
	index       *featureIndex
	opts        ServiceOptions
	disclosures chan Disclosure
	// featureSinks see every feature committed here (OnFeature).
	featureSinks []func(Feature)
	// clock is opts.Now, replaceable while the service runs (tests).
	clock atomic.Pointer[func() time.Time]
	// reloading serialises directory reloads: a reload that read the store
	// before a party was committed must not replace the directory after a
	// reload that read it afterwards.
	reloading sync.Mutex
}

// ServiceOptions tune a Service. The zero value works.
type ServiceOptions struct {
	// Limits bound accepted geometries.
	Limits geo.Limits
	// Now returns the current time; tests inject a clock.
	Now func() time.Time
	// Committed is called after every committed write, e.g. to wake the
	// outbox relay.
	Committed func()
	// MaxPageSize caps list results.
	MaxPageSize int
	// Writable, if set, is asked before every write; an error refuses the
	// write (e.g. while the event bus is unreachable).
	Writable func() error
	// Deconflicter checks movements; the Service feeds it the mission
	// state. Without it, movement requests are refused as unavailable.
	Deconflicter Deconflicter
	// MovementLimits bound movement requests.
	MovementLimits MovementLimits
}

// NewService loads the directory from the store and returns a Service.
func NewService(ctx context.Context, store Store, opts ServiceOptions) (*Service, error) {
	if opts.Limits.MaxVertices == 0 {
		opts.Limits = geo.DefaultLimits
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Committed == nil {
		opts.Committed = func() {}
	}
	if opts.MaxPageSize == 0 {
		opts.MaxPageSize = 5000
	}
	s := &Service{store: store, opts: opts, index: newFeatureIndex(), disclosures: make(chan Disclosure, 4096)}
	s.clock.Store(&opts.Now)
	d, err := s.loadDirectory(ctx)
	if err != nil {
		return nil, err
	}
	s.access = NewAccess(d)
	if err := s.index.load(ctx, store); err != nil {
		return nil, fmt.Errorf("index features: %w", err)
	}
	if err := s.feedDeconflicter(ctx); err != nil {
		return nil, fmt.Errorf("load deconfliction state: %w", err)
	}
	return s, nil
}

// feedDeconflicter gives the engine the mission state from the store:
// features, active notified sites and approved movements.
func (s *Service) feedDeconflicter(ctx context.Context) error {
	dc := s.opts.Deconflicter
	if dc == nil {
		return nil
	}
	after := ""
	for {
		fs, err := s.store.Features(ctx, FeatureQuery{After: after, Limit: 2000})
		if err != nil {
			return err
		}
		for _, f := range fs {
			dc.PutFeature(f)
		}
		if len(fs) < 2000 {
			break
		}
		after = fs[len(fs)-1].ID
	}
	for _, kind := range []string{"site_notification", "movement"} {
		after = ""
		for {
			rs, err := s.store.Records(ctx, RecordQuery{Kind: kind, After: after, Limit: 2000})
			if err != nil {
				return err
			}
			for _, r := range rs {
				s.feedRecord(r.Kind, r.Data)
			}
			if len(rs) < 2000 {
				break
			}
			after = rs[len(rs)-1].ID
		}
	}
	return nil
}

// feedRecord passes a stored or published record to the engine.
func (s *Service) feedRecord(kind string, data []byte) {
	dc := s.opts.Deconflicter
	if dc == nil {
		return
	}
	switch kind {
	case "movement":
		var m Movement
		if json.Unmarshal(data, &m) == nil {
			dc.PutMovement(m)
		}
	case "site_notification":
		var n SiteNotification
		if json.Unmarshal(data, &n) == nil {
			dc.PutNotifiedSite(n)
		}
	}
}

// Disclosed logs, in the background, that a party received a record.
func (s *Service) Disclosed(party, kind, id string, version int, via string) {
	select {
	case s.disclosures <- Disclosure{Party: party, Kind: kind, RecordID: id, Version: version, At: s.now().UTC().Truncate(time.Millisecond), Via: via}:
	default:
		// A full queue means the store is far behind; the next read logs it.
	}
}

// RunDisclosures writes logged disclosures in batches until ctx ends,
// then flushes what is queued.
func (s *Service) RunDisclosures(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	var batch []Disclosure
	flush := func() {
		if len(batch) > 0 {
			_ = s.store.RecordDisclosures(context.WithoutCancel(ctx), batch)
			batch = batch[:0]
		}
	}
	for {
		select {
		case d := <-s.disclosures:
			batch = append(batch, d)
			if len(batch) >= 500 {
				flush()
			}
		case <-t.C:
			flush()
		case <-ctx.Done():
			for {
				select {
				case d := <-s.disclosures:
					batch = append(batch, d)
				default:
					flush()
					return
				}
			}
		}
	}
}

// Apply brings this instance's in-memory state up to date with an event
// from the bus, whichever instance committed it: the directory when
// parties or groups change, the feature index when features do. Applying
// an event twice, or an older one after a newer, changes nothing.
func (s *Service) Apply(ctx context.Context, ev Event) error {
	switch ev.Kind {
	case "party", "group":
		return s.ReloadDirectory(ctx)
	case "feature":
		e, err := entryFromEvent(ev)
		if err != nil {
			return err
		}
		s.index.put(e, ev.Verb == VerbDeleted)
		if s.opts.Deconflicter != nil {
			f, err := DecodeFeatureDoc(ev.Data)
			if err != nil {
				return err
			}
			f.Deleted = ev.Verb == VerbDeleted
			s.opts.Deconflicter.PutFeature(f)
		}
	case "movement", "site_notification":
		s.feedRecord(ev.Kind, ev.Data)
	}
	return nil
}

// IndexedFeatures returns how many live features the in-memory index holds.
func (s *Service) IndexedFeatures() int { return s.index.len() }

// Access returns the releasability layer, shared with the live stream.
func (s *Service) Access() *Access { return s.access }

// Store returns the underlying store for wiring (authentication, relay).
func (s *Service) Store() Store { return s.store }

// SetNow replaces the clock (tests); it is safe while the service runs.
func (s *Service) SetNow(now func() time.Time) { s.clock.Store(&now) }

// Clock returns the service clock, for code that sets another for a while
// and then puts this one back.
func (s *Service) Clock() func() time.Time { return *s.clock.Load() }

// Now returns the service clock's current time.
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) now() time.Time { return (*s.clock.Load())() }

func (s *Service) loadDirectory(ctx context.Context) (*Directory, error) {
	ps, err := s.store.Parties(ctx)
	if err != nil {
		return nil, fmt.Errorf("load parties: %w", err)
	}
	gs, err := s.store.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("load groups: %w", err)
	}
	return NewDirectory(ps, gs)
}

// Reload rereads everything the Service keeps in memory (directory and
// feature index) from the store, e.g. after another instance loaded data
// before this one subscribed to the bus.
func (s *Service) Reload(ctx context.Context) error {
	if err := s.ReloadDirectory(ctx); err != nil {
		return err
	}
	return s.index.load(ctx, s.store)
}

// ReloadDirectory rereads parties and groups, e.g. after another instance
// changed them.
func (s *Service) ReloadDirectory(ctx context.Context) error {
	s.reloading.Lock()
	defer s.reloading.Unlock()
	d, err := s.loadDirectory(ctx)
	if err != nil {
		return err
	}
	s.access.Replace(d)
	return nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// newEvent fills the fields every event shares.
func (s *Service) newEvent(v Viewer, kind, verb, id string, version int, m Marking, at time.Time) Event {
	return Event{ID: newID(), Kind: kind, Verb: verb, RecordID: id, Version: version, Marking: m, At: at, Actor: v.Username, ActorParty: v.Party}
}

// Committed tells the outbox relay that a write committed; application
// services built on this one call it after their writes.
func (s *Service) Committed() { s.opts.Committed() }

// IsSystem reports whether v is an in-process system actor (command line,
// demo loader, simulators) rather than an account. Only code in the same
// process can make one; requests always act as a stored user.
func (v Viewer) IsSystem() bool { return strings.HasPrefix(v.UserID, "system:") }

// requireMissionAdmin checks that v administers the mission: an admin of a
// coordination party, or a system actor (which may also bootstrap the
// directory before any party exists).
func (s *Service) requireMissionAdmin(v Viewer) error {
	if v.IsSystem() && v.Has(RoleAdmin) {
		return nil
	}
	p, ok := s.access.Directory().Party(v.Party)
	if !ok || p.Kind != KindCoordination || !v.Has(RoleAdmin) {
		return Errorf(Forbidden, "only an admin of the coordination center may do this")
	}
	return nil
}

// IsCoordinator reports whether v speaks for the coordination center.
func (s *Service) IsCoordinator(v Viewer) bool {
	p, ok := s.access.Directory().Party(v.Party)
	return ok && p.Kind == KindCoordination && (v.Has(RoleCoordinator) || v.Has(RoleAdmin))
}

// checkWritable asks the Writable hook.
func (s *Service) CheckWritable() error {
	if s.opts.Writable == nil {
		return nil
	}
	return s.opts.Writable()
}

// checkViewer refuses viewers whose party no longer exists.
func (s *Service) checkViewer(v Viewer) error {
	if v.IsSystem() {
		return nil
	}
	if _, ok := s.access.Directory().Party(v.Party); !ok {
		return Errorf(Forbidden, "your party %s is not part of the mission", v.Party)
	}
	return nil
}
