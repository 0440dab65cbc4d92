package concord

import (
	"regexp"
	"slices"
	"time"
)

// PartyKind says what sort of actor a party is. It decides defaults such as
// "the coordination center sees everything".
type PartyKind string

// The party kinds of a stabilization mission.
const (
	KindCoordination       PartyKind = "coordination"
	KindContributingNation PartyKind = "contributing_nation"
	KindControllingParty   PartyKind = "controlling_party"
	KindUNAgency           PartyKind = "un_agency"
	KindNGO                PartyKind = "ngo"
	KindDonor              PartyKind = "donor"
)

// PartyKinds lists every valid PartyKind in display order.
var PartyKinds = []PartyKind{KindCoordination, KindContributingNation, KindControllingParty, KindUNAgency, KindNGO, KindDonor}

// Reserved release tokens that are neither parties nor defined groups.
const (
	// RelAll releases a record to every mission party.
	RelAll = "ALL"
	// RelPublic releases a record as open data.
	RelPublic = "PUBLIC"
)

// Party is a mission participant: a nation, an organization or the
// coordination center. Its Code is the token used in markings.
type Party struct {
	// Code is an ISO 3166 trigraph for nations or a short code for
	// organizations, upper case (e.g. "PAK", "WFP", "CMCC").
	Code string    `json:"code"`
	Name string    `json:"name"`
	Kind PartyKind `json:"kind"`
	// Groups are the community groups the party belongs to (e.g. "ISF").
	Groups []string `json:"groups"`
	// Policy restricts what the party's own records may be released to.
	Policy ReleasePolicy `json:"policy"`
	// Color is the party's display colour (#rrggbb), used e.g. to colour
	// sectors by their lead contingent.
	Color     string    `json:"color,omitempty"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ReleasePolicy is a party's standing rule about its own records. It
// overrides any record's rel: a party listed in NeverReleaseTo (directly or
// through a group) never sees the owner's records, and a marking that names
// such a party is refused.
type ReleasePolicy struct {
	// NeverReleaseTo lists party or group codes.
	NeverReleaseTo []string `json:"never_release_to"`
	// Reason is the plain-language reason shown when a marking is refused.
	Reason string `json:"reason,omitempty"`
}

// Group is a named community of parties, usable in markings (e.g. "ISF" =
// all contributing nations, "HUM" = the humanitarian community).
type Group struct {
	Code        string    `json:"code"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
}

var (
	codePattern  = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,7}$`)
	colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// Validate reports every problem with the party's own fields. Whether its
// groups and policy refer to known codes is checked by the Directory.
func (p Party) Validate() error {
	var fe fieldErrors
	if !codePattern.MatchString(p.Code) {
		fe.add("code", "must be 2 to 8 upper-case letters or digits starting with a letter, got %q", p.Code)
	}
	if p.Code == RelAll || p.Code == RelPublic {
		fe.add("code", "%s is reserved", p.Code)
	}
	if p.Name == "" || len(p.Name) > 200 {
		fe.add("name", "must be 1 to 200 characters")
	}
	if !slices.Contains(PartyKinds, p.Kind) {
		fe.add("kind", "must be one of %v, got %q", PartyKinds, p.Kind)
	}
	if p.Color != "" && !colorPattern.MatchString(p.Color) {
		fe.add("color", "must be #rrggbb, got %q", p.Color)
	}
	for _, g := range p.Groups {
		if !codePattern.MatchString(g) {
			fe.add("groups", "%q is not a valid group code", g)
		}
	}
	for _, c := range p.Policy.NeverReleaseTo {
		if c == p.Code {
			fe.add("policy.never_release_to", "a party cannot refuse release to itself")
		}
	}
	return fe.err("invalid party")
}

// Validate reports every problem with the group's fields.
func (g Group) Validate() error {
	var fe fieldErrors
	if !codePattern.MatchString(g.Code) {
		fe.add("code", "must be 2 to 8 upper-case letters or digits starting with a letter, got %q", g.Code)
	}
	if g.Code == RelAll || g.Code == RelPublic {
		fe.add("code", "%s is reserved", g.Code)
	}
	if g.Name == "" || len(g.Name) > 200 {
		fe.add("name", "must be 1 to 200 characters")
	}
	return fe.err("invalid group")
}
