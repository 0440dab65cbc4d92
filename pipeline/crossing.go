package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
)

// Inspection modes of a crossing.
var InspectionModes = []string{"on_site", "remote_scan", "back_to_back"}

// CrossingOps is a crossing's operating data: hours, capacity, inspection
// mode, and its open/closed history with reasons.
type CrossingOps struct {
	Crossing       string          `json:"crossing"`
	Hours          string          `json:"hours"`
	CapacityTrucks float64         `json:"capacity_trucks"`
	InspectionMode string          `json:"inspection_mode"`
	Open           bool            `json:"open"`
	History        []CrossingState `json:"history"`
	Version        int             `json:"version"`
}

// CrossingState is one opening or closure.
type CrossingState struct {
	Open   bool      `json:"open"`
	From   time.Time `json:"from"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
}

// Closure is a period a crossing was closed.
type Closure struct {
	Crossing string     `json:"crossing"`
	From     time.Time  `json:"from"`
	To       *time.Time `json:"to"`
	Reason   string     `json:"reason"`
}

// closures returns the closed periods of the ops history.
func (o CrossingOps) closures() []Closure {
	var out []Closure
	for i, h := range o.History {
		if h.Open {
			continue
		}
		c := Closure{Crossing: o.Crossing, From: h.From, Reason: h.Reason}
		for _, n := range o.History[i+1:] {
			if n.Open {
				t := n.From
				c.To = &t
				break
			}
		}
		out = append(out, c)
	}
	return out
}

func (s *Service) crossingOps(ctx context.Context, id string) (CrossingOps, error) {
	r, err := s.store.Record(ctx, KindCrossing, id)
	if concord.ErrorCode(err) == concord.NotFound {
		return CrossingOps{Crossing: id, Open: true, History: []CrossingState{}, InspectionMode: "on_site"}, nil
	} else if err != nil {
		return CrossingOps{}, err
	}
	var o CrossingOps
	return o, json.Unmarshal(r.Data, &o)
}

// closuresFor lists the closures of a consignment's crossing from its
// registration on: they delay it, and its timeline shows them.
func (s *Service) closuresFor(ctx context.Context, e *entry) []Closure {
	o, err := s.crossingOps(ctx, e.doc.Crossing)
	out := []Closure{}
	if err != nil || len(e.eff) == 0 {
		return out
	}
	start := e.eff[0].At
	for _, c := range o.closures() {
		if c.To == nil || c.To.After(start) {
			out = append(out, c)
		}
	}
	return out
}

// CrossingView is a crossing with its operating data and the consignments
// it affects.
type CrossingView struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	Operator string  `json:"operator"`
	CrossingOps
	// Pending counts the consignments the viewer may see that are planned
	// through the crossing and have not yet been offloaded; while the
	// crossing is closed, they are held up.
	Pending int  `json:"pending"`
	Held    bool `json:"held"`
}

// Crossings lists the crossings v may see.
func (s *Service) Crossings(ctx context.Context, v concord.Viewer) ([]CrossingView, error) {
	fs, err := s.core.ListFeatures(ctx, v, concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSite}, Limit: 10000})
	if err != nil {
		return nil, err
	}
	pending := map[string]int{}
	vis := s.visibility(v)
	s.idx.each(func(e *entry) bool {
		if vis.sees(e) && !slices.Contains([]aid.Stage{aid.Offloaded, aid.Collected, aid.InTransit, aid.Delivered, aid.Intercepted, aid.Returned, aid.Cancelled, aid.Rejected}, e.status) {
			pending[e.doc.Crossing]++
		}
		return true
	})
	out := []CrossingView{}
	for _, f := range fs.Features {
		if f.Attrs.SiteKind != concord.SiteCrossing {
			continue
		}
		o, err := s.crossingOps(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		c := f.Geometry.Bound().Center()
		out = append(out, CrossingView{ID: f.ID, Name: f.Name, Lon: c.Lon(), Lat: c.Lat(), Operator: f.Marking.Owner, CrossingOps: o,
			Pending: pending[f.ID], Held: !o.Open && pending[f.ID] > 0})
	}
	slices.SortFunc(out, func(a, b CrossingView) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// CrossingInput changes a crossing's operating data; a change of Open
// needs a reason and is appended to the history.
type CrossingInput struct {
	Hours          string     `json:"hours"`
	CapacityTrucks float64    `json:"capacity_trucks"`
	InspectionMode string     `json:"inspection_mode"`
	Open           bool       `json:"open"`
	Reason         string     `json:"reason"`
	At             *time.Time `json:"at"`
	Version        int        `json:"version"`
}

// SetCrossing records a crossing's operating data: its operator or the
// coordination center.
func (s *Service) SetCrossing(ctx context.Context, v concord.Viewer, id string, in CrossingInput) (CrossingOps, error) {
	f, err := s.core.Feature(ctx, v, id)
	if err != nil {
		return CrossingOps{}, err
	}
	if f.Kind != concord.FeatureSite || f.Attrs.SiteKind != concord.SiteCrossing {
		return CrossingOps{}, concord.Errorf(concord.NotFound, "crossing %s not found", id)
	}
	if !v.IsSystem() && !s.core.IsCoordinator(v) && (v.Party != f.Marking.Owner || !v.CanWrite()) {
		return CrossingOps{}, concord.Errorf(concord.Forbidden, "only the crossing's operator (%s) or the coordination center sets its status", f.Marking.Owner)
	}
	var fe fieldErrors
	if in.InspectionMode == "" {
		in.InspectionMode = "on_site"
	}
	if !slices.Contains(InspectionModes, in.InspectionMode) {
		fe.add("inspection_mode", "must be one of %v", InspectionModes)
	}
	if in.CapacityTrucks < 0 || in.CapacityTrucks > 10000 {
		fe.add("capacity_trucks", "must be 0 to 10000")
	}
	if len(in.Hours) > 100 || len(in.Reason) > 500 {
		fe.add("hours", "hours at most 100 characters, reason at most 500")
	}
	o, err := s.crossingOps(ctx, id)
	if err != nil {
		return CrossingOps{}, err
	}
	now := s.core.Now().UTC().Truncate(time.Millisecond)
	at := now
	if in.At != nil {
		at = in.At.UTC()
		if at.After(now.Add(s.opts.FutureTolerance)) {
			fe.add("at", "is in the future")
		}
		if n := len(o.History); n > 0 && at.Before(o.History[n-1].From) {
			fe.add("at", "is before the last recorded change (%s)", o.History[n-1].From.Format(time.RFC3339))
		}
	}
	if in.Open != o.Open && strings.TrimSpace(in.Reason) == "" {
		fe.add("reason", "opening or closing a crossing needs a reason")
	}
	if err := fe.err("crossing"); err != nil {
		return CrossingOps{}, err
	}
	if in.Version != o.Version {
		return CrossingOps{}, concord.Errorf(concord.Conflict, "crossing %s is at version %d, not %d; reload and retry", id, o.Version, in.Version)
	}
	if in.Open != o.Open {
		o.History = append(o.History, CrossingState{Open: in.Open, From: at, Reason: strings.TrimSpace(in.Reason), By: v.Party})
	}
	o.Hours, o.CapacityTrucks, o.InspectionMode, o.Open = in.Hours, in.CapacityTrucks, in.InspectionMode, in.Open
	o.Version++
	b, err := json.Marshal(o)
	if err != nil {
		return CrossingOps{}, err
	}
	if err := s.core.CheckWritable(); err != nil {
		return CrossingOps{}, err
	}
	r := concord.Record{Kind: KindCrossing, ID: id, Marking: f.Marking, Version: o.Version, Status: map[bool]string{true: "open", false: "closed"}[o.Open],
		Data: b, CreatedAt: now, UpdatedAt: now}
	ev := concord.Event{ID: uuid.Must(uuid.NewV7()).String(), Kind: KindCrossing, Verb: concord.VerbUpdated, RecordID: id, Version: o.Version,
		Marking: f.Marking, At: now, Actor: v.Username, ActorParty: v.Party, Data: b}
	if err := s.store.WriteRecords(ctx, []concord.RecordWrite{{Record: r, Prev: o.Version - 1, Events: []concord.Event{ev}}}); err != nil {
		return CrossingOps{}, err
	}
	s.core.Committed()
	// The map shows the crossing's state too.
	status := concord.StatusClosed
	if o.Open {
		status = concord.StatusOpen
		if f.Attrs.Status == concord.StatusLimited {
			status = concord.StatusLimited
		}
	}
	if status != f.Attrs.Status || (in.Reason != "" && len(o.History) > 0 && o.History[len(o.History)-1].From.Equal(at)) {
		f.Attrs.Status = status
		if in.Reason != "" {
			f.Description = fmt.Sprintf("%s (%s)", strings.TrimSpace(in.Reason), at.Format("02 Jan 15:04Z"))
		}
		if _, err := s.core.UpdateFeature(ctx, v, id, concord.FeatureInput{Feature: f, Version: f.Version}); err != nil {
			return o, fmt.Errorf("crossing recorded, but its map status was not updated: %w", err)
		}
	}
	return o, nil
}
