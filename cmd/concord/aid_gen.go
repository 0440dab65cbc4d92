package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// demoCrossings and demoDestinations are names of the demo scenario's
// sites, for generated import files.
var (
	demoCrossings    = []string{"Kerem Shalom crossing", "Zikim crossing", "Kissufim crossing"}
	demoDestinations = []string{"WFP warehouse Deir al-Balah", "WFP hub Khan Yunis West", "Distribution point Jabalia", "Distribution point Nuseirat",
		"UNICEF supply hub Gaza City", "Al-Mawasi tent camp"}
	demoCategories = []string{"food", "nutrition", "health", "wash", "shelter_nfi"}
)

// writeConsignmentsCSV writes n consignment rows for sender, HXL-tagged,
// deterministic for seed, with UN2720 references prefix-00001…
func writeConsignmentsCSV(w io.Writer, n int, seed uint64, sender, prefix string, registered time.Time) error {
	rng := rand.New(rand.NewPCG(seed, 7))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"UN2720 ref", "Sender", "Implementer", "Category", "Crossing", "Destination", "Trucks", "Tonnes", "Item", "Registered"})
	_ = cw.Write([]string{"#meta+ref+un2720", "#org+prog", "#org+impl", "#sector+cluster", "#loc+crossing+name", "#loc+dest+name",
		"#output+trucks+num", "#value+tonnes", "#item+name", "#date+registered"})
	for i := 1; i <= n; i++ {
		trucks := 5 + rng.IntN(20)
		_ = cw.Write([]string{fmt.Sprintf("%s-%05d", prefix, i), sender, sender, demoCategories[rng.IntN(len(demoCategories))],
			demoCrossings[rng.IntN(len(demoCrossings))], demoDestinations[rng.IntN(len(demoDestinations))], strconv.Itoa(trucks),
			strconv.Itoa(trucks * (15 + rng.IntN(8))), "Mixed relief items", registered.Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}

// writeEventsCSV writes, for consignments prefix-00001…prefix-n of
// writeConsignmentsCSV (same seed), their stages from submission to
// offloading on day, and returns the trucks offloaded.
func writeEventsCSV(w io.Writer, n int, seed uint64, prefix string, day time.Time) (float64, error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"#meta+ref+un2720", "#status+stage", "#date", "#output+trucks+num", "#value+tonnes"})
	var total float64
	for i := 1; i <= n; i++ {
		trucks := 5 + rng.IntN(20)
		_ = rng.IntN(len(demoCategories))
		_, _ = rng.IntN(len(demoCrossings)), rng.IntN(len(demoDestinations))
		tonnes := trucks * (15 + rng.IntN(8))
		ref := fmt.Sprintf("%s-%05d", prefix, i)
		at := day.Add(time.Duration(i%600) * time.Minute)
		for j, st := range []string{"submitted_for_clearance", "cleared", "dispatched", "arrived_at_crossing", "inspected", "offloaded"} {
			q := []string{"", ""}
			if j >= 2 {
				q = []string{strconv.Itoa(trucks), strconv.Itoa(tonnes)}
			}
			_ = cw.Write([]string{ref, st, at.Add(time.Duration(j) * 10 * time.Minute).Format(time.RFC3339), q[0], q[1]})
		}
		total += float64(trucks)
	}
	cw.Flush()
	return total, cw.Error()
}
