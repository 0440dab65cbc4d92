package aid

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// flow is the chain of stages goods move along once dispatched; goods
// "at" a stage are those that reached it and have not moved on.
var flow = []Stage{Dispatched, ArrivedAtCrossing, Inspected, Offloaded, Collected, InTransit}

// Timeline is a consignment's effective stage events (superseded ones
// removed), in time order, and the state they lead to.
type Timeline struct {
	Events []Event `json:"events"`
	// Superseded are the events later corrections replaced.
	Superseded []Event `json:"superseded"`
	// Reached is the cumulative quantity that reached each stage;
	// ReturnedFrom is what was returned from each flow stage.
	Reached      map[Stage]Qty `json:"reached"`
	ReturnedFrom map[Stage]Qty `json:"returned_from"`
	// Clearance is "", submitted, cleared or rejected.
	Clearance string `json:"clearance"`
	Cancelled bool   `json:"cancelled"`
	// First is when each stage was first reached.
	First map[Stage]time.Time `json:"first"`
}

// At returns the goods currently at a flow stage: reached it and neither
// moved on nor returned.
func (t *Timeline) At(s Stage) Qty {
	q := t.Reached[s].sub(t.ReturnedFrom[s])
	switch s {
	case InTransit:
		return q.sub(t.Reached[Delivered]).sub(t.Reached[Intercepted])
	default:
		if i := slices.Index(flow, s); i >= 0 && i+1 < len(flow) {
			return q.sub(t.Reached[flow[i+1]])
		}
	}
	return q
}

// Status is the stage a consignment is at, for lists: the furthest stage
// any of its goods reached, or cancelled.
func (t *Timeline) Status() Stage {
	if t.Cancelled {
		return Cancelled
	}
	best := Registered
	for _, s := range Stages {
		if _, ok := t.First[s]; ok && s != Returned {
			best = s
		}
	}
	if t.Clearance == "rejected" {
		return Rejected
	}
	// Everything that left came back.
	if _, ok := t.First[Returned]; ok && t.inPipeline().zero() && t.Reached[Delivered].zero() && t.Reached[Intercepted].zero() {
		return Returned
	}
	return best
}

// inPipeline is what is somewhere between dispatch and an outcome.
func (t *Timeline) inPipeline() Qty {
	var q Qty
	for _, s := range flow {
		q = q.add(t.At(s))
	}
	return q
}

// Build replays events (in any order) into a timeline, checking every rule;
// the first broken rule is returned with the event that breaks it.
func Build(events []Event) (*Timeline, error) {
	t := &Timeline{Reached: map[Stage]Qty{}, ReturnedFrom: map[Stage]Qty{}, First: map[Stage]time.Time{}}
	byID := map[string]int{}
	for i, e := range events {
		if _, dup := byID[e.ID]; dup {
			return nil, fmt.Errorf("event %s appears twice", e.ID)
		}
		byID[e.ID] = i
	}
	superseded := map[string]bool{}
	for _, e := range events {
		if e.Supersedes == "" {
			continue
		}
		j, ok := byID[e.Supersedes]
		if !ok {
			return nil, fmt.Errorf("event %s corrects %s, which is not in this consignment's timeline", e.ID, e.Supersedes)
		}
		if superseded[e.Supersedes] {
			return nil, fmt.Errorf("event %s corrects %s, which was already corrected", e.ID, e.Supersedes)
		}
		if events[j].Stage != e.Stage {
			return nil, fmt.Errorf("a correction keeps the stage: event %s is %s, the corrected one %s", e.ID, e.Stage, events[j].Stage)
		}
		superseded[e.Supersedes] = true
	}
	for _, e := range events {
		if superseded[e.ID] {
			t.Superseded = append(t.Superseded, e)
		} else {
			t.Events = append(t.Events, e)
		}
	}
	slices.SortStableFunc(t.Events, func(a, b Event) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(stageOrder(a.Stage), stageOrder(b.Stage)), cmp.Compare(a.ID, b.ID))
	})
	for i := range t.Events {
		e := &t.Events[i]
		if err := t.apply(e); err != nil {
			return nil, fmt.Errorf("%s at %s: %w", e.Stage, e.At.UTC().Format(time.RFC3339), err)
		}
	}
	return t, nil
}

func stageOrder(s Stage) int { return slices.Index(Stages, s) }

// Check reports whether e may be appended to the events.
func Check(events []Event, e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	_, err := Build(append(slices.Clip(events), e))
	return err
}

func (t *Timeline) apply(e *Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if t.Cancelled {
		return fmt.Errorf("the consignment was cancelled")
	}
	_, registered := t.First[Registered]
	if !registered && e.Stage != Registered {
		return fmt.Errorf("the consignment must be registered first")
	}
	switch e.Stage {
	case Registered:
		if registered {
			return fmt.Errorf("the consignment is already registered")
		}
	case SubmittedForClearance:
		if t.Clearance == "submitted" || t.Clearance == "cleared" {
			return fmt.Errorf("the consignment is already %s", t.Clearance)
		}
		t.Clearance = "submitted"
	case Cleared, Rejected:
		if t.Clearance != "submitted" {
			return fmt.Errorf("only a consignment submitted for clearance can be %s (clearance is %q)", e.Stage, cmp.Or(t.Clearance, "not requested"))
		}
		t.Clearance = string(e.Stage)
	case Cancelled:
		if !t.Reached[Dispatched].zero() {
			return fmt.Errorf("goods were dispatched: record their return instead of cancelling")
		}
		t.Cancelled = true
	case Dispatched:
		if t.Clearance != "cleared" {
			return fmt.Errorf("the consignment is not cleared (clearance is %q)", cmp.Or(t.Clearance, "not requested"))
		}
		if e.Qty.zero() {
			return fmt.Errorf("a dispatch states the quantity dispatched")
		}
	case Returned:
		if e.Qty.zero() {
			return fmt.Errorf("a return states the quantity returned")
		}
		// Goods come back from the furthest stage that holds enough.
		for i := len(flow) - 1; i >= 0; i-- {
			if e.Qty.exceeds(t.At(flow[i])) == "" {
				t.ReturnedFrom[flow[i]] = t.ReturnedFrom[flow[i]].add(e.Qty)
				e.From = flow[i]
				t.reach(*e)
				return nil
			}
		}
		return fmt.Errorf("%s are returned, but no stage holds that much", describe(e.Qty))
	default:
		p := prev[e.Stage]
		if e.Qty.zero() {
			return fmt.Errorf("a %s event states its quantity", e.Stage)
		}
		avail := t.At(p)
		if msg := e.Qty.exceeds(avail); msg != "" {
			return fmt.Errorf("%s, currently at %s", msg, p)
		}
	}
	t.reach(*e)
	return nil
}

func (t *Timeline) reach(e Event) {
	t.Reached[e.Stage] = t.Reached[e.Stage].add(e.Qty)
	if _, ok := t.First[e.Stage]; !ok {
		t.First[e.Stage] = e.At
	}
}

func describe(q Qty) string {
	switch {
	case q.Tonnes > 0:
		return fmt.Sprintf("%g t", q.Tonnes)
	case q.Trucks > 0:
		return fmt.Sprintf("%g trucks", q.Trucks)
	case q.Litres > 0:
		return fmt.Sprintf("%g litres", q.Litres)
	}
	return fmt.Sprintf("%g pallets", q.Pallets)
}
