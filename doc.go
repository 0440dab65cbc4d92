// Package concord holds Concord's domain: the types every other package
// speaks (parties, users, markings, features, events), the rules that are the
// same whatever the storage or transport (validation, releasability), the
// interfaces the domain needs from the outside world (Store, Bus), and the
// application service that every surface goes through.
//
// It imports only the standard library and package geo. Adapters (sqlite,
// natsbus, httpapi, web, demo) import it; it never imports them.
//
// Releasability is decided in exactly one place, Access.CanSee. Every read
// path of Service filters through it, and the live stream (Hub) does the same
// for every event, so no surface can forget it.
package concord
