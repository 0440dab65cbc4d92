package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"github.com/concord-mission/concord"
)

// Reporter takes position reports (the live picture, cop.Service).
type Reporter interface {
	Report(ctx context.Context, v concord.Viewer, source string, ts []concord.Track) error
}

// loadLiveConvoys notifies two convoys that are on the road when the
// exercise starts. They were notified, acknowledged and facilitated days
// ago in the exercise's story, so the loader runs the workflow with the
// clock set back, then starts them now. Their vehicles carry trackers that
// the track simulator drives along the approved routes (one strays).
func loadLiveConvoys(ctx context.Context, svc *concord.Service, log *slog.Logger) error {
	clock := svc.Clock()
	now := clock().UTC().Truncate(time.Minute)
	svc.SetNow(func() time.Time { return now.Add(-72 * time.Hour) })
	defer svc.SetNow(clock)
	cmcc := who("CMCC", concord.RoleCoordinator)
	mk := func(owner string, rel ...string) concord.Marking { return concord.Marking{Owner: owner, Rel: rel} }
	type convoy struct {
		owner string
		m     concord.Movement
	}
	convoys := []convoy{
		{"WFP", concord.Movement{Purpose: concord.PurposeFood, Route: route([2]float64{31.372, 0.10}, [2]float64{31.40, 0.09}, [2]float64{31.43, 0.08}, [2]float64{31.47, 0.07}, [2]float64{31.505, 0.08}),
			Depart: now.Add(-30 * time.Minute), Arrive: now.Add(6 * time.Hour), Personnel: 9, Marking: mk("WFP", "ALL"),
			Vehicles: []concord.Vehicle{{Plate: "WFP-101", Type: "truck", Tracker: "SIM-WFP-101"}, {Plate: "WFP-102", Type: "truck", Tracker: "SIM-WFP-102"}},
			Notes:    "Coastal road run to the Gaza City sub-office (exercise, on the road now)."}},
		{"UNICEF", concord.Movement{Purpose: concord.PurposeNonFood, Route: route([2]float64{31.378, 0.24}, [2]float64{31.395, 0.26}, [2]float64{31.415, 0.27}, [2]float64{31.425, 0.275}),
			Depart: now.Add(-20 * time.Minute), Arrive: now.Add(5 * time.Hour), Personnel: 4, Marking: mk("UNICEF", "ALL"),
			Vehicles: []concord.Vehicle{{Plate: "UNICEF-7", Type: "truck", Tracker: "SIM-UNICEF-7"}},
			Notes:    "WASH supplies, Khan Yunis to Deir al-Balah (exercise, on the road now)."}},
	}
	for _, c := range convoys {
		m, err := svc.CreateMovement(ctx, who(c.owner, concord.RoleCoordinator), c.m)
		if err == nil {
			m, err = svc.TransmitMovement(ctx, cmcc, m.ID)
		}
		for _, a := range m.Acks {
			if err != nil {
				break
			}
			if a.State == concord.AckPending {
				m, err = svc.AcknowledgeMovement(ctx, who(a.Party, concord.RoleLiaison), m.ID, concord.AckDecision{Acknowledge: true})
			}
		}
		if err == nil {
			m, err = svc.DecideMovement(ctx, cmcc, m.ID, concord.MovementDecision{Outcome: concord.MovementFacilitated})
		}
		if err == nil {
			svc.SetNow(clock)
			m, err = svc.StartMovement(ctx, who(c.owner, concord.RoleCoordinator), m.ID)
			svc.SetNow(func() time.Time { return now.Add(-72 * time.Hour) })
		}
		if err != nil {
			// The story needs them, the exercise does not: patrols still run.
			log.Warn("demo_live_convoy_skipped", "owner", c.owner, "err", err)
		}
	}
	return nil
}

// unit is one simulated tracked object moving along a path, there and
// back.
type unit struct {
	uid, callsign, cotType string
	viewer                 concord.Viewer
	marking                concord.Marking
	path                   orb.LineString
	cum                    []float64 // metres from the start to each vertex
	speed                  float64   // m/s
	offset                 float64   // metres travelled at the simulator's start
}

