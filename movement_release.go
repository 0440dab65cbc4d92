package concord

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// notReleasable says, in a finding that cannot name its record, why not.
const notReleasable = "not releasable to every party that receives this movement"

// releaseFindings keeps a movement's findings from naming records that
// some party in audience (everyone who will read the findings) may not
// see: the engine knows every area, site and movement, the readers do
// not. Such a finding keeps its check, severity, part of the route, time,
// distance and the party whose acknowledgement it needs, so that the
// movement is still blocked or asked for what it must; but it loses the
// record's id, name and declaring party, and its reason no longer names
// the record. So do the earliest departure's reasons.
func (s *Service) releaseFindings(ctx context.Context, m *Movement, audience []string) {
	d := s.access.Directory()
	known := map[string]bool{}
	released := func(kind, id string) bool {
		if id == "" {
			return true
		}
		if ok, seen := known[id]; seen {
			return ok
		}
		mk, found := s.recordMarking(ctx, kind, id)
		ok := found && !slices.ContainsFunc(audience, func(p string) bool { return !d.CanSee(p, mk) })
		known[id] = ok
		return ok
	}
	capacity := 0
	if dc := s.opts.Deconflicter; dc != nil {
		capacity = dc.Rules().CorridorCapacity
	}
	for i := range m.Findings {
		f := &m.Findings[i]
		ids := f.Records
		if len(ids) == 0 {
			ids = []string{f.RecordID}
		}
		kind := findingRecordKind(f.Check)
		if !slices.ContainsFunc(ids, func(id string) bool { return !released(kind, id) }) {
			f.Records = nil
			continue
		}
		f.Reason = withheldReason(*f, len(ids), capacity)
		f.RecordID, f.RecordName, f.Records = "", "", nil
		if f.Severity != SeverityNeedsAck {
			f.Party = "" // who declared the area
		}
	}
	if m.Earliest == nil {
		return
	}
	for i := range m.Earliest.RuledOut {
		ro := &m.Earliest.RuledOut[i]
		for k, id := range ro.Records {
			if k < len(ro.Reasons) && !released("feature", id) {
				ro.Reasons[k] = "meets an area or site " + notReleasable
			}
		}
		ro.Records = nil
	}
}

// audience returns the parties that may see a movement with this
// marking, and the viewer's own.
func (s *Service) audience(v Viewer, mk Marking) []string {
	out := s.access.Directory().Recipients(mk)
	if !slices.Contains(out, v.Party) {
		out = append(out, v.Party)
	}
	return out
}

// recordMarking returns the marking of a record a finding names.
func (s *Service) recordMarking(ctx context.Context, kind, id string) (Marking, bool) {
	if kind == "feature" {
		return s.index.marking(id)
	}
	r, err := s.store.Record(ctx, kind, id)
	if err != nil {
		return Marking{}, false
	}
	return r.Marking, true
}

// findingRecordKind is the kind of record a check's findings name.
func findingRecordKind(check string) string {
	switch check {
	case "movement":
		return "movement"
	case "notified_site":
		return "site_notification"
	}
	return "feature"
}

// withheldReason is a finding's sentence without its record: n records
// are involved (other movements on a stretch).
func withheldReason(f Finding, n, capacity int) string {
	at := func(t time.Time) string { return t.UTC().Format("02 Jan 15:04Z") }
	switch f.Check {
	case "restricted_area", "activity_area":
		what := strings.ReplaceAll(f.Check, "_", " ")
		if f.Severity == SeverityBlocking {
			return fmt.Sprintf("The route enters a %s %s between %s and %s; re-route or move the window (the coordination center can tell you more).", what, notReleasable, at(f.From), at(f.To))
		}
		return fmt.Sprintf("The route passes %.0f m from a %s %s around %s; keep to the road.", f.DistanceM, what, notReleasable, at(f.From))
	case "site":
		if f.Severity == SeverityBlocking {
			return fmt.Sprintf("A site on the route, %s, is closed; pick another route (the coordination center can tell you more).", notReleasable)
		}
		return fmt.Sprintf("A site on the route, %s, is damaged or limited; expect delays around %s.", notReleasable, at(f.From))
	case "notified_site":
		return fmt.Sprintf("The route passes %.0f m from a notified humanitarian site %s around %s; do not stop there.", f.DistanceM, notReleasable, at(f.From))
	case "control_line":
		return fmt.Sprintf("The route crosses a control line %s at about %s; %s, which controls the area beyond it, must acknowledge.", notReleasable, at(f.From), f.Party)
	case "sector":
		return fmt.Sprintf("The route passes through a sector %s from about %s to %s; its lead contingent %s must acknowledge.", notReleasable, at(f.From), at(f.To), f.Party)
	case "movement":
		km := geo.LengthHaversine(orb.LineString(f.Route)) / 1000
		if f.Severity == SeverityBlocking {
			return fmt.Sprintf("%d other movements, some %s, use this %.1f km stretch at the same time; the corridor takes %d at once. Move the window.", n, notReleasable, km, capacity)
		}
		return fmt.Sprintf("Shares a %.1f km stretch with %d other movement(s), some %s; within the corridor's capacity of %d.", km, n, notReleasable, capacity)
	}
	return fmt.Sprintf("A %s finding about a record %s.", strings.ReplaceAll(f.Check, "_", " "), notReleasable)
}
