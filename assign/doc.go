// Package assign is Concord's force-generation engine: it checks a
// proposed assignment of pledged units to sector requirements against the
// pledges' national caveats, readiness and strength and the mission map,
// explaining every conflict; and it proposes the assignment that meets the
// most requirement slots, weighted by priority, with no hard caveat
// violation, explaining every remaining gap.
//
// It is pure and deterministic (no I/O, no clock, no randomness). Map
// relations (how far each sector lies from each party's control line) are
// computed by the caller and passed in as data.
//
// # Optimizer
//
// Every unit a requirement asks for is a slot with the requirement's
// priority as its weight; a pledge fills at most one slot, and only a slot
// it is eligible for (same capability, enough strength, ready in time, no
// hard caveat conflict). The sets of slots that can be filled together
// form a transversal matroid, so the greedy rule is optimal: take slots in
// descending weight and keep each one for which an augmenting path (Kuhn's
// algorithm) finds a pledge, possibly moving already placed pledges.
// Problems split by capability, since no pledge serves two. Among equal
// optima the search prefers pledges that need no relay, then earlier
// readiness, then pledge id; ties in slots go by requirement id.
//
// It imports nothing of Concord's.
package assign
