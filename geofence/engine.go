package geofence

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// Config tunes the engine. The zero value is completed by defaults.
type Config struct {
	// StaleAfter is how long a track may go without a report before Tick
	// reports it Stale (default 5 minutes).
	StaleAfter time.Duration
	// Reference is the centre of the metric plane distances are measured
	// on: the mission's centre (default 34.39 E, 31.41 N, the demo AO's).
	Reference orb.Point
	// CellM is the side of the grid cells whose candidate zones are cached
	// (default 500 m).
	CellM float64
	// Hysteresis is the fraction of a route's off-route threshold a track
	// must come back within before BackOnRoute (default 0.1: back at 90%).
	Hysteresis float64
}

// Defaults.
const (
	DefaultStaleAfter = 5 * time.Minute
	DefaultCellM      = 500.0
	DefaultHysteresis = 0.1
)

// DefaultReference is the centre of the demo area of operations.
var DefaultReference = orb.Point{34.39, 31.41}

func (c Config) withDefaults() Config {
	if c.StaleAfter <= 0 {
		c.StaleAfter = DefaultStaleAfter
	}
	if c.Reference == (orb.Point{}) || validPoint(c.Reference) != nil {
		c.Reference = DefaultReference
	}
	if !(c.CellM >= 50 && c.CellM <= 1e6) { // also refuses NaN
		c.CellM = DefaultCellM
	}
	if !(c.Hysteresis > 0 && c.Hysteresis < 1) {
		c.Hysteresis = DefaultHysteresis
	}
	return c
}

// Engine evaluates track positions against zones and routes. It is not
// safe for concurrent use: one goroutine owns it. To use more cores, shard
// tracks by ID over several engines, each given every zone; they share
// nothing.
type Engine struct {
	cfg     Config
	plane   geo.Plane
	staleNs int64

	zones    map[string]*zone
	nextSeq  uint64
	zoneTree geo.Index[*zone]  // areas and sectors by bound
	segTree  geo.Index[segRef] // control-line segments by bound
	cells    map[cellKey]*cell
	gen      uint32 // bumped when the cell cache is dropped

	tracks map[string]*track
	list   []*track // tracks in a stable order, for Tick

	bounds queue[boundary]
	stale  queue[staleEntry]

	inBuf  []*zone
	segBuf []segRef
}

// maxCells bounds the cell cache (the demo AO needs about 6,000).
const maxCells = 1 << 17

type cellKey struct{ x, y int32 }

// cell caches the zones that cover some of one grid cell and the
// control-line segments whose bounds meet it, so that a track that stays
// in its cell needs no tree search, and a zone that covers the whole cell
// needs no point-in-polygon test.
type cell struct {
	key   cellKey
	gen   uint32
	zones []cellZone // by seq
	segs  []segRef   // by line seq, then index
	// near is true when a control line passes within one cell: a step to
	// a neighbouring cell can cross nothing otherwise.
	near bool
}

// cellZone is a zone that covers all of a cell (full) or some of it, with
// its bound at hand (no pointer chase for zones the position is far from).
type cellZone struct {
	z     *zone
	bound orb.Bound
	full  bool
}

func compareCellZone(c cellZone, z *zone) int { return cmp.Compare(c.z.seq, z.seq) }

// segRef is segment i (line[i] to line[i+1]) of control line z.
type segRef struct {
	z *zone
	i int32
}

func (s segRef) a() orb.Point { return s.z.line[s.i] }
func (s segRef) b() orb.Point { return s.z.line[s.i+1] }

func (s segRef) bound() orb.Bound { return orb.Bound{Min: s.a(), Max: s.a()}.Extend(s.b()) }

func compareSegs(x, y segRef) int {
	if c := cmp.Compare(x.z.seq, y.z.seq); c != 0 {
		return c
	}
	return cmp.Compare(x.i, y.i)
}

func compareZones(x, y *zone) int { return cmp.Compare(x.seq, y.seq) }

type track struct {
	id       string
	idx      int // in Engine.list
	seen     bool
	pos      orb.Point
	xy       [2]float64
	at       int64 // last evaluation: update or window boundary
	reportAt time.Time
	reportNs int64
	cell     *cell
	inside   []*zone // active areas containing pos, by seq
	sector   *zone
	onLine   []lineMark
	route    *routeState
	stale    bool
	inQueue  bool // has an entry in the stale queue
	removed  bool
}

