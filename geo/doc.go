// Package geo is Concord's pure geometry: validation of untrusted geometries
// with precise reasons, bounding boxes and their parsing. It wraps
// github.com/paulmach/orb (geometry types, GeoJSON) and
// github.com/tidwall/rtree (segment index for self-intersection checks).
//
// It performs no I/O and imports no other Concord package.
package geo
