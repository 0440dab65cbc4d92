package deconflict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord/geo"
)

// Check returns every finding for the plan, ordered along the route (plan
// findings first), then by severity.
func (x *Index) Check(p Plan) []Finding {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := x.newRoute(p.Route)
	out := make([]Finding, 0, 32)
	out = x.checkWindow(p, out)
	out = x.checkAreas(p, r, out)
	out = x.checkLines(p, r, out)
	out = x.checkSectors(p, r, out)
	out = x.checkSites(p, r, out)
	out = x.checkMovements(p, r, out)
	// Sort positions rather than the (large) findings, stably.
	order := make([]int32, len(out))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(i, j int32) int {
		a, b := &out[i], &out[j]
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.Severity.rank(), b.Severity.rank()),
			cmp.Compare(a.Check, b.Check), cmp.Compare(a.RecordID, b.RecordID))
	})
	sorted := make([]Finding, len(out))
	for i, k := range order {
		sorted[i] = out[k]
	}
	return sorted
}

// HasBlocking reports whether any finding blocks the movement.
func HasBlocking(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Blocking })
}

// AckParties returns the parties whose acknowledgement the findings need,
// sorted.
func AckParties(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == NeedsAck && f.Party != "" && !slices.Contains(out, f.Party) {
			out = append(out, f.Party)
		}
	}
	sort.Strings(out)
	return out
}

func (x *Index) checkWindow(p Plan, out []Finding) []Finding {
	f := func(check, reason string) {
		out = append(out, Finding{Check: check, Severity: Blocking, Route: p.Route, From: p.Depart, To: p.Arrive, Reason: reason, at: -1})
	}
	if !p.Arrive.After(p.Depart) {
		f(CheckWindow, fmt.Sprintf("The arrival (%s) is not after the departure (%s).", hhmm(p.Arrive), hhmm(p.Depart)))
	} else if d := p.Arrive.Sub(p.Depart); d > x.cfg.MaxWindow {
		f(CheckWindow, fmt.Sprintf("The movement window is %s long; at most %s is allowed — split it into several movements.", dur(d), dur(x.cfg.MaxWindow)))
	}
	lead := x.cfg.LeadTime
	kind := "a normal movement"
	if p.Emergency {
		lead, kind = x.cfg.EmergencyLeadTime, "an emergency movement"
	}
	if notice := p.Depart.Sub(p.SubmittedAt); notice < lead {
		f(CheckLeadTime, fmt.Sprintf("Notified %s before departure; %s needs %s so that every party can acknowledge. Depart at %s or later.",
			dur(max(notice, 0)), kind, dur(lead), hhmm(p.SubmittedAt.Add(lead))))
	}
	return out
}

func dur(d time.Duration) string {
	h := d.Hours()
	switch {
	case h >= 48 && math.Mod(h, 24) == 0:
		return fmt.Sprintf("%.0f days", h/24)
	case h >= 1:
		return fmt.Sprintf("%.0f h", math.Round(h))
	}
	return fmt.Sprintf("%.0f min", d.Minutes())
}

// spans returns the stretches [s0, s1] of the route where near(point)
// holds, sampling every step metres.
func spans(r route, step float64, near func(xy) bool) [][2]float64 {
	var out [][2]float64
	open := -1.0
	last := 0.0
	pts := append([]xy(nil), r.pts...)
	walk(pts, step, func(s float64, p xy) {
		in := near(p)
		switch {
		case in && open < 0:
			open = s
		case !in && open >= 0:
			out = append(out, [2]float64{open, last})
			open = -1
		}
		last = s
	})
	if open >= 0 {
		out = append(out, [2]float64{open, last})
	}
	return out
}

// minDist returns the closest the route comes to a (whose box is ab) when
// that is at most m, looking only at segments whose boxes come within m of
// it; otherwise some value above m (+Inf when no segment comes near).
func minDist(r route, a area, ab box, m float64) float64 {
	best := math.Inf(1)
	ab = ab.grow(m)
	for i, sb := range r.segs {
		if !sb.meets(ab) {
			continue
		}
		best = min(best, a.distSeg(r.pts[i], r.pts[i+1], m))
		if best == 0 {
			return 0
		}
	}
	if len(r.pts) == 1 {
		best = a.distPoint(r.pts[0])
	}
	return best
}

