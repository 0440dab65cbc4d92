package forcegen

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/assign"
	"github.com/concord-mission/concord/geo"
)

// Record kinds.
const (
	KindRequirement = "fg_requirement"
	KindPledge      = "fg_pledge"
	KindAssignment  = "fg_assignment"
	KindConditions  = "fg_conditions"

	// Event kinds beyond the record kinds: the full copies that go only to
	// the parties their marking allows.
	KindPledgeCaveats   = "fg_pledge_caveats"
	KindAssignmentAudit = "fg_assignment_audit"
)

// Requirement is what a sector needs in a phase.
type Requirement struct {
	ID          string            `json:"id"`
	Sector      string            `json:"sector"`
	Phase       int               `json:"phase"`
	Capability  assign.Capability `json:"capability"`
	Quantity    int               `json:"quantity"`
	MinStrength int               `json:"min_strength"`
	Tasks       []assign.Task     `json:"tasks"`
	NeededBy    time.Time         `json:"needed_by"`
	Priority    int               `json:"priority"`
	Notes       string            `json:"notes,omitempty"`
	Marking     concord.Marking   `json:"marking"`
	Version     int               `json:"version"`
	UpdatedAt   time.Time         `json:"updated_at"`
	UpdatedBy   string            `json:"updated_by"`
}

// The pledge statuses and national decision states.
var (
	PledgeStatuses = []string{"offered", "accepted", "deploying", "deployed", "withdrawn"}
	DecisionStates = []string{"approved", "pending_parliament", "pending_government"}
)

// Caveat is an assign.Caveat with its plain-language text.
type Caveat struct {
	assign.Caveat
	Text string `json:"text"`
}

