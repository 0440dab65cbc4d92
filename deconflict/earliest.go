package deconflict

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Slot is the answer to "when is the earliest departure free of blocking
// findings": the window found (if any within the horizon) and, for every
// departure ruled out before it, why.
type Slot struct {
	Found          bool       `json:"found"`
	Depart         time.Time  `json:"depart"`
	Arrive         time.Time  `json:"arrive"`
	RuledOut       []RuledOut `json:"ruled_out"`
	HorizonReached bool       `json:"horizon_reached"`
}

// RuledOut is a span of departure times that would meet a blocking finding.
type RuledOut struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Reasons []string  `json:"reasons"`
	// Records holds, beside each reason, the record it names ("" for
	// none), so that a reader who may not see it can be told less.
	Records []string `json:"-"`
}

func (r *RuledOut) add(reason, record string) {
	if !slices.Contains(r.Reasons, reason) {
		r.Reasons = append(r.Reasons, reason)
		r.Records = append(r.Records, record)
	}
}

// Earliest tries departures from the plan's own (or the first the lead
// time allows, if later) every step up to horizon after it, keeping the
// plan's duration, and returns the first free of blocking findings.
// Findings that no departure time can fix (a closed crossing on the route,
// a window that is too long) end the search at once.
func (x *Index) Earliest(p Plan, horizon, step time.Duration) Slot {
	if step <= 0 {
		step = 15 * time.Minute
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	var slot Slot
	d := p.Arrive.Sub(p.Depart)
	r := x.newRoute(p.Route)
	lead := x.cfg.LeadTime
	if p.Emergency {
		lead = x.cfg.EmergencyLeadTime
	}
	start := p.Depart
	if min := p.SubmittedAt.Add(lead); start.Before(min) {
		ro := RuledOut{From: start, To: min}
		ro.add(fmt.Sprintf("less than %s notice (lead-time rule)", dur(lead)), "")
		slot.RuledOut = append(slot.RuledOut, ro)
		start = min
	}
	end := p.Depart.Add(horizon)
	// Timeless blockers: no departure fixes them.
	fixed := RuledOut{From: start, To: end}
	if d <= 0 {
		fixed.Reasons, fixed.Records = append(fixed.Reasons, "the arrival is not after the departure"), append(fixed.Records, "")
	} else if d > x.cfg.MaxWindow {
		fixed.Reasons, fixed.Records = append(fixed.Reasons, fmt.Sprintf("the window is longer than %s", dur(x.cfg.MaxWindow))), append(fixed.Records, "")
	}
	for _, f := range x.checkSites(p, r, nil) {
		if f.Severity == Blocking {
			fixed.Reasons, fixed.Records = append(fixed.Reasons, f.Reason), append(fixed.Records, f.RecordID)
		}
	}
	if len(fixed.Reasons) > 0 {
		slot.RuledOut = append(slot.RuledOut, fixed)
		return slot
	}
	// Areas the route enters, with where along the route.
	type entered struct {
		a      *iArea
		s0, s1 float64
	}
	var areas []entered
	x.aTree.Search(x.p.widen(p.Route.Bound(), 0), func(a *iArea) bool {
		if minDist(r, a.a, a.pb, 0) == 0 {
			st := stretch(r, a.a, a.pb, 0)
			areas = append(areas, entered{a, st[0], st[1]})
		}
		return true
	})
	slices.SortFunc(areas, func(a, b entered) int { return strings.Compare(a.a.ID, b.a.ID) })
	// Stretches other movements use at any time in the search span.
	var sh []shared
	for _, s := range x.sharing(r, start, end.Add(d)) {
		if s.m.ID != p.ID {
			sh = append(sh, s)
		}
	}
	var open *RuledOut
	for dep := start; !dep.After(end); dep = dep.Add(step) {
		arr := dep.Add(d)
		q := p
		q.Depart, q.Arrive = dep, arr
		var reasons, records []string
		for _, e := range areas {
			t0, t1 := timeAt(q, r, e.s0), timeAt(q, r, e.s1)
			if overlaps(t0, t1.Add(time.Minute), e.a.From, e.a.To) {
				reasons = append(reasons, fmt.Sprintf("enters %q (%s)", e.a.Name, windowText(e.a.From, e.a.To)))
				records = append(records, e.a.ID)
			}
		}
		var now []shared
		for _, s := range sh {
			if s.m.Depart.Before(arr) && s.m.Arrive.After(dep) {
				now = append(now, s)
			}
		}
		full := ""
		coverage(now, func(s0, _ float64, present, _ []*iMov) {
			if full == "" && len(present)+1 > x.cfg.CorridorCapacity {
				full = fmt.Sprintf("corridor full (%d other movements) %.1f km along the route", len(present), s0/1000)
			}
		})
		if full != "" {
			reasons, records = append(reasons, full), append(records, "")
		}
		if len(reasons) == 0 {
			if open != nil {
				slot.RuledOut = append(slot.RuledOut, *open)
			}
			slot.Found, slot.Depart, slot.Arrive = true, dep, arr
			return slot
		}
		if open == nil {
			open = &RuledOut{From: dep}
		}
		open.To = dep.Add(step)
		for i, rs := range reasons {
			open.add(rs, records[i])
		}
	}
	if open != nil {
		slot.RuledOut = append(slot.RuledOut, *open)
	}
	slot.HorizonReached = true
	return slot
}
