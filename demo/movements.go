package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
)

func who(party string, role concord.Role) concord.Viewer {
	return concord.Viewer{UserID: "system:demo-loader", Username: "demo-loader", Party: party, Roles: []concord.Role{role}}
}

func route(pts ...[2]float64) concord.GeoLine {
	var l orb.LineString
	for _, p := range pts {
		l = append(l, M(p[0], p[1]))
	}
	return concord.GeoLine(l)
}

// loadMovements notifies the exercise's movements and protected sites and
// walks some of them through the workflow, so that the queue, the inboxes
// and a relayed request have something to show.
func loadMovements(ctx context.Context, svc *concord.Service) error {
	// Times are relative to the next full hour: the lead-time rule counts
	// from when the movement is notified.
	base := svc.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	cmcc := who("CMCC", concord.RoleCoordinator)
	mk := func(owner string, rel ...string) concord.Marking { return concord.Marking{Owner: owner, Rel: rel} }
	trucks := func(prefix string, n int) []concord.Vehicle {
		var vs []concord.Vehicle
		for i := 1; i <= n; i++ {
			vs = append(vs, concord.Vehicle{Plate: fmt.Sprintf("%s-%03d", prefix, i), Type: "truck", Markings: "UN white, blue flag"})
		}
		return vs
	}
	type plan struct {
		owner string
		m     concord.Movement
		steps []string // workflow steps after creation
		acks  []string // parties that acknowledge
	}
	at := func(h float64) time.Time { return base.Add(time.Duration(h * float64(time.Hour))) }
	plans := []plan{
		{"WFP", concord.Movement{Purpose: concord.PurposeFood, Route: route([2]float64{31.335, 0.86}, [2]float64{31.36, 0.55}, [2]float64{31.40, 0.42}, [2]float64{31.418, 0.30}),
			Depart: at(60), Arrive: at(63), Vehicles: trucks("WFP", 12), Personnel: 14, Marking: mk("WFP", "ALL"),
			Contacts: []concord.Contact{{Name: "WFP convoy lead", Phone: "+972-59-000-0101"}}, Notes: "Kerem Shalom offload area to the Deir al-Balah warehouse."},
			[]string{"transmit"}, []string{"ITA"}},
		{"UNICEF", concord.Movement{Purpose: concord.PurposeNonFood, Route: route([2]float64{31.505, 0.25}, [2]float64{31.47, 0.20}, [2]float64{31.437, 0.22}),
			Depart: at(56), Arrive: at(58), Vehicles: trucks("UNICEF", 4), Personnel: 6, Marking: mk("UNICEF", "ALL")},
			[]string{"transmit", "ack", "decide"}, []string{"AZE", "PAK"}},
		{"PAK", concord.Movement{Purpose: concord.PurposeCargo, Route: route([2]float64{31.43, 0.30}, [2]float64{31.435, 0.55}, [2]float64{31.44, 0.75}),
			Depart: at(54), Arrive: at(56), Vehicles: []concord.Vehicle{{Plate: "PK-ENG-07", Type: "engineer vehicle"}, {Plate: "PK-LOG-12", Type: "truck"}}, Personnel: 18,
			Marking: mk("PAK", "ISF"), Notes: "Engineer support to the water network east of the line (exercise)."},
			[]string{"transmit"}, nil},
		{"MSF", concord.Movement{Purpose: concord.PurposeMedevac, Emergency: true, Route: route([2]float64{31.357, 0.07}, [2]float64{31.37, 0.28}),
			Depart: at(30), Arrive: at(31), Vehicles: []concord.Vehicle{{Plate: "MSF-AMB-3", Type: "ambulance"}}, Personnel: 3, Marking: mk("MSF", "HUM", "ISF")},
			nil, nil},
		{"NRC", concord.Movement{Purpose: concord.PurposeStaff, Route: route([2]float64{31.422, 0.08}, [2]float64{31.52, 0.10}),
			Depart: at(70), Arrive: at(72), Vehicles: []concord.Vehicle{{Plate: "NRC-12", Type: "4x4"}}, Personnel: 4, Marking: mk("NRC", "HUM", "ISF")},
			[]string{"transmit", "ack"}, []string{"PAK", "AZE"}},
	}
	for _, p := range plans {
		m, err := svc.CreateMovement(ctx, who(p.owner, concord.RoleCoordinator), p.m)
		if err != nil {
			return fmt.Errorf("movement of %s: %w", p.owner, err)
		}
		for _, step := range p.steps {
			switch step {
			case "transmit":
				m, err = svc.TransmitMovement(ctx, cmcc, m.ID)
			case "ack":
				for _, party := range p.acks {
					if m.Ack(party) != nil {
						m, err = svc.AcknowledgeMovement(ctx, who(party, concord.RoleLiaison), m.ID, concord.AckDecision{Acknowledge: true})
					}
					if err != nil {
						break
					}
				}
			case "decide":
				m, err = svc.DecideMovement(ctx, cmcc, m.ID, concord.MovementDecision{Outcome: concord.MovementFacilitated})
			}
			if err != nil {
				return fmt.Errorf("movement of %s, %s: %w", p.owner, step, err)
			}
		}
	}
	for _, n := range []struct {
		owner, name string
		cat         concord.NotificationCategory
		s, t        float64
		rel         []string
	}{
		{"MSF", "MSF guesthouse Deir al-Balah", "guesthouse", 31.423, 0.14, []string{"ISF", "ISR"}},
		{"WFP", "WFP sub-office Gaza City", "office", 31.51, 0.20, []string{"ALL"}},
		{"UNRWA", "UNRWA water pumping station Nuseirat", "water_infrastructure", 31.44, 0.20, []string{"ALL"}},
		{"PRCS", "PRCS ambulance centre Khan Yunis", "clinic_or_hospital", 31.377, 0.20, []string{"ALL"}},
	} {
		_, err := svc.CreateNotification(ctx, who(n.owner, concord.RoleCoordinator), concord.SiteNotification{
			Name: n.name, Category: n.cat, Geometry: concord.GeoGeometry{Geometry: M(n.s, n.t)}, Marking: mk(n.owner, n.rel...), ReconfirmHours: 7 * 24})
		if err != nil {
			return fmt.Errorf("notification %q: %w", n.name, err)
		}
	}
	return nil
}
