package concord

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/concord-mission/concord/geo"
)

// FeatureKind is the kind of a mission-map feature.
type FeatureKind string

// The mission-map feature kinds.
const (
	FeatureAO             FeatureKind = "area_of_operations"
	FeatureSector         FeatureKind = "sector"
	FeatureAdminArea      FeatureKind = "admin_area"
	FeatureRestrictedArea FeatureKind = "restricted_area"
	FeatureActivityArea   FeatureKind = "activity_area"
	FeatureControlLine    FeatureKind = "control_line"
	FeatureRoute          FeatureKind = "route"
	FeatureSite           FeatureKind = "site"
)

// FeatureKinds lists every feature kind in drawing order (areas first).
var FeatureKinds = []FeatureKind{FeatureAO, FeatureAdminArea, FeatureSector, FeatureRestrictedArea, FeatureActivityArea, FeatureControlLine, FeatureRoute, FeatureSite}

// SiteKind is what a site is.
type SiteKind string

// The site kinds.
const (
	SiteCrossing          SiteKind = "crossing"
	SiteWarehouse         SiteKind = "warehouse"
	SiteDistributionPoint SiteKind = "distribution_point"
	SiteHospital          SiteKind = "hospital"
	SiteClinic            SiteKind = "clinic"
	SiteShelter           SiteKind = "shelter"
	SiteWaterPoint        SiteKind = "water_point"
	SiteBakery            SiteKind = "bakery"
	SiteBase              SiteKind = "base"
	SiteCheckpoint        SiteKind = "checkpoint"
	SitePort              SiteKind = "port"
)

// SiteKinds lists every site kind.
var SiteKinds = []SiteKind{SiteCrossing, SiteWarehouse, SiteDistributionPoint, SiteHospital, SiteClinic, SiteShelter, SiteWaterPoint, SiteBakery, SiteBase, SiteCheckpoint, SitePort}

// SiteStatus is the operating state of a site.
type SiteStatus string

// The site statuses.
const (
	StatusOpen      SiteStatus = "open"
	StatusLimited   SiteStatus = "limited"
	StatusClosed    SiteStatus = "closed"
	StatusDamaged   SiteStatus = "damaged"
	StatusDestroyed SiteStatus = "destroyed"
	StatusUnknown   SiteStatus = "unknown"
)

// SiteStatuses lists every site status.
var SiteStatuses = []SiteStatus{StatusOpen, StatusLimited, StatusClosed, StatusDamaged, StatusDestroyed, StatusUnknown}

// LineVersion says which version of a control line a feature is.
type LineVersion string

// The control-line versions: as agreed on paper, as marked on the ground,
// and as observed in practice.
const (
	LineDeclared LineVersion = "declared"
	LineMarked   LineVersion = "marked"
	LineObserved LineVersion = "observed"
)

// LineVersions lists every control-line version.
var LineVersions = []LineVersion{LineDeclared, LineMarked, LineObserved}

// Feature is a mission-map feature: a GeoJSON geometry with a kind, a
// marking, an optional validity window and kind-specific attributes. Every
// change makes a new Version, kept in the history.
type Feature struct {
	ID          string
	Kind        FeatureKind
	Name        string
	Description string
	Geometry    orb.Geometry
	Marking     Marking
	// ValidFrom and ValidTo bound when the feature applies (restricted and
	// activity areas); nil means unbounded on that side.
	ValidFrom *time.Time
	ValidTo   *time.Time
	Attrs     FeatureAttrs

	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UpdatedBy      string
	UpdatedByParty string
	Deleted        bool

	// Doc is the feature's GeoJSON as stored with this version (banner
	// included), so that lists can be served without decoding and
	// re-encoding every feature. It is empty for a feature changed in
	// memory; the Service sets it on every write.
	Doc json.RawMessage
}