// Pledge is a unit a nation offers, with its caveats.
type Pledge struct {
	ID         string            `json:"id"`
	Nation     string            `json:"nation"`
	Unit       string            `json:"unit"`
	Capability assign.Capability `json:"capability"`
	Strength   int               `json:"strength"`
	PledgedAt  time.Time         `json:"pledged_at"`
	Readiness  time.Time         `json:"readiness"`
	Status     string            `json:"status"`
	Decision   string            `json:"decision"`
	Caveats    []Caveat          `json:"caveats"`
	// CaveatsHidden is set on a pledge shown to a party that may not see
	// its caveats.
	CaveatsHidden bool `json:"caveats_hidden,omitempty"`
	// Marking marks the pledge; CaveatRel lists who else (beyond the
	// nation and the coordination center) may see its caveats.
	Marking   concord.Marking `json:"marking"`
	CaveatRel []string        `json:"caveat_rel"`
	Version   int             `json:"version"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy string          `json:"updated_by"`
}

func (p Pledge) caveatMarking() concord.Marking {
	return concord.Marking{Owner: p.Nation, Rel: p.CaveatRel}
}

// Assignment is the current placement of pledges on requirements.
type Assignment struct {
	Placements []assign.Placement `json:"placements"`
	Version    int                `json:"version"`
	UpdatedAt  time.Time          `json:"updated_at"`
	UpdatedBy  string             `json:"updated_by"`
	Note       string             `json:"note,omitempty"`
}

// AssignmentSummary is what the contingents' live stream carries about a
// change of assignment.
type AssignmentSummary struct {
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
	Note      string    `json:"note,omitempty"`
	Placed    int       `json:"placed"`
	Added     int       `json:"added"`
	Removed   int       `json:"removed"`
}

// AssignmentAudit is one version of the assignment with what changed.
type AssignmentAudit struct {
	Assignment
	Add    []assign.Placement `json:"add"`
	Remove []assign.Placement `json:"remove"`
}

// Conditions are the mission-wide conditions caveats depend on.
type Conditions struct {
	Cessation bool      `json:"cessation"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Service is the force-generation application service.
type Service struct {
	core  *concord.Service
	store concord.Store
	now   func() time.Time
}

// New returns a force-generation service over the core service.
func New(core *concord.Service) *Service {
	return &Service{core: core, store: core.Store(), now: core.Now}
}

func (s *Service) access() *concord.Directory { return s.core.Access().Directory() }

func (s *Service) isCoordinator(v concord.Viewer) bool {
	p, ok := s.access().Party(v.Party)
	return v.IsSystem() || (ok && p.Kind == concord.KindCoordination && (v.Has(concord.RoleCoordinator) || v.Has(concord.RoleAdmin)))
}

func (s *Service) coordination() string {
	for _, p := range s.access().Parties() {
		if p.Kind == concord.KindCoordination {
			return p.Code
		}
	}
	return ""
}

// emit is one event of a change: its kind, its marking and its data. A
// change may emit a public summary and a narrower full copy, so that the
// live stream and the audit trail never carry more than each marking
// allows.
type emit struct {
	kind    string
	marking concord.Marking
	data    any
}

// forceMarking releases to the coordination center and every contributing
// nation: what the force as a whole may see.
func (s *Service) forceMarking() concord.Marking {
	m := concord.Marking{Owner: s.coordination(), Rel: []string{}}
	for _, p := range s.access().Parties() {
		if p.Kind == concord.KindContributingNation {
			m.Rel = append(m.Rel, p.Code)
		}
	}
	return m
}

// member reports whether v may use the board at all: the coordination
// center and the contributing nations.
func (s *Service) member(v concord.Viewer) error {
	p, ok := s.access().Party(v.Party)
	if v.IsSystem() || (ok && (p.Kind == concord.KindCoordination || p.Kind == concord.KindContributingNation)) {
		return nil
	}
	return concord.Errorf(concord.Forbidden, "force generation is open to the coordination center and contributing nations only")
}

func (s *Service) save(ctx context.Context, v concord.Viewer, kind, id string, m concord.Marking, version int, data any, verb string, emits ...emit) error {
	if err := s.core.CheckWritable(); err != nil {
		return err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if len(emits) == 0 {
		emits = []emit{{kind, m, data}}
	}
	if version == 1 {
		verb = concord.VerbCreated
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r := concord.Record{Kind: kind, ID: id, Marking: m, Version: version, Status: "active", Data: b, CreatedAt: now, UpdatedAt: now}
	evs := make([]concord.Event, 0, len(emits))
	for _, e := range emits {
		eb, err := json.Marshal(e.data)
		if err != nil {
			return err
		}
		evs = append(evs, concord.Event{ID: uuid.Must(uuid.NewV7()).String(), Kind: e.kind, Verb: verb, RecordID: id, Version: version,
			Marking: e.marking, At: now, Actor: v.Username, ActorParty: v.Party, Data: eb})
	}
	if version == 1 {
		err = s.store.InsertRecord(ctx, r, evs[0], evs[1:]...)
	} else {
		err = s.store.UpdateRecord(ctx, r, version-1, evs[0], evs[1:]...)
	}
	if err == nil {
		s.core.Committed()
	}
	return err
}

func load[T any](ctx context.Context, s *Service, kind string) ([]T, []concord.Marking, error) {
	rs, err := s.store.Records(ctx, concord.RecordQuery{Kind: kind})
	if err != nil {
		return nil, nil, err
	}
	out := make([]T, 0, len(rs))
	var ms []concord.Marking
	for _, r := range rs {
		var t T
		if err := json.Unmarshal(r.Data, &t); err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", kind, r.ID, err)
		}
		out = append(out, t)
		ms = append(ms, r.Marking)
	}
	return out, ms, nil
}

func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return concord.InvalidFields("invalid "+field+": "+msg, []concord.FieldError{{Field: field, Reason: msg}})
}

// PutRequirement creates (version 0) or changes a requirement. Only the
// coordination center plans requirements.
func (s *Service) PutRequirement(ctx context.Context, v concord.Viewer, r Requirement) (Requirement, error) {
	if !s.isCoordinator(v) {
		return r, concord.Errorf(concord.Forbidden, "only the coordination center's planners state requirements")
	}
	sectors, err := s.sectors(ctx)
	if err != nil {
		return r, err
	}
	if _, ok := sectors[r.Sector]; !ok {
		return r, invalid("sector", "no sector %q", r.Sector)
	}
	if !slices.Contains(assign.Capabilities, r.Capability) {
		return r, invalid("capability", "unknown capability %q; valid ones are %v", r.Capability, assign.Capabilities)
	}
	if r.Quantity < 1 || r.Quantity > 100 {
		return r, invalid("quantity", "must be 1 to 100")
	}
	if r.MinStrength < 0 || r.MinStrength > 20000 {
		return r, invalid("min_strength", "must be 0 to 20000")
	}
	if r.Priority == 0 {
		r.Priority = 3
	}
	if r.Priority < 1 || r.Priority > 5 {
		return r, invalid("priority", "must be 1 to 5")
	}
	for _, t := range r.Tasks {
		if !slices.Contains(assign.Tasks, t) {
			return r, invalid("tasks", "unknown task %q; valid ones are %v", t, assign.Tasks)
		}
	}
	if r.NeededBy.IsZero() {
		return r, invalid("needed_by", "is required")
	}
	if r.Tasks == nil {
		r.Tasks = []assign.Task{}
	}
	if r.Marking.Owner == "" && len(r.Marking.Rel) == 0 {
		r.Marking = s.forceMarking()
	}
	m, err := s.access().NormalizeMarking(r.Marking)
	if err != nil {
		return r, err
	}
	r.Marking = m
	verb := concord.VerbUpdated
	if r.ID == "" {
		r.ID, r.Version, verb = uuid.Must(uuid.NewV7()).String(), 0, concord.VerbCreated
	}
	r.Version++
	r.UpdatedAt, r.UpdatedBy = s.now().UTC().Truncate(time.Millisecond), v.Username
	return r, s.save(ctx, v, KindRequirement, r.ID, r.Marking, r.Version, r, verb)
}

// PutPledge creates or changes a pledge: a nation's liaison for its own
// nation, or the coordination center.
func (s *Service) PutPledge(ctx context.Context, v concord.Viewer, p Pledge) (Pledge, error) {
	if p.Nation == "" {
		p.Nation = v.Party
	}
	p.Nation = strings.ToUpper(p.Nation)
	if p.Nation != v.Party && !s.isCoordinator(v) {
		return p, concord.Errorf(concord.Forbidden, "you may pledge only for %s", v.Party)
	}
	if !v.IsSystem() && !v.Has(concord.RoleLiaison) && !v.Has(concord.RoleAdmin) && !v.Has(concord.RoleCoordinator) {
		return p, concord.Errorf(concord.Forbidden, "only liaison officers, coordinators or admins may pledge")
	}
	if party, ok := s.access().Party(p.Nation); !ok || party.Kind != concord.KindContributingNation {
		return p, invalid("nation", "%s is not a contributing nation", p.Nation)
	}
	if !slices.Contains(assign.Capabilities, p.Capability) {
		return p, invalid("capability", "unknown capability %q; valid ones are %v", p.Capability, assign.Capabilities)
	}
	if p.Strength < 0 || p.Strength > 20000 {
		return p, invalid("strength", "must be 0 to 20000, got %d", p.Strength)
	}
	if p.PledgedAt.IsZero() {
		p.PledgedAt = s.now().UTC().Truncate(24 * time.Hour)
	}
	if p.Readiness.IsZero() {
		return p, invalid("readiness", "is required")
	}
	if p.Readiness.Before(p.PledgedAt) {
		return p, invalid("readiness", "the readiness date %s is before the pledge date %s", p.Readiness.Format("2006-01-02"), p.PledgedAt.Format("2006-01-02"))
	}
	if p.Status == "" {
		p.Status = "offered"
	}
	if !slices.Contains(PledgeStatuses, p.Status) {
		return p, invalid("status", "must be one of %v", PledgeStatuses)
	}
	if p.Decision == "" {
		p.Decision = "approved"
	}
	if !slices.Contains(DecisionStates, p.Decision) {
		return p, invalid("decision", "must be one of %v", DecisionStates)
	}
	sectors, err := s.sectors(ctx)
	if err != nil {
		return p, err
	}
	for i := range p.Caveats {
		c := &p.Caveats[i]
		if err := c.Caveat.Validate(); err != nil {
			return p, invalid("caveats", "caveat %d: %s", i, err)
		}
		if c.Type == assign.NoDirectContact {
			if _, ok := s.access().Party(c.Party); !ok {
				return p, invalid("caveats", "caveat %d: unknown party %s", i, c.Party)
			}
		}
		for _, id := range c.Sectors {
			if _, ok := sectors[id]; !ok {
				return p, invalid("caveats", "caveat %d: no sector %q", i, id)
			}
		}
		c.Text = c.Caveat.TextNaming(func(id string) string { return sectors[id].Name })
	}
	if p.Caveats == nil {
		p.Caveats = []Caveat{}
	}
	if p.Marking.Owner == "" {
		p.Marking.Owner = p.Nation
	}
	m, err := s.access().NormalizeMarking(p.Marking)
	if err != nil {
		return p, err
	}
	if m.Owner != p.Nation {
		return p, invalid("marking", "a pledge is owned by its nation %s", p.Nation)
	}
	cm, err := s.access().NormalizeMarking(concord.Marking{Owner: p.Nation, Rel: p.CaveatRel})
	if err != nil {
		return p, err
	}
	p.Marking, p.CaveatRel, p.CaveatsHidden = m, cm.Rel, false
	verb := concord.VerbUpdated
	if p.ID == "" {
		if err := s.statusChange(v, "offered", p.Status); err != nil {
			return p, err
		}
		p.ID, p.Version, verb = uuid.Must(uuid.NewV7()).String(), 0, concord.VerbCreated
	} else {
		old, err := s.store.Record(ctx, KindPledge, p.ID)
		if err != nil {
			return p, err
		}
		if old.Marking.Owner != p.Nation {
			return p, concord.Errorf(concord.Forbidden, "the nation of a pledge cannot change")
		}
		if old.Version != p.Version {
			return p, concord.Errorf(concord.Conflict, "pledge %s is at version %d, not %d; reload and retry", p.ID, old.Version, p.Version)
		}
		var prev Pledge
		if err := json.Unmarshal(old.Data, &prev); err != nil {
			return p, err
		}
		if err := s.statusChange(v, prev.Status, p.Status); err != nil {
			return p, err
		}
	}
	p.Version++
	p.UpdatedAt, p.UpdatedBy = s.now().UTC().Truncate(time.Millisecond), v.Username
	// Everyone who may see the pledge learns of the change; only those who
	// may see its caveats receive them.
	pub := p
	pub.Caveats, pub.CaveatsHidden = []Caveat{}, true
	return p, s.save(ctx, v, KindPledge, p.ID, p.Marking, p.Version, p, verb,
		emit{KindPledge, p.Marking, pub}, emit{KindPledgeCaveats, p.caveatMarking(), p})
}

// statusChange allows nations to offer and withdraw; the coordination
// center alone accepts, deploys and records deployment.
func (s *Service) statusChange(v concord.Viewer, from, to string) error {
	if from == to || to == "withdrawn" || s.isCoordinator(v) {
		return nil
	}
	return concord.Errorf(concord.Forbidden, "only the coordination center moves a pledge from %s to %s", from, to)
}

// SetConditions records the mission conditions (coordination center).
func (s *Service) SetConditions(ctx context.Context, v concord.Viewer, c Conditions) (Conditions, error) {
	if !s.isCoordinator(v) {
		return c, concord.Errorf(concord.Forbidden, "only the coordination center sets mission conditions")
	}
	cur, err := s.conditions(ctx)
	if err != nil {
		return c, err
	}
	if c.Version != cur.Version {
		return c, concord.Errorf(concord.Conflict, "conditions are at version %d, not %d", cur.Version, c.Version)
	}
	c.Version++
	c.UpdatedAt, c.UpdatedBy = s.now().UTC().Truncate(time.Millisecond), v.Username
	return c, s.save(ctx, v, KindConditions, "mission", s.forceMarking(), c.Version, c, concord.VerbUpdated)
}

func (s *Service) conditions(ctx context.Context) (Conditions, error) {
	r, err := s.store.Record(ctx, KindConditions, "mission")
	if concord.ErrorCode(err) == concord.NotFound {
		return Conditions{}, nil
	} else if err != nil {
		return Conditions{}, err
	}
	var c Conditions
	return c, json.Unmarshal(r.Data, &c)
}

func (s *Service) assignment(ctx context.Context) (Assignment, error) {
	r, err := s.store.Record(ctx, KindAssignment, "current")
	if concord.ErrorCode(err) == concord.NotFound {
		return Assignment{Placements: []assign.Placement{}}, nil
	} else if err != nil {
		return Assignment{}, err
	}
	var a Assignment
	return a, json.Unmarshal(r.Data, &a)
}

// sectors computes each sector's map relations: how far it lies from the
// nearest control line, and from the nearest line or area each
// controlling party controls (control lines and restricted areas that
// name a controlling party).
func (s *Service) sectors(ctx context.Context) (map[string]assign.Sector, error) {
	now := s.now()
	fs, err := s.store.Features(ctx, concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSector, concord.FeatureControlLine, concord.FeatureRestrictedArea}, ActiveAt: &now, Limit: 5000})
	if err != nil {
		return nil, err
	}
	out := map[string]assign.Sector{}
	var controlled []concord.Feature
	for _, f := range fs {
		if f.Kind == concord.FeatureControlLine || (f.Kind == concord.FeatureRestrictedArea && f.Attrs.ControllingParty != "") {
			controlled = append(controlled, f)
		}
	}
	for _, f := range fs {
		if f.Kind != concord.FeatureSector {
			continue
		}
		sec := assign.Sector{ID: f.ID, Name: f.Name, LineKm: 1e9, PartyKm: map[string]float64{}}
		for _, l := range controlled {
			km := geo.Meters(f.Geometry, l.Geometry) / 1000
			if l.Kind == concord.FeatureControlLine {
				sec.LineKm = min(sec.LineKm, km)
			}
			if p := l.Attrs.ControllingParty; p != "" {
				if d, ok := sec.PartyKm[p]; !ok || km < d {
					sec.PartyKm[p] = km
				}
			}
		}
		out[f.ID] = sec
	}
	return out, nil
}