// New returns an empty engine.
func New(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{
		cfg:     cfg,
		plane:   geo.NewPlane(cfg.Reference),
		staleNs: int64(cfg.StaleAfter),
		zones:   map[string]*zone{},
		cells:   map[cellKey]*cell{},
		tracks:  map[string]*track{},
		bounds:  queue[boundary]{less: func(a, b boundary) bool { return a.at < b.at || (a.at == b.at && a.z.seq < b.z.seq) }},
		stale:   queue[staleEntry]{less: func(a, b staleEntry) bool { return a.at < b.at }},
	}
}

// Config returns the configuration in use, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

func class(k ZoneKind) ZoneKind {
	if k.isArea() {
		return Restricted
	}
	return k
}

// PutZone inserts the zone or replaces the one with its ID, updating the
// indexes in place. A replaced zone keeps its memberships: tracks are
// judged against its new geometry and window at their next update. It
// refuses an invalid zone (see Zone.Validate) and changes nothing then.
func (e *Engine) PutZone(src Zone) error {
	if err := src.Validate(); err != nil {
		return err
	}
	z := e.zones[src.ID]
	if z != nil && class(z.kind) != class(src.Kind) {
		e.RemoveZone(src.ID)
		z = nil
	}
	if z == nil {
		z = &zone{id: src.ID, seq: e.nextSeq}
		e.nextSeq++
		e.zones[src.ID] = z
	} else {
		e.unindex(z)
	}
	z.set(src)
	e.index(z)
	if z.from != math.MinInt64 {
		e.bounds.push(boundary{at: z.from, z: z, version: z.version, open: true})
	}
	if z.to != math.MaxInt64 {
		e.bounds.push(boundary{at: z.to, z: z, version: z.version})
	}
	if len(e.bounds.h) > 4*len(e.zones)+64 {
		e.bounds.filter(func(b boundary) bool { return !b.z.removed && b.version == b.z.version })
	}
	return nil
}

// RemoveZone removes the zone. Tracks inside it drop it silently (a zone
// that is withdrawn is not a track leaving it).
func (e *Engine) RemoveZone(id string) {
	z := e.zones[id]
	if z == nil {
		return
	}
	e.unindex(z)
	z.removed = true
	delete(e.zones, id)
}

func (e *Engine) index(z *zone) {
	if z.kind == ControlLine {
		segs := allSegs(z)
		for _, s := range segs {
			e.segTree.Insert(s.bound(), s)
		}
		e.eachCell(e.plane.Widen(z.bound, e.cfg.CellM), func(c *cell, cb orb.Bound) {
			around := e.plane.Widen(cb, e.cfg.CellM)
			for _, s := range segs {
				sb := s.bound()
				c.near = c.near || boundsMeet(sb, around)
				if boundsMeet(sb, cb) {
					if k, found := slices.BinarySearchFunc(c.segs, s, compareSegs); !found {
						c.segs = slices.Insert(c.segs, k, s)
					}
				}
			}
		})
		return
	}
	e.zoneTree.Insert(z.bound, z)
	e.eachCell(z.bound, func(c *cell, cb orb.Bound) {
		if cov := coverage(z, cb); cov != none {
			if k, found := slices.BinarySearchFunc(c.zones, z, compareCellZone); !found {
				c.zones = slices.Insert(c.zones, k, cellZone{z, z.bound, cov == whole})
			}
		}
	})
}

func (e *Engine) unindex(z *zone) {
	if z.kind == ControlLine {
		for _, s := range allSegs(z) {
			e.segTree.Delete(s.bound(), s)
		}
		e.eachCell(e.plane.Widen(z.bound, e.cfg.CellM), func(c *cell, cb orb.Bound) {
			c.segs = slices.DeleteFunc(c.segs, func(s segRef) bool { return s.z == z })
			c.near = e.linesNear(cb)
		})
		return
	}
	e.zoneTree.Delete(z.bound, z)
	e.eachCell(z.bound, func(c *cell, _ orb.Bound) {
		if k, found := slices.BinarySearchFunc(c.zones, z, compareCellZone); found {
			c.zones = slices.Delete(c.zones, k, k+1)
		}
	})
}

