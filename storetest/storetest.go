package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
)

// Run runs the whole suite. open must return a new, empty, migrated store
// that the test may close.
func Run(t *testing.T, open func(t *testing.T) concord.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s concord.Store)
	}{
		{"Parties", testParties},
		{"Users", testUsers},
		{"SessionsAndTokens", testSessionsAndTokens},
		{"FeatureRoundTrip", testFeatureRoundTrip},
		{"FeatureConflict", testFeatureConflict},
		{"FeatureQuery", testFeatureQuery},
		{"HistoryAndOutbox", testHistoryAndOutbox},
		{"FailedWriteLeavesNoEvent", testFailedWrite},
		{"Records", testRecords},
		{"RecordBatches", testRecordBatches},
		{"Disclosures", testDisclosures},
		{"Tracks", testTracks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func ev(kind, verb, id string, version int, m concord.Marking) concord.Event {
	return concord.Event{ID: uuid.NewString(), Kind: kind, Verb: verb, RecordID: id, Version: version, Marking: m, At: t0, Actor: "test", ActorParty: "CMCC", Data: json.RawMessage(`{"v":` + fmt.Sprint(version) + `}`)}
}

// Seed stores the parties and groups most tests need: CMCC, PAK, ISR, WFP
// and the groups ISF and HUM.
func Seed(t *testing.T, s concord.Store) {
	t.Helper()
	ctx := context.Background()
	for _, g := range []concord.Group{{Code: "ISF", Name: "Stabilization force"}, {Code: "HUM", Name: "Humanitarian community"}} {
		g.Version, g.UpdatedAt = 1, t0
		must(t, s.PutGroup(ctx, g, 0, ev("group", "created", g.Code, 1, concord.Marking{Owner: "CMCC", Rel: []string{"ALL"}})))
	}
	for _, p := range []concord.Party{
		{Code: "CMCC", Name: "Coordination center", Kind: concord.KindCoordination, Groups: []string{}},
		{Code: "PAK", Name: "Pakistan", Kind: concord.KindContributingNation, Groups: []string{"ISF"}, Policy: concord.ReleasePolicy{NeverReleaseTo: []string{"ISR"}, Reason: "no direct security cooperation"}},
		{Code: "ISR", Name: "Controlling party", Kind: concord.KindControllingParty, Groups: []string{}},
		{Code: "WFP", Name: "World Food Programme", Kind: concord.KindUNAgency, Groups: []string{"HUM"}},
	} {
		p.Version, p.UpdatedAt = 1, t0
		if p.Policy.NeverReleaseTo == nil {
			p.Policy.NeverReleaseTo = []string{}
		}
		must(t, s.PutParty(ctx, p, 0, ev("party", "created", p.Code, 1, concord.Marking{Owner: p.Code, Rel: []string{"ALL"}})))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code concord.Code) {
	t.Helper()
	if got := concord.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testParties(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	ps, err := s.Parties(ctx)
	must(t, err)
	if len(ps) != 4 || ps[0].Code != "CMCC" || ps[2].Code != "PAK" {
		t.Fatalf("parties = %+v", ps)
	}
	pak := ps[2]
	if pak.Policy.NeverReleaseTo[0] != "ISR" || pak.Policy.Reason == "" || pak.Groups[0] != "ISF" || !pak.UpdatedAt.Equal(t0) {
		t.Fatalf("PAK round trip: %+v", pak)
	}
	pak.Name, pak.Version = "Islamic Republic of Pakistan", 2
	must(t, s.PutParty(ctx, pak, 1, ev("party", "updated", "PAK", 2, concord.Marking{Owner: "PAK", Rel: []string{"ALL"}})))
	wantCode(t, s.PutParty(ctx, pak, 1, ev("party", "updated", "PAK", 2, concord.Marking{Owner: "PAK"})), concord.Conflict)
	wantCode(t, s.PutParty(ctx, concord.Party{Code: "PAK", Name: "dup", Kind: concord.KindNGO, Groups: []string{}, Version: 1}, 0, ev("party", "created", "PAK", 1, concord.Marking{Owner: "PAK"})), concord.Conflict)
	gs, err := s.Groups(ctx)
	must(t, err)
	if len(gs) != 2 || gs[0].Code != "HUM" {
		t.Fatalf("groups = %+v", gs)
	}
}

func testUsers(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	u := concord.User{ID: uuid.NewString(), Username: "pak.liaison", DisplayName: "PAK liaison", Party: "PAK", Roles: []concord.Role{concord.RoleLiaison, concord.RoleViewer}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.InsertUser(ctx, u, "hash1", ev("user", "created", u.ID, 1, concord.Marking{Owner: "PAK"})))
	wantCode(t, s.InsertUser(ctx, concord.User{ID: uuid.NewString(), Username: "pak.liaison", Party: "PAK", Roles: []concord.Role{"viewer"}, Version: 1}, "h", ev("user", "created", "x", 1, concord.Marking{Owner: "PAK"})), concord.Conflict)
	wantCode(t, s.InsertUser(ctx, concord.User{ID: uuid.NewString(), Username: "ghost", Party: "NOPE", Roles: []concord.Role{"viewer"}, Version: 1}, "h", ev("user", "created", "y", 1, concord.Marking{Owner: "PAK"})), concord.Invalid)
	got, hash, err := s.UserByName(ctx, "pak.liaison")
	must(t, err)
	if hash != "hash1" || got.ID != u.ID || len(got.Roles) != 2 || got.Party != "PAK" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("user round trip: %+v %q", got, hash)
	}
	_, _, err = s.UserByName(ctx, "nobody")
	wantCode(t, err, concord.NotFound)
	must(t, s.SetPasswordHash(ctx, u.ID, "hash2"))
	_, hash, _ = s.UserByName(ctx, "pak.liaison")
	if hash != "hash2" {
		t.Fatalf("hash = %q", hash)
	}
	got.Disabled, got.Version = true, 2
	must(t, s.UpdateUser(ctx, got, 1, ev("user", "updated", u.ID, 2, concord.Marking{Owner: "PAK"})))
	wantCode(t, s.UpdateUser(ctx, got, 1, ev("user", "updated", u.ID, 2, concord.Marking{Owner: "PAK"})), concord.Conflict)
	byID, err := s.User(ctx, u.ID)
	must(t, err)
	if !byID.Disabled || byID.Version != 2 {
		t.Fatalf("after update: %+v", byID)
	}
	all, err := s.Users(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("users = %d", len(all))
	}
}

func testSessionsAndTokens(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	u := concord.User{ID: uuid.NewString(), Username: "wfp.viewer", Party: "WFP", Roles: []concord.Role{"viewer"}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.InsertUser(ctx, u, "h", ev("user", "created", u.ID, 1, concord.Marking{Owner: "WFP"})))
	must(t, s.InsertSession(ctx, concord.Session{TokenHash: "s1", UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.InsertSession(ctx, concord.Session{TokenHash: "s2", UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(-time.Minute)}))
	got, err := s.Session(ctx, "s1")
	must(t, err)
	if got.UserID != u.ID || !got.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("session: %+v", got)
	}
	n, err := s.DeleteExpiredSessions(ctx, t0)
	must(t, err)
	if n != 1 {
		t.Fatalf("expired deleted = %d", n)
	}
	must(t, s.DeleteSession(ctx, "s1"))
	_, err = s.Session(ctx, "s1")
	wantCode(t, err, concord.NotFound)

	tok := concord.Token{ID: uuid.NewString(), UserID: u.ID, Name: "sensor", Hash: "th", CreatedAt: t0}
	must(t, s.InsertToken(ctx, tok))
	wantCode(t, s.InsertToken(ctx, concord.Token{ID: uuid.NewString(), UserID: u.ID, Name: "dup", Hash: "th", CreatedAt: t0}), concord.Conflict)
	gt, err := s.TokenByHash(ctx, "th")
	must(t, err)
	if gt.ID != tok.ID || gt.LastUsed != nil {
		t.Fatalf("token: %+v", gt)
	}
	must(t, s.TouchToken(ctx, tok.ID, t0.Add(time.Minute)))
	ts, err := s.Tokens(ctx, u.ID)
	must(t, err)
	if len(ts) != 1 || ts[0].LastUsed == nil || !ts[0].LastUsed.Equal(t0.Add(time.Minute)) {
		t.Fatalf("tokens: %+v", ts)
	}
	wantCode(t, s.DeleteToken(ctx, "someone-else", tok.ID), concord.NotFound)
	must(t, s.DeleteToken(ctx, u.ID, tok.ID))
	_, err = s.TokenByHash(ctx, "th")
	wantCode(t, err, concord.NotFound)
}

// NewFeature returns a valid site feature at lon, lat owned by owner.
func NewFeature(owner string, rel []string, lon, lat float64) concord.Feature {
	id, _ := uuid.NewV7()
	return concord.Feature{
		ID: id.String(), Kind: concord.FeatureSite, Name: "site " + id.String()[:8], Geometry: orb.Point{lon, lat},
		Marking: concord.Marking{Owner: owner, Rel: rel, Caveats: []string{}},
		Attrs:   concord.FeatureAttrs{SiteKind: concord.SiteWarehouse, Status: concord.StatusOpen, Capacity: 20, CapacityUnit: "trucks/day", Operator: "WFP"},
		Version: 1, CreatedAt: t0, UpdatedAt: t0, UpdatedBy: "test", UpdatedByParty: owner,
	}
}

// withDoc sets the stored document, as the Service does on every write.
func withDoc(f concord.Feature) concord.Feature {
	f.Doc, _ = f.GeoJSON(nil)
	return f
}

func insert(t *testing.T, s concord.Store, f concord.Feature) {
	t.Helper()
	must(t, s.InsertFeature(context.Background(), withDoc(f), ev("feature", "created", f.ID, f.Version, f.Marking)))
}

func testFeatureRoundTrip(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	from, to := t0.Add(time.Hour), t0.Add(5*time.Hour)
	area := concord.Feature{
		ID: uuid.NewString(), Kind: concord.FeatureRestrictedArea, Name: "Closed zone", Description: "live fire",
		Geometry: orb.Polygon{{{34.3, 31.3}, {34.4, 31.3}, {34.4, 31.4}, {34.3, 31.3}}},
		Marking:  concord.Marking{Owner: "ISR", Rel: []string{"ISF", "WFP"}, Caveats: []string{"ORCON"}},
		Attrs:    concord.FeatureAttrs{ControllingParty: "ISR"}, ValidFrom: &from, ValidTo: &to,
		Version: 1, CreatedAt: t0, UpdatedAt: t0, UpdatedBy: "isr.liaison", UpdatedByParty: "ISR",
	}
	insert(t, s, area)
	got, err := s.Feature(ctx, area.ID)
	must(t, err)
	a, _ := area.GeoJSON(nil)
	b, _ := got.GeoJSON(nil)
	if string(a) != string(b) {
		t.Fatalf("round trip differs:\n got %s\nwant %s", b, a)
	}
	if string(got.Doc) != string(a) {
		t.Fatalf("stored document differs:\n got %s\nwant %s", got.Doc, a)
	}
	docs, err := s.Features(ctx, concord.FeatureQuery{DocOnly: true})
	must(t, err)
	if len(docs) != 1 || string(docs[0].Doc) != string(a) || docs[0].Marking.Owner != "ISR" || docs[0].Marking.Rel[1] != "WFP" || docs[0].Version != 1 || docs[0].Kind != concord.FeatureRestrictedArea {
		t.Fatalf("doc-only query: %+v", docs)
	}
	_, err = s.Feature(ctx, uuid.NewString())
	wantCode(t, err, concord.NotFound)
	bad := NewFeature("NOPE", nil, 34.3, 31.4)
	wantCode(t, s.InsertFeature(ctx, withDoc(bad), ev("feature", "created", bad.ID, 1, bad.Marking)), concord.Invalid)
}

func testFeatureConflict(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	f := NewFeature("PAK", []string{"ISF"}, 34.35, 31.42)
	insert(t, s, f)
	f2 := f
	f2.Version, f2.Name = 2, "renamed"
	must(t, s.UpdateFeature(ctx, withDoc(f2), 1, ev("feature", "updated", f.ID, 2, f.Marking)))
	f3 := f
	f3.Version, f3.Name = 2, "lost update"
	wantCode(t, s.UpdateFeature(ctx, withDoc(f3), 1, ev("feature", "updated", f.ID, 2, f.Marking)), concord.Conflict)
	missing := NewFeature("PAK", nil, 34.3, 31.4)
	missing.Version = 2
	wantCode(t, s.UpdateFeature(ctx, withDoc(missing), 1, ev("feature", "updated", missing.ID, 2, missing.Marking)), concord.NotFound)
	got, _ := s.Feature(ctx, f.ID)
	if got.Name != "renamed" || got.Version != 2 {
		t.Fatalf("after conflict: %+v", got)
	}
	// Deletion is an update that keeps the row for history.
	del := got
	del.Version, del.Deleted = 3, true
	must(t, s.UpdateFeature(ctx, withDoc(del), 2, ev("feature", "deleted", f.ID, 3, f.Marking)))
	list, err := s.Features(ctx, concord.FeatureQuery{})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("deleted feature listed: %d", len(list))
	}
	n, _ := s.CountFeatures(ctx)
	if n != 0 {
		t.Fatalf("count = %d", n)
	}
}

func testFeatureQuery(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	var ids []string
	for i := 0; i < 30; i++ {
		f := NewFeature("WFP", []string{"ALL"}, 34.2+float64(i)*0.01, 31.3)
		insert(t, s, f)
		ids = append(ids, f.ID)
	}
	from, to := t0, t0.Add(2*time.Hour)
	win := concord.Feature{ID: uuid.NewString(), Kind: concord.FeatureActivityArea, Name: "exercise",
		Geometry: orb.Polygon{{{34.0, 31.0}, {34.1, 31.0}, {34.1, 31.1}, {34.0, 31.0}}}, Marking: concord.Marking{Owner: "ISR", Rel: []string{}, Caveats: []string{}},
		ValidFrom: &from, ValidTo: &to, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	insert(t, s, win)

	all, err := s.Features(ctx, concord.FeatureQuery{})
	must(t, err)
	if len(all) != 31 {
		t.Fatalf("all = %d", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].ID >= all[i].ID {
			t.Fatal("not ordered by id")
		}
	}
	sites, _ := s.Features(ctx, concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSite}})
	if len(sites) != 30 {
		t.Fatalf("sites = %d", len(sites))
	}
	bb := orb.Bound{Min: orb.Point{34.245, 31.2}, Max: orb.Point{34.295, 31.4}}
	inBox, _ := s.Features(ctx, concord.FeatureQuery{BBox: &bb})
	if len(inBox) != 5 { // 34.25 .. 34.29
		t.Fatalf("in bbox = %d", len(inBox))
	}
	// Pagination visits every feature once.
	seen := map[string]bool{}
	after := ""
	for {
		page, err := s.Features(ctx, concord.FeatureQuery{Limit: 7, After: after})
		must(t, err)
		for _, f := range page {
			if seen[f.ID] {
				t.Fatal("feature seen twice")
			}
			seen[f.ID] = true
		}
		if len(page) < 7 {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != 31 {
		t.Fatalf("paged %d", len(seen))
	}
	// Validity windows are half-open: [from, to).
	for _, tc := range []struct {
		at   time.Time
		want int
	}{{t0.Add(-time.Second), 30}, {t0, 31}, {t0.Add(time.Hour), 31}, {to, 30}} {
		at := tc.at
		got, _ := s.Features(ctx, concord.FeatureQuery{ActiveAt: &at})
		if len(got) != tc.want {
			t.Errorf("active at %s: %d, want %d", at, len(got), tc.want)
		}
	}
	byID, _ := s.Features(ctx, concord.FeatureQuery{IDs: ids[:3]})
	if len(byID) != 3 {
		t.Fatalf("by ids = %d", len(byID))
	}
}

func testHistoryAndOutbox(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	pending, err := s.PendingEvents(ctx, 0, 100)
	must(t, err)
	if len(pending) != 6 { // 2 groups + 4 parties
		t.Fatalf("pending after seed = %d", len(pending))
	}
	var seqs []int64
	for i, e := range pending {
		if i > 0 && e.Seq <= pending[i-1].Seq {
			t.Fatal("outbox not in commit order")
		}
		seqs = append(seqs, e.Seq)
	}
	must(t, s.MarkPublished(ctx, seqs))
	f := NewFeature("PAK", []string{"ISF"}, 34.3, 31.4)
	e1 := ev("feature", "created", f.ID, 1, f.Marking)
	must(t, s.InsertFeature(ctx, withDoc(f), e1))
	f.Version = 2
	f.Name = "v2"
	e2 := ev("feature", "updated", f.ID, 2, f.Marking)
	prev := f.Marking
	e2.PrevMarking = &prev
	must(t, s.UpdateFeature(ctx, withDoc(f), 1, e2))
	pending, _ = s.PendingEvents(ctx, 0, 100)
	if len(pending) != 2 || pending[0].ID != e1.ID || pending[1].ID != e2.ID || pending[1].PrevMarking == nil {
		t.Fatalf("pending = %+v", pending)
	}
	if string(pending[1].Data) != `{"v":2}` || !pending[1].At.Equal(t0) {
		t.Fatalf("event round trip: %+v", pending[1])
	}
	if past, _ := s.PendingEvents(ctx, pending[0].Seq, 100); len(past) != 1 || past[0].ID != e2.ID {
		t.Fatalf("pending after sequence %d = %+v, want only %s", pending[0].Seq, past, e2.ID)
	}
	h, err := s.History(ctx, "feature", f.ID)
	must(t, err)
	if len(h) != 2 || h[0].Version != 1 || h[1].Version != 2 || h[1].Verb != "updated" {
		t.Fatalf("history = %+v", h)
	}
	must(t, s.MarkPublished(ctx, []int64{pending[0].Seq}))
	pending, _ = s.PendingEvents(ctx, 0, 100)
	if len(pending) != 1 || pending[0].ID != e2.ID {
		t.Fatalf("after partial publish: %+v", pending)
	}
	// History survives publishing.
	h, _ = s.History(ctx, "feature", f.ID)
	if len(h) != 2 {
		t.Fatal("history lost after publish")
	}
}

func testFailedWrite(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	pending, _ := s.PendingEvents(ctx, 0, 100)
	before := len(pending)
	f := NewFeature("PAK", nil, 34.3, 31.4)
	insert(t, s, f)
	// A duplicate id fails; neither its history nor its event may remain.
	dup := f
	e := ev("feature", "created", f.ID, 1, f.Marking)
	wantCode(t, s.InsertFeature(ctx, withDoc(dup), e), concord.Conflict)
	stale := f
	stale.Version = 5
	wantCode(t, s.UpdateFeature(ctx, withDoc(stale), 4, ev("feature", "updated", f.ID, 5, f.Marking)), concord.Conflict)
	pending, _ = s.PendingEvents(ctx, 0, 100)
	if len(pending) != before+1 {
		t.Fatalf("pending = %d, want %d: a failed write left an event", len(pending), before+1)
	}
	h, _ := s.History(ctx, "feature", f.ID)
	if len(h) != 1 {
		t.Fatalf("history = %d entries after failed writes", len(h))
	}
}

func testRecords(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	from, to := t0.Add(48*time.Hour), t0.Add(50*time.Hour)
	r := concord.Record{Kind: "movement", ID: uuid.NewString(), Marking: concord.Marking{Owner: "WFP", Rel: []string{"HUM"}, Caveats: []string{}},
		Version: 1, Status: "submitted", From: &from, To: &to, Data: json.RawMessage(`{"purpose":"food"}`), CreatedAt: t0, UpdatedAt: t0}
	must(t, s.InsertRecord(ctx, r, ev("movement", "created", r.ID, 1, r.Marking)))
	wantCode(t, s.InsertRecord(ctx, r, ev("movement", "created", r.ID, 1, r.Marking)), concord.Conflict)
	got, err := s.Record(ctx, "movement", r.ID)
	must(t, err)
	if got.Status != "submitted" || !got.From.Equal(from) || string(got.Data) != `{"purpose":"food"}` || got.Marking.Rel[0] != "HUM" {
		t.Fatalf("round trip %+v", got)
	}
	_, err = s.Record(ctx, "site_notification", r.ID)
	wantCode(t, err, concord.NotFound)
	r2 := r
	r2.Version, r2.Status = 2, "transmitted"
	must(t, s.UpdateRecord(ctx, r2, 1, ev("movement", "updated", r.ID, 2, r.Marking)))
	wantCode(t, s.UpdateRecord(ctx, r2, 1, ev("movement", "updated", r.ID, 2, r.Marking)), concord.Conflict)
	missing := r2
	missing.ID = uuid.NewString()
	wantCode(t, s.UpdateRecord(ctx, missing, 1, ev("movement", "updated", missing.ID, 2, r.Marking)), concord.NotFound)
	other := r
	other.ID, other.Status = uuid.NewString(), "completed"
	late := t0.Add(100 * time.Hour)
	other.From, other.To = &late, nil
	must(t, s.InsertRecord(ctx, other, ev("movement", "created", other.ID, 1, other.Marking)))
	for _, tc := range []struct {
		q    concord.RecordQuery
		want int
	}{
		{concord.RecordQuery{Kind: "movement"}, 2},
		{concord.RecordQuery{Kind: "movement", Statuses: []string{"transmitted"}}, 1},
		{concord.RecordQuery{Kind: "movement", Overlaps: &[2]time.Time{t0.Add(49 * time.Hour), t0.Add(60 * time.Hour)}}, 1},
		{concord.RecordQuery{Kind: "movement", Overlaps: &[2]time.Time{t0.Add(50 * time.Hour), t0.Add(60 * time.Hour)}}, 0},
		{concord.RecordQuery{Kind: "movement", Overlaps: &[2]time.Time{t0.Add(200 * time.Hour), t0.Add(300 * time.Hour)}}, 1},
		{concord.RecordQuery{Kind: "movement", IDs: []string{r.ID}}, 1},
		{concord.RecordQuery{Kind: "site_notification"}, 0},
	} {
		got, err := s.Records(ctx, tc.q)
		must(t, err)
		if len(got) != tc.want {
			t.Errorf("query %+v: %d records, want %d", tc.q, len(got), tc.want)
		}
	}
	h, _ := s.History(ctx, "movement", r.ID)
	if len(h) != 2 {
		t.Fatalf("history %d", len(h))
	}
}

// testRecordBatches: a batch commits all its writes and events, or — when
// one write fails — none of them.
func testRecordBatches(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	m := concord.Marking{Owner: "WFP", Rel: []string{"HUM"}, Caveats: []string{}}
	rec := func(id string, v int) concord.Record {
		return concord.Record{Kind: "consignment", ID: id, Marking: m, Version: v, Status: "registered", Data: json.RawMessage(fmt.Sprintf(`{"v":%d}`, v)), CreatedAt: t0, UpdatedAt: t0}
	}
	pending := func() int {
		p, err := s.PendingEvents(ctx, 0, 100000)
		must(t, err)
		return len(p)
	}
	before := pending()
	var ws []concord.RecordWrite
	for i := range 1200 {
		id := fmt.Sprintf("c%04d", i)
		ws = append(ws, concord.RecordWrite{Record: rec(id, 1), Events: []concord.Event{ev("consignment", "created", id, 1, m), ev("consignment", "staged", id, 1, m)}})
	}
	// An update of a record inserted earlier in the same batch.
	ws = append(ws, concord.RecordWrite{Record: rec("c0000", 2), Prev: 1, Events: []concord.Event{ev("consignment", "staged", "c0000", 2, m)}})
	must(t, s.WriteRecords(ctx, ws))
	if got := pending() - before; got != 2401 {
		t.Fatalf("%d events pending after the batch, want 2401", got)
	}
	// The outbox holds the events in the order they were written.
	evs, err := s.PendingEvents(ctx, 0, 100000)
	must(t, err)
	k := before
	for _, w := range ws {
		for _, e := range w.Events {
			if evs[k].ID != e.ID || evs[k].RecordID != e.RecordID {
				t.Fatalf("pending event %d is %s of %s, want %s of %s", k, evs[k].ID, evs[k].RecordID, e.ID, e.RecordID)
			}
			k++
		}
	}
	got, err := s.Record(ctx, "consignment", "c0000")
	must(t, err)
	if got.Version != 2 || string(got.Data) != `{"v":2}` {
		t.Fatalf("updated in batch: %+v", got)
	}
	all, err := s.Records(ctx, concord.RecordQuery{Kind: "consignment", Limit: 5000})
	must(t, err)
	if len(all) != 1200 {
		t.Fatalf("%d records after the batch", len(all))
	}
	// A failing write (stale version, at the end) undoes the whole batch.
	bad := []concord.RecordWrite{
		{Record: rec("c9000", 1), Events: []concord.Event{ev("consignment", "created", "c9000", 1, m)}},
		{Record: rec("c0001", 2), Prev: 1, Events: []concord.Event{ev("consignment", "staged", "c0001", 2, m)}},
		{Record: rec("c0000", 3), Prev: 1, Events: []concord.Event{ev("consignment", "staged", "c0000", 3, m)}},
	}
	wantCode(t, s.WriteRecords(ctx, bad), concord.Conflict)
	dup := []concord.RecordWrite{{Record: rec("c9001", 1), Events: []concord.Event{ev("consignment", "created", "c9001", 1, m)}},
		{Record: rec("c0005", 1), Events: []concord.Event{ev("consignment", "created", "c0005", 1, m)}}}
	wantCode(t, s.WriteRecords(ctx, dup), concord.Conflict)
	for _, id := range []string{"c9000", "c9001"} {
		_, err := s.Record(ctx, "consignment", id)
		wantCode(t, err, concord.NotFound)
	}
	if got, _ := s.Record(ctx, "consignment", "c0001"); got.Version != 1 {
		t.Fatalf("a failed batch changed c0001 to v%d", got.Version)
	}
	if got := pending() - before; got != 2401 {
		t.Fatalf("%d events pending after failed batches, want 2401", got)
	}
}

func testDisclosures(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	d := concord.Disclosure{Party: "PAK", Kind: "site_notification", RecordID: "n1", Version: 1, At: t0, Via: "api"}
	must(t, s.RecordDisclosures(ctx, []concord.Disclosure{d, d}))
	later := d
	later.At, later.Via = t0.Add(time.Hour), "stream"
	must(t, s.RecordDisclosures(ctx, []concord.Disclosure{later}))
	v2 := d
	v2.Version, v2.At = 2, t0.Add(2*time.Hour)
	must(t, s.RecordDisclosures(ctx, []concord.Disclosure{v2}))
	got, err := s.Disclosures(ctx, "site_notification", "n1")
	must(t, err)
	if len(got) != 2 || got[0].Via != "api" || !got[0].At.Equal(t0) || got[1].Version != 2 {
		t.Fatalf("disclosures %+v", got)
	}
}

func testTracks(t *testing.T, s concord.Store) {
	ctx := context.Background()
	Seed(t, s)
	speed := 12.5
	mk := concord.Marking{Owner: "PAK", Rel: []string{"ISF"}, Caveats: []string{}}
	track := func(uid string, at time.Time, lon, lat float64) concord.Track {
		return concord.Track{UID: uid, Callsign: "Alpha " + uid, Type: "a-f-G-U-C", SIDC: "SFGPUC---------", Marking: mk,
			Lat: lat, Lon: lon, HAE: concord.UnknownError, CE: 10, LE: concord.UnknownError, Speed: &speed,
			Time: at, Stale: at.Add(5 * time.Minute), Source: "tak", Received: at}
	}
	first := []concord.Track{track("a", t0, 34.40, 31.40), track("b", t0, 34.41, 31.41)}
	must(t, s.PutTracks(ctx, first, first))
	// A newer report replaces the latest state; an older one arriving late
	// only adds to the history.
	late := []concord.Track{track("a", t0.Add(time.Minute), 34.42, 31.42), track("a", t0.Add(30*time.Second), 34.50, 31.50)}
	must(t, s.PutTracks(ctx, late, late))
	// The history and the latest state are written apart: a report kept
	// in the history only leaves the latest state as it was, and a latest
	// state written alone adds no history.
	must(t, s.PutTracks(ctx, []concord.Track{track("b", t0.Add(10*time.Second), 34.43, 31.43)}, nil))
	if b, err := s.Track(ctx, "b"); err != nil || !b.Time.Equal(t0) {
		t.Fatalf("latest track b after a history-only write = %+v, %v; want the report at t0", b, err)
	}
	must(t, s.PutTracks(ctx, nil, []concord.Track{track("b", t0.Add(10*time.Second), 34.43, 31.43)}))
	if b, err := s.Track(ctx, "b"); err != nil || !b.Time.Equal(t0.Add(10*time.Second)) || b.Lon != 34.43 {
		t.Fatalf("latest track b after a state-only write = %+v, %v", b, err)
	}
	must(t, s.PutTracks(ctx, nil, nil))
	got, err := s.Track(ctx, "a")
	must(t, err)
	if !got.Time.Equal(t0.Add(time.Minute)) || got.Lon != 34.42 || got.Speed == nil || *got.Speed != speed || !got.Marking.Equal(mk) {
		t.Fatalf("latest track a = %+v", got)
	}
	_, err = s.Track(ctx, "nope")
	wantCode(t, err, concord.NotFound)
	all, err := s.Tracks(ctx, concord.TrackQuery{})
	must(t, err)
	if len(all) != 2 || all[0].UID != "a" || all[1].UID != "b" {
		t.Fatalf("tracks %+v", all)
	}
	recent, err := s.Tracks(ctx, concord.TrackQuery{UpdatedSince: t0.Add(15 * time.Second)})
	must(t, err)
	if len(recent) != 1 || recent[0].UID != "a" {
		t.Fatalf("tracks updated since: %+v", recent)
	}
	page, err := s.Tracks(ctx, concord.TrackQuery{After: "a", Limit: 5})
	must(t, err)
	if len(page) != 1 || page[0].UID != "b" {
		t.Fatalf("tracks after a: %+v", page)
	}
	h, err := s.TrackHistory(ctx, "a", t0, t0.Add(time.Hour), 10)
	must(t, err)
	if len(h) != 3 || !h[0].Time.Equal(t0) || !h[1].Time.Equal(t0.Add(30*time.Second)) || h[1].Lon != 34.50 || h[2].Lat != 31.42 || h[2].Speed == nil || h[0].Course != nil {
		t.Fatalf("history %+v", h)
	}
	h, err = s.TrackHistory(ctx, "a", t0.Add(time.Second), t0.Add(time.Minute), 10)
	must(t, err)
	if len(h) != 1 {
		t.Fatalf("history window [t0+1s, t0+1m) = %d points, want 1", len(h))
	}
	if h, err := s.TrackHistory(ctx, "b", t0, t0.Add(time.Hour), 10); err != nil || len(h) != 2 {
		t.Fatalf("history of b = %+v, %v; want 2 points (the state-only write adds none)", h, err)
	}
	n, err := s.PruneTracks(ctx, t0.Add(45*time.Second))
	must(t, err)
	if n != 4 {
		t.Fatalf("pruned %d history rows, want 4 (a twice, b twice)", n)
	}
	all, err = s.Tracks(ctx, concord.TrackQuery{})
	must(t, err)
	if len(all) != 1 || all[0].UID != "a" {
		t.Fatalf("tracks after prune %+v", all)
	}
}
