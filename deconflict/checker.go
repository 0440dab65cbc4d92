package deconflict

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
)

// Checker is the engine behind concord.Deconflicter: it keeps an Index
// current from the mission's features, notified sites and movements, and
// answers checks in the domain's terms.
type Checker struct {
	x *Index
}

var _ concord.Deconflicter = (*Checker)(nil)

// NewChecker returns a Checker with an empty index.
func NewChecker(cfg Config) *Checker { return &Checker{x: NewIndex(cfg)} }

// Index returns the underlying index (for benchmarks).
func (c *Checker) Index() *Index { return c.x }

func toPlan(p concord.MovementPlan) Plan {
	return Plan{ID: p.ID, Route: orb.LineString(p.Route), Depart: p.Depart, Arrive: p.Arrive, Emergency: p.Emergency, SubmittedAt: p.SubmittedAt}
}

// Check returns the findings for a plan.
func (c *Checker) Check(p concord.MovementPlan) []concord.Finding {
	fs := c.x.Check(toPlan(p))
	out := make([]concord.Finding, len(fs))
	for i, f := range fs {
		out[i] = concord.Finding{Check: f.Check, Severity: concord.Severity(f.Severity), Route: concord.GeoLine(f.Route), From: f.From, To: f.To,
			RecordID: f.RecordID, RecordName: f.RecordName, Party: f.Party, DistanceM: f.DistanceM, Reason: f.Reason, Records: f.Records}
	}
	return out
}

// Earliest returns the earliest departure free of blocking findings.
func (c *Checker) Earliest(p concord.MovementPlan, horizon, step time.Duration) concord.DepartureSlot {
	s := c.x.Earliest(toPlan(p), horizon, step)
	out := concord.DepartureSlot{Found: s.Found, Depart: s.Depart, Arrive: s.Arrive, HorizonReached: s.HorizonReached, RuledOut: []concord.RuledOut{}}
	for _, r := range s.RuledOut {
		out.RuledOut = append(out.RuledOut, concord.RuledOut{From: r.From, To: r.To, Reasons: r.Reasons, Records: r.Records})
	}
	return out
}

// PutFeature indexes the kinds the checks use and removes deleted ones.
func (c *Checker) PutFeature(f concord.Feature) {
	if f.Deleted {
		c.x.Remove(f.ID)
		return
	}
	switch f.Kind {
	case concord.FeatureRestrictedArea, concord.FeatureActivityArea:
		c.x.PutArea(Area{ID: f.ID, Name: f.Name, Activity: f.Kind == concord.FeatureActivityArea, Geometry: f.Geometry,
			From: f.ValidFrom, To: f.ValidTo, Party: f.Attrs.ControllingParty})
	case concord.FeatureControlLine:
		c.x.PutLine(Line{ID: f.ID, Name: f.Name, Version: string(f.Attrs.LineVersion), Geometry: f.Geometry, Party: f.Attrs.ControllingParty})
	case concord.FeatureSector:
		c.x.PutSector(Sector{ID: f.ID, Name: f.Name, Lead: f.Attrs.LeadParty, Geometry: f.Geometry})
	case concord.FeatureSite:
		c.x.PutSite(Site{ID: f.ID, Name: f.Name, Kind: string(f.Attrs.SiteKind), Status: string(f.Attrs.Status), Geometry: f.Geometry})
	}
}

// PutNotifiedSite indexes an active notified site, or removes it.
func (c *Checker) PutNotifiedSite(n concord.SiteNotification) {
	if n.Status != concord.NotificationActive || n.Geometry.Geometry == nil {
		c.x.Remove(n.ID)
		return
	}
	c.x.PutSite(Site{ID: n.ID, Name: n.Name, Kind: string(n.Category), Status: "open", Notified: true, Geometry: n.Geometry.Geometry})
}

// PutMovement indexes approved or in-progress movements and removes others.
func (c *Checker) PutMovement(m concord.Movement) {
	if !m.Status.Approved() {
		c.x.RemoveMovement(m.ID)
		return
	}
	c.x.PutMovement(Movement{ID: m.ID, Name: m.Reference, Route: orb.LineString(m.Route), Depart: m.Depart, Arrive: m.Arrive})
}

// Rules returns the thresholds in force.
func (c *Checker) Rules() concord.DeconflictRules {
	cfg := c.x.Config()
	return concord.DeconflictRules{BufferM: cfg.BufferM, CorridorCapacity: cfg.CorridorCapacity, LeadTime: cfg.LeadTime, EmergencyLeadTime: cfg.EmergencyLeadTime,
		MaxWindow: cfg.MaxWindow, LeadTimeHours: cfg.LeadTime.Hours(), EmergencyHours: cfg.EmergencyLeadTime.Hours(), MaxWindowHours: cfg.MaxWindow.Hours()}
}