// eachCell calls fn for every cached cell whose bound meets b: by key when
// b spans fewer cells than the cache holds, else by a scan of the cache.
func (e *Engine) eachCell(b orb.Bound, fn func(*cell, orb.Bound)) {
	lo, hi := e.keyOf(e.plane.XY(b.Min)), e.keyOf(e.plane.XY(b.Max))
	nx, ny := float64(hi.x)-float64(lo.x)+3, float64(hi.y)-float64(lo.y)+3
	if nx*ny > float64(len(e.cells)) {
		for _, c := range e.cells {
			if cb := e.cellBound(c.key); boundsMeet(cb, b) {
				fn(c, cb)
			}
		}
		return
	}
	for x := int64(lo.x) - 1; x <= int64(hi.x)+1; x++ {
		for y := int64(lo.y) - 1; y <= int64(hi.y)+1; y++ {
			k := cellKey{int32(x), int32(y)}
			if c := e.cells[k]; c != nil {
				if cb := e.cellBound(k); boundsMeet(cb, b) {
					fn(c, cb)
				}
			}
		}
	}
}

func (e *Engine) keyOf(v [2]float64) cellKey {
	f := func(m float64) int32 {
		return int32(math.Max(math.MinInt32+2, math.Min(math.MaxInt32-2, math.Floor(m/e.cfg.CellM))))
	}
	return cellKey{f(v[0]), f(v[1])}
}

// cellBound is the cell's bound in degrees, widened by 1e-9° (0.1 mm) so
// that rounding between the plane and degrees never leaves out a zone.
func (e *Engine) cellBound(k cellKey) orb.Bound {
	m := e.cfg.CellM
	lo := e.plane.Point([2]float64{float64(k.x) * m, float64(k.y) * m})
	hi := e.plane.Point([2]float64{float64(k.x+1) * m, float64(k.y+1) * m})
	const eps = 1e-9
	return orb.Bound{Min: orb.Point{lo[0] - eps, lo[1] - eps}, Max: orb.Point{hi[0] + eps, hi[1] + eps}}
}

func (e *Engine) cellAt(k cellKey) *cell {
	if c := e.cells[k]; c != nil {
		return c
	}
	if len(e.cells) >= maxCells {
		clear(e.cells)
		e.gen++
	}
	b := e.cellBound(k)
	c := &cell{key: k, gen: e.gen, near: e.linesNear(b)}
	e.zoneTree.Search(b, func(z *zone) bool {
		if cov := coverage(z, b); cov != none {
			c.zones = append(c.zones, cellZone{z, z.bound, cov == whole})
		}
		return true
	})
	slices.SortFunc(c.zones, func(x, y cellZone) int { return cmp.Compare(x.z.seq, y.z.seq) })
	e.segTree.Search(b, func(s segRef) bool {
		c.segs = append(c.segs, s)
		return true
	})
	slices.SortFunc(c.segs, compareSegs)
	e.cells[k] = c
	return c
}

// linesNear reports whether a control-line segment lies within one cell of
// the cell with bound cb.
func (e *Engine) linesNear(cb orb.Bound) bool {
	near := false
	e.segTree.Search(e.plane.Widen(cb, e.cfg.CellM), func(segRef) bool {
		near = true
		return false
	})
	return near
}

// Update is one position report.
type Update struct {
	TrackID string
	Pos     orb.Point // lon, lat
	At      time.Time
}

// Validate reports why Update would ignore u: no track ID, no time, or a
// position that is not finite or out of range.
func (u Update) Validate() error {
	if u.TrackID == "" {
		return invalid("update has no track ID")
	}
	if u.At.IsZero() {
		return invalid("update of track %q has no time", u.TrackID)
	}
	if err := validPoint(u.Pos); err != nil {
		return invalid("update of track %q: %v", u.TrackID, err)
	}
	return nil
}

func validPoint(p orb.Point) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return invalid("position has a coordinate that is not a finite number")
	}
	if lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return invalid("position (%g, %g) is outside longitude [-180, 180] or latitude [-90, 90]", lon, lat)
	}
	return nil
}

