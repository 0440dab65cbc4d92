package cop

import (
	"cmp"
	"slices"
	"sync"

	"github.com/concord-mission/concord"
)

// Watcher is one live view of the tracks (a browser's stream). Updates
// coalesce per uid while the viewer reads: only the latest report of each
// track matters, so a slow reader receives fewer, newer updates rather
// than falling behind.
type Watcher struct {
	party string
	// C receives a signal whenever updates are waiting.
	C chan struct{}

	mu      sync.Mutex
	pending map[string]TrackUpdate
}

// TrackUpdate is one entry of a live view: a track's new state, or notice
// that the viewer may no longer see it.
type TrackUpdate struct {
	Track     concord.Track
	Withdrawn bool
}

// Watch returns a live view of the tracks v may see. Call Unwatch when done.
func (s *Service) Watch(v concord.Viewer) *Watcher {
	w := &Watcher{party: v.Party, C: make(chan struct{}, 1), pending: map[string]TrackUpdate{}}
	s.watchMu.Lock()
	s.watchers[w] = struct{}{}
	s.watchMu.Unlock()
	return w
}

// Unwatch ends a live view.
func (s *Service) Unwatch(w *Watcher) {
	s.watchMu.Lock()
	delete(s.watchers, w)
	s.watchMu.Unlock()
}

// Watchers returns how many live views are open.
func (s *Service) Watchers() int {
	s.watchMu.RLock()
	defer s.watchMu.RUnlock()
	return len(s.watchers)
}

// Take returns the waiting updates, oldest report first, and clears them.
func (w *Watcher) Take() []TrackUpdate {
	w.mu.Lock()
	p := w.pending
	w.pending = make(map[string]TrackUpdate, len(p))
	w.mu.Unlock()
	out := make([]TrackUpdate, 0, len(p))
	for _, u := range p {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b TrackUpdate) int {
		return cmp.Or(a.Track.Time.Compare(b.Track.Time), cmp.Compare(a.Track.UID, b.Track.UID))
	})
	return out
}

// notifyWatchers hands fresh reports to every watcher entitled to them; a
// watcher that could see a track's previous marking but not its new one is
// told the track was withdrawn.
func (s *Service) notifyWatchers(fresh []concord.Track, prev []*concord.Marking) {
	d := s.core.Access().Directory()
	s.watchMu.RLock()
	defer s.watchMu.RUnlock()
	for w := range s.watchers {
		n := 0
		w.mu.Lock()
		for i := range fresh {
			t := &fresh[i]
			switch {
			case d.CanSee(w.party, t.Marking):
				w.pending[t.UID] = TrackUpdate{Track: *t}
			case prev[i] != nil && d.CanSee(w.party, *prev[i]):
				w.pending[t.UID] = TrackUpdate{Track: concord.Track{UID: t.UID, Time: t.Time}, Withdrawn: true}
			default:
				continue
			}
			n++
		}
		w.mu.Unlock()
		if n > 0 {
			select {
			case w.C <- struct{}{}:
			default:
			}
		}
	}
}
