// Package deconflict is Concord's deconfliction engine: for a planned
// movement (a route and a departure/arrival window) and the mission state
// (restricted and activity areas, control lines, sectors, sites, other
// movements), it returns findings — each with a severity, the part of the
// route concerned, when the movement is there, the record involved, whose
// acknowledgement is needed, and a sentence a logistics officer
// understands — and the earliest departure free of blocking findings.
//
// It is pure and deterministic: no I/O, no clock, no randomness; the same
// plan and state give the same findings in the same order.
//
// # Distances
//
// Geometry is projected onto a local plane tangent at the reference
// latitude and longitude (the mission's centre): x = N·cos(φ0)·Δλ,
// y = M·Δφ, with M and N the WGS84 meridional and prime-vertical radii of
// curvature at φ0. Within ±0.2° of latitude of φ0 (the whole demo area of
// operations, 31.2–31.6° N around 31.4°) the east–west scale differs from
// the true local scale by at most cos(φ0±0.2°)/cos(φ0) − 1 ≈ 0.22%, and the
// north–south scale by less than 0.01%: a 250 m buffer is right to within
// 0.6 m. Further from φ0 the error grows (about 1.1% at ±1°); use a
// reference point inside the mission's area.
//
// It imports the packages concord and geo only.
package deconflict
