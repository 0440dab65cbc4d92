package assign

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Capability is a kind of unit.
type Capability string

// Capabilities lists the unit types a requirement or pledge may name.
var Capabilities = []Capability{
	"infantry_battalion", "infantry_company", "engineer_company", "military_police", "medical_level1", "medical_level2",
	"medical_level3", "eod_team", "cimic_team", "transport_company", "headquarters", "police_unit", "signals_company", "aviation_unit",
}

// Task is something a sector's requirement involves.
type Task string

// Tasks lists the tasks a requirement may involve.
var Tasks = []Task{
	"patrol", "checkpoint", "convoy_escort", "crowd_control", "weapons_collection", "line_security",
	"police_training", "reconstruction_support", "medical_support", "eod", "cimic", "headquarters",
}

// CaveatType is a kind of national caveat. Caveats are typed data with
// parameters, so that they can be checked; each has a plain-language
// rendering.
type CaveatType string

// The caveat types.
const (
	NoDisarmament       CaveatType = "no_disarmament"
	NoCombat            CaveatType = "no_combat"
	RequiresCessation   CaveatType = "requires_cessation"
	RequiresParliament  CaveatType = "requires_parliament"
	NoDirectContact     CaveatType = "no_direct_contact"
	OnlySectors         CaveatType = "only_sectors"
	MinDistanceFromLine CaveatType = "min_distance_from_line"
	AllowedTasks        CaveatType = "allowed_tasks"
)

// CaveatTypes lists every caveat type.
var CaveatTypes = []CaveatType{NoDisarmament, NoCombat, RequiresCessation, RequiresParliament, NoDirectContact, OnlySectors, MinDistanceFromLine, AllowedTasks}

// combatTasks are the tasks a no-combat caveat rules out.
var combatTasks = []Task{"crowd_control", "weapons_collection", "line_security"}

// Caveat is one national caveat with its parameters.
type Caveat struct {
	Type CaveatType `json:"type"`
	// Party is the party a no-direct-contact caveat names.
	Party string `json:"party,omitempty"`
	// Sectors are the sectors an only-sectors caveat allows.
	Sectors []string `json:"sectors,omitempty"`
	// Km is the distance a min-distance caveat keeps from any control line.
	Km float64 `json:"km,omitempty"`
	// Tasks are the tasks an allowed-tasks caveat permits.
	Tasks []Task `json:"tasks,omitempty"`
}

// Validate checks a caveat's type and parameters.
func (c Caveat) Validate() error {
	switch c.Type {
	case NoDisarmament, NoCombat, RequiresCessation, RequiresParliament:
		if c.Party != "" || len(c.Sectors) > 0 || c.Km != 0 || len(c.Tasks) > 0 {
			return fmt.Errorf("caveat %s takes no parameters", c.Type)
		}
	case NoDirectContact:
		if c.Party == "" {
			return fmt.Errorf("caveat %s needs the party not to deal with (party)", c.Type)
		}
	case OnlySectors:
		if len(c.Sectors) == 0 {
			return fmt.Errorf("caveat %s needs the sectors allowed (sectors)", c.Type)
		}
	case MinDistanceFromLine:
		if c.Km <= 0 || c.Km > 100 {
			return fmt.Errorf("caveat %s needs a distance in km from 0 to 100 (km), got %g", c.Type, c.Km)
		}
	case AllowedTasks:
		if len(c.Tasks) == 0 {
			return fmt.Errorf("caveat %s needs the tasks allowed (tasks)", c.Type)
		}
		for _, t := range c.Tasks {
			if !slices.Contains(Tasks, t) {
				return fmt.Errorf("caveat %s: unknown task %q", c.Type, t)
			}
		}
	default:
		return fmt.Errorf("unknown caveat type %q; valid types are %v", c.Type, CaveatTypes)
	}
	return nil
}

// Text renders a caveat in plain language.
func (c Caveat) Text() string { return c.TextNaming(nil) }

// TextNaming renders a caveat in plain language, naming sectors through
// name (sector ID to display name) when it is not nil.
func (c Caveat) TextNaming(name func(id string) string) string {
	switch c.Type {
	case NoDisarmament:
		return "takes no part in disarmament or weapons collection"
	case NoCombat:
		return "no combat or confrontation with armed groups"
	case RequiresCessation:
		return "deploys only after a full cessation of hostilities"
	case RequiresParliament:
		return "deploys only after a vote of its parliament"
	case NoDirectContact:
		return "no direct contact with " + c.Party + " (liaison only through the coordination center)"
	case OnlySectors:
		ss := c.Sectors
		if name != nil {
			ss = make([]string, len(c.Sectors))
			for i, id := range c.Sectors {
				ss[i] = name(id)
			}
		}
		return "only in " + strings.Join(ss, ", ")
	case MinDistanceFromLine:
		return fmt.Sprintf("stays at least %g km from any control line", c.Km)
	case AllowedTasks:
		var ts []string
		for _, t := range c.Tasks {
			ts = append(ts, strings.ReplaceAll(string(t), "_", " "))
		}
		return "only for " + strings.Join(ts, ", ")
	}
	return string(c.Type)
}

// Sector is a sector with its map relations.
type Sector struct {
	ID, Name string
	// LineKm is how far the sector lies from the nearest control line, and
	// PartyKm how far from the line (or area) of each controlling party.
	LineKm  float64
	PartyKm map[string]float64
}

// Requirement is what a sector needs in a phase.
type Requirement struct {
	ID          string
	Sector      string
	Phase       int
	Capability  Capability
	Quantity    int
	MinStrength int
	Tasks       []Task
	NeededBy    time.Time
	// Priority weighs the requirement in the optimizer (1 low – 5 high).
	Priority int
}

// Pledge is a unit a nation offers.
type Pledge struct {
	ID         string
	Nation     string
	Capability Capability
	Strength   int
	Readiness  time.Time
	// Accepted pledges are the ones the optimizer may place.
	Accepted bool
	// ParliamentApproved and CessationNeeded describe the conditions the
	// nation's decision depends on (see caveats).
	ParliamentApproved bool
	Caveats            []Caveat
}

// Mission is the mission-wide state conditions depend on.
type Mission struct {
	// Cessation is true when a full cessation of hostilities holds.
	Cessation bool
	// ContactKm is how close a sector must be to a party's line to
	// involve direct contact with that party (default 1 km).
	ContactKm float64
}

// Placement puts a pledge on a requirement.
type Placement struct {
	Pledge      string `json:"pledge"`
	Requirement string `json:"requirement"`
}
