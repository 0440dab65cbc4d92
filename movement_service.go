package concord

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// checkWrite checks that v may write at all.
func (s *Service) checkWrite(v Viewer) error {
	if err := s.checkViewer(v); err != nil {
		return err
	}
	if !v.CanWrite() {
		return Errorf(Forbidden, "your role may not change mission data")
	}
	return s.CheckWritable()
}

// ownMarking normalizes a marking for a new record of v's.
func (s *Service) ownMarking(v Viewer, m Marking) (Marking, error) {
	if m.Owner == "" {
		m.Owner = v.Party
	}
	n, err := s.access.Directory().NormalizeMarking(m)
	if err != nil {
		return Marking{}, err
	}
	if n.Owner != v.Party && !s.IsCoordinator(v) {
		return Marking{}, Errorf(Forbidden, "you may only create records owned by your party %s, not %s", v.Party, n.Owner)
	}
	return n, nil
}

func (s *Service) movementLimits(ctx context.Context) MovementLimits {
	l := s.opts.MovementLimits
	if l.AO == nil {
		// The mission's areas of operations bound every route.
		if aos, err := s.store.Features(ctx, FeatureQuery{Kinds: []FeatureKind{FeatureAO}, Limit: 10}); err == nil && len(aos) > 0 {
			var mp orb.MultiPolygon
			for _, f := range aos {
				switch g := f.Geometry.(type) {
				case orb.Polygon:
					mp = append(mp, g)
				case orb.MultiPolygon:
					mp = append(mp, g...)
				}
			}
			l.AO = mp
		}
	}
	if l.MaxVertex == 0 {
		l.MaxVertex = 2000
	}
	if l.MaxRouteKm == 0 {
		l.MaxRouteKm = 300
	}
	if l.MaxWindow == 0 {
		l.MaxWindow = 7 * 24 * time.Hour
	}
	return l
}

func (s *Service) deconflicter() (Deconflicter, error) {
	if s.opts.Deconflicter == nil {
		return nil, Errorf(Unavailable, "deconfliction is not configured on this instance")
	}
	return s.opts.Deconflicter, nil
}

// CheckMovement runs the engine on a plan without storing anything, for
// a form that shows findings while the route is drawn.
func (s *Service) CheckMovement(ctx context.Context, v Viewer, m Movement) (Movement, error) {
	if err := s.checkViewer(v); err != nil {
		return m, err
	}
	if err := m.validate(s.movementLimits(ctx)); err != nil {
		return m, err
	}
	dc, err := s.deconflicter()
	if err != nil {
		return m, err
	}
	m.SubmittedAt = s.now().UTC()
	s.assess(dc, &m)
	// The findings go to the viewer, and will go to every party the plan
	// is marked for once it is notified.
	aud := []string{v.Party}
	if mk, err := s.access.Directory().NormalizeMarking(m.Marking); err == nil {
		aud = s.audience(v, mk)
	}
	s.releaseFindings(ctx, &m, aud)
	return m, nil
}

// assess runs the engine on m and fills its findings and earliest slot.
func (s *Service) assess(dc Deconflicter, m *Movement) {
	m.Findings = dc.Check(m.Plan())
	if m.Findings == nil {
		m.Findings = []Finding{}
	}
	m.Earliest = nil
	if slices.ContainsFunc(m.Findings, func(f Finding) bool { return f.Severity == SeverityBlocking }) {
		slot := dc.Earliest(m.Plan(), 72*time.Hour, 15*time.Minute)
		m.Earliest = &slot
	}
}

// ackNeeds groups, per party, the findings that need its acknowledgement.
func ackNeeds(fs []Finding) map[string][]Finding {
	out := map[string][]Finding{}
	for _, f := range fs {
		if f.Severity == SeverityNeedsAck && f.Party != "" {
			out[f.Party] = append(out[f.Party], f)
		}
	}
	return out
}

