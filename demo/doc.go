// Package demo loads Concord's exercise scenario, a Gaza stabilization
// exercise with approximate geography, and runs simulators that make it
// live. Everything it creates goes through concord.Service like any user's
// change, so the scenario exercises the same rules as real data.
//
// The scenario is deterministic for a seed: the same seed gives the same
// parties, users, features and simulated activity (times are relative to
// the day the scenario is loaded).
//
// It imports concord and password, never another adapter.
package demo
