package webhook

import (
	"crypto/sha256"
	"encoding/hex"
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
// as it runs; the store knows the signature again on the other replicas
// and after a restart (replayKey). It holds up to replayCacheMax signatures; beyond that the
// oldest one recorded gives way to the newest (so at more than
// replayCacheMax timestamped deliveries per tolerance, the window it covers
// is shorter than the tolerance, never empty).
type replayCache struct {
	mu      sync.Mutex
	entries map[string]replayEntry
	// ring holds the keys in the order they were recorded, replayCacheMax
	// slots reused in turn; an entry owns the slot it was last recorded
	// in, so that a key recorded again is not evicted by its older slot.
	ring  []string
	next  int
	limit int // replayCacheMax when 0 (tests set less)
}

func (c *replayCache) max() int {
	if c.limit > 0 {
		return c.limit
	}
	return replayCacheMax
}

type replayEntry struct {
	dedupeKey string
	expires   time.Time
	slot      int
}

// replayCacheMax bounds the cache.
const replayCacheMax = 100_000

// dedupeKey returns the dedupe key the signature key first arrived with
// while it is remembered, else records dedupeKey for it until expires and
// returns it.
func (c *replayCache) dedupeKey(key, dedupeKey string, expires, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	// An entry holds through its expiry itself: a timestamp exactly at
	// the tolerance is still accepted by the verifier.
	if e, ok := c.entries[key]; ok && !now.After(e.expires) {
		return e.dedupeKey
	}
	if c.entries == nil {
		c.entries = map[string]replayEntry{}
	}
	slot := c.next
	if len(c.ring) < c.max() {
		c.ring = append(c.ring, key)
	} else {
		old := c.ring[slot]
		if e, ok := c.entries[old]; ok && e.slot == slot {
			delete(c.entries, old)
		}
		c.ring[slot] = key
	}
	c.next = (slot + 1) % c.max()
	c.entries[key] = replayEntry{dedupeKey: dedupeKey, expires: expires, slot: slot}
	return dedupeKey
}

// replayKey is what the store keeps of a timestamped signature to know it
// again (NewDelivery.ReplayKey): a hash of bounded length, unique per
// endpoint in the database. The cache answers on the replica that saw the
// signature; the database on the others, and after a restart.
func replayKey(signature string) string {
	sum := sha256.Sum256([]byte(signature))
	return hex.EncodeToString(sum[:16])
}
