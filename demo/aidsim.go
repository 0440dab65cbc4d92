package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/pipeline"
)

// AidSimulator keeps the exercise's aid pipeline moving while it runs:
// organisations register consignments and submit them, the crossings'
// operator clears (now and then rejects), receives, inspects and offloads
// them, implementers collect them and deliver (now and then a load is
// intercepted), and crossings close and reopen with reasons. Each step is
// recorded through the pipeline as a user of the party whose step it is,
// so every rule (who records which stage, quantities, transitions) holds
// and every change is streamed like any other.
type AidSimulator struct {
	p   *pipeline.Service
	rng *rand.Rand
	log *slog.Logger
	// Every is the pause between two steps.
	Every time.Duration
	n     int
}

// NewAidSimulator returns a simulator with a deterministic sequence for
// seed.
func NewAidSimulator(p *pipeline.Service, seed int64, log *slog.Logger) *AidSimulator {
	return &AidSimulator{p: p, rng: rand.New(rand.NewPCG(uint64(seed), 0xa1d51)), log: log, Every: 8 * time.Second}
}

// Run takes steps until ctx ends.
func (s *AidSimulator) Run(ctx context.Context) {
	stepEvery(ctx, s.Every, s.Step, s.log, "aid_simulator_step_failed")
}

// next is what happens after a consignment's status: the stage, who
// records it ("org", "operator" or "implementer") and the stage whose
// goods move on (none for clearance).
var next = map[aid.Stage]struct {
	stage aid.Stage
	by    string
	from  aid.Stage
}{
	aid.Registered:            {aid.SubmittedForClearance, "org", ""},
	aid.SubmittedForClearance: {aid.Cleared, "operator", ""},
	aid.Cleared:               {aid.Dispatched, "org", ""},
	aid.Dispatched:            {aid.ArrivedAtCrossing, "operator", aid.Dispatched},
	aid.ArrivedAtCrossing:     {aid.Inspected, "operator", aid.ArrivedAtCrossing},
	aid.Inspected:             {aid.Offloaded, "operator", aid.Inspected},
	aid.Offloaded:             {aid.Collected, "implementer", aid.Offloaded},
	aid.Collected:             {aid.InTransit, "implementer", aid.Collected},
	aid.InTransit:             {aid.Delivered, "implementer", aid.InTransit},
}

// Step takes one step: mostly a consignment moves on, sometimes a new one
// is registered or a crossing closes or reopens.
func (s *AidSimulator) Step(ctx context.Context) error {
	sys := concord.SystemViewer("CMCC", "simulator")
	crossings, err := s.p.Crossings(ctx, sys)
	if err != nil {
		return err
	}
	if len(crossings) == 0 {
		return nil
	}
	switch r := s.rng.IntN(100); {
	case r < 15:
		return s.register(ctx, crossings)
	case r < 19:
		return s.toggleCrossing(ctx, crossings)
	}
	return s.advance(ctx, sys, crossings)
}

// register files a new consignment through an open crossing and submits
// it for clearance.
func (s *AidSimulator) register(ctx context.Context, crossings []pipeline.CrossingView) error {
	open := slices.DeleteFunc(slices.Clone(crossings), func(c pipeline.CrossingView) bool { return !c.Open || c.CapacityTrucks == 0 })
	if len(open) == 0 {
		return nil
	}
	c := open[s.rng.IntN(len(open))]
	flow := aidFlow[pick(s.rng, len(aidFlow), func(i int) float64 { return aidFlow[i].share })]
	trucks := math.Round(8 + s.rng.Float64()*17)
	q := aid.Qty{Trucks: trucks, Tonnes: math.Round(trucks * flow.tonnesPerTruck), Pallets: trucks * 26}
	if flow.category == "fuel" {
		q = aid.Qty{Trucks: trucks, Tonnes: trucks * 27, Litres: trucks * 33000}
	}
	s.n++
	in := pipeline.CreateInput{Consignment: aid.Consignment{
		ExternalRefs: map[string]string{"un2720": fmt.Sprintf("UN2720-%s-L%d-%04d", strings.ToUpper(flow.org[:3]), time.Now().Unix()%1000000, s.n)},
		Sender:       flow.org, Implementer: flow.implementer, Category: flow.category, Corridor: "ISR", Origin: "Ashdod port (exercise)",
		Crossing: c.ID, Destination: flow.destinations[s.rng.IntN(len(flow.destinations))], Planned: q,
		Lines: []aid.Line{{ItemCode: flow.code, ItemName: flow.item, Category: flow.category, Quantity: q.Tonnes, Unit: "t", WeightKg: q.Tonnes * 1000}},
	}}
	v, err := s.p.Create(ctx, actor(flow.org), in)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	_, err = s.p.Append(ctx, actor(flow.org), v.ID, aid.Event{Stage: aid.SubmittedForClearance})
	return err
}