// stretch finds where along the route it is within buf of a (box ab):
// from the first to the last such point. Per route segment near the area,
// the parts within buf of an edge come from within(), and the parts inside
// the area from the segment's crossings with its edges.
func stretch(r route, a area, ab box, buf float64) [2]float64 {
	gb := ab.grow(buf)
	first, last := math.Inf(1), math.Inf(-1)
	note := func(i int, u0, u1 float64) {
		l := r.cum[i+1] - r.cum[i]
		first = min(first, r.cum[i]+u0*l)
		last = max(last, r.cum[i]+u1*l)
	}
	for i, sb := range r.segs {
		if !sb.meets(gb) {
			continue
		}
		p, q := r.pts[i], r.pts[i+1]
		var cutBuf [16]float64
		cuts := append(cutBuf[:0], 0, 1)
		for _, pg := range a {
			for _, rg := range pg {
				for k := 1; k < len(rg); k++ {
					c, d := rg[k-1], rg[k]
					if !sb.meets(segBox(c, d).grow(buf)) {
						continue
					}
					if u0, u1, ok := within(p, q, c, d, buf); ok {
						note(i, u0, u1)
					}
					if t, ok := segIntersect(p, q, c, d); ok {
						cuts = append(cuts, t)
					}
				}
			}
		}
		slices.Sort(cuts)
		for k := 1; k < len(cuts); k++ {
			if cuts[k] > cuts[k-1] && a.contains(lerp(p, q, (cuts[k-1]+cuts[k])/2)) {
				note(i, cuts[k-1], cuts[k])
			}
		}
	}
	if first > last {
		return [2]float64{0, 0}
	}
	return [2]float64{first, last}
}

func (x *Index) checkAreas(p Plan, r route, out []Finding) []Finding {
	buf := x.cfg.BufferM
	// Search segment by segment, in the trees of the days the window
	// touches: a long route's whole box would hold most of the mission's
	// areas. Long diagonal segments have large boxes: search in pieces of
	// at most 500 m. Test the (cheap) time window before anything else.
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	trees := x.areaTrees(p.Depart, p.Arrive, sc.trees[:0])
	cands := sc.areas[:0]
	visit := func(a *iArea) bool {
		if overlaps(p.Depart, p.Arrive, a.From, a.To) {
			cands = append(cands, a)
		}
		return true
	}
	for i := 1; i < len(r.pts); i++ {
		a, b := r.pts[i-1], r.pts[i]
		n := max(1, int(math.Ceil(dist(a, b)/500)))
		for k := 0; k < n; k++ {
			u, v := x.p.from(lerp(a, b, float64(k)/float64(n))), x.p.from(lerp(a, b, float64(k+1)/float64(n)))
			q := x.p.widen(orb.Bound{Min: u, Max: u}.Extend(v), buf)
			for _, t := range trees {
				t.Search(q, visit)
			}
		}
	}
	slices.SortFunc(cands, func(a, b *iArea) int { return cmp.Compare(a.ID, b.ID) })
	cands = slices.Compact(cands)
	sc.trees, sc.areas = trees, cands
	defer clear(trees) // the pool must not keep removed records alive
	defer clear(cands)
	// Touch their outlines at once, so that the memory fetches overlap.
	var touch float64
	for _, a := range cands {
		for _, pg := range a.a {
			for _, rg := range pg {
				for k := 0; k < len(rg); k += 4 {
					touch += rg[k][0]
				}
			}
		}
	}
	sc.touch = touch
	for _, a := range cands {
		d := minDist(r, a.a, a.pb, buf)
		if d > buf {
			continue
		}
		st := stretch(r, a.a, a.pb, buf)
		t0, t1 := timeAt(p, r, st[0]), timeAt(p, r, st[1])
		// Judge the time the movement is actually there.
		if !overlaps(t0, t1.Add(time.Minute), a.From, a.To) {
			continue
		}
		what, check := "restricted area", CheckRestrictedArea
		if a.Activity {
			what, check = "activity area", CheckActivityArea
		}
		f := Finding{Check: check, Route: x.part(r, st[0], st[1]), From: t0, To: t1, RecordID: a.ID, RecordName: a.Name, Party: a.Party, DistanceM: round1(d), at: st[0]}
		if d == 0 {
			f.Severity = Blocking
			f.Reason = "The route enters the " + what + " " + strconv.Quote(a.Name) + " (" + windowText(a.From, a.To) + ") between " + hhmm(t0) + " and " + hhmm(t1) + "; re-route or move the window."
		} else {
			f.Severity = Warning
			f.Reason = "The route passes " + f0(d) + " m from the " + what + " " + strconv.Quote(a.Name) + " (" + windowText(a.From, a.To) + ") around " + hhmm(t0) + "; keep to the road."
		}
		out = append(out, f)
	}
	return out
}

