package webhook

import (
	"testing"
	"time"
)

// TestRetryScheduleSpansThreeDays: the last send of an attempt that keeps
// failing comes about three days after the first, as docs/webhooks.md
// says, with the jitter (up to 10% of each wait) included.
func TestRetryScheduleSpansThreeDays(t *testing.T) {
	t.Parallel()
	var span time.Duration
	for _, w := range retrySchedule {
		span += w
	}
	const day = 24 * time.Hour
	lo, hi := span, span+span/10
	if lo < 2*day+18*time.Hour || hi > 3*day+6*time.Hour {
		t.Errorf("the last of %d sends comes %v to %v after the first, want about three days (2.75 to 3.25 days)",
			len(retrySchedule)+1, lo, hi)
	}
}
