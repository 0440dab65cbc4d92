package concord

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Store is the system of record. Implementations (sqlite, postgres) must
// pass the conformance suite in package storetest. Every write takes the
// Event that describes it and commits the change, its history entry and its
// outbox entry in one transaction, so that no committed change can lose its
// event.
//
// Stores do not decide releasability: the Service checks every record it
// returns.
type Store interface {
	PartyStore
	UserStore
	FeatureStore
	RecordStore
	TrackStore
	OutboxStore
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// PartyStore keeps parties and groups.
type PartyStore interface {
	Parties(ctx context.Context) ([]Party, error)
	Groups(ctx context.Context) ([]Group, error)
	// PutParty inserts the party when prevVersion is 0 and otherwise
	// updates it if its stored version is prevVersion (Conflict if not).
	PutParty(ctx context.Context, p Party, prevVersion int, ev Event) error
	PutGroup(ctx context.Context, g Group, prevVersion int, ev Event) error
}

// UserStore keeps accounts, sessions and API tokens.
type UserStore interface {
	InsertUser(ctx context.Context, u User, passwordHash string, ev Event) error
	UpdateUser(ctx context.Context, u User, prevVersion int, ev Event) error
	SetPasswordHash(ctx context.Context, userID, hash string) error
	User(ctx context.Context, id string) (User, error)
	// UserByName returns the user and its password hash.
	UserByName(ctx context.Context, username string) (User, string, error)
	Users(ctx context.Context) ([]User, error)

	InsertSession(ctx context.Context, s Session) error
	Session(ctx context.Context, tokenHash string) (Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	InsertToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash string) (Token, error)
	Tokens(ctx context.Context, userID string) ([]Token, error)
	DeleteToken(ctx context.Context, userID, id string) error
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// FeatureStore keeps mission-map features and their versions.
type FeatureStore interface {
	InsertFeature(ctx context.Context, f Feature, ev Event) error
	// UpdateFeature replaces the feature if its stored version is
	// prevVersion (Conflict otherwise). Deletion is an update with Deleted
	// set, so that history stays.
	UpdateFeature(ctx context.Context, f Feature, prevVersion int, ev Event) error
	Feature(ctx context.Context, id string) (Feature, error)
	Features(ctx context.Context, q FeatureQuery) ([]Feature, error)
	// CountFeatures counts live features (for metrics and readiness).
	CountFeatures(ctx context.Context) (int64, error)
	// History returns every event of a record, oldest first.
	History(ctx context.Context, kind, id string) ([]Event, error)
}

// OutboxStore is the transactional outbox the Relay drains.
type OutboxStore interface {
	// PendingEvents returns up to limit unpublished events after sequence
	// after, in sequence order. With PostgreSQL a transaction can commit
	// after one that took a later sequence, so only a read from 0 is sure
	// to see every pending event.
	PendingEvents(ctx context.Context, after int64, limit int) ([]Event, error)
	// MarkPublished removes the events from the outbox.
	MarkPublished(ctx context.Context, seqs []int64) error
}

// FeatureQuery selects features. Results are ordered by ID.
type FeatureQuery struct {
	Kinds []FeatureKind
	// BBox keeps features whose bounding box intersects it.
	BBox *orb.Bound
	// ActiveAt keeps features whose validity window contains it.
	ActiveAt *time.Time
	// After is the ID to continue after (pagination cursor).
	After string
	// Limit is the most features to return; the store may cap it.
	Limit int
	// IDs, when not empty, keeps only these features.
	IDs []string
	// DocOnly asks for ID, Kind, Marking, Version and Doc only, skipping
	// the decoding of geometry and attributes (for listing).
	DocOnly bool
}
