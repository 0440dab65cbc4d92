package concord

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// GeoLine is a LineString that encodes as a GeoJSON geometry.
type GeoLine orb.LineString

// MarshalJSON encodes the line as a GeoJSON LineString.
func (l GeoLine) MarshalJSON() ([]byte, error) {
	return json.Marshal(geojson.NewGeometry(orb.LineString(l)))
}

// UnmarshalJSON decodes a GeoJSON LineString.
func (l *GeoLine) UnmarshalJSON(b []byte) error {
	g, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		return fmt.Errorf("not a GeoJSON geometry: %w", err)
	}
	ls, ok := g.Coordinates.(orb.LineString)
	if !ok {
		return fmt.Errorf("must be a LineString, got %s", g.Type)
	}
	*l = GeoLine(ls)
	return nil
}

// GeoGeometry is any geometry that encodes as a GeoJSON geometry.
type GeoGeometry struct{ orb.Geometry }

// MarshalJSON encodes the geometry as GeoJSON.
func (g GeoGeometry) MarshalJSON() ([]byte, error) {
	if g.Geometry == nil {
		return []byte("null"), nil
	}
	return json.Marshal(geojson.NewGeometry(g.Geometry))
}

// UnmarshalJSON decodes a GeoJSON geometry.
func (g *GeoGeometry) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		g.Geometry = nil
		return nil
	}
	gg, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		return fmt.Errorf("not a GeoJSON geometry: %w", err)
	}
	g.Geometry = gg.Coordinates
	return nil
}
