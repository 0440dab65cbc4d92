package concord

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// MovementPurpose is why a movement travels.
type MovementPurpose string

// The movement purposes.
const (
	PurposeStaff      MovementPurpose = "staff"
	PurposeFood       MovementPurpose = "food"
	PurposeNonFood    MovementPurpose = "non_food"
	PurposeFuel       MovementPurpose = "fuel"
	PurposeMedevac    MovementPurpose = "medical_evacuation"
	PurposeCargo      MovementPurpose = "general_cargo"
	PurposeAssessment MovementPurpose = "assessment"
	PurposeOther      MovementPurpose = "other"
)

// MovementPurposes lists every purpose.
var MovementPurposes = []MovementPurpose{PurposeStaff, PurposeFood, PurposeNonFood, PurposeFuel, PurposeMedevac, PurposeCargo, PurposeAssessment, PurposeOther}

// MovementStatus is where a movement is in its workflow.
type MovementStatus string

// The movement workflow: submitted → transmitted → acknowledged →
// facilitated | partially facilitated | impeded | denied | postponed →
// in progress → completed; cancelled from any open state.
const (
	MovementSubmitted   MovementStatus = "submitted"
	MovementTransmitted MovementStatus = "transmitted"
	MovementAcked       MovementStatus = "acknowledged"
	MovementFacilitated MovementStatus = "facilitated"
	MovementPartial     MovementStatus = "partially_facilitated"
	MovementImpeded     MovementStatus = "impeded"
	MovementDenied      MovementStatus = "denied"
	MovementPostponed   MovementStatus = "postponed"
	MovementCancelled   MovementStatus = "cancelled"
	MovementInProgress  MovementStatus = "in_progress"
	MovementCompleted   MovementStatus = "completed"
)

// MovementStatuses lists every status in workflow order.
var MovementStatuses = []MovementStatus{MovementSubmitted, MovementTransmitted, MovementAcked, MovementFacilitated, MovementPartial,
	MovementImpeded, MovementDenied, MovementPostponed, MovementCancelled, MovementInProgress, MovementCompleted}

// Approved reports whether the movement is cleared to go (or going): such
// movements count against corridor capacity for others.
func (s MovementStatus) Approved() bool {
	switch s {
	case MovementAcked, MovementFacilitated, MovementPartial, MovementImpeded, MovementInProgress:
		return true
	}
	return false
}

// Closed reports whether the workflow has ended.
func (s MovementStatus) Closed() bool {
	return s == MovementDenied || s == MovementCancelled || s == MovementCompleted
}

// Vehicle is one vehicle of a movement.
type Vehicle struct {
	Plate    string `json:"plate"`
	Type     string `json:"type"`
	Markings string `json:"markings,omitempty"`
	// Tracker is the uid of the TAK device or vehicle tracker that reports
	// the vehicle's position, so that the live picture can follow the
	// movement (off route, arrival).
	Tracker string `json:"tracker,omitempty"`
}

// Contact is someone to call about a movement.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Radio string `json:"radio,omitempty"`
}

// AckState is a party's answer to a movement request.
type AckState string

// The acknowledgement states.
const (
	AckPending      AckState = "pending"
	AckAcknowledged AckState = "acknowledged"
	AckObjected     AckState = "objected"
)

