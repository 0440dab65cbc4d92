package geofence

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Transition is what happened to a track.
type Transition uint8

// The transitions (tile38's vocabulary: enter, exit, cross; "inside" is
// Engine.Inside).
const (
	_            Transition = iota
	Enter                   // entered an active restricted or activity area
	Exit                    // left one, or its window closed around the track
	SectorChange            // moved from one sector (FromZone) to another (ZoneID); "" is outside all
	Cross                   // crossed a control line
	OffRoute                // beyond its route's off-route threshold (DistanceM)
	BackOnRoute             // back within the threshold less the hysteresis
	Arrived                 // within the arrival distance of its route's last point
	Stale                   // no report for Config.StaleAfter
)

var transitionNames = [...]string{"", "enter", "exit", "sector_change", "cross", "off_route", "back_on_route", "arrived", "stale"}

// String returns the transition's snake_case name.
func (t Transition) String() string {
	if t > 0 && int(t) < len(transitionNames) {
		return transitionNames[t]
	}
	return fmt.Sprintf("transition(%d)", uint8(t))
}

// MarshalText encodes the transition by name.
func (t Transition) MarshalText() ([]byte, error) {
	if t == 0 || int(t) >= len(transitionNames) {
		return nil, &Error{Reason: fmt.Sprintf("unknown transition %d", uint8(t))}
	}
	return []byte(transitionNames[t]), nil
}

// UnmarshalText decodes a transition from its name.
func (t *Transition) UnmarshalText(b []byte) error {
	for i, n := range transitionNames {
		if i > 0 && n == string(b) {
			*t = Transition(i)
			return nil
		}
	}
	return &Error{Reason: fmt.Sprintf("unknown transition %q", b)}
}

// Event is one transition of one track.
type Event struct {
	// ID is the same for the same track, zone, transition and time — on
	// every run and every instance — so that it can serve as the
	// idempotency key of the alert it becomes.
	ID      string
	TrackID string
	// ZoneID is the area, sector (the new one for SectorChange; "" when
	// the track left every sector), control line or movement; "" for Stale.
	ZoneID     string
	ZoneKind   ZoneKind
	Transition Transition
	// At is the update's time, or for events from Tick the window boundary
	// or the moment the track went stale.
	At time.Time
	// Pos is the track's position (lon, lat) at At, its last report for
	// events from Tick.
	Pos orb.Point
	// FromZone is the previous sector of a SectorChange ("" = outside all).
	FromZone string
	// DistanceM is the distance to the route for OffRoute and BackOnRoute,
	// and to its last point for Arrived.
	DistanceM float64
	// Tag is the zone's (or route's) tag.
	Tag uint32
}

// EventID returns the ID of the event for track, zone, transition and time:
// 32 hex digits, the first 12 the event's Unix time in milliseconds (as in
// a UUIDv7) and the other 20 the first 80 bits of a SHA-256 of the four.
// IDs in time order keep the inserts of a burst of alerts at the end of the
// store's indexes instead of scattered across them.
func EventID(trackID, zoneID string, tr Transition, at time.Time) string {
	var buf [64]byte
	return eventID(buf[:0], trackID, zoneID, tr, nanos(at))
}

func eventID(buf []byte, trackID, zoneID string, tr Transition, at int64) string {
	buf = binary.AppendUvarint(buf, uint64(len(trackID)))
	buf = append(buf, trackID...)
	buf = binary.AppendUvarint(buf, uint64(len(zoneID)))
	buf = append(buf, zoneID...)
	buf = append(buf, byte(tr))
	buf = binary.BigEndian.AppendUint64(buf, uint64(at))
	sum := sha256.Sum256(buf)
	var out [32]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at/int64(time.Millisecond))&(1<<48-1))
	hex.Encode(out[:12], ms[2:])
	hex.Encode(out[12:], sum[:10])
	return string(out[:])
}

// compareEvents orders the events of one call: by time, track, transition,
// then zone, so that the same input gives the same order whatever the
// order zones were loaded in.
func compareEvents(a, b Event) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := cmp.Compare(a.TrackID, b.TrackID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Transition, b.Transition); c != 0 {
		return c
	}
	return cmp.Compare(a.ZoneID, b.ZoneID)
}
