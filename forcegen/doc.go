// Package forcegen is the force-generation capability: sector
// requirements, national pledges with typed caveats, the current
// assignment (versioned and audited), the mission conditions caveats
// depend on, and the board that checks assignments and proposes better
// ones. It stores its records through concord.Store (as records), decides
// visibility through concord.Access — a nation's pledge and its caveats are
// marked separately, so that explanations shown to a party never reveal a
// caveat it may not see — and delegates the reasoning to package assign.
//
// It imports concord, assign and geo, and no adapter.
package forcegen
