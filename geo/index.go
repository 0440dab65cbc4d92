package geo

import (
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Index is an in-memory spatial index of items by bounding box, an R-tree
// (tidwall/rtree). It is not safe for concurrent use; owners lock it.
type Index[T comparable] struct {
	tr rtree.RTreeG[T]
}

func box(b orb.Bound) (mn, mx [2]float64) {
	return [2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}
}

// Insert adds v with bounding box b.
func (x *Index[T]) Insert(b orb.Bound, v T) {
	mn, mx := box(b)
	x.tr.Insert(mn, mx, v)
}

// Delete removes v, which must have been inserted with bounding box b.
func (x *Index[T]) Delete(b orb.Bound, v T) {
	mn, mx := box(b)
	x.tr.Delete(mn, mx, v)
}

// Search calls fn for every item whose box intersects b until fn returns
// false.
func (x *Index[T]) Search(b orb.Bound, fn func(T) bool) {
	mn, mx := box(b)
	x.tr.Search(mn, mx, func(_, _ [2]float64, v T) bool { return fn(v) })
}

// Scan calls fn for every item until fn returns false.
func (x *Index[T]) Scan(fn func(T) bool) {
	x.tr.Scan(func(_, _ [2]float64, v T) bool { return fn(v) })
}

// Len returns the number of items.
func (x *Index[T]) Len() int { return x.tr.Len() }
