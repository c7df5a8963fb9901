package webhook

import (
	"sync"
	"time"
)

// replayCache remembers, per endpoint, the timestamped signatures of
// accepted deliveries and the dedupe key each came with, so that a request
// sent again within the tolerance with the same signature under another
// delivery id (most delivery ids are not covered by the signature: a
// captured Slack, Stripe-style or timestamped hmac request can be replayed
// with a new one) is deduplicated against the first instead of being stored
// as a new delivery with a new event. After the tolerance the timestamp
// check rejects the request anyway.
//
// Signatures without a signed timestamp (GitHub, Bitbucket, hmac over the
// body alone) are not remembered: two deliveries with the same content have
// the same signature there, and a sender may well send the same content
// twice as two events; their delivery id is what tells them apart.
//
// The cache is in memory, per process: it protects one replica for as long
// as it runs.
type replayCache struct {
	mu      sync.Mutex
	entries map[string]replayEntry
}

type replayEntry struct {
	dedupeKey string
	expires   time.Time
}

// replayCacheMax bounds the cache; when it is full, expired entries are
// dropped, and if that is not enough, all of them.
const replayCacheMax = 100_000

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
