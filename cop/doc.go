// Package cop is the live common operating picture: the latest state and
// history of every track (units, vehicles, convoys, TAK devices), position
// reports from any source, per-viewer live feeds, geofencing of every
// report against the mission map, and the alerts it raises.
//
// Positions are hot and many: they are kept in memory, fanned out at once
// (to browsers, TAK devices and the geofencer, each through
// Directory.CanSee) and written to the store behind, in batches. Alerts are
// few and matter: they are concord.Records committed with their events
// through the outbox like every other change.
//
// It imports concord, geo, geofence and cot (for symbol codes); never an
// adapter.
package cop
