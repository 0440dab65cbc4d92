package aid

import (
	"fmt"
	"slices"
	"time"
)

// Stage is one step of a consignment's timeline.
type Stage string

// The stages, in pipeline order.
const (
	Registered            Stage = "registered"
	SubmittedForClearance Stage = "submitted_for_clearance"
	Cleared               Stage = "cleared"
	Rejected              Stage = "rejected"
	Dispatched            Stage = "dispatched"
	ArrivedAtCrossing     Stage = "arrived_at_crossing"
	Inspected             Stage = "inspected"
	Offloaded             Stage = "offloaded"
	Collected             Stage = "collected"
	InTransit             Stage = "in_transit"
	Delivered             Stage = "delivered"
	Intercepted           Stage = "intercepted"
	Returned              Stage = "returned"
	Cancelled             Stage = "cancelled"
)

// Stages lists every stage in pipeline order.
var Stages = []Stage{Registered, SubmittedForClearance, Cleared, Rejected, Dispatched, ArrivedAtCrossing, Inspected,
	Offloaded, Collected, InTransit, Delivered, Intercepted, Returned, Cancelled}

// Canonical returns the package's own copy of a known stage's name (so
// that an index of many events shares one string per stage), or s.
func Canonical(s Stage) Stage {
	if i := stageIndex(s); i >= 0 {
		return Stages[i]
	}
	return s
}

// Category is a consignment's cluster category.
type Category string

// Categories lists the cargo categories.
var Categories = []Category{"food", "nutrition", "health", "wash", "shelter_nfi", "education", "fuel", "cooking_gas", "commercial"}

// Interception kinds.
const (
	InterceptedCrowd = "crowd"
	InterceptedArmed = "armed"
)

// Qty is an amount of cargo in every unit the pipeline counts. Good and
// Damaged split a receipt's tonnes when the receiver states them.
type Qty struct {
	Trucks  float64 `json:"trucks"`
	Tonnes  float64 `json:"tonnes"`
	Pallets float64 `json:"pallets"`
	Litres  float64 `json:"litres"`
	// Damaged is the part of Tonnes received damaged.
	Damaged float64 `json:"damaged_tonnes,omitempty"`
}

func (q Qty) add(o Qty) Qty {
	return Qty{q.Trucks + o.Trucks, q.Tonnes + o.Tonnes, q.Pallets + o.Pallets, q.Litres + o.Litres, q.Damaged + o.Damaged}
}

func (q Qty) sub(o Qty) Qty {
	return Qty{q.Trucks - o.Trucks, q.Tonnes - o.Tonnes, q.Pallets - o.Pallets, q.Litres - o.Litres, q.Damaged - o.Damaged}
}

// zero reports whether nothing is counted.
func (q Qty) zero() bool { return q.Trucks == 0 && q.Tonnes == 0 && q.Pallets == 0 && q.Litres == 0 }

// exceeds reports the first unit in which q is more than limit (with a
// small tolerance for rounding), or "".
func (q Qty) exceeds(limit Qty) string {
	const eps = 1e-6
	switch {
	case q.Trucks > limit.Trucks+eps:
		return fmt.Sprintf("%g trucks, more than the %g", q.Trucks, limit.Trucks)
	case q.Tonnes > limit.Tonnes+eps:
		return fmt.Sprintf("%g t, more than the %g t", q.Tonnes, limit.Tonnes)
	case q.Pallets > limit.Pallets+eps:
		return fmt.Sprintf("%g pallets, more than the %g", q.Pallets, limit.Pallets)
	case q.Litres > limit.Litres+eps:
		return fmt.Sprintf("%g litres, more than the %g", q.Litres, limit.Litres)
	}
	return ""
}

// Validate checks that quantities are finite and not negative.
func (q Qty) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"trucks", q.Trucks}, {"tonnes", q.Tonnes}, {"pallets", q.Pallets}, {"litres", q.Litres}, {"damaged_tonnes", q.Damaged}} {
		if f.v < 0 || f.v != f.v || f.v > 1e9 {
			return fmt.Errorf("%s must be a number from 0 to 1e9, got %g", f.name, f.v)
		}
	}
	if q.Damaged > q.Tonnes {
		return fmt.Errorf("damaged_tonnes %g is more than the %g t received", q.Damaged, q.Tonnes)
	}
	return nil
}

