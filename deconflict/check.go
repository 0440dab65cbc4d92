package deconflict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Check returns every finding for the plan, ordered along the route (plan
// findings first), then by severity.
func (x *Index) Check(p Plan) []Finding {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := x.newRoute(p.Route)
	var out []Finding
	out = append(out, x.checkWindow(p)...)
	out = append(out, x.checkAreas(p, r)...)
	out = append(out, x.checkLines(p, r)...)
	out = append(out, x.checkSectors(p, r)...)
	out = append(out, x.checkSites(p, r)...)
	out = append(out, x.checkMovements(p, r)...)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(severityRank[a.Severity], severityRank[b.Severity]),
			cmp.Compare(a.Check, b.Check), cmp.Compare(a.RecordID, b.RecordID))
	})
	return out
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

func (x *Index) checkWindow(p Plan) []Finding {
	var out []Finding
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

// minDist returns the closest the route comes to a.
func minDist(r route, a area) float64 {
	best := math.Inf(1)
	for i := 1; i < len(r.pts); i++ {
		best = math.Min(best, a.distSeg(r.pts[i-1], r.pts[i]))
		if best == 0 {
			return 0
		}
	}
	if len(r.pts) == 1 {
		best = a.distPoint(r.pts[0])
	}
	return best
}

// stretch finds where along the route it is within buf of a; it falls
// back to the closest vertex when sampling misses a narrow approach.
func stretch(r route, a area, buf float64) [2]float64 {
	step := math.Max(10, math.Min(50, r.length()/400))
	ss := spans(r, step, func(p xy) bool { return a.distPoint(p) <= buf })
	if len(ss) == 0 {
		best, at := math.Inf(1), 0.0
		for i, p := range r.pts {
			if d := a.distPoint(p); d < best {
				best, at = d, r.cum[i]
			}
		}
		return [2]float64{at, at}
	}
	return [2]float64{ss[0][0], ss[len(ss)-1][1]}
}

func (x *Index) checkAreas(p Plan, r route) []Finding {
	var out []Finding
	buf := x.cfg.BufferM
	var cands []*iArea
	x.aTree.Search(x.p.widen(p.Route.Bound(), buf), func(a *iArea) bool {
		cands = append(cands, a)
		return true
	})
	slices.SortFunc(cands, func(a, b *iArea) int { return cmp.Compare(a.ID, b.ID) })
	for _, a := range cands {
		if !overlaps(p.Depart, p.Arrive, a.From, a.To) {
			continue
		}
		d := minDist(r, a.a)
		if d > buf {
			continue
		}
		st := stretch(r, a.a, buf)
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
			f.Reason = fmt.Sprintf("The route enters the %s %q (%s) between %s and %s; re-route or move the window.", what, a.Name, windowText(a.From, a.To), hhmm(t0), hhmm(t1))
		} else {
			f.Severity = Warning
			f.Reason = fmt.Sprintf("The route passes %.0f m from the %s %q (%s) around %s; keep to the road.", d, what, a.Name, windowText(a.From, a.To), hhmm(t0))
		}
		out = append(out, f)
	}
	return out
}