// world loads everything the engine needs.
func (s *Service) world(ctx context.Context) (assign.World, []Requirement, []Pledge, error) {
	sectors, err := s.sectors(ctx)
	if err != nil {
		return assign.World{}, nil, nil, err
	}
	cond, err := s.conditions(ctx)
	if err != nil {
		return assign.World{}, nil, nil, err
	}
	reqs, _, err := load[Requirement](ctx, s, KindRequirement)
	if err != nil {
		return assign.World{}, nil, nil, err
	}
	pledges, _, err := load[Pledge](ctx, s, KindPledge)
	if err != nil {
		return assign.World{}, nil, nil, err
	}
	w := assign.World{Mission: assign.Mission{Cessation: cond.Cessation}, Sectors: sectors, Requirements: map[string]assign.Requirement{}, Pledges: map[string]assign.Pledge{}}
	for _, r := range reqs {
		w.Requirements[r.ID] = assign.Requirement{ID: r.ID, Sector: r.Sector, Phase: r.Phase, Capability: r.Capability, Quantity: r.Quantity,
			MinStrength: r.MinStrength, Tasks: r.Tasks, NeededBy: r.NeededBy, Priority: r.Priority}
	}
	for _, p := range pledges {
		ap := assign.Pledge{ID: p.ID, Nation: p.Nation, Capability: p.Capability, Strength: p.Strength, Readiness: p.Readiness,
			Accepted: p.Status == "accepted" || p.Status == "deploying" || p.Status == "deployed", ParliamentApproved: p.Decision != "pending_parliament"}
		for _, c := range p.Caveats {
			ap.Caveats = append(ap.Caveats, c.Caveat)
		}
		w.Pledges[p.ID] = ap
	}
	return w, reqs, pledges, nil
}

