package pipeline

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
)

// Record and event kinds.
const (
	KindConsignment = "consignment"
	KindCrossing    = "crossing_ops"
)

// Doc is a consignment record: the header, cargo lines and every stage
// event, superseded ones included (written as the index keeps them: the
// effective ones in time order, then the superseded; aid.Build orders
// them afresh whatever the order).
type Doc struct {
	aid.Consignment
	Events []aid.Event `json:"events"`
}

// externalKey is the key idempotent imports use: the first external
// reference (by name) with its value.
func (d Doc) externalKey() string {
	if len(d.ExternalRefs) == 0 {
		return ""
	}
	k := slices.Sorted(maps.Keys(d.ExternalRefs))[0]
	return strings.ToLower(k) + ":" + d.ExternalRefs[k]
}

// EventData is what a consignment event carries on the bus: the header on
// creation, and the stage events the change appended.
type EventData struct {
	Consignment *aid.Consignment `json:"consignment,omitempty"`
	Events      []aid.Event      `json:"events"`
	Status      aid.Stage        `json:"status"`
}

// Options configure the service.
type Options struct {
	// TargetTrucks is the daily target for trucks entered; default 600.
	TargetTrucks float64
	// FutureTolerance is how far in the future an event may be dated
	// (clock skew); default 1 h.
	FutureTolerance time.Duration
}

// Service is the aid pipeline's application service.
type Service struct {
	core  *concord.Service
	store concord.Store
	opts  Options
	idx   *index
}

// New returns the service; call Load before serving.
func New(core *concord.Service, opts Options) *Service {
	if opts.TargetTrucks == 0 {
		opts.TargetTrucks = 600
	}
	if opts.FutureTolerance == 0 {
		opts.FutureTolerance = time.Hour
	}
	return &Service{core: core, store: core.Store(), opts: opts, idx: newIndex()}
}

// Target returns the daily truck target.
func (s *Service) Target() float64 { return s.opts.TargetTrucks }

// Load reads every consignment from the store into the index, decoding
// pages on every core while the next page is read.
func (s *Service) Load(ctx context.Context) error {
	pages := make(chan []concord.Record, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rs := range pages {
				for _, r := range rs {
					e, err := entryOf(r)
					if err != nil {
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
						break
					}
					s.idx.put(e)
				}
			}
		}()
	}
	err := func() error {
		defer close(pages)
		after := ""
		for {
			rs, err := s.store.Records(ctx, concord.RecordQuery{Kind: KindConsignment, After: after, Limit: 2000})
			if err != nil {
				return err
			}
			if len(rs) > 0 {
				pages <- rs
			}
			if len(rs) < 2000 {
				return nil
			}
			after = rs[len(rs)-1].ID
		}
	}()
	wg.Wait()
	return cmp.Or(err, firstErr)
}

// Len returns how many consignments the index holds.
func (s *Service) Len() int { return s.idx.len() }

func entryOf(r concord.Record) (*entry, error) {
	var d Doc
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, fmt.Errorf("consignment %s: %w", r.ID, err)
	}
	// Share the strings every event repeats.
	for i := range d.Events {
		e := &d.Events[i]
		e.Consignment, e.Stage, e.From = d.ID, aid.Canonical(e.Stage), aid.Canonical(e.From)
		e.Party, e.Actor = intern(e.Party), intern(e.Actor)
	}
	tl, err := aid.Build(d.Events)
	if err != nil {
		return nil, fmt.Errorf("consignment %s: stored timeline: %w", r.ID, err)
	}
	return newEntry(d.Consignment, tl, r.Marking, r.Version, r.CreatedAt, r.UpdatedAt), nil
}

// interned holds the party codes and usernames events repeat.
var interned = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// intern returns a shared copy of s (up to 100,000 distinct strings).
func intern(s string) string {
	interned.Lock()
	defer interned.Unlock()
	if c, ok := interned.m[s]; ok {
		return c
	}
	if len(interned.m) < 100000 {
		interned.m[s] = s
	}
	return s
}

// Apply brings an event from the bus (this instance's or another's) into
// the index; a gap in versions reloads the record from the store.
func (s *Service) Apply(ctx context.Context, ev concord.Event) error {
	if ev.Kind != KindConsignment {
		return nil
	}
	if cur := s.idx.get(ev.RecordID); cur != nil && cur.version >= ev.Version {
		return nil
	}
	r, err := s.store.Record(ctx, KindConsignment, ev.RecordID)
	if err != nil {
		return err
	}
	e, err := entryOf(r)
	if err != nil {
		return err
	}
	s.idx.put(e)
	return nil
}

