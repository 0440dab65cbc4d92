package geo

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseBBox parses "minLon,minLat,maxLon,maxLat" as used by the bbox query
// parameter, the same order as a GeoJSON bbox member.
func ParseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, invalid("bbox must be minLon,minLat,maxLon,maxLat; got %d numbers", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return orb.Bound{}, invalid("bbox number %d (%q) is not a number", i+1, p)
		}
		v[i] = f
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	if err := checkPoint(b.Min, "bbox minimum"); err != nil {
		return orb.Bound{}, err
	}
	if err := checkPoint(b.Max, "bbox maximum"); err != nil {
		return orb.Bound{}, err
	}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return orb.Bound{}, invalid("bbox minimum (%g, %g) is not below and left of its maximum (%g, %g)", v[0], v[1], v[2], v[3])
	}
	return b, nil
}
