package webhook

import (
	"strconv"
	"testing"
	"time"
)

func TestRejectLimiter(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	drain := func(l *rejectLimiter, key string, at time.Time) {
		t.Helper()
		for i := range rejectBurst {
			if !l.allow(key, at) {
				t.Fatalf("%s: rejection %d of the burst refused", key, i+1)
			}
		}
		if l.allow(key, at) {
			t.Fatalf("%s: rejection after the burst allowed", key)
		}
	}

	t.Run("burst then rate", func(t *testing.T) {
		var l rejectLimiter
		drain(&l, "ep|a", t0)
		if !l.allow("ep|b", t0) {
			t.Fatal("another source is throttled with the first")
		}
		if l.allow("ep|a", t0.Add(2*time.Second)) {
			t.Fatal("allowed 2 s after the burst; one per 3 s expected")
		}
		if !l.allow("ep|a", t0.Add(3*time.Second)) {
			t.Fatal("refused 3 s after the burst")
		}
	})

	t.Run("a flood of new sources does not free a throttled one", func(t *testing.T) {
		l := rejectLimiter{limit: 100}
		drain(&l, "ep|attacker", t0)
		at := t0.Add(time.Second)
		for i := range 1000 {
			l.allow("ep|new"+strconv.Itoa(i), at)
			if len(l.buckets) > l.limit {
				t.Fatalf("%d buckets held, limit %d", len(l.buckets), l.limit)
			}
		}
		if l.allow("ep|attacker", at) {
			t.Fatal("the throttled source was forgotten after a flood of new sources")
		}
	})

	t.Run("refilled buckets go first", func(t *testing.T) {
		l := rejectLimiter{limit: 10}
		for i := range 9 {
			l.allow("ep|old"+strconv.Itoa(i), t0)
		}
		drain(&l, "ep|hard", t0.Add(time.Minute))
		later := t0.Add(70 * time.Second) // the old ones have refilled; "hard" has not
		l.allow("ep|new", later)
		if len(l.buckets) != 2 || l.buckets["ep|hard"] == nil || l.buckets["ep|new"] == nil {
			t.Fatalf("buckets after the prune: %v; want the throttled one and the new one", l.buckets)
		}
	})
}