// FeatureAttrs are the kind-specific attributes. Each kind uses a subset;
// Validate refuses attributes that do not belong to the kind.
type FeatureAttrs struct {
	// LeadParty is a sector's lead contingent.
	LeadParty string `json:"lead_party,omitempty"`
	// AdminCode is an admin area's code (e.g. PS-NGZ) and AdminLevel its level.
	AdminCode  string `json:"admin_code,omitempty"`
	AdminLevel int    `json:"admin_level,omitempty"`
	// Line names the control line a control-line feature is a version of,
	// LineVersion says which version, and ControllingParty holds the area
	// beyond it (also used for restricted areas it declared).
	Line             string      `json:"line,omitempty"`
	LineVersion      LineVersion `json:"line_version,omitempty"`
	ControllingParty string      `json:"controlling_party,omitempty"`
	// RouteClass describes a route (e.g. "corridor", "main road").
	RouteClass string `json:"route_class,omitempty"`
	// Site attributes.
	SiteKind     SiteKind   `json:"site_kind,omitempty"`
	Operator     string     `json:"operator,omitempty"`
	Status       SiteStatus `json:"status,omitempty"`
	Capacity     float64    `json:"capacity,omitempty"`
	CapacityUnit string     `json:"capacity_unit,omitempty"`
}

// Bound returns the feature's bounding box.
func (f *Feature) Bound() orb.Bound { return f.Geometry.Bound() }

// ActiveAt reports whether t lies in the feature's validity window.
func (f *Feature) ActiveAt(t time.Time) bool {
	if f.ValidFrom != nil && t.Before(*f.ValidFrom) {
		return false
	}
	if f.ValidTo != nil && !t.Before(*f.ValidTo) {
		return false
	}
	return true
}

// MaxNameLength bounds names; longer ones are refused.
const MaxNameLength = 200

// Validate checks the feature's own fields and geometry. Party references
// (lead party, controlling party, marking) are checked by the Service
// against the Directory.
func (f *Feature) Validate(lim geo.Limits) error {
	var fe fieldErrors
	if !slices.Contains(FeatureKinds, f.Kind) {
		fe.add("kind", "must be one of %v, got %q", FeatureKinds, f.Kind)
	}
	if strings.TrimSpace(f.Name) == "" {
		fe.add("name", "is required")
	} else if len(f.Name) > MaxNameLength {
		fe.add("name", "at most %d characters, got %d", MaxNameLength, len(f.Name))
	}
	if len(f.Description) > 10000 {
		fe.add("description", "at most 10000 characters")
	}
	if f.Geometry == nil {
		fe.add("geometry", "is required")
	} else if err := geo.Validate(f.Geometry, lim); err != nil {
		fe.add("geometry", "%s", err)
	} else if want := geometryTypes(f.Kind); want != nil && !slices.Contains(want, f.Geometry.GeoJSONType()) {
		fe.add("geometry", "a %s must be a %s, got %s", f.Kind, strings.Join(want, " or "), f.Geometry.GeoJSONType())
	}
	if f.ValidFrom != nil && f.ValidTo != nil && !f.ValidTo.After(*f.ValidFrom) {
		fe.add("valid_to", "the validity window ends (%s) before or when it starts (%s)", f.ValidTo.UTC().Format(time.RFC3339), f.ValidFrom.UTC().Format(time.RFC3339))
	}
	a := f.Attrs
	allowed := map[string]bool{}
	switch f.Kind {
	case FeatureSector:
		allowed["lead_party"] = true
		if a.LeadParty == "" {
			fe.add("lead_party", "a sector needs its lead contingent")
		}
	case FeatureAdminArea:
		allowed["admin_code"], allowed["admin_level"] = true, true
		if a.AdminCode == "" {
			fe.add("admin_code", "an admin area needs its code (e.g. PS-NGZ)")
		}
		if a.AdminLevel < 0 || a.AdminLevel > 5 {
			fe.add("admin_level", "must be between 0 and 5")
		}
	case FeatureActivityArea:
		allowed["controlling_party"] = true
		if f.ValidFrom == nil || f.ValidTo == nil {
			fe.add("valid_from", "an activity area needs a validity window with a start and an end")
		}
	case FeatureRestrictedArea:
		allowed["controlling_party"] = true
	case FeatureControlLine:
		allowed["line"], allowed["line_version"], allowed["controlling_party"] = true, true, true
		if a.Line == "" {
			fe.add("line", "a control line needs the name of the line it is a version of")
		}
		if !slices.Contains(LineVersions, a.LineVersion) {
			fe.add("line_version", "must be one of %v, got %q", LineVersions, a.LineVersion)
		}
		if a.ControllingParty == "" {
			fe.add("controlling_party", "a control line needs the party controlling the area beyond it")
		}
	case FeatureRoute:
		allowed["route_class"] = true
	case FeatureSite:
		for _, k := range []string{"site_kind", "operator", "status", "capacity", "capacity_unit"} {
			allowed[k] = true
		}
		if !slices.Contains(SiteKinds, a.SiteKind) {
			fe.add("site_kind", "must be one of %v, got %q", SiteKinds, a.SiteKind)
		}
		if !slices.Contains(SiteStatuses, a.Status) {
			fe.add("status", "must be one of %v, got %q", SiteStatuses, a.Status)
		}
		if a.Capacity < 0 {
			fe.add("capacity", "must not be negative")
		}
		if a.Capacity > 0 && a.CapacityUnit == "" {
			fe.add("capacity_unit", "say what the capacity counts (e.g. trucks/day, beds, people)")
		}
		if len(a.Operator) > MaxNameLength {
			fe.add("operator", "at most %d characters", MaxNameLength)
		}
	}
	for k, set := range a.set() {
		if set && !allowed[k] {
			fe.add(k, "does not apply to a %s", f.Kind)
		}
	}
	return fe.err("invalid feature")
}

