package geofence

import (
	"slices"

	"github.com/paulmach/orb"
)

// lineMark records that a track stands exactly on control line z, and the
// last position it had off the line (known is false when its first
// position was on the line).
type lineMark struct {
	z      *zone
	anchor orb.Point
	known  bool
}

// lines finds the control lines crossed by the step from the track's last
// position to u.Pos. A step crosses a line when it changes sides of it: an
// odd number of proper crossings, counted half-open at the line's vertices
// so that a step through a vertex counts once and a step that touches the
// line and turns back counts twice. A position exactly on a line is on
// neither side: the crossing is judged, when the track leaves the line,
// from its last position off it.
func (e *Engine) lines(dst []Event, t *track, c *cell, same bool, u Update, at int64) []Event {
	b := u.Pos
	if !t.seen {
		for i := 0; i < len(c.segs); {
			j := lineEnd(c.segs, i)
			if touches(c.segs[i:j], b) {
				t.onLine = append(t.onLine, lineMark{z: c.segs[i].z})
			}
			i = j
		}
		return dst
	}
	a := t.pos
	// Lines the track stood on: judged from the anchor, on all their
	// segments (rare).
	var stood []*zone
	for i := 0; i < len(t.onLine); {
		m := t.onLine[i]
		if m.z.removed {
			t.onLine = slices.Delete(t.onLine, i, i+1)
			continue
		}
		stood = append(stood, m.z)
		if touches(allSegs(m.z), b) {
			i++
			continue
		}
		if m.known && crosses(allSegs(m.z), m.anchor, b) {
			dst = append(dst, e.zoneEvent(Cross, t, m.z, u.At, at, b))
		}
		t.onLine = slices.Delete(t.onLine, i, i+1)
	}
	segs := c.segs
	if !same && !e.farFromLines(t.cell, c) {
		// The step leaves the cell near a line: search the tree with its
		// bound.
		segs = e.segBuf[:0]
		e.segTree.Search(orb.Bound{Min: a, Max: a}.Extend(b), func(s segRef) bool {
			segs = append(segs, s)
			return true
		})
		slices.SortFunc(segs, compareSegs)
		e.segBuf = segs
	}
	for i := 0; i < len(segs); {
		j := lineEnd(segs, i)
		z, group := segs[i].z, segs[i:j]
		i = j
		if slices.Contains(stood, z) {
			continue
		}
		if touches(group, b) {
			t.onLine = append(t.onLine, lineMark{z: z, anchor: a, known: true})
			continue
		}
		if crosses(group, a, b) {
			dst = append(dst, e.zoneEvent(Cross, t, z, u.At, at, b))
		}
	}
	return dst
}

// farFromLines reports whether a step from cell from to cell to can meet
// no control line: the cells are neighbours and no line passes within one
// cell of from.
func (e *Engine) farFromLines(from, to *cell) bool {
	if from == nil || from.gen != e.gen || from.near {
		return false
	}
	dx, dy := int64(to.key.x)-int64(from.key.x), int64(to.key.y)-int64(from.key.y)
	return dx >= -1 && dx <= 1 && dy >= -1 && dy <= 1
}

// lineEnd returns the end of the run of segments of the line of segs[i].
func lineEnd(segs []segRef, i int) int {
	j := i + 1
	for j < len(segs) && segs[j].z == segs[i].z {
		j++
	}
	return j
}

func allSegs(z *zone) []segRef {
	out := make([]segRef, 0, len(z.line)-1)
	for i := 0; i+1 < len(z.line); i++ {
		out = append(out, segRef{z, int32(i)})
	}
	return out
}

// touches reports whether p lies on one of the segments.
func touches(segs []segRef, p orb.Point) bool {
	for _, s := range segs {
		if onSegment(s.a(), s.b(), p) {
			return true
		}
	}
	return false
}

// crosses reports whether the step pq, both ends off the line, crosses the
// segments an odd number of times. A vertex of the line exactly on the step
// counts as lying right of it (half-open), so that consistent answers come
// out of every degenerate case; segments that do not meet the step never
// count, so a superset of the segments near the step is fine.
func crosses(segs []segRef, p, q orb.Point) bool {
	odd := false
	for _, s := range segs {
		c, d := s.a(), s.b()
		if (orient(c, d, p) > 0) != (orient(c, d, q) > 0) && (orient(p, q, c) > 0) != (orient(p, q, d) > 0) {
			odd = !odd
		}
	}
	return odd
}
