package concord

import (
	"time"
)

// Severity ranks a deconfliction finding.
type Severity string

// The severities, most serious first.
const (
	SeverityBlocking Severity = "blocking"
	SeverityNeedsAck Severity = "needs_acknowledgement"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Finding is one thing the deconfliction engine found about a movement: a
// check, a severity, the part of the route concerned and when, the other
// record involved, the party whose acknowledgement is needed, and a
// sentence a logistics officer understands.
type Finding struct {
	Check      string    `json:"check"`
	Severity   Severity  `json:"severity"`
	Route      GeoLine   `json:"route"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	RecordID   string    `json:"record_id,omitempty"`
	RecordName string    `json:"record_name,omitempty"`
	Party      string    `json:"party,omitempty"`
	DistanceM  float64   `json:"distance_m"`
	Reason     string    `json:"reason"`
	// Records lists the records involved when there are several (the
	// other movements on a stretch); the Service uses it to withhold what
	// a reader may not see, and does not store it.
	Records []string `json:"-"`
}

// MovementPlan is what the engine checks: a route and a window.
type MovementPlan struct {
	ID          string
	Route       GeoLine
	Depart      time.Time
	Arrive      time.Time
	Emergency   bool
	SubmittedAt time.Time
}

// DepartureSlot is the earliest departure free of blocking findings within
// a horizon, with the reasons each earlier departure was ruled out.
type DepartureSlot struct {
	Found          bool       `json:"found"`
	Depart         time.Time  `json:"depart"`
	Arrive         time.Time  `json:"arrive"`
	RuledOut       []RuledOut `json:"ruled_out"`
	HorizonReached bool       `json:"horizon_reached"`
}

// RuledOut is a span of departures that meet a blocking finding.
type RuledOut struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Reasons []string  `json:"reasons"`
	// Records holds, beside each reason, the feature it names ("" for
	// none); not stored.
	Records []string `json:"-"`
}

// Deconflicter checks movement plans against the mission state it is fed.
// Package deconflict implements it; the Service keeps it current with every
// feature, notified site and movement change, local or from the bus.
type Deconflicter interface {
	Check(p MovementPlan) []Finding
	Earliest(p MovementPlan, horizon, step time.Duration) DepartureSlot
	// PutFeature indexes a feature (areas, control lines, sectors, sites;
	// other kinds are ignored); a deleted feature is removed.
	PutFeature(f Feature)
	// PutNotifiedSite indexes an active notified site (or removes it).
	PutNotifiedSite(n SiteNotification)
	// PutMovement indexes a movement that is approved or in progress and
	// removes it otherwise.
	PutMovement(m Movement)
	// Config returns the rules in force, for display.
	Rules() DeconflictRules
}

// DeconflictRules are the engine's configured thresholds.
type DeconflictRules struct {
	BufferM           float64       `json:"buffer_m"`
	CorridorCapacity  int           `json:"corridor_capacity"`
	LeadTime          time.Duration `json:"-"`
	EmergencyLeadTime time.Duration `json:"-"`
	MaxWindow         time.Duration `json:"-"`
	LeadTimeHours     float64       `json:"lead_time_hours"`
	EmergencyHours    float64       `json:"emergency_lead_time_hours"`
	MaxWindowHours    float64       `json:"max_window_hours"`
}
