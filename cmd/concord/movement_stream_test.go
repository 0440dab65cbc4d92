package main

import (
	"strings"
	"testing"
	"time"

	"github.com/concord-mission/concord"
)

// TestMovementEventsOnTheStream follows a PAK movement, marked for PAK and
// the stabilization force, through every state: each change reaches the
// live stream of every party that may see the movement (PAK, IDN as an
// ISF member, the center) as a movement event; ISR, asked through a
// relay, receives only its relayed request; WFP receives nothing.
func TestMovementEventsOnTheStream(t *testing.T) {
	s := start(t, withDemo)
	pak, idn, isr, wfp, cmcc := s.login("pak.liaison"), s.login("idn.liaison"), s.login("isr.liaison"), s.login("wfp.logistics"), s.login("cmcc.watch")
	streams := map[string]<-chan sseEvent{"PAK": pak.stream(""), "IDN": idn.stream(""), "CMCC": cmcc.stream(""), "ISR": isr.stream(""), "WFP": wfp.stream("")}
	depart := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	var m movementResp
	mustDecode(t, pak.must(201, "POST", "/api/movements", movementBody("PAK", []string{"ISF"}, depart, 2, pt(31.43, 0.30), pt(31.43, 0.75))), &m)
	cmcc.must(200, "POST", "/api/movements/"+m.ID+"/transmit", nil)
	isr.must(200, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "acknowledge"})
	cmcc.must(200, "POST", "/api/movements/"+m.ID+"/decide", map[string]any{"outcome": "facilitated"})
	pak.must(200, "POST", "/api/movements/"+m.ID+"/start", nil)
	pak.must(200, "POST", "/api/movements/"+m.ID+"/complete", nil)
	// A marker every party sees: once it arrives, everything before it has.
	var marker struct{ ID string }
	mustDecode(t, cmcc.must(201, "POST", "/api/features", site("Marker depot", "CMCC", []string{"ALL"}, 34.33, 31.40)), &marker)

	want := "movement.created,movement.transmitted,movement.acknowledged,movement.facilitated,movement.in_progress,movement.completed"
	for party, ch := range streams {
		var got []string
		waitEvent(t, ch, 15*time.Second, func(e sseEvent) bool {
			if strings.HasPrefix(e.Data.RecordID, m.ID) {
				got = append(got, e.Name)
			}
			return e.Data.RecordID == marker.ID
		})
		seen := strings.Join(got, ",")
		switch party {
		case "PAK", "IDN":
			if seen != want {
				t.Errorf("%s's stream: %s, want %s", party, seen, want)
			}
		case "CMCC":
			// The center also sees the relayed request it sends, and the
			// same request answered.
			if w := "movement.created,movement.transmitted,relay.requested,movement.acknowledged,relay.requested,movement.facilitated,movement.in_progress,movement.completed"; seen != w {
				t.Errorf("the center's stream: %s, want %s", seen, w)
			}
		case "ISR":
			if seen != "relay.requested,relay.requested" {
				t.Errorf("ISR's stream: %s, want its relayed request, asked and answered", seen)
			}
		case "WFP":
			if seen != "" {
				t.Errorf("WFP's stream received %s", seen)
			}
		}
	}
}

// TestMovementsAcrossInstances runs two instances on one PostgreSQL and a
// NATS cluster: a movement notified and facilitated on the first reaches
// the second's deconfliction engine (a plan on the same road at the same
// time is told it shares it), its queue and its live stream.
func TestMovementsAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	wfpA, cmccA := a.login("wfp.logistics"), a.login("cmcc.watch")
	unicefB, cmccB := b.login("unicef.logistics"), b.login("cmcc.watch")
	streamB := cmccB.stream("")

	depart := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	road := [][]float64{pt(31.41, 0.10), pt(31.41, 0.45)}
	var m movementResp
	mustDecode(t, wfpA.must(201, "POST", "/api/movements", movementBody("WFP", []string{"ALL"}, depart, 2, road...)), &m)
	mustDecode(t, cmccA.must(200, "POST", "/api/movements/"+m.ID+"/transmit", nil), &m)
	for _, ack := range m.Acks {
		a.login(strings.ToLower(ack.Party)+".liaison").must(200, "POST", "/api/movements/"+m.ID+"/ack", map[string]string{"decision": "acknowledge"})
	}
	mustDecode(t, cmccA.must(200, "POST", "/api/movements/"+m.ID+"/decide", map[string]any{"outcome": "facilitated"}), &m)
	if m.Status != concord.MovementFacilitated {
		t.Fatalf("status %s", m.Status)
	}
	waitEvent(t, streamB, 15*time.Second, func(e sseEvent) bool { return e.Name == "movement.facilitated" && e.Data.RecordID == m.ID })

	// The other instance's engine knows it: UNICEF's plan on the same road
	// is told it shares it with WFP's movement.
	var chk struct{ Findings []concord.Finding }
	deadline := time.Now().Add(15 * time.Second)
	for {
		mustDecode(t, unicefB.must(200, "POST", "/api/movements/check", movementBody("UNICEF", []string{"ALL"}, depart.Add(15*time.Minute), 2, road...)), &chk)
		found := false
		for _, f := range chk.Findings {
			found = found || f.Check == "movement" && f.RecordID == m.ID && strings.Contains(f.Reason, m.Reference)
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second instance does not deconflict against the first's movement: %+v", chk.Findings)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var list struct{ Movements []concord.Movement }
	mustDecode(t, cmccB.must(200, "GET", "/api/movements", nil), &list)
	for _, x := range list.Movements {
		if x.ID == m.ID && x.Status == concord.MovementFacilitated {
			return
		}
	}
	t.Fatalf("the second instance's queue lacks the movement")
}