func newUnit(uid, callsign, cotType, party string, m concord.Marking, path orb.LineString, speed, offset float64) *unit {
	u := &unit{uid: uid, callsign: callsign, cotType: cotType, marking: m, path: path, speed: speed, offset: offset,
		viewer: concord.Viewer{UserID: "system:simulator", Username: "simulator", Party: party, Roles: []concord.Role{concord.RoleReporter}}}
	u.cum = make([]float64, len(path))
	for i := 1; i < len(path); i++ {
		u.cum[i] = u.cum[i-1] + geo.Distance(path[i-1], path[i])
	}
	return u
}

// at returns the unit's position and course after elapsed seconds.
func (u *unit) at(elapsed float64) (orb.Point, float64) {
	total := u.cum[len(u.cum)-1]
	if total == 0 {
		return u.path[0], 0
	}
	d := math.Mod(u.offset+u.speed*elapsed, 2*total)
	back := d > total
	if back {
		d = 2*total - d
	}
	i := 1
	for i < len(u.cum)-1 && u.cum[i] < d {
		i++
	}
	a, b := u.path[i-1], u.path[i]
	seg := u.cum[i] - u.cum[i-1]
	f := 0.0
	if seg > 0 {
		f = (d - u.cum[i-1]) / seg
	}
	p := orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
	course := geo.Bearing(a, b)
	if back {
		course += 180
	}
	return p, math.Mod(course+360, 360)
}

// TrackSimulator makes the live picture move: patrols inside every sector,
// the vehicles of the movements in progress along their approved routes
// (one of them strays off route and comes back), and one vehicle that
// drives into a restricted area. Positions go through the live picture as
// reports of each unit's party, like any tracker's.
type TrackSimulator struct {
	svc *concord.Service
	rep Reporter
	rng *rand.Rand
	log *slog.Logger
	// Every is the pause between two rounds of reports.
	Every time.Duration
	// Speed runs the simulated world faster than the clock (units travel
	// Speed times their speed; 0 or 1 is real time).
	Speed float64
	// Lead starts the simulated world that far into the scenario (the
	// intruding vehicle enters the closed zone about 10½ minutes in, the
	// stray convoy leaves its route after about 8).
	Lead  time.Duration
	units []*unit
	start time.Time
}

// NewTrackSimulator returns a simulator with a deterministic layout for
// seed.
func NewTrackSimulator(svc *concord.Service, rep Reporter, seed int64, log *slog.Logger) *TrackSimulator {
	return &TrackSimulator{svc: svc, rep: rep, rng: rand.New(rand.NewPCG(uint64(seed), 0x7a6)), log: log, Every: 3 * time.Second}
}

// Units returns the uids the simulator drives.
func (s *TrackSimulator) Units() []string {
	out := make([]string, len(s.units))
	for i, u := range s.units {
		out[i] = u.uid
	}
	return out
}

// Setup lays out the units from the map and the movements in progress.
func (s *TrackSimulator) Setup(ctx context.Context) error {
	sys := concord.SystemViewer("CMCC", "simulator")
	page, err := s.svc.ListFeatures(ctx, sys, concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSector, concord.FeatureRestrictedArea}})
	if err != nil {
		return err
	}
	s.units = nil
	for _, f := range page.Features {
		poly, ok := f.Geometry.(orb.Polygon)
		if !ok {
			continue
		}
		switch {
		case f.Kind == concord.FeatureSector && f.Attrs.LeadParty != "":
			lead := f.Attrs.LeadParty
			m := concord.Marking{Owner: lead, Rel: []string{"ISF"}}
			for i := 1; i <= 2; i++ {
				loop := s.loopIn(poly, 5)
				s.units = append(s.units, newUnit(fmt.Sprintf("SIM-%s-P%d", lead, i), fmt.Sprintf("%s Patrol %d", lead, i), "a-f-G-U-C-I", lead, m, loop,
					3+s.rng.Float64()*4, s.rng.Float64()*2000))
			}
		case f.Kind == concord.FeatureRestrictedArea && strings.HasPrefix(f.Name, "Closed military zone"):
			// An ISF vehicle that drives into the closed zone and out again.
			c := f.Geometry.Bound().Center()
			west := orb.Point{c[0] - 0.05, c[1]}
			m := concord.Marking{Owner: "AZE", Rel: []string{"ISF"}}
			s.units = append(s.units, newUnit("SIM-AZE-V9", "AZE Recce 9", "a-f-G-E-V", "AZE", m, orb.LineString{west, c}, 6, 0))
		}
	}
	ms, _, err := s.svc.Movements(ctx, sys, concord.MovementQuery{Statuses: []string{string(concord.MovementInProgress)}, Limit: 100})
	if err != nil {
		return err
	}
	for mi, m := range ms {
		for vi, v := range m.Vehicles {
			if v.Tracker == "" {
				continue
			}
			path := orb.LineString(m.Route)
			if mi == len(ms)-1 && vi == 0 && len(path) >= 3 {
				path = detour(path, 0.012) // strays about a kilometre off, then back
			}
			s.units = append(s.units, newUnit(v.Tracker, v.Plate, "a-n-G-E-V-C", m.Marking.Owner, m.Marking, path, 9, float64(vi)*-60))
		}
	}
	return nil
}