// View is a consignment as a viewer sees it.
type View struct {
	aid.Consignment
	Status     aid.Stage          `json:"status"`
	Timeline   []aid.Event        `json:"timeline"`
	Superseded []aid.Event        `json:"superseded"`
	AtStage    map[string]aid.Qty `json:"at_stage"`
	Closures   []Closure          `json:"crossing_closures"`
	Marking    concord.Marking    `json:"marking"`
	Banner     string             `json:"banner"`
	Version    int                `json:"version"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
}

// Summary is a consignment in a list.
type Summary struct {
	ID          string       `json:"id"`
	Ref         string       `json:"ref"`
	Sender      string       `json:"sender"`
	Implementer string       `json:"implementer"`
	Crossing    string       `json:"crossing"`
	Destination string       `json:"destination"`
	Category    aid.Category `json:"category"`
	Planned     aid.Qty      `json:"planned"`
	Status      aid.Stage    `json:"status"`
	LastAt      time.Time    `json:"last_at"`
	Banner      string       `json:"banner"`
	Version     int          `json:"version"`
}

func (s *Service) view(ctx context.Context, e *entry) View {
	tl, _ := aid.Build(e.doc.Events)
	at := map[string]aid.Qty{}
	for _, st := range []aid.Stage{aid.Dispatched, aid.ArrivedAtCrossing, aid.Inspected, aid.Offloaded, aid.Collected, aid.InTransit} {
		if q := tl.At(st); q != (aid.Qty{}) {
			at[string(st)] = q
		}
	}
	v := View{Consignment: e.doc.Consignment, Status: e.status, Timeline: tl.Events, Superseded: tl.Superseded, AtStage: at, Marking: e.marking,
		Banner: s.core.Access().Directory().Banner(e.marking), Version: e.version, CreatedAt: e.created, UpdatedAt: e.updated}
	if v.Superseded == nil {
		v.Superseded = []aid.Event{}
	}
	v.Closures = s.closuresFor(ctx, e)
	return v
}

// Get returns one consignment, or not found when v may not see it.
func (s *Service) Get(ctx context.Context, v concord.Viewer, id string) (View, error) {
	e := s.idx.get(id)
	if e == nil || !s.visibility(v).sees(e) {
		return View{}, concord.Errorf(concord.NotFound, "consignment %s not found", id)
	}
	return s.view(ctx, e), nil
}

// ListQuery filters the consignment list.
type ListQuery struct {
	aid.Filter
	Statuses []aid.Stage
	// After is the cursor: the last id of the previous page.
	After string
	Limit int
}

// List returns the consignments v may see, newest first.
func (s *Service) List(v concord.Viewer, q ListQuery) ([]Summary, string) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	vis, d := s.visibility(v), s.core.Access().Directory()
	out := []Summary{}
	next := ""
	s.idx.each(func(e *entry) bool {
		if q.After != "" && e.doc.ID >= q.After {
			return true
		}
		if !vis.sees(e) || !q.Match(&e.doc.Consignment) || (len(q.Statuses) > 0 && !slices.Contains(q.Statuses, e.status)) {
			return true
		}
		if !q.From.IsZero() && (len(e.eff) == 0 || e.eff[len(e.eff)-1].At.Before(q.From)) {
			return true
		}
		if !q.To.IsZero() && (len(e.eff) == 0 || !e.eff[0].At.Before(q.To)) {
			return true
		}
		if len(out) == q.Limit {
			next = out[len(out)-1].ID
			return false
		}
		sm := Summary{ID: e.doc.ID, Ref: e.doc.Ref, Sender: e.doc.Sender, Implementer: e.doc.Implementer, Crossing: e.doc.Crossing,
			Destination: e.doc.Destination, Category: e.doc.Category, Planned: e.doc.Planned, Status: e.status, Banner: d.Banner(e.marking), Version: e.version}
		if n := len(e.eff); n > 0 {
			sm.LastAt = e.eff[n-1].At
		}
		out = append(out, sm)
		return true
	})
	return out, next
}

// KPIs computes the indicators over the consignments v may see. Aggregates
// are computed per viewer: a total never includes a record the viewer may
// not read, so it needs no marking of its own beyond the viewer's.
func (s *Service) KPIs(v concord.Viewer, f aid.Filter) aid.KPIs {
	if f.TargetTrucks == 0 {
		f.TargetTrucks = s.opts.TargetTrucks
	}
	if f.Now.IsZero() {
		f.Now = s.core.Now().Truncate(time.Minute)
	}
	vis := s.visibility(v)
	touches := f.Toucher()
	items := make([]aid.Item, 0, 4096)
	s.idx.scan(func(sl *slot) {
		if sl.events && touches(sl.first, sl.last, sl.awaits) && vis.sees(sl.e) && f.Match(&sl.e.doc.Consignment) {
			items = append(items, aid.Item{Consignment: &sl.e.doc.Consignment, Events: sl.e.eff, Left: &sl.e.left})
		}
	})
	return aid.Compute(items, f)
}

// refs resolves what a consignment names: parties, and the crossing and
// destination sites (by id or, case-insensitively, by name).
type refs struct {
	sites   map[string]concord.Feature // id → site
	byName  map[string]string          // lower-case name → id
	regions []region
	mu      sync.Mutex
	located map[string]string // site id → north or south, as found
}

// regionOf is locate, remembered per site: an import places thousands of
// consignments at a few sites.
func (r *refs) regionOf(f concord.Feature) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	reg, ok := r.located[f.ID]
	if !ok {
		reg = r.locate(f)
		r.located[f.ID] = reg
	}
	return reg
}

type region struct {
	north bool
	poly  orb.Geometry
}

func (s *Service) refs(ctx context.Context) (*refs, error) {
	fs, err := s.store.Features(ctx, concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSite, concord.FeatureAdminArea}, Limit: 10000})
	if err != nil {
		return nil, err
	}
	r := &refs{sites: map[string]concord.Feature{}, byName: map[string]string{}, located: map[string]string{}}
	for _, f := range fs {
		switch f.Kind {
		case concord.FeatureSite:
			r.sites[f.ID] = f
			r.byName[strings.ToLower(f.Name)] = f.ID
		case concord.FeatureAdminArea:
			r.regions = append(r.regions, region{north: f.Attrs.AdminCode == "PS-NGZ" || f.Attrs.AdminCode == "PS-GZA", poly: f.Geometry})
		}
	}
	return r, nil
}

// site resolves a site reference of the given kind ("" for any).
func (r *refs) site(ref string, kind concord.SiteKind) (concord.Feature, bool) {
	f, ok := r.sites[ref]
	if !ok {
		if id, hit := r.byName[strings.ToLower(strings.TrimSpace(ref))]; hit {
			f, ok = r.sites[id], true
		}
	}
	if !ok || (kind != "" && f.Attrs.SiteKind != kind) {
		return concord.Feature{}, false
	}
	return f, true
}

// locate says whether a site lies north (North Gaza and Gaza
// governorates) or south; without governorates, north of 31.45° N.
func (r *refs) locate(f concord.Feature) string {
	c := f.Geometry.Bound().Center()
	for _, g := range r.regions {
		if p, ok := g.poly.(orb.Polygon); ok && planar.PolygonContains(p, c) {
			if g.north {
				return "north"
			}
			return "south"
		}
	}
	if c.Lat() >= 31.45 {
		return "north"
	}
	return "south"
}

// CreateInput is a new consignment.
type CreateInput struct {
	aid.Consignment
	Marking concord.Marking `json:"marking"`
	// RegisteredAt dates the registration (an import of past records);
	// default now.
	RegisteredAt time.Time `json:"registered_at"`
}

// Field errors collect precise reasons.
type fieldErrors []concord.FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, concord.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err(what string) error {
	if len(fe) == 0 {
		return nil
	}
	return concord.InvalidFields(fmt.Sprintf("invalid %s: %s %s", what, fe[0].Field, fe[0].Reason), fe)
}

// prepare validates a new consignment and resolves its references; it
// returns the record to insert.
func (s *Service) prepare(v concord.Viewer, in CreateInput, r *refs, now time.Time) (*entry, error) {
	d := s.core.Access().Directory()
	c := in.Consignment
	var fe fieldErrors
	party := func(field, code string) string {
		code = strings.ToUpper(strings.TrimSpace(code))
		if code == "" {
			fe.add(field, "is required")
		} else if _, ok := d.Party(code); !ok {
			fe.add(field, "unknown organisation %s", code)
		}
		return code
	}
	c.Sender = party("sender", c.Sender)
	c.Implementer = party("implementer", cmp.Or(c.Implementer, c.Sender))
	if !slices.Contains(aid.Categories, c.Category) {
		fe.add("category", "unknown category %q; valid categories are %v", c.Category, aid.Categories)
	}
	crossing, ok := r.site(c.Crossing, concord.SiteCrossing)
	if !ok {
		fe.add("crossing", "unknown crossing %q", c.Crossing)
	}
	c.Crossing = crossing.ID
	if c.Destination != "" {
		dest, ok := r.site(c.Destination, "")
		if !ok {
			fe.add("destination", "unknown site %q", c.Destination)
		} else {
			c.Destination, c.Region = dest.ID, r.regionOf(dest)
		}
	}
	if c.Priority == 0 {
		c.Priority = 3
	}
	if c.Priority < 1 || c.Priority > 5 {
		fe.add("priority", "must be 1 to 5, got %d", c.Priority)
	}
	if err := c.Planned.Validate(); err != nil {
		fe.add("planned", "%v", err)
	}
	for k, val := range c.ExternalRefs {
		if k == "" || len(k) > 40 || val == "" || len(val) > 100 {
			fe.add("external_refs", "each reference needs a name (at most 40 characters) and a value (at most 100)")
		}
	}
	if len(c.Lines) > 500 {
		fe.add("lines", "at most 500 cargo lines, got %d", len(c.Lines))
	}
	for i, l := range c.Lines {
		if l.ItemName == "" {
			fe.add(fmt.Sprintf("lines[%d].item_name", i), "is required")
		}
		if l.Quantity < 0 || l.WeightKg < 0 || l.Quantity != l.Quantity {
			fe.add(fmt.Sprintf("lines[%d].quantity", i), "must not be negative")
		}
		if l.Category != "" && !slices.Contains(aid.Categories, l.Category) {
			fe.add(fmt.Sprintf("lines[%d].category", i), "unknown category %q", l.Category)
		}
		if l.Expiry != "" {
			if _, err := time.Parse("2006-01-02", l.Expiry); err != nil {
				fe.add(fmt.Sprintf("lines[%d].expiry", i), "must be a date YYYY-MM-DD, got %q", l.Expiry)
			}
		}
		if l.DualUse && l.Clearance == "" {
			fe.add(fmt.Sprintf("lines[%d].clearance_ref", i), "a dual-use item needs its clearance reference")
		}
	}
	at := in.RegisteredAt
	if at.IsZero() {
		at = now
	}
	at = at.UTC().Truncate(time.Millisecond)
	if at.After(now.Add(s.opts.FutureTolerance)) {
		fe.add("registered_at", "%s is in the future", at.UTC().Format(time.RFC3339))
	}
	if len(fe) > 0 {
		return nil, fe.err("consignment")
	}
	// The registering organisation owns the record; the coordination
	// center may register for any organisation.
	if !v.IsSystem() && !s.core.IsCoordinator(v) && v.Party != c.Sender && v.Party != c.Implementer {
		return nil, concord.Errorf(concord.Forbidden, "%s may register consignments only as their sender or implementer", v.Party)
	}
	if !v.IsSystem() && !v.CanWrite() {
		return nil, concord.Errorf(concord.Forbidden, "your role may not register consignments")
	}
	m := in.Marking
	if m.Owner == "" {
		m.Owner = c.Sender
		if len(m.Rel) == 0 {
			// By default the implementer and the crossing's operator (who
			// clears and inspects) see it.
			m.Rel = uniq(c.Implementer, crossing.Marking.Owner)
		}
	}
	nm, err := d.NormalizeMarking(m)
	if err != nil {
		return nil, err
	}
	if c.ID == "" {
		c.ID = uuid.Must(uuid.NewV7()).String()
	}
	if c.Ref == "" {
		c.Ref = fmt.Sprintf("CRS-%s-%s", siteCode(crossing.Name), strings.ToUpper(c.ID[len(c.ID)-6:]))
	}
	if c.ExternalRefs == nil {
		c.ExternalRefs = map[string]string{}
	}
	if c.Lines == nil {
		c.Lines = []aid.Line{}
	}
	reg := aid.Event{ID: eventID(c.ID, aid.Registered, at, aid.Qty{}, ""), Consignment: c.ID, Stage: aid.Registered, At: at.UTC(), Party: v.Party, Actor: v.Username}
	return newEntry(c, &aid.Timeline{Events: []aid.Event{reg}}, nm, 1, now, now), nil
}

func uniq(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// siteCode shortens a crossing's name for references: "Kerem Shalom
// crossing" → KS.
func siteCode(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		if w == "crossing" || w == "/" {
			continue
		}
		b.WriteByte(strings.ToUpper(w)[0])
	}
	return cmp.Or(b.String(), "X")
}

// eventID derives a stage event's id from its content, so that importing
// the same event twice is recognised.
func eventID(consignment string, st aid.Stage, at time.Time, q aid.Qty, extra string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%g|%g|%g|%g|%g|%s", consignment, st, at.UnixMilli(), q.Trucks, q.Tonnes, q.Pallets, q.Litres, q.Damaged, extra))
	return hex.EncodeToString(h[:12])
}

func (s *Service) write(ctx context.Context, ws []concord.RecordWrite, es []*entry) error {
	if err := s.core.CheckWritable(); err != nil {
		return err
	}
	if err := s.store.WriteRecords(ctx, ws); err != nil {
		return err
	}
	s.core.Committed()
	for _, e := range es {
		s.idx.put(e)
	}
	return nil
}

func (s *Service) recordWrite(v concord.Viewer, e *entry, prev int, verb string, data EventData) (concord.RecordWrite, error) {
	doc, err := json.Marshal(e.doc)
	if err != nil {
		return concord.RecordWrite{}, err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return concord.RecordWrite{}, err
	}
	now := s.core.Now().UTC().Truncate(time.Millisecond)
	first, last := e.eff[0].At, e.eff[len(e.eff)-1].At
	r := concord.Record{Kind: KindConsignment, ID: e.doc.ID, Marking: e.marking, Version: e.version, Status: string(e.status), From: &first, To: &last,
		Data: doc, CreatedAt: e.created.UTC().Truncate(time.Millisecond), UpdatedAt: now}
	ev := concord.Event{ID: uuid.Must(uuid.NewV7()).String(), Kind: KindConsignment, Verb: verb, RecordID: e.doc.ID, Version: e.version,
		Marking: e.marking, At: now, Actor: v.Username, ActorParty: v.Party, Data: b}
	return concord.RecordWrite{Record: r, Prev: prev, Events: []concord.Event{ev}}, nil
}

// Create registers a consignment.
func (s *Service) Create(ctx context.Context, v concord.Viewer, in CreateInput) (View, error) {
	r, err := s.refs(ctx)
	if err != nil {
		return View{}, err
	}
	e, err := s.prepare(v, in, r, s.core.Now())
	if err != nil {
		return View{}, err
	}
	if k := e.doc.externalKey(); k != "" && s.idx.byExternal(k) != nil {
		return View{}, concord.Errorf(concord.Conflict, "a consignment with external reference %s already exists", k)
	}
	w, err := s.recordWrite(v, e, 0, concord.VerbCreated, EventData{Consignment: &e.doc.Consignment, Events: e.doc.Events, Status: e.status})
	if err != nil {
		return View{}, err
	}
	if err := s.write(ctx, []concord.RecordWrite{w}, []*entry{e}); err != nil {
		return View{}, err
	}
	return s.view(ctx, e), nil
}

// Seed is one generated consignment with its history, for Bulk.
type Seed struct {
	CreateInput
	Events []aid.Event
}

// Bulk writes generated consignments with their whole histories in one
// transaction (the demo's past months; the benchmark's data). Every rule
// is checked as for any other write.
func (s *Service) Bulk(ctx context.Context, v concord.Viewer, seeds []Seed) error {
	r, err := s.refs(ctx)
	if err != nil {
		return err
	}
	now := s.core.Now()
	ws := make([]concord.RecordWrite, 0, len(seeds))
	es := make([]*entry, 0, len(seeds))
	for i, sd := range seeds {
		e, err := s.prepare(v, sd.CreateInput, r, now)
		if err != nil {
			return fmt.Errorf("seed %d: %w", i, err)
		}
		if len(sd.Events) > 0 {
			next, _, err := s.stage(v, e, sd.Events, r, now)
			if err != nil {
				return fmt.Errorf("seed %d (%s): %w", i, e.doc.Ref, err)
			}
			next.version = 1
			e = next
		}
		w, err := s.recordWrite(v, e, 0, concord.VerbCreated, EventData{Consignment: &e.doc.Consignment, Events: e.doc.Events, Status: e.status})
		if err != nil {
			return err
		}
		ws, es = append(ws, w), append(es, e)
	}
	return s.write(ctx, ws, es)
}

// Who may record a stage: the consignment's organisations record what they
// do with their goods; the crossing's operator (the owner of the crossing
// site) records clearance, arrival, inspection and offloading; the
// coordination center may record any stage on anyone's behalf.
var authorityStages = []aid.Stage{aid.Cleared, aid.Rejected, aid.ArrivedAtCrossing, aid.Inspected, aid.Offloaded}

func (s *Service) mayRecord(v concord.Viewer, e *entry, st aid.Stage, crossingOwner string) error {
	if v.IsSystem() || s.core.IsCoordinator(v) {
		return nil
	}
	if !v.CanWrite() {
		return concord.Errorf(concord.Forbidden, "your role may not record stage events")
	}
	if slices.Contains(authorityStages, st) {
		if v.Party != crossingOwner {
			return concord.Errorf(concord.Forbidden, "%s is recorded by the crossing's operator (%s) or the coordination center", st, crossingOwner)
		}
		return nil
	}
	if v.Party != e.doc.Sender && v.Party != e.doc.Implementer && v.Party != e.marking.Owner {
		return concord.Errorf(concord.Forbidden, "%s is recorded by the consignment's organisations (%s, %s) or the coordination center", st, e.doc.Sender, e.doc.Implementer)
	}
	return nil
}

// stage prepares appending events to an entry: checks, then returns the
// new entry. Events already in the timeline (same id) are skipped.
func (s *Service) stage(v concord.Viewer, e *entry, evs []aid.Event, r *refs, now time.Time) (*entry, []aid.Event, error) {
	crossingOwner := ""
	if f, ok := r.sites[e.doc.Crossing]; ok {
		crossingOwner = f.Marking.Owner
	}
	doc := e.doc
	doc.Events = slices.Clone(e.doc.Events)
	var added []aid.Event
	for _, ev := range evs {
		if err := s.mayRecord(v, e, ev.Stage, crossingOwner); err != nil {
			return nil, nil, err
		}
		if ev.At.IsZero() {
			ev.At = now
		}
		ev.At = ev.At.UTC().Truncate(time.Millisecond)
		if ev.At.After(now.Add(s.opts.FutureTolerance)) {
			return nil, nil, concord.InvalidFields(fmt.Sprintf("invalid stage event: at %s is in the future", ev.At.Format(time.RFC3339)),
				[]concord.FieldError{{Field: "at", Reason: "is in the future"}})
		}
		ev.Consignment, ev.From = doc.ID, ""
		if !v.IsSystem() || ev.Party == "" {
			// Who recorded it; a system loader may state the party it
			// replays history for.
			ev.Party, ev.Actor = v.Party, v.Username
		}
		if ev.ID == "" {
			ev.ID = eventID(doc.ID, ev.Stage, ev.At, ev.Qty, ev.Reason+ev.Kind+ev.Supersedes)
		}
		if slices.ContainsFunc(doc.Events, func(x aid.Event) bool { return x.ID == ev.ID }) {
			continue
		}
		if err := aid.Check(doc.Events, ev); err != nil {
			return nil, nil, concord.InvalidFields("illegal stage event: "+err.Error(), []concord.FieldError{{Field: "stage", Reason: err.Error()}})
		}
		doc.Events = append(doc.Events, ev)
		added = append(added, ev)
	}
	tl, err := aid.Build(doc.Events)
	if err != nil {
		return nil, nil, concord.WrapError(concord.Invalid, err, "illegal timeline")
	}
	return newEntry(doc.Consignment, tl, e.marking, e.version+1, e.created, now), added, nil
}

// Append records stage events on a consignment.
func (s *Service) Append(ctx context.Context, v concord.Viewer, id string, evs ...aid.Event) (View, error) {
	e := s.idx.get(id)
	if e == nil || !s.visibility(v).sees(e) {
		return View{}, concord.Errorf(concord.NotFound, "consignment %s not found", id)
	}
	r, err := s.refs(ctx)
	if err != nil {
		return View{}, err
	}
	next, added, err := s.stage(v, e, evs, r, s.core.Now())
	if err != nil {
		return View{}, err
	}
	if len(added) == 0 {
		return s.view(ctx, e), nil
	}
	w, err := s.recordWrite(v, next, e.version, "staged", EventData{Events: added, Status: next.status})
	if err != nil {
		return View{}, err
	}
	if err := s.write(ctx, []concord.RecordWrite{w}, []*entry{next}); err != nil {
		if concord.ErrorCode(err) == concord.Conflict {
			// Another instance got there first: catch up and let the
			// client retry on fresh data.
			_ = s.Apply(ctx, concord.Event{Kind: KindConsignment, RecordID: id, Version: e.version + 1})
		}
		return View{}, err
	}
	return s.view(ctx, next), nil
}