// KindNotReleasable is the kind of a conflict whose cause the viewer may
// not see.
const KindNotReleasable assign.Kind = "not_releasable"

// Conflict is an assign.Conflict as a viewer may see it.
type Conflict struct {
	assign.Conflict
	Nation string `json:"nation,omitempty"`
	// Redacted marks a conflict whose caveat the viewer may not see.
	Redacted bool `json:"redacted,omitempty"`
}

// redact hides what v may not see: the pledge of a conflict when v may
// not see the pledge, and its caveat when v may not see the caveats.
func (s *Service) redact(v concord.Viewer, cs []assign.Conflict, pledges map[string]Pledge) []Conflict {
	d := s.access()
	out := []Conflict{}
	seen := map[Conflict]bool{}
	for _, c := range cs {
		x := Conflict{Conflict: c}
		if p, ok := pledges[c.Pledge]; ok {
			switch {
			case !v.IsSystem() && !d.CanSee(v.Party, p.Marking):
				x.Conflict = assign.Conflict{Kind: KindNotReleasable, Requirement: c.Requirement, Hard: c.Hard, Caveat: -1,
					Reason: "conflicts with a pledge not releasable to you"}
				x.Redacted = true
			case c.Caveat >= 0 && !v.IsSystem() && !d.CanSee(v.Party, p.caveatMarking()):
				// Kind, evidence and cost would each betray the caveat.
				x.Conflict = assign.Conflict{Kind: KindNotReleasable, Pledge: c.Pledge, Requirement: c.Requirement, Hard: c.Hard, Caveat: -1,
					Reason: "conflicts with a caveat not releasable to you"}
				x.Nation, x.Redacted = p.Nation, true
			default:
				x.Nation = p.Nation
			}
		}
		if x.Redacted {
			if seen[x] {
				continue
			}
			seen[x] = true
		}
		out = append(out, x)
	}
	return out
}