func (x *Index) checkLines(p Plan, r route) []Finding {
	var out []Finding
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
						Check: CheckControlLine, Severity: NeedsAck, Route: x.part(r, math.Max(0, s-100), math.Min(r.length(), s+100)),
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

func (x *Index) checkSectors(p Plan, r route) []Finding {
	var out []Finding
	step := math.Max(10, math.Min(50, r.length()/400))
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

func (x *Index) checkSites(p Plan, r route) []Finding {
	var out []Finding
	buf := x.cfg.BufferM
	var cands []*iSite
	x.sTree.Search(x.p.widen(p.Route.Bound(), buf), func(s *iSite) bool {
		cands = append(cands, s)
		return true
	})
	slices.SortFunc(cands, func(a, b *iSite) int { return cmp.Compare(a.ID, b.ID) })
	for _, s := range cands {
		d := minDist(r, s.a)
		if d > buf {
			continue
		}
		st := stretch(r, s.a, buf)
		t0 := timeAt(p, r, st[0])
		f := Finding{Route: x.part(r, st[0], st[1]), From: t0, To: timeAt(p, r, st[1]), RecordID: s.ID, RecordName: s.Name, DistanceM: round1(d), at: st[0]}
		kind := strings.ReplaceAll(s.Kind, "_", " ")
		switch {
		case s.Notified:
			f.Check, f.Severity = CheckNotifiedSite, Info
			f.Reason = fmt.Sprintf("The route passes %.0f m from the notified humanitarian site %q around %s; do not stop there.", d, s.Name, hhmm(t0))
		case s.Status == "closed" || s.Status == "destroyed":
			f.Check, f.Severity = CheckSite, Blocking
			f.Reason = fmt.Sprintf("The %s %q on the route is %s; pick another %s or route.", kind, s.Name, s.Status, kind)
		case s.Status == "damaged" || s.Status == "limited":
			f.Check, f.Severity = CheckSite, Warning
			f.Reason = fmt.Sprintf("The %s %q on the route is %s; expect delays around %s.", kind, s.Name, s.Status, hhmm(t0))
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}

// sharing returns, for each sample along the route, the other movements
// within the buffer whose windows overlap [t0, t1].
func (x *Index) sharing(r route, t0, t1 time.Time, fn func(s float64, others []*iMov)) {
	buf := x.cfg.BufferM
	step := x.cfg.CellM / 2
	reach := int32(math.Ceil(buf / x.cfg.CellM))
	seen := map[*iMov]bool{}
	var others []*iMov
	walk(r.pts, step, func(s float64, p xy) {
		others = others[:0]
		clear(seen)
		c := x.cellOf(p)
		for dx := -reach; dx <= reach; dx++ {
			for dy := -reach; dy <= reach; dy++ {
				o := x.cells[cell{c.x + dx, c.y + dy}]
				if o == nil {
					continue
				}
				// Movements departing before t0-longest cannot overlap.
				lo, _ := slices.BinarySearchFunc(o.movs, t0.Add(-o.longest), func(m *iMov, t time.Time) int { return m.Depart.Compare(t) })
				for _, m := range o.movs[lo:] {
					if !m.Depart.Before(t1) {
						break
					}
					if !m.Arrive.After(t0) || seen[m] {
						continue
					}
					if nearLine(p, m.pts, buf) {
						seen[m] = true
						others = append(others, m)
					}
				}
			}
		}
		fn(s, others)
	})
}

func nearLine(p xy, pts []xy, buf float64) bool {
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if math.Min(a[0], b[0])-buf > p[0] || math.Max(a[0], b[0])+buf < p[0] || math.Min(a[1], b[1])-buf > p[1] || math.Max(a[1], b[1])+buf < p[1] {
			continue
		}
		if pointSeg(p, a, b) <= buf {
			return true
		}
	}
	return false
}

func (x *Index) checkMovements(p Plan, r route) []Finding {
	type run struct {
		s0, s1 float64
		ids    map[string]*iMov
		over   bool
	}
	var runs []*run
	var cur *run
	x.sharing(r, p.Depart, p.Arrive, func(s float64, others []*iMov) {
		var self []*iMov
		for _, m := range others {
			if m.ID != p.ID {
				self = append(self, m)
			}
		}
		if len(self) == 0 {
			cur = nil
			return
		}
		over := len(self)+1 > x.cfg.CorridorCapacity
		if cur == nil || cur.over != over {
			cur = &run{s0: s, ids: map[string]*iMov{}, over: over}
			runs = append(runs, cur)
		}
		cur.s1 = s
		for _, m := range self {
			cur.ids[m.ID] = m
		}
	})
	var out []Finding
	for _, rn := range runs {
		if rn.s1-rn.s0 < x.cfg.MinSharedM {
			continue // a crossing, not a shared stretch
		}
		var ms []*iMov
		for _, m := range rn.ids {
			ms = append(ms, m)
		}
		slices.SortFunc(ms, func(a, b *iMov) int { return cmp.Compare(a.ID, b.ID) })
		var names []string
		for _, m := range ms {
			names = append(names, fmt.Sprintf("%s (%s–%s)", cmp.Or(m.Name, m.ID), hhmm(m.Depart), hhmm(m.Arrive)))
		}
		t0, t1 := timeAt(p, r, rn.s0), timeAt(p, r, rn.s1)
		f := Finding{Check: CheckMovement, Route: x.part(r, rn.s0, rn.s1), From: t0, To: t1, RecordID: ms[0].ID, RecordName: cmp.Or(ms[0].Name, ms[0].ID), at: rn.s0}
		if rn.over {
			f.Severity = Blocking
			f.Reason = fmt.Sprintf("%d other movements use this %.1f km stretch at the same time (%s); the corridor takes %d at once. Move the window.",
				len(ms), (rn.s1-rn.s0)/1000, strings.Join(names, ", "), x.cfg.CorridorCapacity)
		} else {
			f.Severity = Warning
			f.Reason = fmt.Sprintf("Shares a %.1f km stretch with %s; within the corridor's capacity of %d.", (rn.s1-rn.s0)/1000, strings.Join(names, ", "), x.cfg.CorridorCapacity)
		}
		out = append(out, f)
	}
	return out
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
