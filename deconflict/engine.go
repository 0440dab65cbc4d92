package deconflict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// Severity ranks a finding.
type Severity string

// The severities, most serious first.
const (
	Blocking Severity = "blocking"
	NeedsAck Severity = "needs_acknowledgement"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

var severityRank = map[Severity]int{Blocking: 0, NeedsAck: 1, Warning: 2, Info: 3}

// The checks.
const (
	CheckWindow         = "window"
	CheckLeadTime       = "lead_time"
	CheckRestrictedArea = "restricted_area"
	CheckActivityArea   = "activity_area"
	CheckControlLine    = "control_line"
	CheckSector         = "sector"
	CheckMovement       = "movement"
	CheckSite           = "site"
	CheckNotifiedSite   = "notified_site"
)

// Finding is one thing a planner must know about a movement.
type Finding struct {
	Check    string         `json:"check"`
	Severity Severity       `json:"severity"`
	Route    orb.LineString `json:"-"`
	// From and To estimate when the movement is on the part of the route
	// concerned (departure to arrival when the finding is about the plan
	// as a whole).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// RecordID and RecordName name the other record involved.
	RecordID   string `json:"record_id,omitempty"`
	RecordName string `json:"record_name,omitempty"`
	// Party must acknowledge (control lines, sectors), if any.
	Party string `json:"party,omitempty"`
	// DistanceM is how close the route comes to the record.
	DistanceM float64 `json:"distance_m"`
	Reason    string  `json:"reason"`
	// at is the position along the route where the finding starts, for
	// ordering.
	at float64
}

// Area is a restricted or activity area.
type Area struct {
	ID, Name string
	// Activity marks an activity area (else restricted).
	Activity bool
	Geometry orb.Geometry
	// From and To bound its validity; nil is open.
	From, To *time.Time
	// Party is the party that declared it.
	Party string
}

// Line is one version of a control line.
type Line struct {
	ID, Name, Version string
	Geometry          orb.Geometry
	// Party controls the area beyond the line and must acknowledge
	// crossings.
	Party string
}

// Sector is a sector with its lead contingent.
type Sector struct {
	ID, Name, Lead string
	Geometry       orb.Geometry
}

// Site is a site on or near the route.
type Site struct {
	ID, Name, Kind, Status string
	Geometry               orb.Geometry
	// Notified marks a humanitarian site notified for protection.
	Notified bool
}

// Movement is another approved or in-progress movement.
type Movement struct {
	ID, Name       string
	Route          orb.LineString
	Depart, Arrive time.Time
}

// Plan is the movement to check.
type Plan struct {
	ID             string
	Route          orb.LineString
	Depart, Arrive time.Time
	Emergency      bool
	// SubmittedAt is when the notification was (or will be) submitted,
	// for the lead-time rule.
	SubmittedAt time.Time
}

// Config tunes the engine. The zero value is completed by defaults.
type Config struct {
	// Reference is the projection centre (the mission's centre).
	Reference orb.Point
	// BufferM is how close a route may pass an area or site before it is
	// reported (default 500 m).
	BufferM float64
	// CorridorCapacity is how many movements may use the same stretch at
	// the same time, this one included (default 3).
	CorridorCapacity int
	// LeadTime and EmergencyLeadTime are the notice required before
	// departure (default 48 h and 24 h).
	LeadTime, EmergencyLeadTime time.Duration
	// MaxWindow is the longest departure-to-arrival window (default 7 days).
	MaxWindow time.Duration
	// CellM is the grid cell of the movement index (default 500 m).
	CellM float64
	// MinSharedM is the shortest stretch two routes must share to count as
	// using the same corridor; routes that merely cross share less
	// (default 600 m, more than a perpendicular crossing's 2 × 250 m).
	MinSharedM float64
}

func (c Config) withDefaults() Config {
	if c.BufferM == 0 {
		c.BufferM = 250
	}
	if c.CorridorCapacity == 0 {
		c.CorridorCapacity = 3
	}
	if c.LeadTime == 0 {
		c.LeadTime = 48 * time.Hour
	}
	if c.EmergencyLeadTime == 0 {
		c.EmergencyLeadTime = 24 * time.Hour
	}
	if c.MaxWindow == 0 {
		c.MaxWindow = 7 * 24 * time.Hour
	}
	if c.CellM == 0 {
		c.CellM = 500
	}
	if c.MinSharedM == 0 {
		c.MinSharedM = 600
	}
	if c.Reference == (orb.Point{}) {
		c.Reference = orb.Point{34.39, 31.41}
	}
	return c
}

// Index holds the mission state in the forms the checks need: R-trees of
// areas and sites, and a grid of the cells other movements pass through,
// each with the movements' windows sorted by departure. It is updated in
// place (Put/Remove) and safe for concurrent use.
type Index struct {
	cfg   Config
	p     plane
	mu    sync.RWMutex
	areas map[string]*iArea
	aTree geo.Index[*iArea]
	lines []*iLine
	secs  []*iSector
	sites map[string]*iSite
	sTree geo.Index[*iSite]
	movs  map[string]*iMov
	cells map[slot][]occ
}

type iArea struct {
	Area
	a     area
	bound orb.Bound
	pb    box
}

type iLine struct {
	Line
	l [][]xy
}

type iSector struct {
	Sector
	a area
}

type iSite struct {
	Site
	a     area
	bound orb.Bound
	pb    box
}

type iMov struct {
	Movement
	pts   []xy
	slots []slot
}

type cell struct{ x, y int32 }

// slot is a grid cell during one time bucket: the movement index is a grid
// in space and time, so that a check visits only the entries of the cells
// near its route in the buckets its window touches.
type slot struct {
	x, y int32
	t    int32
}

// bucket is the time granularity of the movement index.
const bucket = 6 * time.Hour

func bucketOf(t time.Time) int32 { return int32(t.Unix() / int64(bucket/time.Second)) }

// occ is a movement in a cell during a time bucket, with its window (Unix
// nanoseconds, for fast comparisons) and the range of its segments there:
// 32 bytes, as there are millions.
type occ struct {
	m        *iMov
	dep, arr int64
	lo, hi   int32
}

// NewIndex returns an empty index.
func NewIndex(cfg Config) *Index {
	cfg = cfg.withDefaults()
	return &Index{cfg: cfg, p: newPlane(cfg.Reference), areas: map[string]*iArea{}, sites: map[string]*iSite{}, movs: map[string]*iMov{}, cells: map[slot][]occ{}}
}

// Config returns the configuration in use.
func (x *Index) Config() Config { return x.cfg }

// PutArea adds or replaces an area.
func (x *Index) PutArea(a Area) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeArea(a.ID)
	ia := &iArea{Area: a, a: x.p.area(a.Geometry), bound: a.Geometry.Bound()}
	ia.pb = ia.a.box()
	x.areas[a.ID] = ia
	x.aTree.Insert(ia.bound, ia)
}

