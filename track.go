package concord

import (
	"context"
	"math"
	"regexp"
	"time"
)

// Track is the latest known state of one tracked object — a unit, a vehicle,
// a convoy or a device — keyed by its UID (the Cursor-on-Target uid for TAK
// devices). Newer reports replace older ones; the history keeps each report.
type Track struct {
	UID      string `json:"uid"`
	Callsign string `json:"callsign"`
	// Type is the Cursor-on-Target type, e.g. a-f-G-U-C (friendly ground
	// unit, combat); SIDC is its MIL-STD-2525C symbol code when it has one.
	Type    string  `json:"type"`
	SIDC    string  `json:"sidc,omitempty"`
	Marking Marking `json:"marking"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	// HAE is the height above the WGS84 ellipsoid in metres; CE and LE the
	// circular and vertical errors. Cursor-on-Target's UnknownError (9999999)
	// means unknown.
	HAE float64 `json:"hae"`
	CE  float64 `json:"ce"`
	LE  float64 `json:"le"`
	// Course (degrees true) and Speed (m/s) are nil when not reported.
	Course *float64 `json:"course,omitempty"`
	Speed  *float64 `json:"speed,omitempty"`
	// Time is when the position was observed; Stale when it stops being
	// current.
	Time  time.Time `json:"time"`
	Stale time.Time `json:"stale"`
	// Source says where the report came from: "tak", "http" or "sim",
	// and SourceUser the account that sent it.
	Source     string `json:"source"`
	SourceUser string `json:"source_user,omitempty"`
	// MovementID is the movement the track belongs to (a convoy vehicle's
	// tracker), found from the movement's vehicles.
	MovementID string `json:"movement_id,omitempty"`
	// Received is when Concord accepted the report.
	Received time.Time `json:"received"`
}

// UnknownError is Cursor-on-Target's value for an unknown height or error.
const UnknownError = 9999999.0

// TrackPoint is one report in a track's history.
type TrackPoint struct {
	Time   time.Time `json:"time"`
	Lat    float64   `json:"lat"`
	Lon    float64   `json:"lon"`
	HAE    float64   `json:"hae"`
	Course *float64  `json:"course,omitempty"`
	Speed  *float64  `json:"speed,omitempty"`
}

// Point returns the history entry of the track's current report.
func (t *Track) Point() TrackPoint {
	return TrackPoint{Time: t.Time, Lat: t.Lat, Lon: t.Lon, HAE: t.HAE, Course: t.Course, Speed: t.Speed}
}

// IsStale reports whether the track's report is no longer current at now.
func (t *Track) IsStale(now time.Time) bool { return !t.Stale.After(now) }

// TrackQuery selects tracks, ordered by UID.
type TrackQuery struct {
	// UpdatedSince keeps tracks observed at or after it.
	UpdatedSince time.Time
	After        string
	Limit        int
}

// TrackStore keeps the latest state of every track and the history of its
// reports. Tracks carry no outbox event: positions travel live on the
// broadcast bus, and the store is written behind them in batches.
type TrackStore interface {
	// PutTracks appends every report of history to the history and
	// upserts each track of latest as its latest state — one older than
	// the stored state leaves it unchanged — all in one transaction.
	// The two lists are apart so that a busy writer can keep every
	// report in the history and rewrite a track's latest state less
	// often. Callers pass each list in uid order, so that concurrent
	// writers lock rows in the same order.
	PutTracks(ctx context.Context, history, latest []Track) error
	Tracks(ctx context.Context, q TrackQuery) ([]Track, error)
	Track(ctx context.Context, uid string) (Track, error)
	// TrackHistory returns up to limit reports of a track in [from, to),
	// oldest first.
	TrackHistory(ctx context.Context, uid string, from, to time.Time, limit int) ([]TrackPoint, error)
	// PruneTracks deletes history older than before and tracks last
	// observed before that; it returns how many history rows went.
	PruneTracks(ctx context.Context, before time.Time) (int64, error)
}

// Limits on a track report.
const (
	maxUIDLength      = 128
	maxCallsignLength = 128
)

var cotTypePattern = regexp.MustCompile(`^[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*(;[^;]*)?$`)

// ValidCoTType reports whether s is a syntactically valid Cursor-on-Target
// type (hierarchical, dash separated).
func ValidCoTType(s string) bool { return len(s) <= 64 && cotTypePattern.MatchString(s) }

// Validate reports every problem with a track report received at now: a
// position outside valid ranges, a time further in the future than
// maxFuture, a stale time before the observation.
func (t *Track) Validate(now time.Time, maxFuture time.Duration) error {
	var fe fieldErrors
	switch {
	case t.UID == "":
		fe.add("uid", "is required")
	case len(t.UID) > maxUIDLength:
		fe.add("uid", "at most %d characters, got %d", maxUIDLength, len(t.UID))
	}
	if len(t.Callsign) > maxCallsignLength {
		fe.add("callsign", "at most %d characters, got %d", maxCallsignLength, len(t.Callsign))
	}
	if !ValidCoTType(t.Type) {
		fe.add("type", "must be a Cursor-on-Target type such as a-f-G-U-C, got %q", t.Type)
	}
	if math.IsNaN(t.Lat) || t.Lat < -90 || t.Lat > 90 {
		fe.add("lat", "must be between -90 and 90, got %v", t.Lat)
	}
	if math.IsNaN(t.Lon) || t.Lon < -180 || t.Lon > 180 {
		fe.add("lon", "must be between -180 and 180, got %v", t.Lon)
	}
	for _, v := range []struct {
		name string
		val  float64
	}{{"hae", t.HAE}, {"ce", t.CE}, {"le", t.LE}} {
		if math.IsNaN(v.val) || math.IsInf(v.val, 0) || math.Abs(v.val) > UnknownError {
			fe.add(v.name, "must be a finite number of metres (9999999 for unknown), got %v", v.val)
		}
	}
	if t.Course != nil && (math.IsNaN(*t.Course) || *t.Course < 0 || *t.Course > 360) {
		fe.add("course", "must be between 0 and 360 degrees, got %v", *t.Course)
	}
	if t.Speed != nil && (math.IsNaN(*t.Speed) || *t.Speed < 0 || *t.Speed > 3000) {
		fe.add("speed", "must be between 0 and 3000 m/s, got %v", *t.Speed)
	}
	switch {
	case t.Time.IsZero():
		fe.add("time", "is required")
	case t.Time.After(now.Add(maxFuture)):
		fe.add("time", "is %s in the future (more than the %s tolerated for clock skew)", t.Time.Sub(now).Round(time.Second), maxFuture)
	case t.Time.Before(now.AddDate(-1, 0, 0)):
		fe.add("time", "is more than a year old (%s)", t.Time.UTC().Format(time.RFC3339))
	}
	if !t.Stale.IsZero() && t.Stale.Before(t.Time) {
		fe.add("stale", "must not be before time")
	}
	return fe.err("invalid track report")
}