// loopIn returns a closed path through n random points of poly, each at
// least about 1.5 km west of its eastern edge: sectors end at the control
// line, whose marked and observed versions stray west of the declared one,
// and a patrol is meant to stay on its side.
func (s *TrackSimulator) loopIn(poly orb.Polygon, n int) orb.LineString {
	b := poly.Bound()
	var pts orb.LineString
	for tries := 0; len(pts) < n && tries < 1000; tries++ {
		p := orb.Point{b.Min[0] + s.rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + s.rng.Float64()*(b.Max[1]-b.Min[1])}
		if planar.PolygonContains(poly, p) && planar.PolygonContains(poly, orb.Point{p[0] + 0.016, p[1]}) {
			pts = append(pts, p)
		}
	}
	if len(pts) == 0 {
		pts = orb.LineString{b.Center()}
	}
	return append(pts, pts[0])
}

// detour bends the middle of a route sideways by d degrees of longitude.
func detour(l orb.LineString, d float64) orb.LineString {
	mid := len(l) / 2
	a, b := l[mid-1], l[mid]
	out := append(orb.LineString{}, l[:mid]...)
	out = append(out, orb.Point{a[0] + (b[0]-a[0])/3 + d, a[1] + (b[1]-a[1])/3}, orb.Point{a[0] + 2*(b[0]-a[0])/3 + d, a[1] + 2*(b[1]-a[1])/3})
	return append(out, l[mid:]...)
}

// Run reports every unit's position every Every until ctx ends.
func (s *TrackSimulator) Run(ctx context.Context) {
	if err := s.Setup(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("track_simulator_setup_failed", "err", err)
		}
		return
	}
	s.start = s.svc.Now()
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("track_simulator_step_failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step reports every unit's position now.
func (s *TrackSimulator) Step(ctx context.Context) error {
	now := s.svc.Now().UTC().Truncate(time.Millisecond)
	factor := s.Speed
	if factor <= 0 {
		factor = 1
	}
	elapsed := s.Lead.Seconds() + now.Sub(s.start).Seconds()*factor
	byParty := map[string][]concord.Track{}
	viewers := map[string]concord.Viewer{}
	for _, u := range s.units {
		p, course := u.at(elapsed)
		speed := u.speed * factor
		t := concord.Track{UID: u.uid, Callsign: u.callsign, Type: u.cotType, Marking: u.marking, Lat: p.Lat(), Lon: p.Lon(),
			HAE: concord.UnknownError, CE: 10, LE: concord.UnknownError, Course: &course, Speed: &speed, Time: now, Stale: now.Add(4 * s.Every)}
		byParty[u.viewer.Party] = append(byParty[u.viewer.Party], t)
		viewers[u.viewer.Party] = u.viewer
	}
	var errs []string
	for party, ts := range byParty {
		if err := s.rep.Report(ctx, viewers[party], "sim", ts); err != nil {
			errs = append(errs, party+": "+concord.ErrorMessage(err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("reports refused: %s", strings.Join(errs, "; "))
	}
	return nil
}
