package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/concord-mission/concord"
)

// Simulator makes the exercise live: distribution points change status,
// the controlling party declares short activity windows and lifts them.
// Each change is made through the Service as a user of the owning party,
// so it is validated, versioned, audited and streamed like any other.
type Simulator struct {
	svc *concord.Service
	rng *rand.Rand
	log *slog.Logger
	// Every is the pause between two changes.
	Every time.Duration
	// made remembers the activity areas the simulator declared, oldest
	// first, so that it lifts them again.
	made []string
}

// NewSimulator returns a simulator with a deterministic sequence for seed.
func NewSimulator(svc *concord.Service, seed int64, log *slog.Logger) *Simulator {
	return &Simulator{svc: svc, rng: rand.New(rand.NewPCG(uint64(seed), 0x51)), log: log, Every: 20 * time.Second}
}

// Run changes the scenario until ctx ends.
func (s *Simulator) Run(ctx context.Context) {
	stepEvery(ctx, s.Every, s.Step, s.log, "simulator_step_failed")
}

// stepEvery calls step every pause until ctx ends, logging a failed step
// under msg.
func stepEvery(ctx context.Context, every time.Duration, step func(context.Context) error, log *slog.Logger, msg string) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := step(ctx); err != nil && ctx.Err() == nil {
				log.Warn(msg, "err", err)
			}
		}
	}
}

func actor(party string) concord.Viewer {
	return concord.Viewer{UserID: "system:simulator", Username: "simulator", Party: party, Roles: []concord.Role{concord.RoleCoordinator}}
}

var reasons = map[concord.SiteStatus][]string{
	concord.StatusOpen:    {"reopened after inspection backlog cleared", "open, normal hours", "reopened following security assessment"},
	concord.StatusLimited: {"reduced throughput: scanner maintenance", "limited hours due to holiday", "one inspection lane only"},
	concord.StatusClosed:  {"closed after security incident nearby", "closed: crowd at the gate", "closed for the day by the controlling party"},
}

// Step makes one change. Crossings are the aid simulator's: it opens and
// closes them through the pipeline, which keeps their history and the
// map's status together.
func (s *Simulator) Step(ctx context.Context) error {
	switch n := s.rng.IntN(10); {
	case n < 6:
		return s.changeSite(ctx, concord.SiteDistributionPoint, []concord.SiteStatus{concord.StatusOpen, concord.StatusLimited, concord.StatusClosed})
	default:
		return s.activityWindow(ctx)
	}
}

func (s *Simulator) changeSite(ctx context.Context, kind concord.SiteKind, statuses []concord.SiteStatus) error {
	page, err := s.svc.ListFeatures(ctx, concord.SystemViewer("CMCC", "simulator"), concord.FeatureQuery{Kinds: []concord.FeatureKind{concord.FeatureSite}})
	if err != nil {
		return err
	}
	var cands []concord.Feature
	for _, f := range page.Features {
		if f.Attrs.SiteKind == kind {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	f := cands[s.rng.IntN(len(cands))]
	next := statuses[s.rng.IntN(len(statuses))]
	if next == f.Attrs.Status {
		next = statuses[(slices.Index(statuses, next)+1)%len(statuses)]
	}
	f.Attrs.Status = next
	rs := reasons[next]
	f.Description = fmt.Sprintf("%s (%s)", rs[s.rng.IntN(len(rs))], s.svc.Now().UTC().Format("02 Jan 15:04Z"))
	_, err = s.svc.UpdateFeature(ctx, actor(f.Marking.Owner), f.ID, concord.FeatureInput{Feature: f, Version: f.Version})
	return err
}

// activityWindow declares a short activity window somewhere east of the
// control line, and lifts the oldest one once there are three.
func (s *Simulator) activityWindow(ctx context.Context) error {
	if len(s.made) >= 3 {
		id := s.made[0]
		s.made = s.made[1:]
		err := s.svc.DeleteFeature(ctx, actor("ISR"), id, 0)
		if concord.ErrorCode(err) != concord.NotFound {
			return err
		}
		return nil
	}
	s0 := 31.36 + s.rng.Float64()*0.2
	t0 := lineT(s0) + 0.05 + s.rng.Float64()*0.2
	now := s.svc.Now().UTC().Truncate(time.Minute)
	from := now.Add(time.Duration(1+s.rng.IntN(6)) * time.Hour)
	to := from.Add(time.Duration(2+s.rng.IntN(10)) * time.Hour)
	names := []string{"Clearance operation", "Live-fire training", "Route repair", "Engineering survey", "Rubble removal"}
	f := concord.Feature{
		Kind: concord.FeatureActivityArea, Name: names[s.rng.IntN(len(names))] + " (simulated)",
		Geometry: box(s0, s0+0.006, t0, t0+0.08), Marking: mk("ISR", "ALL"),
		Attrs: concord.FeatureAttrs{ControllingParty: "ISR"}, ValidFrom: &from, ValidTo: &to,
		Description: "Declared by the controlling party; movements nearby need deconfliction.",
	}
	out, err := s.svc.CreateFeature(ctx, actor("ISR"), concord.FeatureInput{Feature: f})
	if err != nil {
		return err
	}
	s.made = append(s.made, out.ID)
	return nil
}