// Ack is one party's acknowledgement of a movement. When the owner's
// release policy keeps the movement from that party, the coordination
// center relays a sanitized request instead (Relayed).
type Ack struct {
	Party   string     `json:"party"`
	State   AckState   `json:"state"`
	Reason  string     `json:"reason,omitempty"`
	At      *time.Time `json:"at,omitempty"`
	By      string     `json:"by,omitempty"`
	Relayed bool       `json:"relayed"`
	// Why lists the findings that need this party's acknowledgement.
	Why []string `json:"why"`
	// Route is the part of the route of concern to the party, and From
	// and To when the movement is there.
	Route []GeoLine `json:"route"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	// Asked is when the party was (last) asked.
	Asked time.Time `json:"asked"`
}

// Delay is a delay a movement met.
type Delay struct {
	Minutes int    `json:"minutes"`
	Reason  string `json:"reason"`
}

// Decision is the coordination center's outcome for a movement.
type Decision struct {
	Outcome MovementStatus `json:"outcome"`
	Reason  string         `json:"reason,omitempty"`
	Delays  []Delay        `json:"delays,omitempty"`
	At      time.Time      `json:"at"`
	By      string         `json:"by"`
}

// Movement is a humanitarian movement notification.
type Movement struct {
	ID        string          `json:"id"`
	Reference string          `json:"reference"`
	Purpose   MovementPurpose `json:"purpose"`
	Route     GeoLine         `json:"route"`
	// Sites and Corridors name the sites and corridors the route follows.
	Sites        []string  `json:"sites"`
	Corridors    []string  `json:"corridors"`
	Depart       time.Time `json:"depart"`
	Arrive       time.Time `json:"arrive"`
	Vehicles     []Vehicle `json:"vehicles"`
	Personnel    int       `json:"personnel"`
	Contacts     []Contact `json:"contacts"`
	Consignments []string  `json:"consignments"`
	Emergency    bool      `json:"emergency"`
	Notes        string    `json:"notes,omitempty"`
	Marking      Marking   `json:"marking"`

	Status   MovementStatus `json:"status"`
	Findings []Finding      `json:"findings"`
	Acks     []Ack          `json:"acks"`
	Decision *Decision      `json:"decision,omitempty"`
	// Earliest is the earliest departure free of blocking findings, when
	// the plan has any.
	Earliest *DepartureSlot `json:"earliest,omitempty"`

	SubmittedAt    time.Time `json:"submitted_at"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	UpdatedBy      string    `json:"updated_by"`
	UpdatedByParty string    `json:"updated_by_party"`
}

// Plan returns what the engine checks of a movement.
func (m *Movement) Plan() MovementPlan {
	return MovementPlan{ID: m.ID, Route: m.Route, Depart: m.Depart, Arrive: m.Arrive, Emergency: m.Emergency, SubmittedAt: m.SubmittedAt}
}

// LengthKm returns the route length on the ellipsoid.
func (m *Movement) LengthKm() float64 { return geo.LengthHaversine(orb.LineString(m.Route)) / 1000 }

// Ack returns the acknowledgement of a party, if asked.
func (m *Movement) Ack(party string) *Ack {
	for i := range m.Acks {
		if m.Acks[i].Party == party {
			return &m.Acks[i]
		}
	}
	return nil
}

// MovementLimits bound what a movement request may be.
type MovementLimits struct {
	MaxRouteKm float64
	MaxWindow  time.Duration
	MaxVertex  int
	// AO, when set, must contain the whole route.
	AO orb.Geometry
}

