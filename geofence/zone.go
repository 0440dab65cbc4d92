package geofence

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// ZoneKind is what a zone is to the engine. The zero value, NoZone, marks
// events about a track itself (Stale); Movement marks events about a
// track's approved route.
type ZoneKind uint8

// The zone kinds.
const (
	NoZone      ZoneKind = iota // events about the track itself (Stale)
	Restricted                  // restricted area: a polygon with an optional validity window
	Activity                    // activity area: a polygon with an optional validity window
	Sector                      // sector: a polygon, no window; a track is in at most one
	ControlLine                 // control line: a line string, crossed
	Movement                    // a movement's approved route (OffRoute, BackOnRoute, Arrived)
)

var kindNames = [...]string{"none", "restricted", "activity", "sector", "control_line", "movement"}

// String returns the kind's snake_case name, as in events on the bus.
func (k ZoneKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText encodes the kind by name.
func (k ZoneKind) MarshalText() ([]byte, error) {
	if int(k) >= len(kindNames) {
		return nil, &Error{Reason: fmt.Sprintf("unknown zone kind %d", uint8(k))}
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind from its name.
func (k *ZoneKind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = ZoneKind(i)
			return nil
		}
	}
	return &Error{Reason: fmt.Sprintf("unknown zone kind %q", b)}
}

func (k ZoneKind) isArea() bool { return k == Restricted || k == Activity }

// Zone is one geofence: an area (restricted or activity, with an optional
// validity window), a sector, or a control line.
type Zone struct {
	ID   string
	Kind ZoneKind
	Name string
	// Polygon is the area or sector (holes allowed); empty for lines.
	Polygon orb.Polygon
	// Line is the control line; empty for areas and sectors.
	Line orb.LineString
	// From and To bound an area's validity, [From, To); the zero time is
	// unbounded on that side. Sectors and lines have no window.
	From, To time.Time
	// Tag is opaque to the engine and copied into the zone's events (the
	// caller's handle on the zone's marking).
	Tag uint32
}

// Error explains why a zone, route or update is refused, in words a user
// can act on.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func invalid(format string, args ...any) error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// MaxVertices bounds a zone's or route's vertices.
const MaxVertices = 10000

// Validate checks the zone as PutZone does: an ID, a known kind, a valid
// RFC 7946 polygon for areas and sectors (closed rings that do not cross,
// holes inside the shell) or line string for control lines, finite
// coordinates in range, and a validity window only on areas, ending after it
// starts.
func (z Zone) Validate() error {
	if z.ID == "" {
		return invalid("zone has no ID")
	}
	lim := geo.Limits{MaxVertices: MaxVertices}
	switch {
	case z.Kind.isArea() || z.Kind == Sector:
		if len(z.Line) > 0 {
			return invalid("zone %q: a %s has a polygon, not a line", z.ID, z.Kind)
		}
		if len(z.Polygon) == 0 {
			return invalid("zone %q: a %s needs a polygon", z.ID, z.Kind)
		}
		if err := geo.Validate(z.Polygon, lim); err != nil {
			return invalid("zone %q: %v", z.ID, err)
		}
	case z.Kind == ControlLine:
		if len(z.Polygon) > 0 {
			return invalid("zone %q: a control line has a line, not a polygon", z.ID)
		}
		if len(z.Line) == 0 {
			return invalid("zone %q: a control line needs a line", z.ID)
		}
		if err := geo.Validate(z.Line, lim); err != nil {
			return invalid("zone %q: %v", z.ID, err)
		}
	default:
		return invalid("zone %q: kind %s is not a zone kind (restricted, activity, sector or control_line)", z.ID, z.Kind)
	}
	if !z.Kind.isArea() && (!z.From.IsZero() || !z.To.IsZero()) {
		return invalid("zone %q: only restricted and activity areas have a validity window, not a %s", z.ID, z.Kind)
	}
	if !z.From.IsZero() && !z.To.IsZero() && !z.To.After(z.From) {
		return invalid("zone %q: the validity window ends (%s) before or when it starts (%s)", z.ID,
			z.To.UTC().Format(time.RFC3339Nano), z.From.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// zone is a zone as the engine holds it. Its pointer is stable while its ID
// lives with the same class (area, sector, line): a replacement updates it
// in place, so tracks' memberships survive it.
type zone struct {
	id, name string
	kind     ZoneKind
	tag      uint32
	// from and to are the window in Unix nanoseconds (unbounded:
	// math.MinInt64, math.MaxInt64); fromT and toT as given.
	from, to   int64
	fromT, toT time.Time
	// seq orders zones in candidate lists and memberships.
	seq uint64
	// version changes with every replacement, to recognise outdated
	// window boundaries in the queue.
	version uint32
	bound   orb.Bound
	rings   []orb.Ring // areas and sectors: shell then holes (copies)
	rbounds []orb.Bound
	line    orb.LineString // control lines (a copy)
	removed bool
}

func (z *zone) set(src Zone) {
	z.name, z.kind, z.tag = src.Name, src.Kind, src.Tag
	z.from, z.to = math.MinInt64, math.MaxInt64
	z.fromT, z.toT = src.From, src.To
	if !src.From.IsZero() {
		z.from = nanos(src.From)
	}
	if !src.To.IsZero() {
		z.to = nanos(src.To)
	}
	z.version++
	z.rings, z.rbounds, z.line = nil, nil, nil
	if src.Kind == ControlLine {
		z.line = append(orb.LineString(nil), src.Line...)
		z.bound = z.line.Bound()
		return
	}
	for _, r := range src.Polygon {
		r = append(orb.Ring(nil), r...)
		z.rings = append(z.rings, r)
		z.rbounds = append(z.rbounds, r.Bound())
	}
	z.bound = z.rbounds[0]
}

func (z *zone) activeAt(t int64) bool { return z.from <= t && t < z.to }

// contains reports whether p lies in the polygon, its boundary (shell and
// holes) included.
func (z *zone) contains(p orb.Point) bool {
	if ringWhere(z.rings[0], p) < 0 {
		return false
	}
	for i := 1; i < len(z.rings); i++ {
		if inBound(z.rbounds[i], p) && ringWhere(z.rings[i], p) > 0 {
			return false
		}
	}
	return true
}

// How a zone covers a box.
const (
	none = iota
	part
	whole
)

// coverage tells whether z covers none, part or the whole of box b: part
// when one of its edges meets b, else whole or none as b's centre lies in
// it or not.
func coverage(z *zone, b orb.Bound) int {
	if !boundsMeet(z.bound, b) {
		return none
	}
	for _, r := range z.rings {
		for i := 1; i < len(r); i++ {
			if segMeetsBox(r[i-1], r[i], b) {
				return part
			}
		}
	}
	if z.contains(b.Center()) {
		return whole
	}
	return none
}

// segMeetsBox reports whether segment ac meets box b: their bounds meet and
// b's corners are not all strictly on one side of the segment's line.
func segMeetsBox(a, c orb.Point, b orb.Bound) bool {
	if math.Max(a[0], c[0]) < b.Min[0] || math.Min(a[0], c[0]) > b.Max[0] ||
		math.Max(a[1], c[1]) < b.Min[1] || math.Min(a[1], c[1]) > b.Max[1] {
		return false
	}
	pos, neg := false, false
	for _, q := range [4]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}} {
		o := orient(a, c, q)
		pos, neg = pos || o >= 0, neg || o <= 0
	}
	return pos && neg
}

func inBound(b orb.Bound, p orb.Point) bool {
	return b.Min[0] <= p[0] && p[0] <= b.Max[0] && b.Min[1] <= p[1] && p[1] <= b.Max[1]
}

func boundsMeet(a, b orb.Bound) bool {
	return a.Min[0] <= b.Max[0] && b.Min[0] <= a.Max[0] && a.Min[1] <= b.Max[1] && b.Min[1] <= a.Max[1]
}

// orient is twice the signed area of abc: positive when c lies left of the
// directed line ab. It works in degrees: the metric plane is an affine map
// of them with positive scales, so every sign is the same, and coordinates
// on a fine binary grid give exact answers.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return orient(a, b, p) == 0 &&
		math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// ringWhere returns 1 if p is inside the closed ring r, 0 on its boundary
// and -1 outside: a crossing count along a ray towards +x, half-open in y so
// that a vertex is counted once, with exact boundary detection.
func ringWhere(r orb.Ring, p orb.Point) int {
	px, py := p[0], p[1]
	in := false
	a := r[0]
	for i := 1; i < len(r); i++ {
		b := r[i]
		if (a[1] > py) != (b[1] > py) {
			o := (b[0]-a[0])*(py-a[1]) - (b[1]-a[1])*(px-a[0])
			if o == 0 {
				return 0
			}
			if (o > 0) == (b[1] > a[1]) {
				in = !in
			}
		} else if (a[1] == py || b[1] == py) && onSegment(a, b, p) {
			return 0
		}
		a = b
	}
	if in {
		return 1
	}
	return -1
}

// Time bounds of Unix nanoseconds (years 1678–2262): times beyond are
// clamped, so that ordering stays right for absurd inputs.
const maxSec = 9_000_000_000

func nanos(t time.Time) int64 {
	switch s := t.Unix(); {
	case s <= -maxSec:
		return -maxSec * 1e9
	case s >= maxSec:
		return maxSec * 1e9
	}
	return t.UnixNano()
}