// concern summarises findings into the route parts and time a party must
// consider, and the reasons.
func concern(fs []Finding) (route []GeoLine, from, to time.Time, why []string) {
	for i, f := range fs {
		route = append(route, f.Route)
		why = append(why, f.Reason)
		if i == 0 || f.From.Before(from) {
			from = f.From
		}
		if i == 0 || f.To.After(to) {
			to = f.To
		}
	}
	return
}

// sameConcern reports whether a party's concern is unchanged by an edit
// — the same records, the same stretches of road (ends within 50 m) at
// about the same time (within 10 minutes) — so that it need not be asked
// again.
func sameConcern(a, b []Finding) bool {
	if len(a) != len(b) {
		return false
	}
	near := func(p, q orb.Point) bool { return geo.Distance(p, q) <= 50 }
	close := func(t, u time.Time) bool { d := t.Sub(u); return d < 10*time.Minute && d > -10*time.Minute }
	for i := range a {
		ra, rb := orb.LineString(a[i].Route), orb.LineString(b[i].Route)
		if a[i].Check != b[i].Check || a[i].RecordID != b[i].RecordID || len(ra) == 0 || len(rb) == 0 ||
			!near(ra[0], rb[0]) || !near(ra[len(ra)-1], rb[len(rb)-1]) || !close(a[i].From, b[i].From) || !close(a[i].To, b[i].To) {
			return false
		}
	}
	return true
}

// checkRefs verifies that the sites and corridors a movement names exist
// and are visible to v.
func (s *Service) checkRefs(ctx context.Context, v Viewer, m *Movement) error {
	var fe fieldErrors
	for field, ids := range map[string][]string{"sites": m.Sites, "corridors": m.Corridors} {
		want := FeatureSite
		if field == "corridors" {
			want = FeatureRoute
		}
		for _, id := range ids {
			f, err := s.Feature(ctx, v, id)
			if err != nil || f.Kind != want {
				fe.add(field, "unknown %s %q", strings.TrimSuffix(field, "s"), id)
			}
		}
	}
	return fe.err("invalid movement")
}

