// Package geofence is Concord's geofencing engine: it evaluates each track
// position against the mission's zones — restricted and activity areas
// with validity windows, sectors, control lines — and against the approved
// route of the movement the track belongs to, and returns events in the
// tile38 vocabulary: Enter and Exit for areas, SectorChange, Cross for
// control lines, OffRoute, BackOnRoute and Arrived for routes, and Stale for
// tracks that stop reporting. Tick applies time alone: windows opening and
// closing around standing tracks, and staleness.
//
// It owns the zone index, per-track state and the event rules; storing
// events as alerts, publishing them and deciding who may see them belong
// to its callers. It is pure and deterministic: no I/O, no clock, no
// goroutines, no randomness; the same calls give the same events with the
// same IDs (an event's ID hashes its track, zone, transition and time, so it
// serves as an idempotency key across runs and instances). It imports geo
// and well-kept libraries only, never the root package concord or an
// adapter.
//
// # Rules
//
//   - An area is inside when the position lies in its polygon, boundary
//     included (the shell's and the holes'), and the update's time lies in
//     its window [From, To). Sectors follow the same containment rule; a
//     track is in at most one sector, the one with the smallest ID when
//     sectors overlap.
//   - A control line is crossed when the straight step between two
//     successive positions changes sides of it (an odd number of
//     crossings; a step through one of its vertices counts once, a step that
//     touches it and turns back not at all). A position exactly on the line
//     is on neither side: nothing happens until the track leaves it, and
//     then it has crossed only if it left to the other side of where it came
//     from (judged from its last position off the line). A first position
//     on a line crosses nothing.
//   - Off route is a distance to the route beyond Route.OffRouteM, reported
//     once; BackOnRoute comes when the track is back within
//     OffRouteM·(1−Config.Hysteresis) (default 90%), so a track running
//     along the threshold does not flap. Arrived comes once, within
//     Route.ArrivalM of the route's last point.
//   - Updates older than the track's last evaluation are ignored; so are
//     updates without track ID or time, or with a position that is not
//     finite or out of range (Update.Validate says why). Zones and routes
//     are validated and refused with an *Error.
//   - A replaced zone is judged at each track's next update; a removed
//     zone is dropped without an Exit.
//
// # Distances
//
// Positions and zones stay in degrees for every sign test (containment,
// sides of a line): the metric plane below is an affine map of degrees with
// positive scales, so these answers are the same as on the plane, and they
// are exact for coordinates on a fine binary grid (the oracle tests use
// one). Distances (off route, arrival) are measured on geo.Plane, the
// plane tangent at Config.Reference (the mission's centre): x =
// N·cos(φ0)·Δλ, y = M·Δφ with the WGS84 radii of curvature at φ0. Against
// the ellipsoidal distance, the error is under 0.01% north–south and grows
// east–west with the latitude's distance from φ0: 0.19% at the demo AO's
// northern edge, 0.18° from φ0 = 31.41° (a 500 m threshold is right to
// within 1 m), about 1.1% at ±1°.
//
// # Cost
//
// Each track remembers the grid cell (Config.CellM, 500 m) of its last
// position; each cell caches the zones and control-line segments whose
// bounds meet it, found once in R-trees (tidwall/rtree) and patched in place
// by PutZone and RemoveZone. An update that stays in its cell does no tree
// search and allocates nothing unless something happens. Route distances
// are recomputed only when the distance moved since the last computation
// could have crossed a threshold. Tick keeps two time-ordered queues
// (window boundaries, stale deadlines) and costs two comparisons when
// nothing is due.
//
// # Concurrency
//
// An Engine is not safe for concurrent use: one goroutine owns it. Engines
// share nothing, so tracks may be sharded by ID over several engines, each
// given every zone.
package geofence
