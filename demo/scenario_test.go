package demo

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/deconflict"
	"github.com/concord-mission/concord/sqlite"
)

// TestLiveConvoysAtEveryHour loads the scenario with the clock at several
// hours of the day: both convoys are on the road whatever the hour (the
// scenario's areas are valid at set hours of the day, and a convoy whose
// route met one while it was valid was once skipped from 01:00 to 18:20
// UTC only).
func TestLiveConvoysAtEveryHour(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the scenario eight times")
	}
	ctx := context.Background()
	day := time.Now().UTC().Truncate(24 * time.Hour)
	for h := 0; h < 24; h += 3 {
		t.Run(fmt.Sprintf("%02d:30", h), func(t *testing.T) {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "concord.db"), sqlite.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			svc, err := concord.NewService(ctx, db, concord.ServiceOptions{Deconflicter: deconflict.NewChecker(deconflict.Config{})})
			if err != nil {
				t.Fatal(err)
			}
			at := day.Add(time.Duration(h)*time.Hour + 30*time.Minute)
			svc.SetNow(func() time.Time { return at })
			var logs bytes.Buffer
			if _, err := LoadWith(ctx, svc, Options{Seed: DefaultSeed, AidDays: 1}, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
				t.Fatal(err)
			}
			ms, _, err := svc.Movements(ctx, concord.SystemViewer("CMCC", "test"), concord.MovementQuery{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			on := map[string]bool{}
			for _, m := range ms {
				for _, v := range m.Vehicles {
					if m.Status == concord.MovementInProgress {
						on[v.Tracker] = true
					}
				}
			}
			if !on["SIM-WFP-101"] || !on["SIM-UNICEF-7"] {
				t.Fatalf("convoys on the road at %s: %v\n%s", at.Format(time.RFC3339), on, logs.String())
			}
		})
	}
}