// Line is one cargo line of a consignment.
type Line struct {
	ItemCode  string   `json:"item_code"`
	ItemName  string   `json:"item_name"`
	Category  Category `json:"category"`
	Quantity  float64  `json:"quantity"`
	Unit      string   `json:"unit"`
	WeightKg  float64  `json:"weight_kg"`
	Lot       string   `json:"lot,omitempty"`
	Expiry    string   `json:"expiry,omitempty"` // YYYY-MM-DD
	DualUse   bool     `json:"dual_use,omitempty"`
	Clearance string   `json:"clearance_ref,omitempty"`
}

// Consignment is a consignment's header and cargo lines.
type Consignment struct {
	ID string `json:"id"`
	// Ref is the reference people use (CRS-<crossing>-<n>); ExternalRefs
	// hold UN2720, agency waybill or clearance numbers. The first external
	// reference keys idempotent imports.
	Ref          string            `json:"ref"`
	ExternalRefs map[string]string `json:"external_refs"`
	Sender       string            `json:"sender"`
	Implementer  string            `json:"implementer"`
	Corridor     string            `json:"corridor"`
	Origin       string            `json:"origin"`
	Crossing     string            `json:"crossing"`
	Destination  string            `json:"destination"`
	// Region is where the destination lies: north or south (of Wadi Gaza).
	Region   string   `json:"region"`
	Priority int      `json:"priority"`
	Category Category `json:"category"`
	Planned  Qty      `json:"planned"`
	Lines    []Line   `json:"lines"`
}

// Event is one stage event of a consignment's timeline. Events are never
// edited: a correction is a new event that supersedes an earlier one.
type Event struct {
	ID          string    `json:"id"`
	Consignment string    `json:"consignment"`
	Stage       Stage     `json:"stage"`
	At          time.Time `json:"at"`
	Party       string    `json:"party"`
	Actor       string    `json:"actor"`
	Place       string    `json:"place,omitempty"`
	Qty         Qty       `json:"qty"`
	// Reason explains a rejection, a return or a cancellation; Kind is
	// crowd or armed for an interception.
	Reason string `json:"reason,omitempty"`
	Kind   string `json:"kind,omitempty"`
	// Items names the rejected items.
	Items      []string `json:"items,omitempty"`
	Evidence   string   `json:"evidence,omitempty"`
	Supersedes string   `json:"supersedes,omitempty"`
	// From is, for a return, the stage the goods came back from; Build
	// sets it.
	From Stage `json:"from,omitempty"`
}

// prev is each flow stage's predecessor: a quantity recorded at a stage
// must already have been recorded at its predecessor.
var prev = map[Stage]Stage{
	SubmittedForClearance: Registered,
	Cleared:               SubmittedForClearance,
	Rejected:              SubmittedForClearance,
	Dispatched:            Cleared,
	ArrivedAtCrossing:     Dispatched,
	Inspected:             ArrivedAtCrossing,
	Offloaded:             Inspected,
	Collected:             Offloaded,
	InTransit:             Collected,
	Delivered:             InTransit,
	Intercepted:           InTransit,
}

// Validate checks an event on its own (not against the timeline).
func (e Event) Validate() error {
	if !slices.Contains(Stages, e.Stage) {
		return fmt.Errorf("unknown stage %q; valid stages are %v", e.Stage, Stages)
	}
	if e.At.IsZero() {
		return fmt.Errorf("at is required")
	}
	if err := e.Qty.Validate(); err != nil {
		return err
	}
	switch e.Stage {
	case Rejected, Returned, Cancelled:
		if e.Reason == "" {
			return fmt.Errorf("a %s event needs a reason", e.Stage)
		}
	case Intercepted:
		if e.Kind != InterceptedCrowd && e.Kind != InterceptedArmed {
			return fmt.Errorf("an interception is by a crowd or armed (kind), got %q", e.Kind)
		}
	}
	if e.Kind != "" && e.Stage != Intercepted {
		return fmt.Errorf("kind is only for interceptions")
	}
	return nil
}
