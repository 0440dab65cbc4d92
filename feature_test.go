package concord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/geo"
)

func TestDecodeFeatureInput(t *testing.T) {
	ok := `{"type":"Feature","geometry":{"type":"Point","coordinates":[34.3,31.4]},
		"properties":{"kind":"site","name":" Bakery ","site_kind":"bakery","status":"open","marking":{"owner":"WFP","rel":["ALL"]}}}`
	in, err := concord.DecodeFeatureInput([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if in.Feature.Name != "Bakery" || in.Feature.Attrs.SiteKind != concord.SiteBakery || in.Feature.Marking.Owner != "WFP" {
		t.Fatalf("decoded %+v", in.Feature)
	}
	for name, tc := range map[string]struct{ body, want string }{
		"not json":         {`{"type":`, "not valid JSON"},
		"wrong type":       {`{"type":"FeatureCollection","features":[]}`, `type: must be "Feature"`},
		"no geometry":      {`{"type":"Feature","properties":{}}`, "geometry: is required"},
		"bad geometry":     {`{"type":"Feature","geometry":{"type":"Blob","coordinates":[]},"properties":{}}`, "geometry"},
		"unknown property": {`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"kind":"site","colour":"red"}}`, `unknown field "colour"`},
		"wrong value type": {`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"capacity":"lots"}}`, "capacity"},
		"no marking":       {`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"kind":"site"}}`, "marking is required"},
		"no properties":    {`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}`, "properties: is required"},
		"bad time":         {`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"valid_from":"tomorrow"}}`, "properties"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := concord.DecodeFeatureInput([]byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) || concord.ErrorCode(err) != concord.Invalid {
				t.Fatalf("err = %v, want invalid containing %q", err, tc.want)
			}
		})
	}
}

func TestFeatureValidate(t *testing.T) {
	from := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	before := from.Add(-time.Hour)
	sq := orb.Polygon{{{34.3, 31.3}, {34.4, 31.3}, {34.4, 31.4}, {34.3, 31.3}}}
	cases := map[string]struct {
		f    concord.Feature
		want string
	}{
		"window ends before it starts": {concord.Feature{Kind: concord.FeatureRestrictedArea, Name: "x", Geometry: sq, ValidFrom: &from, ValidTo: &before}, "ends"},
		"activity area without window": {concord.Feature{Kind: concord.FeatureActivityArea, Name: "x", Geometry: sq}, "needs a validity window"},
		"sector without lead":          {concord.Feature{Kind: concord.FeatureSector, Name: "x", Geometry: sq}, "lead contingent"},
		"site as line":                 {concord.Feature{Kind: concord.FeatureSite, Name: "x", Geometry: orb.LineString{{1, 1}, {2, 2}}, Attrs: concord.FeatureAttrs{SiteKind: "bakery", Status: "open"}}, "must be a Point or Polygon"},
		"attribute of another kind":    {concord.Feature{Kind: concord.FeatureRoute, Name: "x", Geometry: orb.LineString{{1, 1}, {2, 2}}, Attrs: concord.FeatureAttrs{LeadParty: "PAK"}}, "lead_party: does not apply to a route"},
		"unknown site kind":            {concord.Feature{Kind: concord.FeatureSite, Name: "x", Geometry: orb.Point{1, 1}, Attrs: concord.FeatureAttrs{SiteKind: "casino", Status: "open"}}, "site_kind"},
		"capacity without unit":        {concord.Feature{Kind: concord.FeatureSite, Name: "x", Geometry: orb.Point{1, 1}, Attrs: concord.FeatureAttrs{SiteKind: "bakery", Status: "open", Capacity: 3}}, "capacity_unit"},
		"no name":                      {concord.Feature{Kind: concord.FeatureRoute, Geometry: orb.LineString{{1, 1}, {2, 2}}}, "name: is required"},
		"unknown kind":                 {concord.Feature{Kind: "castle", Name: "x", Geometry: orb.Point{1, 1}}, "kind: must be one of"},
		"control line version":         {concord.Feature{Kind: concord.FeatureControlLine, Name: "x", Geometry: orb.LineString{{1, 1}, {2, 2}}, Attrs: concord.FeatureAttrs{Line: "l", LineVersion: "rumoured", ControllingParty: "ISR"}}, "line_version"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.f.Validate(geo.DefaultLimits)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzDecodeFeatureInput checks that no input makes the API's feature
// decoder or validator panic, and that what they accept re-encodes.
func FuzzDecodeFeatureInput(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[34.3,31.4]},"properties":{"kind":"site","name":"a","site_kind":"bakery","status":"open","marking":{"owner":"WFP","rel":["ALL"]}}}`))
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{"kind":"sector","name":"s","lead_party":"PAK","marking":{"owner":"CMCC"}}}`))
	f.Add([]byte(`{"type":"Feature","geometry":null,"properties":null}`))
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[0,0]]},"properties":{"kind":"route","name":"r","valid_from":"2026-01-01T00:00:00Z","valid_to":"2025-01-01T00:00:00Z","marking":{"owner":"X"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := concord.DecodeFeatureInput(data)
		if err != nil {
			if concord.ErrorCode(err) != concord.Invalid {
				t.Fatalf("decoder error is not invalid: %v", err)
			}
			return
		}
		f := in.Feature
		if f.Validate(geo.Limits{MaxVertices: 1000}) != nil {
			return
		}
		if _, err := f.GeoJSON(nil); err != nil {
			t.Fatalf("valid feature does not encode: %v", err)
		}
	})
}
