package deconflict

import (
	"cmp"
	"math"
	"runtime"
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

func (s Severity) rank() int {
	switch s {
	case Blocking:
		return 0
	case NeedsAck:
		return 1
	case Warning:
		return 2
	case Info:
		return 3
	}
	return 4
}

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
	// Records lists every record the finding is about when there are
	// several (the other movements on a stretch), so that a reader who may
	// not see one of them can be told less.
	Records []string `json:"-"`
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
	if c.MinSharedM == 0 {
		c.MinSharedM = 600
	}
	if c.Reference == (orb.Point{}) {
		c.Reference = orb.Point{34.39, 31.41}
	}
	return c
}

// Index holds the mission state in the forms the checks need: R-trees of
// areas (also by day of validity) and sites, and other movements filed by
// time. It is updated in place (Put/Remove) and safe for concurrent use.
type Index struct {
	cfg   Config
	p     plane
	mu    sync.RWMutex
	areas map[string]*iArea
	aTree geo.Index[*iArea]
	// aDays holds the areas again under each UTC day of their validity,
	// so that a check searches only those valid around its window; aLong
	// holds the open-ended ones and those valid for more than areaDays.
	aDays map[int32]*geo.Index[*iArea]
	aLong geo.Index[*iArea]
	lines []*iLine
	secs  []*iSector
	sites map[string]*iSite
	sTree geo.Index[*iSite]
	movs  map[string]*iMov
	// Movements are filed under every time bucket their window overlaps,
	// as compact entries with their window and box, so that a check scans
	// only the entries of its window's buckets: time first, then the box,
	// then segment by segment. mLong holds those whose windows span more
	// than longBuckets buckets.
	tb    map[int32]*filed
	mLong filed
}

type iArea struct {
	Area
	a     area
	bound orb.Bound
	pb    box
	// d0 and d1 are the first and last days of its validity, if it is
	// filed by day (long is false).
	d0, d1 int32
	long   bool
}

// areaDays is the longest validity filed by day.
const areaDays = 16

func dayOf(t time.Time) int32 { return int32(floorDiv(t.Unix(), 86400)) }

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
	// dep and arr are the window in Unix nanoseconds.
	dep, arr int64
	pts      []xy
	// b0 and b1 are the first and last buckets it is filed under, unless
	// it is long.
	b0, b1 int32
	long   bool
}

// filed holds the movements filed under a time bucket, in two parallel
// slices: what the first tests read (window and box, 40 bytes, scanned
// for every check) and the rest (read for the few that pass).
type filed struct {
	hot  []mHot
	cold []mCold
}

// mHot is a filed movement's window and the box of its route (rounded
// outwards to float32: a coarse test), and the first bucket it is filed
// under: a check whose window spans several buckets takes it in only one.
type mHot struct {
	dep, arr               int64
	minX, minY, maxX, maxY float32
	first                  int32
}

// mCold is the rest of a filed movement.
type mCold struct {
	m   *iMov
	pts []xy // the movement's, read without touching it
}

func (f *filed) add(im *iMov) {
	b := boxOf(im.pts...)
	f.hot = append(f.hot, mHot{dep: im.dep, arr: im.arr, minX: down32(b.minX), minY: down32(b.minY), maxX: up32(b.maxX), maxY: up32(b.maxY), first: im.b0})
	f.cold = append(f.cold, mCold{m: im, pts: im.pts})
}

// remove removes im, moving the last entry into its place.
func (f *filed) remove(im *iMov) {
	i := slices.IndexFunc(f.cold, func(c mCold) bool { return c.m == im })
	if i < 0 {
		return
	}
	n := len(f.cold) - 1
	f.hot[i], f.cold[i] = f.hot[n], f.cold[n]
	f.cold[n] = mCold{}
	f.hot, f.cold = f.hot[:n], f.cold[:n]
}

// meets reports whether the entry's box meets b.
func (h *mHot) meets(b box) bool {
	return float64(h.minX) <= b.maxX && b.minX <= float64(h.maxX) && float64(h.minY) <= b.maxY && b.minY <= float64(h.maxY)
}

// down32 and up32 round to float32 towards −∞ and +∞.
func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// bucket is the time granularity of the movement index: a check of a
// 2 h window scans one or two buckets.
const bucket = 6 * time.Hour

// longBuckets is the most buckets a movement is filed under; movements
// with longer windows are scanned by every check.
const longBuckets = 64

