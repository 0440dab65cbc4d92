package concord

import (
	"context"
	"encoding/json"
	"time"
)

// Record is a versioned, marked domain record kept as a JSON document with
// a few indexed columns: the storage of kinds whose queries are simple
// (movements, site notifications). Each kind encodes its own Data.
type Record struct {
	Kind    string
	ID      string
	Marking Marking
	Version int
	// Status is the kind's workflow state, for filtering.
	Status string
	// From and To bound the record in time (a movement's window, a
	// notification's validity), for overlap queries.
	From, To  *time.Time
	Data      json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RecordQuery selects records of one kind, ordered by ID.
type RecordQuery struct {
	Kind     string
	Statuses []string
	// Overlaps keeps records whose [From, To) overlaps it.
	Overlaps *[2]time.Time
	IDs      []string
	After    string
	Limit    int
}

// Disclosure records that a party received a version of a record.
type Disclosure struct {
	Party    string    `json:"party"`
	Kind     string    `json:"kind"`
	RecordID string    `json:"record_id"`
	Version  int       `json:"version"`
	At       time.Time `json:"at"`
	// Via says through which surface (api, stream, relay).
	Via string `json:"via"`
}

// RecordWrite is one record write of a batch: an insert when Prev is 0,
// else an update of the record stored at version Prev.
type RecordWrite struct {
	Record Record
	Prev   int
	Events []Event
}

// RecordStore keeps records and the log of their disclosures.
type RecordStore interface {
	// InsertRecord stores a new record; ev describes the change and extra
	// events (e.g. relay requests derived from it) commit with it.
	InsertRecord(ctx context.Context, r Record, ev Event, extra ...Event) error
	// UpdateRecord replaces the record if its stored version is prev.
	UpdateRecord(ctx context.Context, r Record, prev int, ev Event, extra ...Event) error
	// WriteRecords commits many inserts and updates, with their events, in
	// one transaction: all or none (bulk imports).
	WriteRecords(ctx context.Context, ws []RecordWrite) error
	Record(ctx context.Context, kind, id string) (Record, error)
	Records(ctx context.Context, q RecordQuery) ([]Record, error)
	// RecordDisclosures logs disclosures; logging the same party, record
	// and version twice keeps the first.
	RecordDisclosures(ctx context.Context, ds []Disclosure) error
	Disclosures(ctx context.Context, kind, id string) ([]Disclosure, error)
}
