package webhook

import (
	"sync"
	"time"
)

// replayCache remembers, per endpoint, the signatures of accepted
// deliveries and the dedupe key each came with, so that a request sent
// again with the same signature under another delivery id (GitHub's
// X-GitHub-Delivery, like most delivery ids, is not covered by the
// signature: a captured request can be replayed with a new one) is
// deduplicated against the first instead of being stored as a new delivery
// with a new event. A provider's own retry is answered the same way.
//
// The cache is in memory, per process: it protects one replica for as long
// as it runs. An entry lives until its signed timestamp leaves the
// tolerance (after that the timestamp check rejects the request anyway), or
// replayWindow for schemes that sign no timestamp.
type replayCache struct {
	mu      sync.Mutex
	entries map[string]replayEntry
}

type replayEntry struct {
	dedupeKey string
	expires   time.Time
}

const (
	// replayWindow is how long the signature of a delivery without a
	// signed timestamp is remembered.
	replayWindow = 24 * time.Hour
	// replayCacheMax bounds the cache; when it is full, expired entries are
	// dropped, and if that is not enough, all of them.
	replayCacheMax = 100_000
)

// dedupeKey returns the dedupe key the signature key first arrived with
// while it is remembered, else records dedupeKey for it until expires and
// returns it.
func (c *replayCache) dedupeKey(key, dedupeKey string, expires, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && now.Before(e.expires) {
		return e.dedupeKey
	}
	if len(c.entries) >= replayCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= replayCacheMax {
			c.entries = map[string]replayEntry{}
		}
	}
	c.entries[key] = replayEntry{dedupeKey: dedupeKey, expires: expires}
	return dedupeKey
}