var closureReasons = []string{"closed after a security incident near the gate", "closed: crowd at the gate", "closed for the day by the controlling party",
	"closed: scanner breakdown"}

// toggleCrossing closes an open crossing, or reopens a closed one; at
// most one is closed at a time.
func (s *AidSimulator) toggleCrossing(ctx context.Context, crossings []pipeline.CrossingView) error {
	var c pipeline.CrossingView
	if i := slices.IndexFunc(crossings, func(c pipeline.CrossingView) bool { return !c.Open }); i >= 0 {
		c = crossings[i]
	} else {
		c = crossings[s.rng.IntN(len(crossings))]
	}
	reason := "reopened"
	if c.Open {
		reason = closureReasons[s.rng.IntN(len(closureReasons))]
	}
	_, err := s.p.SetCrossing(ctx, actor(c.Operator), c.ID, pipeline.CrossingInput{Hours: c.Hours, CapacityTrucks: c.CapacityTrucks,
		InspectionMode: c.InspectionMode, Open: !c.Open, Reason: reason, Version: c.Version})
	return err
}

// advance moves one consignment under way to its next stage, as the party
// whose step it is; goods wait at a closed crossing.
func (s *AidSimulator) advance(ctx context.Context, sys concord.Viewer, crossings []pipeline.CrossingView) error {
	var statuses []aid.Stage
	for st := range next {
		statuses = append(statuses, st)
	}
	slices.Sort(statuses)
	list, _ := s.p.List(sys, pipeline.ListQuery{Statuses: statuses, Limit: 200})
	if len(list) == 0 {
		return nil
	}
	sm := list[s.rng.IntN(len(list))]
	c, err := s.p.Get(ctx, sys, sm.ID)
	if err != nil {
		return err
	}
	step, ok := next[c.Status]
	if !ok {
		return nil
	}
	i := slices.IndexFunc(crossings, func(x pipeline.CrossingView) bool { return x.ID == c.Crossing })
	if i < 0 {
		return nil
	}
	crossing := crossings[i]
	if !crossing.Open && (step.stage == aid.ArrivedAtCrossing || step.stage == aid.Inspected || step.stage == aid.Offloaded) {
		return nil // held up by the closure
	}
	ev := aid.Event{Stage: step.stage}
	switch {
	case step.stage == aid.Dispatched:
		ev.Qty = c.Planned
	case step.from != "":
		ev.Qty = c.AtStage[string(step.from)]
		if ev.Qty == (aid.Qty{}) {
			return nil
		}
	}
	switch r := s.rng.IntN(100); {
	case step.stage == aid.Cleared && r < 5:
		ev.Stage, ev.Reason, ev.Items = aid.Rejected, "dual-use item not approved", []string{"water pump"}
	case step.stage == aid.Delivered && r < 4:
		ev.Stage, ev.Kind = aid.Intercepted, aid.InterceptedCrowd
	}
	party := map[string]string{"org": c.Sender, "operator": crossing.Operator, "implementer": c.Implementer}[step.by]
	_, err = s.p.Append(ctx, actor(party), c.ID, ev)
	return err
}