// RemoveArea removes an area.
func (x *Index) RemoveArea(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeArea(id)
}

func (x *Index) removeArea(id string) {
	if old := x.areas[id]; old != nil {
		x.aTree.Delete(old.bound, old)
		delete(x.areas, id)
	}
}

// PutLine adds or replaces a control-line version.
func (x *Index) PutLine(l Line) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.lines = slices.DeleteFunc(x.lines, func(o *iLine) bool { return o.ID == l.ID })
	x.lines = append(x.lines, &iLine{Line: l, l: x.p.lines(l.Geometry)})
	slices.SortFunc(x.lines, func(a, b *iLine) int { return cmp.Compare(a.ID, b.ID) })
}

// PutSector adds or replaces a sector.
func (x *Index) PutSector(s Sector) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.secs = slices.DeleteFunc(x.secs, func(o *iSector) bool { return o.ID == s.ID })
	x.secs = append(x.secs, &iSector{Sector: s, a: x.p.area(s.Geometry)})
	slices.SortFunc(x.secs, func(a, b *iSector) int { return cmp.Compare(a.ID, b.ID) })
}

// PutSite adds or replaces a site.
func (x *Index) PutSite(s Site) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeSite(s.ID)
	is := &iSite{Site: s, a: x.p.area(s.Geometry), bound: s.Geometry.Bound()}
	is.pb = is.a.box()
	x.sites[s.ID] = is
	x.sTree.Insert(is.bound, is)
}

func (x *Index) removeSite(id string) {
	if old := x.sites[id]; old != nil {
		x.sTree.Delete(old.bound, old)
		delete(x.sites, id)
	}
}

// Remove removes any record with this id (area, line, sector, site or
// movement).
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeArea(id)
	x.removeSite(id)
	x.removeMovement(id)
	x.lines = slices.DeleteFunc(x.lines, func(o *iLine) bool { return o.ID == id })
	x.secs = slices.DeleteFunc(x.secs, func(o *iSector) bool { return o.ID == id })
}

// PutMovement adds or replaces an approved or in-progress movement.
func (x *Index) PutMovement(m Movement) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeMovement(m.ID)
	im := &iMov{Movement: m, pts: x.project(m.Route)}
	// Cells along the route, with the segments in each. A route that comes
	// back to a cell gets a second entry there; queries dedupe.
	type run struct {
		c      cell
		lo, hi int32
	}
	var runs []run
	walkSeg(im.pts, x.cfg.CellM/4, func(_ float64, p xy, seg int) {
		c := x.cellOf(p)
		if n := len(runs); n > 0 && runs[n-1].c == c {
			runs[n-1].hi = int32(seg)
			return
		}
		runs = append(runs, run{c, int32(seg), int32(seg)})
	})
	b0, b1 := bucketOf(m.Depart), bucketOf(m.Arrive.Add(-time.Nanosecond))
	dep, arr := m.Depart.UnixNano(), m.Arrive.UnixNano()
	for _, r := range runs {
		e := occ{m: im, dep: dep, arr: arr, lo: r.lo, hi: r.hi}
		for b := b0; b <= max(b0, b1); b++ {
			k := slot{r.c.x, r.c.y, b}
			x.cells[k] = append(x.cells[k], e)
			im.slots = append(im.slots, k)
		}
	}
	x.movs[m.ID] = im
}

