package webhook

import (
	"strconv"
	"testing"
	"time"
)

// TestReplayCache: a signature is remembered through its expiry itself (the
// verifier still accepts a timestamp exactly at the tolerance), forgotten
// after it, and a full cache lets its oldest entry go for the newest one,
// not every entry at once (which left a window with no replay protection
// at all, every 100,000 timestamped deliveries).
func TestReplayCache(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	exp := t0.Add(5 * time.Minute)
	c := replayCache{limit: 3}
	if got := c.dedupeKey("sig-a", "first", exp, t0); got != "first" {
		t.Fatalf("new signature: %q; want its own key", got)
	}
	if got := c.dedupeKey("sig-a", "second", exp, exp); got != "first" {
		t.Errorf("at the expiry itself: %q; want the first key (still a replay)", got)
	}
	if got := c.dedupeKey("sig-a", "third", exp.Add(time.Hour), exp.Add(time.Nanosecond)); got != "third" {
		t.Errorf("after the expiry: %q; want the new key", got)
	}
	// sig-a now owns slot 1 (recorded again); fill up: sig-b takes slot
	// 2, sig-c slot 0, which held sig-a's old record: that must not evict
	// sig-a. sig-d then takes slot 1 and evicts the oldest, sig-a.
	later := exp.Add(time.Hour)
	for i, k := range []string{"sig-b", "sig-c"} {
		c.dedupeKey(k, "k"+strconv.Itoa(i), later, exp)
	}
	if got := c.dedupeKey("sig-a", "again", later, exp.Add(2*time.Nanosecond)); got != "third" {
		t.Errorf("sig-a after its old slot was reused: %q; want still remembered (%q)", got, "third")
	}
	c.dedupeKey("sig-d", "kd", later, exp)
	if len(c.entries) > 3 {
		t.Errorf("%d entries; want at most the limit, 3", len(c.entries))
	}
	for _, k := range []string{"sig-b", "sig-c", "sig-d"} {
		if _, ok := c.entries[k]; !ok {
			t.Errorf("%s was evicted; want only the oldest (sig-a) gone", k)
		}
	}
	if _, ok := c.entries["sig-a"]; ok {
		t.Errorf("sig-a still held; want it evicted as the oldest")
	}
}