func (a FeatureAttrs) set() map[string]bool {
	return map[string]bool{
		"lead_party": a.LeadParty != "", "admin_code": a.AdminCode != "", "admin_level": a.AdminLevel != 0,
		"line": a.Line != "", "line_version": a.LineVersion != "", "controlling_party": a.ControllingParty != "",
		"route_class": a.RouteClass != "", "site_kind": a.SiteKind != "", "operator": a.Operator != "",
		"status": a.Status != "", "capacity": a.Capacity != 0, "capacity_unit": a.CapacityUnit != "",
	}
}

func geometryTypes(k FeatureKind) []string {
	switch k {
	case FeatureAO, FeatureSector, FeatureAdminArea, FeatureRestrictedArea, FeatureActivityArea:
		return []string{"Polygon", "MultiPolygon"}
	case FeatureControlLine, FeatureRoute:
		return []string{"LineString", "MultiLineString"}
	case FeatureSite:
		return []string{"Point", "Polygon"}
	}
	return nil
}

// featureProps is the GeoJSON properties object of a Feature.
type featureProps struct {
	Kind        FeatureKind `json:"kind"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	FeatureAttrs
	ValidFrom      *time.Time  `json:"valid_from,omitempty"`
	ValidTo        *time.Time  `json:"valid_to,omitempty"`
	Marking        MarkingView `json:"marking"`
	Version        int         `json:"version"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	UpdatedBy      string      `json:"updated_by,omitempty"`
	UpdatedByParty string      `json:"updated_by_party,omitempty"`
	Deleted        bool        `json:"deleted,omitempty"`
}

// MarkingView is a marking with its rendered banner, as clients receive it.
type MarkingView struct {
	Marking
	Banner string `json:"banner,omitempty"`
}