// validate checks the movement's own fields.
func (m *Movement) validate(lim MovementLimits) error {
	var fe fieldErrors
	if !slices.Contains(MovementPurposes, m.Purpose) {
		fe.add("purpose", "must be one of %v, got %q", MovementPurposes, m.Purpose)
	}
	switch {
	case len(m.Route) < 2:
		fe.add("route", "needs at least 2 points, got %d", len(m.Route))
	case len(m.Route) > lim.MaxVertex:
		fe.add("route", "has %d points, more than the limit of %d", len(m.Route), lim.MaxVertex)
	default:
		for i, p := range m.Route {
			if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 || p[0] != p[0] || p[1] != p[1] {
				fe.add("route", "point %d (%g, %g) is not a valid longitude and latitude", i, p[0], p[1])
				break
			}
		}
		if km := m.LengthKm(); km == 0 {
			fe.add("route", "has zero length: its points are all the same")
		} else if lim.MaxRouteKm > 0 && km > lim.MaxRouteKm {
			fe.add("route", "is %.1f km long, more than the limit of %.0f km; split the movement", km, lim.MaxRouteKm)
		}
		if lim.AO != nil {
			for i, p := range m.Route {
				if !contains(lim.AO, p) {
					fe.add("route", "point %d (%.5f, %.5f) is outside the area of operations", i, p[0], p[1])
					break
				}
			}
		}
	}
	if m.Depart.IsZero() {
		fe.add("depart", "is required")
	}
	if m.Arrive.IsZero() {
		fe.add("arrive", "is required")
	}
	if !m.Depart.IsZero() && !m.Arrive.IsZero() {
		if !m.Arrive.After(m.Depart) {
			fe.add("arrive", "the window ends (%s) before or when it starts (%s)", m.Arrive.UTC().Format(time.RFC3339), m.Depart.UTC().Format(time.RFC3339))
		} else if d := m.Arrive.Sub(m.Depart); d > lim.MaxWindow {
			fe.add("arrive", "the window is %.1f h long; at most %.0f h", d.Hours(), lim.MaxWindow.Hours())
		}
	}
	if m.Personnel < 0 || m.Personnel > 10000 {
		fe.add("personnel", "must be 0 to 10000")
	}
	if len(m.Vehicles) > 200 {
		fe.add("vehicles", "at most 200 vehicles")
	}
	for i, v := range m.Vehicles {
		if strings.TrimSpace(v.Plate) == "" || strings.TrimSpace(v.Type) == "" {
			fe.add("vehicles", "vehicle %d needs a plate and a type", i)
		}
		if len(v.Tracker) > maxUIDLength {
			fe.add("vehicles", "vehicle %d: tracker uid at most %d characters", i, maxUIDLength)
		}
	}
	for i, c := range m.Contacts {
		if strings.TrimSpace(c.Name) == "" {
			fe.add("contacts", "contact %d needs a name", i)
		}
	}
	if len(m.Notes) > 5000 {
		fe.add("notes", "at most 5000 characters")
	}
	return fe.err("invalid movement")
}

// contains reports whether polygonal g contains p.
func contains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return polyContains(g, p)
	case orb.MultiPolygon:
		for _, pg := range g {
			if polyContains(pg, p) {
				return true
			}
		}
	}
	return false
}

func polyContains(pg orb.Polygon, p orb.Point) bool {
	if len(pg) == 0 || !ringContains(pg[0], p) {
		return false
	}
	for _, h := range pg[1:] {
		if ringContains(h, p) {
			return false
		}
	}
	return true
}

func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// record returns the movement as a stored record.
func (m *Movement) record() (Record, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return Record{}, err
	}
	from, to := m.Depart, m.Arrive
	return Record{Kind: "movement", ID: m.ID, Marking: m.Marking, Version: m.Version, Status: string(m.Status),
		From: &from, To: &to, Data: data, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}, nil
}

func movementOf(r Record) (Movement, error) {
	var m Movement
	if err := json.Unmarshal(r.Data, &m); err != nil {
		return m, fmt.Errorf("movement %s: %w", r.ID, err)
	}
	return m, nil
}

// RelayRequest is what a party that may not see a movement receives when
// the coordination center relays the acknowledgement request: the part of
// the route of its concern, when, how many vehicles, and a reference —
// nothing that names the organization, its staff or contacts.
type RelayRequest struct {
	Reference string    `json:"reference"`
	Party     string    `json:"party"`
	Route     []GeoLine `json:"route"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Vehicles  int       `json:"vehicles"`
	Emergency bool      `json:"emergency"`
	Why       []string  `json:"why"`
	State     AckState  `json:"state"`
	Asked     time.Time `json:"asked"`
	Status    string    `json:"status"`
}

// relayOf derives the sanitized request for a relayed acknowledgement.
func relayOf(m *Movement, a *Ack) RelayRequest {
	return RelayRequest{Reference: m.ID, Party: a.Party, Route: a.Route, From: a.From, To: a.To, Vehicles: len(m.Vehicles),
		Emergency: m.Emergency, Why: a.Why, State: a.State, Asked: a.Asked, Status: string(relayStatus(m.Status))}
}

// relayStatus tells a relayed party only whether the request is still open.
func relayStatus(s MovementStatus) string {
	if s.Closed() {
		return "closed"
	}
	return "open"
}