func bucketOf(t time.Time) int32 {
	return int32(max(math.MinInt32, min(math.MaxInt32, floorDiv(t.Unix(), int64(bucket/time.Second)))))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// buckets returns the first and last buckets a window [t0, t1) touches
// (just the first for an empty or inverted one).
func buckets(t0, t1 time.Time) (int32, int32) {
	b0, b1 := bucketOf(t0), bucketOf(t1.Add(-time.Nanosecond))
	return b0, max(b0, b1)
}

// NewIndex returns an empty index.
func NewIndex(cfg Config) *Index {
	cfg = cfg.withDefaults()
	return &Index{cfg: cfg, p: newPlane(cfg.Reference), areas: map[string]*iArea{}, aDays: map[int32]*geo.Index[*iArea]{}, sites: map[string]*iSite{}, movs: map[string]*iMov{}, tb: map[int32]*filed{}}
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
	ia.long = a.From == nil || a.To == nil || a.To.Sub(*a.From) > areaDays*24*time.Hour
	if ia.long {
		x.aLong.Insert(ia.bound, ia)
		return
	}
	ia.d0, ia.d1 = dayOf(*a.From), dayOf(a.To.Add(-time.Nanosecond))
	for d := ia.d0; d <= ia.d1; d++ {
		t := x.aDays[d]
		if t == nil {
			t = new(geo.Index[*iArea])
			x.aDays[d] = t
		}
		t.Insert(ia.bound, ia)
	}
}

// areaTrees returns the trees that hold every area whose validity may
// overlap [t0, t1].
func (x *Index) areaTrees(t0, t1 time.Time, out []*geo.Index[*iArea]) []*geo.Index[*iArea] {
	if !t1.After(t0) || t1.Sub(t0) > areaDays*24*time.Hour {
		return append(out, &x.aTree)
	}
	out = append(out, &x.aLong)
	for d := dayOf(t0); d <= dayOf(t1.Add(-time.Nanosecond)); d++ {
		if t := x.aDays[d]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// RemoveArea removes an area.
func (x *Index) RemoveArea(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeArea(id)
}

func (x *Index) removeArea(id string) {
	old := x.areas[id]
	if old == nil {
		return
	}
	x.aTree.Delete(old.bound, old)
	delete(x.areas, id)
	if old.long {
		x.aLong.Delete(old.bound, old)
		return
	}
	for d := old.d0; d <= old.d1; d++ {
		t := x.aDays[d]
		t.Delete(old.bound, old)
		if t.Len() == 0 {
			delete(x.aDays, d)
		}
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
	im := x.prepare(m)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.insert(im)
}

// PutMovements adds or replaces many movements at once, preparing them on
// all cores before taking the lock.
func (x *Index) PutMovements(ms []Movement) {
	ims := make([]*iMov, len(ms))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(ms)/1000))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ms); i += workers {
				ims[i] = x.prepare(ms[i])
			}
		})
	}
	wg.Wait()
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, im := range ims {
		x.insert(im)
	}
}

// prepare projects a movement and finds the buckets it is filed under. It
// reads only the configuration, so it needs no lock.
func (x *Index) prepare(m Movement) *iMov {
	im := &iMov{Movement: m, pts: x.project(m.Route), dep: m.Depart.UnixNano(), arr: m.Arrive.UnixNano()}
	im.b0, im.b1 = buckets(m.Depart, m.Arrive)
	im.long = int64(im.b1)-int64(im.b0) >= longBuckets
	return im
}

func (x *Index) insert(im *iMov) {
	x.removeMovement(im.ID)
	if im.long {
		x.mLong.add(im)
	} else {
		for b := im.b0; b <= im.b1; b++ {
			f := x.tb[b]
			if f == nil {
				f = new(filed)
				x.tb[b] = f
			}
			f.add(im)
		}
	}
	x.movs[im.ID] = im
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
	if im.long {
		x.mLong.remove(im)
	} else {
		for b := im.b0; b <= im.b1; b++ {
			if f := x.tb[b]; f != nil {
				if f.remove(im); len(f.cold) == 0 {
					delete(x.tb, b)
				}
			}
		}
	}
	delete(x.movs, id)
}

// Sizes reports how many records the index holds, and how many entries
// file the movements by time.
func (x *Index) Sizes() (areas, sites, movements, entries int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	entries = len(x.mLong.cold)
	for _, f := range x.tb {
		entries += len(f.cold)
	}
	return len(x.areas), len(x.sites), len(x.movs), entries
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
	if len(pts) == 0 {
		return
	}
	s := 0.0
	fn(0, pts[0])
	next := step
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		l := dist(a, b)
		for next <= s+l && l > 0 {
			fn(next, lerp(a, b, (next-s)/l))
			next += step
		}
		s += l
	}
	if last := pts[len(pts)-1]; s > next-step {
		fn(s, last)
	}
}

// route is a plan's route in the plane with cumulative distances and the
// box of each segment.
type route struct {
	pts  []xy
	cum  []float64
	segs []box // segs[i] is the box of segment pts[i]–pts[i+1]
	bb   box   // the box of the whole route
	geo  orb.LineString
}

func (x *Index) newRoute(l orb.LineString) route {
	r := route{pts: x.project(l), geo: l}
	r.bb = boxOf(r.pts...)
	r.cum = make([]float64, len(r.pts))
	for i := 1; i < len(r.pts); i++ {
		r.cum[i] = r.cum[i-1] + dist(r.pts[i-1], r.pts[i])
		r.segs = append(r.segs, segBox(r.pts[i-1], r.pts[i]))
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

// hhmm formats t as "02 Jan 15:04Z" (by hand: time.Format is a good part
// of a check's cost when it writes dozens of sentences).
func hhmm(t time.Time) string {
	t = t.UTC()
	_, mo, d := t.Date()
	h, mi, _ := t.Clock()
	m := mo.String()
	return string([]byte{byte('0' + d/10), byte('0' + d%10), ' ', m[0], m[1], m[2], ' ', byte('0' + h/10), byte('0' + h%10), ':', byte('0' + mi/10), byte('0' + mi%10), 'Z'})
}

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
	return "from " + hhmm(*from) + " to " + hhmm(*to)
}