// Board is the force-generation board as a viewer may see it.
type Board struct {
	Sectors      []SectorView        `json:"sectors"`
	Requirements []Requirement       `json:"requirements"`
	Pledges      []Pledge            `json:"pledges"`
	Assignment   Assignment          `json:"assignment"`
	Conflicts    []Conflict          `json:"conflicts"`
	Conditions   Conditions          `json:"conditions"`
	Capabilities []assign.Capability `json:"capabilities"`
	Tasks        []assign.Task       `json:"tasks"`
	CaveatTypes  []assign.CaveatType `json:"caveat_types"`
}

// SectorView is a sector with its coverage.
type SectorView struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	LineKm   float64            `json:"line_km"`
	PartyKm  map[string]float64 `json:"party_km"`
	Needed   int                `json:"needed"`
	Assigned int                `json:"assigned"`
	// Coverage is met, partial or uncovered.
	Coverage string `json:"coverage"`
}

// Board returns the board for v.
func (s *Service) Board(ctx context.Context, v concord.Viewer) (Board, error) {
	if err := s.member(v); err != nil {
		return Board{}, err
	}
	w, reqs, pledges, err := s.world(ctx)
	if err != nil {
		return Board{}, err
	}
	a, err := s.assignment(ctx)
	if err != nil {
		return Board{}, err
	}
	cond, _ := s.conditions(ctx)
	d := s.access()
	byID := map[string]Pledge{}
	b := Board{Requirements: []Requirement{}, Pledges: []Pledge{}, Assignment: a, Conditions: cond,
		Capabilities: assign.Capabilities, Tasks: assign.Tasks, CaveatTypes: assign.CaveatTypes}
	for _, p := range pledges {
		byID[p.ID] = p
		if !v.IsSystem() && !d.CanSee(v.Party, p.Marking) {
			continue
		}
		if !v.IsSystem() && !d.CanSee(v.Party, p.caveatMarking()) {
			p.Caveats, p.CaveatsHidden = []Caveat{}, true
		}
		b.Pledges = append(b.Pledges, p)
	}
	for _, r := range reqs {
		if v.IsSystem() || d.CanSee(v.Party, r.Marking) {
			b.Requirements = append(b.Requirements, r)
		}
	}
	// Placements of pledges v may not see show without the pledge.
	var shown []assign.Placement
	for _, pl := range a.Placements {
		if p, ok := byID[pl.Pledge]; ok && (v.IsSystem() || d.CanSee(v.Party, p.Marking)) {
			shown = append(shown, pl)
		} else {
			shown = append(shown, assign.Placement{Requirement: pl.Requirement})
		}
	}
	b.Assignment.Placements = shown
	b.Conflicts = s.redact(v, w.Check(a.Placements), byID)
	need, got := map[string]int{}, map[string]int{}
	for _, r := range reqs {
		need[r.Sector] += r.Quantity
	}
	for _, pl := range a.Placements {
		if r, ok := w.Requirements[pl.Requirement]; ok {
			got[r.Sector]++
		}
	}
	for id, sec := range w.Sectors {
		sv := SectorView{ID: id, Name: sec.Name, LineKm: round1(sec.LineKm), PartyKm: map[string]float64{}, Needed: need[id], Assigned: got[id]}
		for p, km := range sec.PartyKm {
			sv.PartyKm[p] = round1(km)
		}
		switch {
		case sv.Needed == 0 || sv.Assigned >= sv.Needed:
			sv.Coverage = "met"
		case sv.Assigned > 0:
			sv.Coverage = "partial"
		default:
			sv.Coverage = "uncovered"
		}
		b.Sectors = append(b.Sectors, sv)
	}
	slices.SortFunc(b.Sectors, func(x, y SectorView) int { return cmp.Compare(x.Name, y.Name) })
	return b, nil
}

