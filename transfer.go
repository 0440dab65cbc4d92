package concord

import (
	"context"
	"encoding/json"
	"time"

	"github.com/paulmach/orb/geojson"
)

// Transferable is a store whose whole content can be copied to another
// store, history and pending events included (concord migrate-store). Rows
// travel as store-neutral JSON records, one table at a time in
// TransferTables order, so that a SQLite deployment can move to PostgreSQL
// and the copy can be verified table by table.
type Transferable interface {
	// Export calls emit for every row of table, in key order.
	Export(ctx context.Context, table string, emit func(json.RawMessage) error) error
	// Import inserts rows of table as they are (no events, no history:
	// those are tables of their own).
	Import(ctx context.Context, table string, rows []json.RawMessage) error
}

// TransferTables lists the tables in the order they must be copied.
var TransferTables = []string{"parties", "community_groups", "users", "sessions", "api_tokens", "features", "records", "disclosures", "history", "outbox", "tracks", "track_history"}

// RecordRow is a records row in transfer form.
type RecordRow struct {
	Kind      string          `json:"kind"`
	ID        string          `json:"id"`
	Marking   Marking         `json:"marking"`
	Version   int             `json:"version"`
	Status    string          `json:"status"`
	From      *time.Time      `json:"from,omitempty"`
	To        *time.Time      `json:"to,omitempty"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// TrackHistoryRow is a track_history row.
type TrackHistoryRow struct {
	UID string `json:"uid"`
	TrackPoint
}

// UserRecord is a users row.
type UserRecord struct {
	User
	PasswordHash string `json:"password_hash"`
}

// SessionRecord is a sessions row.
type SessionRecord struct {
	TokenHash string    `json:"token_hash"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TokenRecord is an api_tokens row.
type TokenRecord struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	Hash      string     `json:"hash"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}

// FeatureRecord is a features row, deleted ones included.
type FeatureRecord struct {
	ID             string           `json:"id"`
	Kind           FeatureKind      `json:"kind"`
	Name           string           `json:"name"`
	Description    string           `json:"description"`
	Geometry       geojson.Geometry `json:"geometry"`
	Attrs          FeatureAttrs     `json:"attrs"`
	Marking        Marking          `json:"marking"`
	ValidFrom      *time.Time       `json:"valid_from,omitempty"`
	ValidTo        *time.Time       `json:"valid_to,omitempty"`
	Version        int              `json:"version"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	UpdatedBy      string           `json:"updated_by"`
	UpdatedByParty string           `json:"updated_by_party"`
	Deleted        bool             `json:"deleted"`
	Doc            json.RawMessage  `json:"doc"`
}

// RecordOf returns the transfer record of a feature.
func RecordOf(f Feature) FeatureRecord {
	return FeatureRecord{
		ID: f.ID, Kind: f.Kind, Name: f.Name, Description: f.Description, Geometry: *geojson.NewGeometry(f.Geometry),
		Attrs: f.Attrs, Marking: f.Marking, ValidFrom: utcPtr(f.ValidFrom), ValidTo: utcPtr(f.ValidTo), Version: f.Version,
		CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(), UpdatedBy: f.UpdatedBy, UpdatedByParty: f.UpdatedByParty,
		Deleted: f.Deleted, Doc: f.Doc,
	}
}

// Feature returns the feature a record describes.
func (r FeatureRecord) Feature() Feature {
	return Feature{
		ID: r.ID, Kind: r.Kind, Name: r.Name, Description: r.Description, Geometry: r.Geometry.Coordinates,
		Attrs: r.Attrs, Marking: r.Marking, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy, UpdatedByParty: r.UpdatedByParty,
		Deleted: r.Deleted, Doc: r.Doc,
	}
}
