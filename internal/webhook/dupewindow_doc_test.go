package webhook

import (
	"os"
	"regexp"
	"testing"
	"time"
)

// TestDocDupeWindowOutlastsLease: a JetStream publish that a crashed
// dispatcher never recorded goes out again when its claim's lease ends
// (on PostgreSQL, claimLease after the claim, plus a poll), so the
// duplicate window the docs tell users to give their stream must be
// comfortably longer than the lease: at exactly the lease, the repeat
// lands a few hundred milliseconds past the window and is stored twice
// (seen in a SIGKILL test).
func TestDocDupeWindowOutlastsLease(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`--dupe-window (\w+)`).FindAllSubmatch(b, -1)
	if len(found) == 0 {
		t.Fatal("docs/webhooks.md gives no --dupe-window for the NATS stream")
	}
	for _, m := range found {
		d, err := time.ParseDuration(string(m[1]))
		if err != nil {
			t.Fatalf("--dupe-window %s: %v", m[1], err)
		}
		if d < claimLease+time.Minute {
			t.Errorf("docs/webhooks.md: --dupe-window %s; want at least %s (the %s claim lease, plus a margin for the repeat's poll and send)", m[1], claimLease+time.Minute, claimLease)
		}
	}
}