func (x *Index) checkLines(p Plan, r route, out []Finding) []Finding {
	for _, l := range x.lines {
		for _, seg := range l.l {
			for i := 1; i < len(r.pts); i++ {
				for j := 1; j < len(seg); j++ {
					t, ok := segIntersect(r.pts[i-1], r.pts[i], seg[j-1], seg[j])
					if !ok {
						continue
					}
					s := r.cum[i-1] + t*(r.cum[i]-r.cum[i-1])
					at := timeAt(p, r, s)
					pt := x.p.from(r.at(s))
					out = append(out, Finding{
						Check: CheckControlLine, Severity: NeedsAck, Route: x.part(r, max(0, s-100), min(r.length(), s+100)),
						From: at, To: at, RecordID: l.ID, RecordName: l.Name, Party: l.Party, at: s,
						Reason: fmt.Sprintf("The route crosses %s (%s version) near %.4f N %.4f E at about %s; %s, which controls the area beyond it, must acknowledge.",
							l.Name, l.Version, pt[1], pt[0], hhmm(at), l.Party),
					})
				}
			}
		}
	}
	return out
}

func (x *Index) checkSectors(p Plan, r route, out []Finding) []Finding {
	step := max(10, min(50, r.length()/400))
	for _, sc := range x.secs {
		ss := spans(r, step, sc.a.contains)
		if len(ss) == 0 {
			continue
		}
		s0, s1 := ss[0][0], ss[len(ss)-1][1]
		t0, t1 := timeAt(p, r, s0), timeAt(p, r, s1)
		out = append(out, Finding{
			Check: CheckSector, Severity: NeedsAck, Route: x.part(r, s0, s1), From: t0, To: t1,
			RecordID: sc.ID, RecordName: sc.Name, Party: sc.Lead, at: s0,
			Reason: fmt.Sprintf("The route passes through %s from about %s to %s; its lead contingent %s must acknowledge.", sc.Name, hhmm(t0), hhmm(t1), sc.Lead),
		})
	}
	return out
}