func round1(v float64) float64 { return float64(int(v*10+0.5)) / 10 }

// Check checks a proposed set of placements for v, without saving.
func (s *Service) Check(ctx context.Context, v concord.Viewer, pls []assign.Placement) ([]Conflict, error) {
	if err := s.member(v); err != nil {
		return nil, err
	}
	w, _, pledges, err := s.world(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]Pledge{}
	for _, p := range pledges {
		byID[p.ID] = p
	}
	if err := validatePlacements(w, pls); err != nil {
		return nil, err
	}
	return s.redact(v, w.Check(pls), byID), nil
}

func validatePlacements(w assign.World, pls []assign.Placement) error {
	seen := map[string]bool{}
	for i, pl := range pls {
		if _, ok := w.Pledges[pl.Pledge]; !ok {
			return invalid("placements", "placement %d: no pledge %q", i, pl.Pledge)
		}
		if _, ok := w.Requirements[pl.Requirement]; !ok {
			return invalid("placements", "placement %d: no requirement %q (unknown sector or requirement)", i, pl.Requirement)
		}
		if seen[pl.Pledge] {
			return invalid("placements", "pledge %s is placed twice", pl.Pledge)
		}
		seen[pl.Pledge] = true
	}
	return nil
}

// SaveAssignment replaces the current assignment (coordination center).
// Conflicts do not prevent saving — planners may accept a relay or wait
// for a condition — but every save is versioned and audited.
func (s *Service) SaveAssignment(ctx context.Context, v concord.Viewer, version int, pls []assign.Placement, note string) (Assignment, error) {
	if !s.isCoordinator(v) {
		return Assignment{}, concord.Errorf(concord.Forbidden, "only the coordination center's planners assign pledges")
	}
	w, _, _, err := s.world(ctx)
	if err != nil {
		return Assignment{}, err
	}
	if err := validatePlacements(w, pls); err != nil {
		return Assignment{}, err
	}
	cur, err := s.assignment(ctx)
	if err != nil {
		return Assignment{}, err
	}
	if version != cur.Version {
		return Assignment{}, concord.Errorf(concord.Conflict, "the assignment is at version %d, not %d: someone changed it; reload and retry", cur.Version, version)
	}
	if pls == nil {
		pls = []assign.Placement{}
	}
	a := Assignment{Placements: pls, Version: cur.Version + 1, UpdatedAt: s.now().UTC().Truncate(time.Millisecond), UpdatedBy: v.Username, Note: note}
	// The contingents learn that the assignment changed; the full placements
	// (which name pledges not every nation may see) go to the coordination
	// center's audit trail only.
	add, remove, _ := assign.Diff(cur.Placements, pls)
	summary := AssignmentSummary{Version: a.Version, UpdatedAt: a.UpdatedAt, UpdatedBy: a.UpdatedBy, Note: note, Placed: len(pls), Added: len(add), Removed: len(remove)}
	audit := AssignmentAudit{Assignment: a, Add: nn(add), Remove: nn(remove)}
	fm := s.forceMarking()
	return a, s.save(ctx, v, KindAssignment, "current", fm, a.Version, a, concord.VerbUpdated,
		emit{KindAssignment, fm, summary}, emit{KindAssignmentAudit, concord.Marking{Owner: fm.Owner, Rel: []string{}}, audit})
}

