package cop

import (
	"slices"
	"testing"
	"time"

	"github.com/concord-mission/concord"
)

// A track's latest state is written at once when it reports after a quiet
// spell, then at most once per SaveLatestEvery while it keeps reporting,
// with its newest state; a final flush writes every track that reported
// since its last write. Every report goes to the history regardless
// (flush passes the whole batch).
func TestLatestStatesAreWrittenAtMostOncePerInterval(t *testing.T) {
	s := testService()
	s.opts.SaveLatestEvery = 5 * time.Second
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	report := func(uid string, at time.Duration) []concord.Track {
		tr := concord.Track{UID: uid, Time: t0.Add(at), Lat: 31.4, Lon: 34.4 + at.Seconds()/1000}
		s.tracks.put(&tr)
		return []concord.Track{tr}
	}
	due := func(at time.Duration, final bool, batch ...[]concord.Track) []string {
		var out []string
		for _, tr := range s.latestToSave(slices.Concat(batch...), t0.Add(at), final) {
			out = append(out, tr.UID+"@"+tr.Time.Sub(t0).String())
		}
		return out
	}
	steps := []struct {
		name string
		got  []string
		want []string
	}{
		{"first reports", due(0, false, report("a", 0), report("b", 0)), []string{"a@0s", "b@0s"}},
		{"a reports again within the interval", due(time.Second, false, report("a", time.Second)), nil},
		{"a reports once more", due(3*time.Second, false, report("a", 3*time.Second)), nil},
		{"nothing yet", due(4*time.Second, false), nil},
		{"a's interval is over: its newest state", due(5*time.Second, false), []string{"a@3s"}},
		{"b was quiet: written at once", due(6*time.Second, false, report("b", 6*time.Second)), []string{"b@6s"}},
		{"a reports inside its new interval", due(7*time.Second, false, report("a", 7*time.Second)), nil},
		{"final: every track that reported since its write", due(8*time.Second, true), []string{"a@7s"}},
	}
	for _, st := range steps {
		if !slices.Equal(st.got, st.want) {
			t.Errorf("%s: latest states written %v, want %v", st.name, st.got, st.want)
		}
	}
	if _, ok := s.held["a"]; !ok || len(s.held) != 1 {
		t.Errorf("held %v after the final flush, want a alone (just written; b had nothing new)", s.held)
	}
	if got := due(20*time.Second, false); got != nil || len(s.held) != 0 {
		t.Errorf("after every interval ended: written %v, %d held; want none", got, len(s.held))
	}
}
