// Package storetest is the conformance suite every concord.Store must pass
// (sqlite always, postgres when a server is configured). It speaks only the
// concord.Store interface, so a store that passes it behaves the same as any
// other to the rest of Concord.
package storetest
