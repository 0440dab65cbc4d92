package concord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord/geo"
)

// Service is the application layer every surface goes through: it validates
// input, checks who may do what, decides releasability through Access, and
// turns each change into an Event that the Store commits with it.
type Service struct {
	store  Store
	access *Access
	index  *featureIndex
	opts   ServiceOptions
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
	s := &Service{store: store, opts: opts, index: newFeatureIndex()}
	d, err := s.loadDirectory(ctx)
	if err != nil {
		return nil, err
	}
	s.access = NewAccess(d)
	if err := s.index.load(ctx, store); err != nil {
		return nil, fmt.Errorf("index features: %w", err)
	}
	return s, nil
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
	}
	return nil
}

// IndexedFeatures returns how many live features the in-memory index holds.
func (s *Service) IndexedFeatures() int { return s.index.len() }

// Access returns the releasability layer, shared with the live stream.
func (s *Service) Access() *Access { return s.access }

// Store returns the underlying store for wiring (authentication, relay).
func (s *Service) Store() Store { return s.store }

// Now returns the service clock's current time.
func (s *Service) Now() time.Time { return s.opts.Now() }

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

func (s *Service) committed() { s.opts.Committed() }

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

// isCoordinator reports whether v speaks for the coordination center.
func (s *Service) isCoordinator(v Viewer) bool {
	p, ok := s.access.Directory().Party(v.Party)
	return ok && p.Kind == KindCoordination && (v.Has(RoleCoordinator) || v.Has(RoleAdmin))
}

// checkWritable asks the Writable hook.
func (s *Service) checkWritable() error {
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