// Update evaluates one position and appends the resulting events to dst,
// ordered by transition then zone ID. It allocates nothing for a known
// track when nothing happens. An update older than the track's last
// evaluation is ignored (out of order), and so is one that Validate
// refuses. The first position of a track emits Enter for every active area
// it is inside and a SectorChange from "" for its sector.
func (e *Engine) Update(dst []Event, u Update) []Event {
	if u.TrackID == "" || u.At.IsZero() || validPoint(u.Pos) != nil {
		return dst
	}
	at := nanos(u.At)
	t := e.tracks[u.TrackID]
	if t == nil {
		t = e.addTrack(u.TrackID)
	} else if t.seen && at < t.at {
		return dst
	}
	xy := e.plane.XY(u.Pos)
	k := e.keyOf(xy)
	c := t.cell
	same := c != nil && c.gen == e.gen && c.key == k
	if !same {
		c = e.cellAt(k)
	}
	start := len(dst)
	dst = e.areas(dst, t, c, u, at)
	dst = e.lines(dst, t, c, same, u, at)
	if t.route != nil {
		dst = e.routeStep(dst, t, xy, u, at)
	}
	t.seen, t.pos, t.xy, t.at, t.cell = true, u.Pos, xy, at, c
	t.reportAt, t.reportNs = u.At, at
	if !t.inQueue {
		t.stale = false
		t.inQueue = true
		e.stale.push(staleEntry{at: e.deadline(t), t: t})
	}
	if len(dst)-start > 1 {
		slices.SortFunc(dst[start:], compareEvents)
	}
	return dst
}

func (e *Engine) addTrack(id string) *track {
	t := &track{id: id, idx: len(e.list)}
	e.tracks[id] = t
	e.list = append(e.list, t)
	return t
}

// areas evaluates areas and sectors.
func (e *Engine) areas(dst []Event, t *track, c *cell, u Update, at int64) []Event {
	p := u.Pos
	in := e.inBuf[:0]
	var sec *zone
	for i := range c.zones {
		cz := &c.zones[i]
		if !cz.full && !inBound(cz.bound, p) {
			continue
		}
		z := cz.z
		if z.kind == Sector {
			if (sec == nil || z.id < sec.id) && (cz.full || z.contains(p)) {
				sec = z
			}
			continue
		}
		if z.activeAt(at) && (cz.full || z.contains(p)) {
			in = append(in, z)
		}
	}
	e.inBuf = in
	if !slices.Equal(in, t.inside) {
		old := t.inside
		for i, j := 0, 0; i < len(old) || j < len(in); {
			switch {
			case j == len(in) || (i < len(old) && old[i].seq < in[j].seq):
				if !old[i].removed {
					dst = append(dst, e.zoneEvent(Exit, t, old[i], u.At, at, p))
				}
				i++
			case i == len(old) || in[j].seq < old[i].seq:
				dst = append(dst, e.zoneEvent(Enter, t, in[j], u.At, at, p))
				j++
			default:
				i, j = i+1, j+1
			}
		}
		t.inside = append(t.inside[:0], in...)
	}
	prev := t.sector
	if prev != nil && prev.removed {
		prev, t.sector = nil, nil
	}
	if sec != prev {
		ev := Event{TrackID: t.id, ZoneKind: Sector, Transition: SectorChange, At: u.At, Pos: p}
		if sec != nil {
			ev.ZoneID, ev.Tag = sec.id, sec.tag
		}
		if prev != nil {
			ev.FromZone = prev.id
			if sec == nil {
				ev.Tag = prev.tag
			}
		}
		ev.ID = EventID(t.id, ev.ZoneID, SectorChange, u.At)
		dst = append(dst, ev)
		t.sector = sec
	}
	return dst
}

func (e *Engine) zoneEvent(tr Transition, t *track, z *zone, at time.Time, ns int64, p orb.Point) Event {
	var buf [64]byte
	return Event{ID: eventID(buf[:0], t.id, z.id, tr, ns), TrackID: t.id, ZoneID: z.id, ZoneKind: z.kind,
		Transition: tr, At: at, Pos: p, Tag: z.tag}
}

// Inside returns the IDs of the zones the track is inside, sorted: active
// areas and its sector.
func (e *Engine) Inside(trackID string) []string {
	t := e.tracks[trackID]
	if t == nil {
		return nil
	}
	var ids []string
	for _, z := range t.inside {
		if !z.removed {
			ids = append(ids, z.id)
		}
	}
	if t.sector != nil && !t.sector.removed {
		ids = append(ids, t.sector.id)
	}
	slices.Sort(ids)
	return ids
}

// RemoveTrack forgets the track: its position, memberships, route and
// staleness. No events.
func (e *Engine) RemoveTrack(trackID string) {
	t := e.tracks[trackID]
	if t == nil {
		return
	}
	delete(e.tracks, trackID)
	last := e.list[len(e.list)-1]
	e.list[t.idx], last.idx = last, t.idx
	e.list[len(e.list)-1] = nil
	e.list = e.list[:len(e.list)-1]
	t.removed = true
}