// GeoJSON returns the feature as an RFC 7946 Feature object. The banner is
// rendered with d; pass nil to leave it out (e.g. in stored history).
func (f *Feature) GeoJSON(d *Directory) ([]byte, error) {
	mv := MarkingView{Marking: f.Marking}
	if d != nil {
		mv.Banner = d.Banner(f.Marking)
	}
	out := struct {
		Type       string           `json:"type"`
		ID         string           `json:"id"`
		Geometry   geojson.Geometry `json:"geometry"`
		Properties featureProps     `json:"properties"`
	}{
		Type:     "Feature",
		ID:       f.ID,
		Geometry: *geojson.NewGeometry(f.Geometry),
		Properties: featureProps{
			Kind: f.Kind, Name: f.Name, Description: f.Description, FeatureAttrs: f.Attrs,
			ValidFrom: utcPtr(f.ValidFrom), ValidTo: utcPtr(f.ValidTo), Marking: mv, Version: f.Version,
			CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(), UpdatedBy: f.UpdatedBy,
			UpdatedByParty: f.UpdatedByParty, Deleted: f.Deleted,
		},
	}
	return json.Marshal(out)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// FeatureInput is what a client sends to create or change a feature: a
// GeoJSON Feature whose properties carry the kind, name, attributes, marking
// and validity window. Version, when set, must match the stored version
// (optimistic concurrency).
type FeatureInput struct {
	Feature Feature
	// Version is the version the client last saw; 0 on create.
	Version int
}

// inputProps mirrors featureProps for decoding, without server-set fields.
type inputProps struct {
	Kind        FeatureKind `json:"kind"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	FeatureAttrs
	ValidFrom *time.Time `json:"valid_from"`
	ValidTo   *time.Time `json:"valid_to"`
	Marking   *Marking   `json:"marking"`
	Version   int        `json:"version"`
}

// DecodeFeatureInput parses an untrusted GeoJSON Feature. It refuses unknown
// members in properties so that a misspelt attribute is reported rather than
// silently dropped. Geometry validity is checked later by Feature.Validate.
func DecodeFeatureInput(data []byte) (FeatureInput, error) {
	var raw struct {
		Type       string          `json:"type"`
		ID         any             `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return FeatureInput{}, Errorf(Invalid, "body is not valid JSON: %s", jsonErrorText(err))
	}
	var fe fieldErrors
	if raw.Type != "Feature" {
		fe.add("type", "must be \"Feature\", got %q", raw.Type)
	}
	var in FeatureInput
	if len(raw.Geometry) == 0 || string(raw.Geometry) == "null" {
		fe.add("geometry", "is required")
	} else {
		g, err := geojson.UnmarshalGeometry(raw.Geometry)
		if err != nil {
			fe.add("geometry", "is not a GeoJSON geometry: %s", geojsonErrorText(err))
		} else if g.Coordinates == nil {
			fe.add("geometry", "geometry type %q is not supported", g.Type)
		} else {
			in.Feature.Geometry = g.Coordinates
		}
	}
	var p inputProps
	if len(raw.Properties) == 0 || string(raw.Properties) == "null" {
		fe.add("properties", "is required")
	} else {
		dec := json.NewDecoder(bytes.NewReader(raw.Properties))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			fe.add("properties", "%s", jsonErrorText(err))
		}
	}
	if err := fe.err("invalid feature"); err != nil {
		return FeatureInput{}, err
	}
	if p.Marking == nil {
		return FeatureInput{}, InvalidFields("invalid feature: properties.marking is required", []FieldError{{Field: "marking", Reason: "is required"}})
	}
	in.Feature.Kind = p.Kind
	in.Feature.Name = strings.TrimSpace(p.Name)
	in.Feature.Description = p.Description
	in.Feature.Attrs = p.FeatureAttrs
	in.Feature.ValidFrom = p.ValidFrom
	in.Feature.ValidTo = p.ValidTo
	in.Feature.Marking = *p.Marking
	in.Version = p.Version
	if id, ok := raw.ID.(string); ok {
		in.Feature.ID = id
	}
	return in, nil
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %s must be %s, got %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("expected %s, got %s", te.Type, te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func geojsonErrorText(err error) string {
	return strings.TrimPrefix(jsonErrorText(err), "geojson: ")
}

// DecodeFeatureDoc reads back a feature from the GeoJSON document the
// Service wrote (Feature.Doc, or an event's data).
func DecodeFeatureDoc(data []byte) (Feature, error) {
	var raw struct {
		ID         string           `json:"id"`
		Geometry   geojson.Geometry `json:"geometry"`
		Properties featureProps     `json:"properties"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Feature{}, err
	}
	p := raw.Properties
	return Feature{
		ID: raw.ID, Kind: p.Kind, Name: p.Name, Description: p.Description, Geometry: raw.Geometry.Coordinates,
		Marking: p.Marking.Marking, ValidFrom: p.ValidFrom, ValidTo: p.ValidTo, Attrs: p.FeatureAttrs, Version: p.Version,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, UpdatedBy: p.UpdatedBy, UpdatedByParty: p.UpdatedByParty, Deleted: p.Deleted, Doc: data,
	}, nil
}