// ProposalView is the optimizer's proposal as a diff against the current
// assignment, redacted for v.
type ProposalView struct {
	Placements  []assign.Placement `json:"placements"`
	Score       int                `json:"score"`
	Add         []assign.Placement `json:"add"`
	Remove      []assign.Placement `json:"remove"`
	Keep        []assign.Placement `json:"keep"`
	Gaps        []GapView          `json:"gaps"`
	Relays      []Conflict         `json:"relays"`
	BaseVersion int                `json:"base_version"`
}

// GapView is an unmet requirement and why.
type GapView struct {
	Requirement string     `json:"requirement"`
	Missing     int        `json:"missing"`
	Reasons     []string   `json:"reasons"`
	Blocking    []Conflict `json:"blocking"`
}

// Propose runs the optimizer (coordination center).
func (s *Service) Propose(ctx context.Context, v concord.Viewer) (ProposalView, error) {
	if !s.isCoordinator(v) {
		return ProposalView{}, concord.Errorf(concord.Forbidden, "only the coordination center's planners run the optimizer")
	}
	w, _, pledges, err := s.world(ctx)
	if err != nil {
		return ProposalView{}, err
	}
	cur, err := s.assignment(ctx)
	if err != nil {
		return ProposalView{}, err
	}
	byID := map[string]Pledge{}
	for _, p := range pledges {
		byID[p.ID] = p
	}
	p := w.Propose()
	add, remove, keep := assign.Diff(cur.Placements, p.Placements)
	pv := ProposalView{Placements: p.Placements, Score: p.Score, Add: nn(add), Remove: nn(remove), Keep: nn(keep), Relays: s.redact(v, p.Relays, byID), BaseVersion: cur.Version, Gaps: []GapView{}}
	for _, g := range p.Gaps {
		pv.Gaps = append(pv.Gaps, GapView{Requirement: g.Requirement, Missing: g.Missing, Reasons: g.Reasons, Blocking: s.redact(v, g.Blocking, byID)})
	}
	return pv, nil
}

