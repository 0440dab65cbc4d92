package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/assign"
	"github.com/concord-mission/concord/forcegen"
)

// loadForceGeneration states what each sector needs, records the nations'
// pledges with their caveats, and saves a starting assignment that has a
// caveat conflict (PAK's infantry in a sector whose tasks include weapons
// collection; AZE's before a cessation and a parliamentary vote) and a
// conflict that relayed liaison resolves (PAK's engineers next to the
// line ISR controls).
func loadForceGeneration(ctx context.Context, svc *concord.Service) error {
	fg := forcegen.New(svc)
	sys := concord.SystemViewer("CMCC", "demo-loader")
	board, err := fg.Board(ctx, sys)
	if err != nil {
		return err
	}
	sector := map[string]string{}
	for _, s := range board.Sectors {
		sector[strings.Fields(s.Name)[1]] = s.ID // "Sector North (lead IDN)" → North
	}
	day := svc.Now().UTC().Truncate(24 * time.Hour)
	days := func(n int) time.Time { return day.AddDate(0, 0, n) }
	type req struct {
		key, sector string
		capability  assign.Capability
		strength    int
		priority    int
		tasks       []assign.Task
	}
	reqs := []req{
		{"north-inf", "North", "infantry_battalion", 600, 1, []assign.Task{"patrol", "checkpoint", "convoy_escort"}},
		{"north-eod", "North", "eod_team", 20, 2, []assign.Task{"eod"}},
		{"gaza-inf", "Gaza", "infantry_battalion", 700, 1, []assign.Task{"patrol", "checkpoint", "crowd_control"}},
		{"gaza-mp", "Gaza", "military_police", 100, 3, []assign.Task{"checkpoint", "police_training"}},
		{"central-inf", "Central", "infantry_battalion", 600, 1, []assign.Task{"patrol", "weapons_collection", "line_security"}},
		{"central-eng", "Central", "engineer_company", 120, 2, []assign.Task{"reconstruction_support", "eod"}},
		{"south-inf", "South", "infantry_battalion", 600, 1, []assign.Task{"patrol", "checkpoint", "convoy_escort"}},
		{"south-med", "South", "medical_level2", 60, 2, []assign.Task{"medical_support"}},
	}
	reqID := map[string]string{}
	for _, r := range reqs {
		out, err := fg.PutRequirement(ctx, sys, forcegen.Requirement{Sector: sector[r.sector], Phase: 1, Capability: r.capability, Quantity: 1,
			MinStrength: r.strength, Tasks: r.tasks, NeededBy: days(30), Priority: r.priority})
		if err != nil {
			return fmt.Errorf("requirement %s: %w", r.key, err)
		}
		reqID[r.key] = out.ID
	}
	cv := func(t assign.CaveatType) forcegen.Caveat { return forcegen.Caveat{Caveat: assign.Caveat{Type: t}} }
	noContactISR := forcegen.Caveat{Caveat: assign.Caveat{Type: assign.NoDirectContact, Party: "ISR"}}
	type pledge struct {
		key string
		p   forcegen.Pledge
		// releasedTo are those beyond the center who may see the caveats.
		releasedTo []string
	}
	pledges := []pledge{
		{"pak-inf", forcegen.Pledge{Nation: "PAK", Unit: "PAKBATT-1 (mechanized infantry)", Capability: "infantry_battalion", Strength: 800, Readiness: days(14),
			Status: "accepted", Caveats: []forcegen.Caveat{cv(assign.NoDisarmament), noContactISR}}, nil},
		{"pak-eng", forcegen.Pledge{Nation: "PAK", Unit: "PAK engineer company", Capability: "engineer_company", Strength: 150, Readiness: days(10),
			Status: "accepted", Caveats: []forcegen.Caveat{noContactISR}}, nil},
		{"aze-inf", forcegen.Pledge{Nation: "AZE", Unit: "AZEBATT (motorized infantry)", Capability: "infantry_battalion", Strength: 750, Readiness: days(20),
			Status: "accepted", Decision: "pending_parliament", Caveats: []forcegen.Caveat{cv(assign.RequiresCessation), cv(assign.RequiresParliament)}}, nil},
		{"idn-inf", forcegen.Pledge{Nation: "IDN", Unit: "INDOBATT (infantry)", Capability: "infantry_battalion", Strength: 1000, Readiness: days(7),
			Status: "accepted", Caveats: []forcegen.Caveat{cv(assign.NoCombat)}}, []string{"ISF"}},
		{"idn-med", forcegen.Pledge{Nation: "IDN", Unit: "Indonesian level 2 hospital", Capability: "medical_level2", Strength: 80, Readiness: days(12),
			Status: "accepted"}, []string{"ISF"}},
		{"ita-inf", forcegen.Pledge{Nation: "ITA", Unit: "ITALBATT (infantry)", Capability: "infantry_battalion", Strength: 650, Readiness: days(21),
			Status: "accepted"}, []string{"ISF"}},
		{"ita-mp", forcegen.Pledge{Nation: "ITA", Unit: "Carabinieri MSU", Capability: "military_police", Strength: 120, Readiness: days(9),
			Status: "accepted", Caveats: []forcegen.Caveat{{Caveat: assign.Caveat{Type: assign.OnlySectors, Sectors: []string{sector["Gaza"], sector["South"]}}}}}, []string{"ISF"}},
		{"usa-eod", forcegen.Pledge{Nation: "USA", Unit: "US EOD detachment", Capability: "eod_team", Strength: 40, Readiness: days(5),
			Status: "accepted"}, []string{"ISF"}},
		{"usa-trans", forcegen.Pledge{Nation: "USA", Unit: "US transport company", Capability: "transport_company", Strength: 160, Readiness: days(15),
			Status: "offered"}, []string{"ISF"}},
	}
	pledgeID := map[string]string{}
	for _, p := range pledges {
		// Each nation files its own pledges; the coordination center
		// accepts them.
		status := p.p.Status
		p.p.Status, p.p.CaveatRel = "offered", p.releasedTo
		// Pledges are shared across the force; caveats only where the
		// nation released them (PAK's and AZE's stay with the center).
		p.p.Marking = concord.Marking{Owner: p.p.Nation, Rel: []string{"ISF"}}
		out, err := fg.PutPledge(ctx, who(p.p.Nation, concord.RoleLiaison), p.p)
		if err != nil {
			return fmt.Errorf("pledge %s: %w", p.key, err)
		}
		if status != "offered" {
			out.Status = status
			if out, err = fg.PutPledge(ctx, who("CMCC", concord.RoleCoordinator), out); err != nil {
				return fmt.Errorf("accept pledge %s: %w", p.key, err)
			}
		}
		pledgeID[p.key] = out.ID
	}
	start := []assign.Placement{}
	for _, pl := range [][2]string{
		{"idn-inf", "north-inf"}, {"usa-eod", "north-eod"}, {"aze-inf", "gaza-inf"}, {"ita-mp", "gaza-mp"},
		{"pak-inf", "central-inf"}, {"pak-eng", "central-eng"}, {"ita-inf", "south-inf"}, {"idn-med", "south-med"},
	} {
		start = append(start, assign.Placement{Pledge: pledgeID[pl[0]], Requirement: reqID[pl[1]]})
	}
	_, err = fg.SaveAssignment(ctx, who("CMCC", concord.RoleCoordinator), 0, start, "Lead nations in their sectors (first draft)")
	return err
}