func (x *Index) checkSites(p Plan, r route, out []Finding) []Finding {
	buf := x.cfg.BufferM
	var cands []*iSite
	x.sTree.Search(x.p.widen(p.Route.Bound(), buf), func(s *iSite) bool {
		cands = append(cands, s)
		return true
	})
	slices.SortFunc(cands, func(a, b *iSite) int { return cmp.Compare(a.ID, b.ID) })
	for _, s := range cands {
		d := minDist(r, s.a, s.pb, buf)
		if d > buf {
			continue
		}
		st := stretch(r, s.a, s.pb, buf)
		t0 := timeAt(p, r, st[0])
		f := Finding{Route: x.part(r, st[0], st[1]), From: t0, To: timeAt(p, r, st[1]), RecordID: s.ID, RecordName: s.Name, DistanceM: round1(d), at: st[0]}
		kind := strings.ReplaceAll(s.Kind, "_", " ")
		switch {
		case s.Notified:
			f.Check, f.Severity = CheckNotifiedSite, Info
			f.Reason = "The route passes " + f0(d) + " m from the notified humanitarian site " + strconv.Quote(s.Name) + " around " + hhmm(t0) + "; do not stop there."
		case s.Status == "closed" || s.Status == "destroyed":
			f.Check, f.Severity = CheckSite, Blocking
			f.Reason = "The " + kind + " " + strconv.Quote(s.Name) + " on the route is " + s.Status + "; pick another " + kind + " or route."
		case s.Status == "damaged" || s.Status == "limited":
			f.Check, f.Severity = CheckSite, Warning
			f.Reason = "The " + kind + " " + strconv.Quote(s.Name) + " on the route is " + s.Status + "; expect delays around " + hhmm(t0) + "."
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}

// shared is a stretch [s0, s1] of the route that another movement uses
// (comes within the buffer of) — merged over all its segments.
type shared struct {
	m      *iMov
	s0, s1 float64
}

// sharing returns the stretches of the route that other movements whose
// windows overlap [t0, t1] use, one per stretch and movement, ignoring
// stretches shorter than MinSharedM (crossings). It scans the movements
// filed under the window's time buckets, keeps those whose window
// overlaps and whose box comes within the buffer of the route's, and
// intersects their segments with the route's analytically (no sampling),
// pair by pair where the segments' boxes come within the buffer.
func (x *Index) sharing(r route, t0, t1 time.Time) []shared {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	buf := x.cfg.BufferM
	n0, n1 := t0.UnixNano(), t1.UnixNano()
	rb := r.bb.grow(buf)
	var out []shared
	spans := sc.spans[:0]
	// First the entries whose window overlaps and whose box comes within
	// the buffer of some route segment's, without reading their points.
	cands := sc.cands[:0]
	b0, b1 := buckets(t0, t1)
	scan := func(b int32, f *filed, all bool) {
		for i := range f.hot {
			h := &f.hot[i]
			// A movement filed under several of the window's buckets is
			// taken in the first.
			if !all && max(h.first, b0) != b || !(h.dep < n1 && h.arr > n0) || !h.meets(rb) {
				continue
			}
			// Before reading its points: does its box come within the
			// buffer of some segment's?
			eb := box{float64(h.minX), float64(h.minY), float64(h.maxX), float64(h.maxY)}.grow(buf)
			for _, sb := range r.segs {
				if sb.meets(eb) {
					cands = append(cands, &f.cold[i])
					break
				}
			}
		}
	}
	scan(0, &x.mLong, true)
	if int64(b1)-int64(b0) < int64(len(x.tb)) {
		for b := b0; b <= b1; b++ {
			if f := x.tb[b]; f != nil {
				scan(b, f, false)
			}
		}
	} else { // a window longer than the index's whole span
		for b, f := range x.tb {
			if b >= b0 && b <= b1 {
				scan(b, f, false)
			}
		}
	}
	// Touch every cache line of their points at once, so that the memory
	// fetches overlap instead of stalling one movement at a time.
	var touch float64
	for _, e := range cands {
		for k := 0; k < len(e.pts); k += 4 {
			touch += e.pts[k][0]
		}
	}
	sc.touch = touch
	// Then segment by segment.
	for _, e := range cands {
		spans = spans[:0]
		pts := e.pts
		for k := 0; k+1 < len(pts); k++ {
			c, d := pts[k], pts[k+1]
			cb := segBox(c, d).grow(buf)
			if !cb.meets(r.bb) {
				continue
			}
			for q, sb := range r.segs {
				if !sb.meets(cb) {
					continue
				}
				if u0, u1, ok := within(r.pts[q], r.pts[q+1], c, d, buf); ok {
					l := r.cum[q+1] - r.cum[q]
					spans = append(spans, span{r.cum[q] + u0*l, r.cum[q] + u1*l})
				}
			}
		}
		if len(spans) == 0 {
			continue
		}
		slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.s0, b.s0) })
		cur := spans[0]
		for _, sp := range spans[1:] {
			if sp.s0 <= cur.s1+1 {
				cur.s1 = max(cur.s1, sp.s1)
				continue
			}
			if cur.s1-cur.s0 >= x.cfg.MinSharedM {
				out = append(out, shared{e.m, cur.s0, cur.s1})
			}
			cur = sp
		}
		if cur.s1-cur.s0 >= x.cfg.MinSharedM {
			out = append(out, shared{e.m, cur.s0, cur.s1})
		}
	}
	clear(cands) // the pool must not keep removed records alive
	sc.spans, sc.cands = spans, cands
	slices.SortFunc(out, func(a, b shared) int { return cmp.Or(cmp.Compare(a.s0, b.s0), cmp.Compare(a.m.ID, b.m.ID)) })
	return out
}

