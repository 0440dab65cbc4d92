package concord

import (
	"encoding/json"
	"sync"
	"time"
)

// Event is one committed change. The store writes it to the history and to
// the outbox in the same transaction as the change itself; the Relay then
// publishes it on the bus under Subject. Live streams are per-viewer filtered
// projections of these events.
type Event struct {
	// Seq is the outbox sequence the store assigned; 0 until stored.
	Seq int64 `json:"seq,omitempty"`
	// ID is unique per event; the bus uses it to drop duplicate publishes.
	ID string `json:"id"`
	// Kind is the record kind ("feature", "party", "group", "user").
	Kind string `json:"kind"`
	// Verb is what happened ("created", "updated", "deleted").
	Verb     string `json:"verb"`
	RecordID string `json:"record_id"`
	Version  int    `json:"version"`
	// Marking is the record's marking after the change; PrevMarking the one
	// before, so that a viewer who loses sight of a record is told.
	Marking     Marking   `json:"marking"`
	PrevMarking *Marking  `json:"prev_marking,omitempty"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	ActorParty  string    `json:"actor_party"`
	// Data is the record as it is after the change (GeoJSON for features).
	Data json.RawMessage `json:"data,omitempty"`
	// StreamSeq is the bus sequence, set when the event is read back from
	// the bus; it is the id of the event on the live stream.
	StreamSeq uint64 `json:"-"`

	// enc, shared by the copies the Hub hands to subscribers, holds the
	// event's wire encoding so that it is made once, not once per viewer.
	enc *encoding
}

type encoding struct {
	once sync.Once
	b    []byte
}

// Encoded returns encode(e), computed once for all the subscribers that
// received this event from the Hub (and every time for other events).
func (e Event) Encoded(encode func(Event) []byte) []byte {
	if e.enc == nil {
		return encode(e)
	}
	e.enc.once.Do(func() { e.enc.b = encode(e) })
	return e.enc.b
}

// The event verbs.
const (
	VerbCreated   = "created"
	VerbUpdated   = "updated"
	VerbDeleted   = "deleted"
	VerbWithdrawn = "withdrawn"
)

// SubjectPrefix starts every bus subject.
const SubjectPrefix = "concord."

// Subject returns the bus subject, concord.<kind>.<verb>.
func (e Event) Subject() string { return SubjectPrefix + e.Kind + "." + e.Verb }

// Withdrawn returns the event a viewer receives instead of e when the change
// takes the record out of its sight: it names the record and nothing else.
func (e Event) Withdrawn() Event {
	return Event{ID: e.ID, Kind: e.Kind, Verb: VerbWithdrawn, RecordID: e.RecordID, At: e.At, StreamSeq: e.StreamSeq}
}