// CreateMovement notifies a movement: it is checked by the engine and
// stored as submitted.
func (s *Service) CreateMovement(ctx context.Context, v Viewer, m Movement) (Movement, error) {
	if err := s.checkWrite(v); err != nil {
		return m, err
	}
	if err := m.validate(s.movementLimits(ctx)); err != nil {
		return m, err
	}
	if err := s.checkRefs(ctx, v, &m); err != nil {
		return m, err
	}
	mk, err := s.ownMarking(v, m.Marking)
	if err != nil {
		return m, err
	}
	dc, err := s.deconflicter()
	if err != nil {
		return m, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	m.ID, m.Marking, m.Status, m.Version = newID(), mk, MovementSubmitted, 1
	m.Reference = fmt.Sprintf("MOV-%s-%s", now.Format("060102"), strings.ToUpper(m.ID[len(m.ID)-6:]))
	m.SubmittedAt, m.CreatedAt, m.UpdatedAt, m.UpdatedBy, m.UpdatedByParty = now, now, now, v.Username, v.Party
	m.Acks, m.Decision = []Ack{}, nil
	normalize(&m)
	s.assess(dc, &m)
	s.releaseFindings(ctx, &m, s.audience(v, m.Marking))
	return m, s.saveMovement(ctx, v, &m, 0, VerbCreated, nil)
}

func normalize(m *Movement) {
	m.Depart, m.Arrive = m.Depart.UTC().Truncate(time.Second), m.Arrive.UTC().Truncate(time.Second)
	for _, p := range []*[]string{&m.Sites, &m.Corridors, &m.Consignments} {
		if *p == nil {
			*p = []string{}
		}
	}
	if m.Vehicles == nil {
		m.Vehicles = []Vehicle{}
	}
	if m.Contacts == nil {
		m.Contacts = []Contact{}
	}
}

// saveMovement stores a movement with its event and, for every relayed
// party newly asked, a relay event only that party (and the center) sees.
func (s *Service) saveMovement(ctx context.Context, v Viewer, m *Movement, prev int, verb string, asked []string) error {
	r, err := m.record()
	if err != nil {
		return err
	}
	ev := s.newEvent(v, "movement", verb, m.ID, m.Version, m.Marking, m.UpdatedAt)
	// The event goes to everyone who may see the movement: it names no
	// officer of a relayed party.
	pub := s.redactRelays(Viewer{}, *m)
	if ev.Data, err = json.Marshal(pub); err != nil {
		return err
	}
	var extra []Event
	coord := s.coordinationParty()
	for _, p := range asked {
		a := m.Ack(p)
		if a == nil || !a.Relayed {
			continue
		}
		rr := relayOf(m, a)
		e := s.newEvent(v, "relay", "requested", m.ID+":"+p, m.Version, Marking{Owner: coord, Rel: []string{p}, Caveats: []string{}}, m.UpdatedAt)
		e.Data, _ = json.Marshal(rr)
		extra = append(extra, e)
	}
	if prev == 0 {
		err = s.store.InsertRecord(ctx, r, ev, extra...)
	} else {
		err = s.store.UpdateRecord(ctx, r, prev, ev, extra...)
	}
	if err != nil {
		return err
	}
	if s.opts.Deconflicter != nil {
		s.opts.Deconflicter.PutMovement(*m)
	}
	for _, p := range asked {
		if a := m.Ack(p); a != nil && a.Relayed {
			s.Disclosed(p, "movement", m.ID, m.Version, "relay")
		}
	}
	s.Committed()
	return nil
}

// coordinationParty returns the code of the (first) coordination party.
func (s *Service) coordinationParty() string {
	for _, p := range s.access.Directory().Parties() {
		if p.Kind == KindCoordination {
			return p.Code
		}
	}
	return ""
}

// Movement returns a movement v may see.
func (s *Service) Movement(ctx context.Context, v Viewer, id string) (Movement, error) {
	if err := s.checkViewer(v); err != nil {
		return Movement{}, err
	}
	r, err := s.store.Record(ctx, "movement", id)
	if err != nil || !s.access.CanSee(v, r.Marking) {
		return Movement{}, Errorf(NotFound, "movement %s not found", id)
	}
	m, err := movementOf(r)
	return s.redactRelays(v, m), err
}

// redactRelays hides who answered a relayed request from everyone but the
// coordination center and the answering party: the parties deal through
// the center, not with each other's officers.
func (s *Service) redactRelays(v Viewer, m Movement) Movement {
	if v.Party != "" && (s.IsCoordinator(v) || v.IsSystem()) {
		return m
	}
	acks := slices.Clone(m.Acks)
	for i := range acks {
		if acks[i].Relayed && acks[i].Party != v.Party {
			if acks[i].By != "" {
				acks[i].By = "relayed by the coordination center"
			}
			if m.UpdatedByParty == acks[i].Party {
				m.UpdatedBy, m.UpdatedByParty = "relayed by the coordination center", ""
			}
		}
	}
	m.Acks = acks
	return m
}

// MovementQuery filters the movement queue.
type MovementQuery struct {
	Statuses  []string
	Party     string // owner, or asked to acknowledge
	Emergency *bool
	Limit     int
	After     string
}

// Movements lists the movements v may see, oldest first by id.
func (s *Service) Movements(ctx context.Context, v Viewer, q MovementQuery) ([]Movement, string, error) {
	if err := s.checkViewer(v); err != nil {
		return nil, "", err
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	out := []Movement{}
	after := q.After
	for {
		rs, err := s.store.Records(ctx, RecordQuery{Kind: "movement", Statuses: q.Statuses, After: after, Limit: 500})
		if err != nil {
			return nil, "", err
		}
		for _, r := range rs {
			if !s.access.CanSee(v, r.Marking) {
				continue
			}
			m, err := movementOf(r)
			if err != nil {
				return nil, "", err
			}
			if q.Party != "" && m.Marking.Owner != q.Party && m.Ack(q.Party) == nil {
				continue
			}
			if q.Emergency != nil && m.Emergency != *q.Emergency {
				continue
			}
			out = append(out, s.redactRelays(v, m))
			if len(out) == q.Limit {
				return out, m.ID, nil
			}
		}
		if len(rs) < 500 {
			return out, "", nil
		}
		after = rs[len(rs)-1].ID
	}
}

// Inbox is a party's acknowledgement inbox: the movements it must answer,
// in full when it may see them, relayed and sanitized when not.
type Inbox struct {
	Direct  []Movement     `json:"direct"`
	Relayed []RelayRequest `json:"relayed"`
}

// AckInbox returns the open requests addressed to v's party.
func (s *Service) AckInbox(ctx context.Context, v Viewer) (Inbox, error) {
	in := Inbox{Direct: []Movement{}, Relayed: []RelayRequest{}}
	if err := s.checkViewer(v); err != nil {
		return in, err
	}
	rs, err := s.store.Records(ctx, RecordQuery{Kind: "movement", Statuses: []string{string(MovementTransmitted), string(MovementAcked)}})
	if err != nil {
		return in, err
	}
	for _, r := range rs {
		m, err := movementOf(r)
		if err != nil {
			return in, err
		}
		a := m.Ack(v.Party)
		if a == nil {
			continue
		}
		if a.Relayed {
			in.Relayed = append(in.Relayed, relayOf(&m, a))
			s.Disclosed(v.Party, "movement", m.ID, m.Version, "relay")
		} else if s.access.CanSee(v, m.Marking) {
			in.Direct = append(in.Direct, m)
		}
	}
	return in, nil
}

// changeMovement loads a movement for a workflow step; an ack may be made
// by a party that cannot see the movement (relayed).
func (s *Service) loadMovement(ctx context.Context, id string) (Movement, error) {
	r, err := s.store.Record(ctx, "movement", id)
	if err != nil {
		return Movement{}, err
	}
	return movementOf(r)
}

func (s *Service) touch(v Viewer, m *Movement) int {
	prev := m.Version
	m.Version++
	m.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	m.UpdatedBy, m.UpdatedByParty = v.Username, v.Party
	return prev
}

// UpdateMovement changes a movement's plan (route, window, details) while
// it is open. The engine runs again; parties already asked are asked again
// only if their concern changed.
func (s *Service) UpdateMovement(ctx context.Context, v Viewer, id string, version int, in Movement) (Movement, error) {
	if err := s.checkWrite(v); err != nil {
		return Movement{}, err
	}
	m, err := s.Movement(ctx, v, id)
	if err != nil {
		return m, err
	}
	if m.Marking.Owner != v.Party && !s.IsCoordinator(v) {
		return m, Errorf(Forbidden, "only %s or the coordination center may change this movement", m.Marking.Owner)
	}
	if version != m.Version {
		return m, Errorf(Conflict, "movement %s is at version %d, not %d: reload and retry", id, m.Version, version)
	}
	switch m.Status {
	case MovementSubmitted, MovementTransmitted, MovementAcked, MovementPostponed:
	default:
		return m, Errorf(Conflict, "a movement that is %s can no longer be changed", m.Status)
	}
	if err := in.validate(s.movementLimits(ctx)); err != nil {
		return m, err
	}
	if err := s.checkRefs(ctx, v, &in); err != nil {
		return m, err
	}
	mk, err := s.access.Directory().NormalizeMarking(in.Marking)
	if err != nil {
		return m, err
	}
	if mk.Owner != m.Marking.Owner {
		return m, Errorf(Forbidden, "the owner of a movement cannot change")
	}
	dc, err := s.deconflicter()
	if err != nil {
		return m, err
	}
	old := ackNeeds(m.Findings)
	m.Purpose, m.Route, m.Sites, m.Corridors = in.Purpose, in.Route, in.Sites, in.Corridors
	m.Depart, m.Arrive, m.Vehicles, m.Personnel = in.Depart, in.Arrive, in.Vehicles, in.Personnel
	m.Contacts, m.Consignments, m.Emergency, m.Notes, m.Marking = in.Contacts, in.Consignments, in.Emergency, in.Notes, mk
	normalize(&m)
	prev := s.touch(v, &m)
	s.assess(dc, &m)
	s.releaseFindings(ctx, &m, s.audience(v, m.Marking))
	var asked []string
	if m.Status == MovementPostponed {
		m.Status, m.Decision = MovementSubmitted, nil
	}
	if m.Status != MovementSubmitted {
		asked = s.reask(&m, old)
	}
	return m, s.saveMovement(ctx, v, &m, prev, VerbUpdated, asked)
}

// reask updates the acknowledgements after the findings changed: parties
// whose concern is unchanged keep their answer, parties no longer
// concerned are dropped, new or changed ones are asked (again). It returns
// the parties asked.
func (s *Service) reask(m *Movement, old map[string][]Finding) []string {
	needs := ackNeeds(m.Findings)
	d := s.access.Directory()
	var acks []Ack
	var asked []string
	var parties []string
	for p := range needs {
		parties = append(parties, p)
	}
	sort.Strings(parties)
	for _, p := range parties {
		if p == m.Marking.Owner {
			continue // a party does not acknowledge its own movement
		}
		route, from, to, why := concern(needs[p])
		prev := m.Ack(p)
		if prev != nil && sameConcern(old[p], needs[p]) {
			a := *prev
			a.Relayed = !d.CanSee(p, m.Marking)
			acks = append(acks, a)
			continue
		}
		acks = append(acks, Ack{Party: p, State: AckPending, Relayed: !d.CanSee(p, m.Marking), Why: why, Route: route, From: from, To: to, Asked: m.UpdatedAt})
		asked = append(asked, p)
	}
	if acks == nil {
		acks = []Ack{}
	}
	m.Acks = acks
	m.Status = MovementTransmitted
	if allAcked(m.Acks) {
		m.Status = MovementAcked
	}
	return asked
}

func allAcked(acks []Ack) bool {
	for _, a := range acks {
		if a.State != AckAcknowledged {
			return false
		}
	}
	return true
}

// TransmitMovement sends a submitted movement to every party whose
// acknowledgement it needs (the coordination center only). Parties the
// owner's release policy keeps it from receive a relayed, sanitized
// request.
func (s *Service) TransmitMovement(ctx context.Context, v Viewer, id string) (Movement, error) {
	m, err := s.coordinatorStep(ctx, v, id, MovementSubmitted)
	if err != nil {
		return m, err
	}
	prev := s.touch(v, &m)
	asked := s.reask(&m, nil)
	return m, s.saveMovement(ctx, v, &m, prev, "transmitted", asked)
}

func (s *Service) coordinatorStep(ctx context.Context, v Viewer, id string, from ...MovementStatus) (Movement, error) {
	if err := s.checkWrite(v); err != nil {
		return Movement{}, err
	}
	if !s.IsCoordinator(v) {
		return Movement{}, Errorf(Forbidden, "only the coordination center's coordinators may do this")
	}
	m, err := s.Movement(ctx, v, id)
	if err != nil {
		return m, err
	}
	if !slices.Contains(from, m.Status) {
		return m, Errorf(Conflict, "movement %s is %s; this step needs it to be %s", m.Reference, m.Status, joinStatuses(from))
	}
	return m, nil
}

func joinStatuses(ss []MovementStatus) string {
	var out []string
	for _, s := range ss {
		out = append(out, string(s))
	}
	return strings.Join(out, " or ")
}

// AckDecision is a party's answer.
type AckDecision struct {
	Acknowledge bool
	Reason      string
}

// AcknowledgeMovement records v's party's answer to a request addressed to
// it, directly or relayed. A party answers only its own requests.
func (s *Service) AcknowledgeMovement(ctx context.Context, v Viewer, id string, d AckDecision) (Movement, error) {
	if err := s.checkWrite(v); err != nil {
		return Movement{}, err
	}
	if !v.Has(RoleLiaison) && !v.Has(RoleCoordinator) && !v.Has(RoleAdmin) {
		return Movement{}, Errorf(Forbidden, "only liaison officers or coordinators may acknowledge movements")
	}
	m, err := s.loadMovement(ctx, id)
	if err != nil {
		return m, Errorf(NotFound, "no request %s is addressed to %s", id, v.Party)
	}
	a := m.Ack(v.Party)
	if a == nil || (!a.Relayed && !s.access.CanSee(v, m.Marking)) {
		return Movement{}, Errorf(NotFound, "no request %s is addressed to %s", id, v.Party)
	}
	if m.Status != MovementTransmitted && m.Status != MovementAcked {
		return Movement{}, Errorf(Conflict, "the request is closed (the movement is %s)", relayStatus(m.Status))
	}
	if !d.Acknowledge && strings.TrimSpace(d.Reason) == "" {
		return Movement{}, InvalidFields("invalid answer: an objection needs a reason", []FieldError{{Field: "reason", Reason: "is required to object"}})
	}
	prev := s.touch(v, &m)
	now := m.UpdatedAt
	a = m.Ack(v.Party)
	a.At, a.By, a.Reason = &now, v.Username, strings.TrimSpace(d.Reason)
	a.State = AckAcknowledged
	if !d.Acknowledge {
		a.State = AckObjected
	}
	m.Status = MovementTransmitted
	if allAcked(m.Acks) {
		m.Status = MovementAcked
	}
	// The answering party's own view: relayed parties get their request.
	if a.Relayed {
		m2 := m
		if err := s.saveMovement(ctx, v, &m2, prev, "acknowledged", []string{v.Party}); err != nil {
			return Movement{}, err
		}
		return m2, nil
	}
	return m, s.saveMovement(ctx, v, &m, prev, "acknowledged", nil)
}

// MovementDecision is the coordination center's outcome.
type MovementDecision struct {
	Outcome MovementStatus
	Reason  string
	Delays  []Delay
}

// DecideMovement records the coordination center's outcome for a
// transmitted or acknowledged movement.
func (s *Service) DecideMovement(ctx context.Context, v Viewer, id string, d MovementDecision) (Movement, error) {
	switch d.Outcome {
	case MovementFacilitated, MovementPartial, MovementImpeded, MovementDenied, MovementPostponed:
	default:
		return Movement{}, InvalidFields(fmt.Sprintf("invalid decision: outcome must be facilitated, partially_facilitated, impeded, denied or postponed, got %q", d.Outcome),
			[]FieldError{{Field: "outcome", Reason: "unknown outcome"}})
	}
	if (d.Outcome == MovementDenied || d.Outcome == MovementPostponed || d.Outcome == MovementPartial) && strings.TrimSpace(d.Reason) == "" {
		return Movement{}, InvalidFields("invalid decision: a "+string(d.Outcome)+" outcome needs a reason", []FieldError{{Field: "reason", Reason: "is required"}})
	}
	for i, dl := range d.Delays {
		if dl.Minutes <= 0 || dl.Minutes > 7*24*60 || strings.TrimSpace(dl.Reason) == "" {
			return Movement{}, InvalidFields(fmt.Sprintf("invalid decision: delay %d needs minutes (1 to 10080) and a reason", i), []FieldError{{Field: "delays", Reason: "minutes and reason"}})
		}
	}
	if d.Outcome == MovementImpeded && len(d.Delays) == 0 {
		return Movement{}, InvalidFields("invalid decision: an impeded movement needs its delays", []FieldError{{Field: "delays", Reason: "at least one"}})
	}
	m, err := s.coordinatorStep(ctx, v, id, MovementTransmitted, MovementAcked)
	if err != nil {
		return m, err
	}
	if d.Outcome == MovementFacilitated {
		if slices.ContainsFunc(m.Findings, func(f Finding) bool { return f.Severity == SeverityBlocking }) {
			return m, Errorf(Conflict, "movement %s still has blocking findings; re-route it, move its window, or postpone or deny it", m.Reference)
		}
		if !allAcked(m.Acks) {
			return m, Errorf(Conflict, "movement %s is not acknowledged by every party yet; a movement with an objection can be partially facilitated, postponed or denied", m.Reference)
		}
	}
	prev := s.touch(v, &m)
	m.Status = d.Outcome
	m.Decision = &Decision{Outcome: d.Outcome, Reason: strings.TrimSpace(d.Reason), Delays: d.Delays, At: m.UpdatedAt, By: v.Username}
	return m, s.saveMovement(ctx, v, &m, prev, string(d.Outcome), nil)
}

// StartMovement marks a cleared movement as under way; CompleteMovement as
// done; CancelMovement withdraws an open one. The owner or the center may.
func (s *Service) StartMovement(ctx context.Context, v Viewer, id string) (Movement, error) {
	return s.ownerStep(ctx, v, id, MovementInProgress, "", MovementFacilitated, MovementPartial, MovementImpeded)
}

// CompleteMovement marks a movement as arrived.
func (s *Service) CompleteMovement(ctx context.Context, v Viewer, id string) (Movement, error) {
	return s.ownerStep(ctx, v, id, MovementCompleted, "", MovementInProgress)
}

// CancelMovement withdraws a movement that has not ended.
func (s *Service) CancelMovement(ctx context.Context, v Viewer, id, reason string) (Movement, error) {
	if strings.TrimSpace(reason) == "" {
		return Movement{}, InvalidFields("invalid cancellation: give a reason", []FieldError{{Field: "reason", Reason: "is required"}})
	}
	return s.ownerStep(ctx, v, id, MovementCancelled, reason, MovementSubmitted, MovementTransmitted, MovementAcked, MovementFacilitated,
		MovementPartial, MovementImpeded, MovementPostponed, MovementInProgress)
}

func (s *Service) ownerStep(ctx context.Context, v Viewer, id string, to MovementStatus, reason string, from ...MovementStatus) (Movement, error) {
	if err := s.checkWrite(v); err != nil {
		return Movement{}, err
	}
	m, err := s.Movement(ctx, v, id)
	if err != nil {
		return m, err
	}
	if m.Marking.Owner != v.Party && !s.IsCoordinator(v) {
		return m, Errorf(Forbidden, "only %s or the coordination center may do this", m.Marking.Owner)
	}
	if !slices.Contains(from, m.Status) {
		return m, Errorf(Conflict, "movement %s is %s; it cannot become %s", m.Reference, m.Status, to)
	}
	prev := s.touch(v, &m)
	m.Status = to
	if reason != "" {
		m.Decision = &Decision{Outcome: to, Reason: strings.TrimSpace(reason), At: m.UpdatedAt, By: v.Username}
	}
	return m, s.saveMovement(ctx, v, &m, prev, string(to), nil)
}

// MovementHistory returns the versions of a movement v may see.
func (s *Service) MovementHistory(ctx context.Context, v Viewer, id string) ([]Version, error) {
	m, err := s.Movement(ctx, v, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.store.History(ctx, "movement", id)
	if err != nil {
		return nil, err
	}
	d := s.access.Directory()
	full := v.IsSystem() || s.IsCoordinator(v)
	out := []Version{}
	for _, ev := range evs {
		if !d.CanSee(v.Party, ev.Marking) {
			continue
		}
		actor, party := ev.Actor, ev.ActorParty
		// An answer to a relayed request came from a party that may not see
		// the movement: as in the acknowledgements, only the center and
		// that party learn who gave it.
		if !full && party != v.Party && party != "" && !d.CanSee(party, m.Marking) {
			actor, party = "relayed by the coordination center", ""
		}
		out = append(out, Version{Version: ev.Version, Verb: ev.Verb, At: ev.At.UTC(), Actor: actor, ActorParty: party, Banner: d.Banner(ev.Marking), Changed: []string{}, Data: ev.Data})
	}
	return out, nil
}

// DeconflictRules returns the engine's rules.
func (s *Service) DeconflictRules() (DeconflictRules, error) {
	dc, err := s.deconflicter()
	if err != nil {
		return DeconflictRules{}, err
	}
	return dc.Rules(), nil
}