// span is a stretch [s0, s1] of a route, in metres from its start.
type span struct{ s0, s1 float64 }

// scratch is the working memory of one check, reused between checks.
type scratch struct {
	cands []*mCold
	touch float64
	spans []span
	trees []*geo.Index[*iArea]
	areas []*iArea
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// within returns the interval [u0, u1] of segment ab (as fractions of its
// length) whose points lie within buf of segment cd. The distance from
// P(u) = a + u(b−a) to cd is convex in u, so the points within buf form an
// interval; its ends are roots of d(u) = buf on the three pieces where the
// closest point of cd is c (a quadratic), inside cd (linear: the distance to
// the line) or d (a quadratic). No iteration.
func within(a, b, c, d xy, buf float64) (float64, float64, bool) {
	v, w := sub(b, a), sub(d, c)
	b2 := buf * buf
	ww := dot(w, w)
	k := interval{a: a, v: v, c: c, w: w, ww: ww, inv: 1 / ww, lim: b2*(1+1e-9) + 1e-9, lo: math.Inf(1), hi: math.Inf(-1)}
	k.take(0, 1)
	if k.lo == 0 && k.hi == 1 {
		return 0, 1, true // all of ab is within buf: nothing can widen it
	}
	// lost is set when rounding may have lost a root (a tangent, a
	// parallel) and for small buffers: then the closest point is taken
	// too, and every root is checked.
	lost := buf < fastBuf
	if !lost && k.lo > k.hi && separated(a, b, c, d, v, w, ww, math.Sqrt(k.lim)*(1+1e-7)) {
		return 0, 0, false
	}
	// Roots of |a + u v − e|² = buf² for the endpoints e. They lie at buf
	// from an end of cd, so within buf of cd: with a buffer much larger
	// than the rounding of squared distances (about 1e-8 m² at 10 km from
	// the reference) they need no check.
	vv := dot(v, v)
	if vv != 0 {
		for _, e := range [2]xy{c, d} {
			r := sub(a, e)
			qb, qc := 2*dot(v, r), dot(r, r)-b2
			disc := qb*qb - 4*vv*qc
			if disc < 0 {
				lost = lost || disc >= -1e-9*(qb*qb+4*vv*math.Abs(qc))
				continue
			}
			sq := math.Sqrt(disc)
			if lost {
				k.take((-qb-sq)/(2*vv), (-qb+sq)/(2*vv))
			} else {
				k.admit((-qb - sq) / (2 * vv))
				k.admit((-qb + sq) / (2 * vv))
			}
		}
	}
	// Roots of |signed distance to the line cd| = buf.
	if l := math.Sqrt(ww); l > 0 {
		h0, hv := cross(w, sub(a, c))/l, cross(w, v)/l
		if hv != 0 {
			k.take((buf-h0)/hv, (-buf-h0)/hv)
		} else {
			lost = true
		}
	} else {
		lost = true
	}
	// The closest point itself, when nothing was found (the interval may
	// be a single point strictly inside) or a root may have been lost.
	if lost || k.lo > k.hi {
		u := closestParam(a, b, c, d)
		k.take(u, u)
	}
	if k.lo > k.hi {
		return 0, 0, false
	}
	return k.lo, k.hi, true
}

// fastBuf is the smallest buffer for which within skips the checks that
// only rounding can fail.
const fastBuf = 100

// separated reports whether segment ab lies entirely beyond lim of segment
// cd (v = b−a, w = d−c, ww = |w|²) by one of three cheap tests: a and b on
// the same side of cd's line and beyond lim of it, both beyond lim before
// c or after d along it, or c and d on the same side of ab's line and
// beyond lim of it. Each bounds the distance between the segments from
// below, so within, whose tolerance lim includes a margin far above
// rounding, would find nothing either.
func separated(a, b, c, d, v, w xy, ww, lim float64) bool {
	if ww > 0 {
		l := math.Sqrt(ww) * lim
		ha, hb := cross(w, sub(a, c)), cross(w, sub(b, c))
		if (ha > l && hb > l) || (ha < -l && hb < -l) {
			return true
		}
		sa, sb := dot(w, sub(a, c)), dot(w, sub(b, c))
		if (sa < -l && sb < -l) || (sa > ww+l && sb > ww+l) {
			return true
		}
	}
	if vv := dot(v, v); vv > 0 {
		l := math.Sqrt(vv) * lim
		hc, hd := cross(v, sub(c, a)), cross(v, sub(d, a))
		if (hc > l && hd > l) || (hc < -l && hd < -l) {
			return true
		}
	}
	return false
}

// interval collects the parameters along a + u·v within the limit
// (squared) of segment c + t·w.
type interval struct {
	a, v, c, w xy
	ww, inv    float64 // |w|² and its inverse
	lim        float64
	lo, hi     float64
}

// take admits u0 and u1 if they lie on the segment and their points are
// within the limit (pointSeg's distance, squared, without its square root
// and division: the limit's tolerance is far above their rounding).
func (k *interval) take(u0, u1 float64) {
	ax, ay, vx, vy, cx, cy, wx, wy := k.a[0], k.a[1], k.v[0], k.v[1], k.c[0], k.c[1], k.w[0], k.w[1]
	lo, hi := k.lo, k.hi
	for _, u := range [2]float64{u0, u1} {
		if !(u >= 0 && u <= 1) {
			continue
		}
		px, py := ax+vx*u, ay+vy*u
		ex, ey := px-cx, py-cy
		if k.ww != 0 {
			t := max(0, min(1, (ex*wx+ey*wy)*k.inv))
			ex, ey = px-(cx+wx*t), py-(cy+wy*t)
		}
		if ex*ex+ey*ey <= k.lim {
			lo, hi = min(lo, u), max(hi, u)
		}
	}
	k.lo, k.hi = lo, hi
}

// admit admits u if it lies on the segment.
func (k *interval) admit(u float64) {
	if u >= 0 && u <= 1 {
		k.lo, k.hi = min(k.lo, u), max(k.hi, u)
	}
}

// closestParam returns the parameter on ab of the point closest to segment
// cd (Ericson, Real-Time Collision Detection, 5.1.9).
func closestParam(a, b, c, d xy) float64 {
	d1, d2, r := sub(b, a), sub(d, c), sub(a, c)
	aa, ee, ff := dot(d1, d1), dot(d2, d2), dot(d2, r)
	if aa == 0 {
		return 0
	}
	cc := dot(d1, r)
	if ee == 0 {
		return clamp01(-cc / aa)
	}
	bb := dot(d1, d2)
	den := aa*ee - bb*bb
	s := 0.0
	if den != 0 {
		s = clamp01((bb*ff - cc*ee) / den)
	}
	t := (bb*s + ff) / ee
	switch {
	case t < 0:
		s = clamp01(-cc / aa)
	case t > 1:
		s = clamp01((bb - cc) / aa)
	}
	return s
}

func clamp01(v float64) float64 { return max(0, min(1, v)) }

// coverage sweeps shared stretches along the route and calls fn for each
// maximal stretch where the set of movements present is constant and not
// empty, with the movements that entered since the previous call.
func coverage(sh []shared, fn func(s0, s1 float64, present, entered []*iMov)) {
	type ev struct {
		s  float64
		in bool
		m  *iMov
	}
	evs := make([]ev, 0, 2*len(sh))
	for _, x := range sh {
		evs = append(evs, ev{x.s0, true, x.m}, ev{x.s1, false, x.m})
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := cmp.Compare(a.s, b.s); c != 0 {
			return c
		}
		if a.in != b.in { // leave before enter at the same point
			if a.in {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.m.ID, b.m.ID)
	})
	var present, entered []*iMov
	for i, e := range evs {
		if e.in {
			present = append(present, e.m)
			entered = append(entered, e.m)
		} else {
			present = slices.DeleteFunc(present, func(m *iMov) bool { return m == e.m })
		}
		if len(present) == 0 {
			entered = entered[:0]
		} else if i+1 < len(evs) && evs[i+1].s > e.s {
			fn(e.s, evs[i+1].s, present, entered)
			entered = entered[:0]
		}
	}
}

func (x *Index) checkMovements(p Plan, r route, out []Finding) []Finding {
	sh := slices.DeleteFunc(x.sharing(r, p.Depart, p.Arrive), func(s shared) bool { return s.m.ID == p.ID })
	type run struct {
		s0, s1 float64
		ms     []*iMov
		over   bool
	}
	var runs []*run
	coverage(sh, func(s0, s1 float64, present, entered []*iMov) {
		over := len(present)+1 > x.cfg.CorridorCapacity
		if n := len(runs); n > 0 && runs[n-1].over == over && runs[n-1].s1 >= s0 {
			rn := runs[n-1]
			rn.s1 = s1
			// Only those that entered since the last stretch are new to
			// the run (one that comes back appears twice: compacted below).
			for _, m := range entered {
				if slices.Contains(present, m) {
					rn.ms = append(rn.ms, m)
				}
			}
			return
		}
		runs = append(runs, &run{s0: s0, s1: s1, ms: slices.Clone(present), over: over})
	})
	for _, rn := range runs {
		slices.SortFunc(rn.ms, func(a, b *iMov) int { return cmp.Compare(a.ID, b.ID) })
		rn.ms = slices.Compact(rn.ms)
		// Name the first few; a reason is read by a person.
		var names []string
		for _, m := range rn.ms[:min(3, len(rn.ms))] {
			names = append(names, cmp.Or(m.Name, m.ID)+" ("+hhmm(m.Depart)+"–"+hhmm(m.Arrive)+")")
		}
		if more := len(rn.ms) - len(names); more > 0 {
			names = append(names, strconv.Itoa(more)+" more")
		}
		t0, t1 := timeAt(p, r, rn.s0), timeAt(p, r, rn.s1)
		ids := make([]string, len(rn.ms))
		for i, m := range rn.ms {
			ids[i] = m.ID
		}
		f := Finding{Check: CheckMovement, Route: x.part(r, rn.s0, rn.s1), From: t0, To: t1, RecordID: rn.ms[0].ID, RecordName: cmp.Or(rn.ms[0].Name, rn.ms[0].ID), Records: ids, at: rn.s0}
		if rn.over {
			f.Severity = Blocking
			f.Reason = strconv.Itoa(len(rn.ms)) + " other movements use this " + f1((rn.s1-rn.s0)/1000) + " km stretch at the same time (" + strings.Join(names, ", ") +
				"); the corridor takes " + strconv.Itoa(x.cfg.CorridorCapacity) + " at once. Move the window."
		} else {
			f.Severity = Warning
			f.Reason = "Shares a " + f1((rn.s1-rn.s0)/1000) + " km stretch with " + strings.Join(names, ", ") + "; within the corridor's capacity of " + strconv.Itoa(x.cfg.CorridorCapacity) + "."
		}
		out = append(out, f)
	}
	return out
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// f0 and f1 format as %.0f and %.1f do (sentences are built by
// concatenation: fmt is a good part of a check's cost).
func f0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