func nn(p []assign.Placement) []assign.Placement {
	if p == nil {
		return []assign.Placement{}
	}
	return p
}

// History returns the audit trail of one force-generation record as v may
// see it: for each version the fullest copy v's release allows (a pledge
// with its caveats, the assignment with its placements) or the public
// summary, oldest first. what is requirement, pledge or assignment; the
// assignment's id is "current".
func (s *Service) History(ctx context.Context, v concord.Viewer, what, id string) ([]concord.Version, error) {
	if err := s.member(v); err != nil {
		return nil, err
	}
	var kinds []string
	switch what {
	case "requirement":
		kinds = []string{KindRequirement}
	case "pledge":
		kinds = []string{KindPledgeCaveats, KindPledge}
	case "assignment":
		kinds = []string{KindAssignmentAudit, KindAssignment}
	default:
		return nil, invalid("kind", "must be requirement, pledge or assignment, got %q", what)
	}
	d := s.access()
	best := map[int]concord.Event{}
	for _, k := range kinds {
		evs, err := s.store.History(ctx, k, id)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if _, done := best[ev.Version]; done || !(v.IsSystem() || d.CanSee(v.Party, ev.Marking)) {
				continue
			}
			best[ev.Version] = ev
		}
	}
	if len(best) == 0 {
		return nil, concord.Errorf(concord.NotFound, "%s %s not found", what, id)
	}
	out := make([]concord.Version, 0, len(best))
	for _, ev := range best {
		out = append(out, concord.Version{Version: ev.Version, Verb: ev.Verb, At: ev.At.UTC(), Actor: ev.Actor, ActorParty: ev.ActorParty,
			Banner: d.Banner(ev.Marking), Changed: []string{}, Data: ev.Data})
	}
	slices.SortFunc(out, func(a, b concord.Version) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}
