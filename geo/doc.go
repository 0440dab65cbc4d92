// Package geo is Concord's pure geometry: validation of untrusted geometries
// with precise reasons, bounding boxes and their parsing, distances in
// metres, the local metric plane (Plane) the engines measure on, and a
// spatial index. It wraps github.com/paulmach/orb (geometry types, GeoJSON)
// and github.com/tidwall/rtree (R-trees).
//
// It performs no I/O and imports no other Concord package.
package geo
