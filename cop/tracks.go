package cop

import (
	"hash/maphash"
	"sync"

	"github.com/concord-mission/concord"
)

// trackShards split the latest-state map by uid, so that devices reporting
// at once (one goroutine each on the TAK server) rarely wait for each
// other.
const trackShards = 64

type trackShard struct {
	mu sync.RWMutex
	m  map[string]*concord.Track
}

// trackMap is the latest report of every track, by uid.
type trackMap struct {
	seed   maphash.Seed
	shards [trackShards]trackShard
}

func newTrackMap() *trackMap {
	t := &trackMap{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].m = map[string]*concord.Track{}
	}
	return t
}

func (t *trackMap) shard(uid string) *trackShard {
	return &t.shards[maphash.String(t.seed, uid)%trackShards]
}

// get returns the latest report of uid, or nil.
func (t *trackMap) get(uid string) *concord.Track {
	sh := t.shard(uid)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.m[uid]
}

// put keeps tr unless a newer report of its uid is known; it returns the
// report it replaced (nil for a new uid) and whether it kept tr.
func (t *trackMap) put(tr *concord.Track) (*concord.Track, bool) {
	sh := t.shard(tr.UID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cur := sh.m[tr.UID]
	if cur != nil && tr.Time.Before(cur.Time) {
		return cur, false
	}
	sh.m[tr.UID] = tr
	return cur, true
}

// each calls fn for every track, one shard at a time (read locked).
func (t *trackMap) each(fn func(*concord.Track)) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		for _, tr := range sh.m {
			fn(tr)
		}
		sh.mu.RUnlock()
	}
}

// drop deletes the tracks for which old reports true.
func (t *trackMap) drop(old func(*concord.Track) bool) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for uid, tr := range sh.m {
			if old(tr) {
				delete(sh.m, uid)
			}
		}
		sh.mu.Unlock()
	}
}

func (t *trackMap) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