// RemoveMovement removes a movement (cancelled, completed, denied).
func (x *Index) RemoveMovement(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeMovement(id)
}

func (x *Index) removeMovement(id string) {
	im := x.movs[id]
	if im == nil {
		return
	}
	for _, k := range im.slots {
		es := slices.DeleteFunc(x.cells[k], func(e occ) bool { return e.m == im })
		if len(es) == 0 {
			delete(x.cells, k)
		} else {
			x.cells[k] = es
		}
	}
	delete(x.movs, id)
}

// Sizes reports how many records the index holds.
func (x *Index) Sizes() (areas, sites, movements, cells int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.areas), len(x.sites), len(x.movs), len(x.cells)
}

func (x *Index) cellOf(p xy) cell {
	return cell{int32(math.Floor(p[0] / x.cfg.CellM)), int32(math.Floor(p[1] / x.cfg.CellM))}
}

func (x *Index) project(l orb.LineString) []xy {
	out := make([]xy, len(l))
	for i, p := range l {
		out[i] = x.p.to(p)
	}
	return out
}

// walk calls fn at every step metres along a polyline (and at its end)
// with the distance from the start.
func walk(pts []xy, step float64, fn func(s float64, p xy)) {
	walkSeg(pts, step, func(s float64, p xy, _ int) { fn(s, p) })
}

// walkSeg is walk that also passes the index of the segment (from
// pts[seg] to pts[seg+1]) each point lies on.
func walkSeg(pts []xy, step float64, fn func(s float64, p xy, seg int)) {
	if len(pts) == 0 {
		return
	}
	s := 0.0
	fn(0, pts[0], 0)
	next := step
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		l := dist(a, b)
		for next <= s+l && l > 0 {
			fn(next, lerp(a, b, (next-s)/l), i-1)
			next += step
		}
		s += l
	}
	if last := pts[len(pts)-1]; s > next-step {
		fn(s, last, max(0, len(pts)-2))
	}
}

// route is a plan's route in the plane with cumulative distances and the
// box of each segment.
type route struct {
	pts  []xy
	cum  []float64
	segs []box // segs[i] is the box of segment pts[i]–pts[i+1]
	geo  orb.LineString
}

func (x *Index) newRoute(l orb.LineString) route {
	r := route{pts: x.project(l), geo: l}
	r.cum = make([]float64, len(r.pts))
	for i := 1; i < len(r.pts); i++ {
		r.cum[i] = r.cum[i-1] + dist(r.pts[i-1], r.pts[i])
		r.segs = append(r.segs, boxOf(r.pts[i-1], r.pts[i]))
	}
	return r
}

func (r route) length() float64 { return r.cum[len(r.cum)-1] }

// at returns the point at distance s along the route.
func (r route) at(s float64) xy {
	i, _ := slices.BinarySearch(r.cum, s)
	if i == 0 {
		return r.pts[0]
	}
	if i >= len(r.pts) {
		return r.pts[len(r.pts)-1]
	}
	seg := r.cum[i] - r.cum[i-1]
	if seg == 0 {
		return r.pts[i]
	}
	return lerp(r.pts[i-1], r.pts[i], (s-r.cum[i-1])/seg)
}

// part returns the route between distances s0 and s1 as WGS84.
func (x *Index) part(r route, s0, s1 float64) orb.LineString {
	out := orb.LineString{x.p.from(r.at(s0))}
	for i, c := range r.cum {
		if c > s0 && c < s1 {
			out = append(out, r.geo[i])
		}
	}
	out = append(out, x.p.from(r.at(s1)))
	if len(out) == 2 && out[0] == out[1] {
		return out
	}
	return out
}

// timeAt estimates when the movement is at distance s, assuming steady
// progress from departure to arrival.
func timeAt(p Plan, r route, s float64) time.Time {
	l := r.length()
	if l == 0 {
		return p.Depart
	}
	return p.Depart.Add(time.Duration(float64(p.Arrive.Sub(p.Depart)) * s / l))
}

func hhmm(t time.Time) string { return t.UTC().Format("02 Jan 15:04Z") }

func overlaps(a0, a1 time.Time, b0, b1 *time.Time) bool {
	if b1 != nil && !a0.Before(*b1) {
		return false
	}
	if b0 != nil && !a1.After(*b0) {
		return false
	}
	return true
}

func windowText(from, to *time.Time) string {
	switch {
	case from == nil && to == nil:
		return "at all times"
	case from == nil:
		return "until " + hhmm(*to)
	case to == nil:
		return "from " + hhmm(*from)
	}
	return fmt.Sprintf("from %s to %s", hhmm(*from), hhmm(*to))
}
