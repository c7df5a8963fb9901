package webhook

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// presenceStore records the names dispatchers mark present and claim
// under; its marks are lost when the test says so.
type presenceStore struct {
	leaseStore
	pmu    sync.Mutex
	marks  []*fakePresence
	owners []string // of each claim
}

func (s *presenceStore) MarkPresent(_ context.Context, owner string) (Presence, error) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	p := &fakePresence{owner: owner, held: true}
	s.marks = append(s.marks, p)
	return p, nil
}

func (s *presenceStore) FanOutAndClaim(ctx context.Context, now time.Time, n int,
	match func(Event, []Subscription) []string, c Claim) ([]Work, error) {
	s.pmu.Lock()
	s.owners = append(s.owners, c.Owner)
	s.pmu.Unlock()
	return s.leaseStore.FanOutAndClaim(ctx, now, n, match, c)
}

type fakePresence struct {
	mu             sync.Mutex
	owner          string
	held, released bool
	checks         int
}

func (p *fakePresence) Check(context.Context) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checks++
	return time.Time{}, p.held
}
func (p *fakePresence) Held() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.held }
func (p *fakePresence) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held, p.released = false, true
}

// TestDispatcherPresenceLost: a dispatcher whose presence mark is lost (its
// database connection broke) lets the old mark go and marks itself again
// under a new name before it claims anything more: the old name may still
// look held to other replicas until the database notices the broken
// connection, and waiting for it would stop all dispatch meanwhile. A name
// is not changed once marked, and a dispatcher shutting down claims nothing.
func TestDispatcherPresenceLost(t *testing.T) {
	t.Parallel()
	st := &presenceStore{}
	s := NewService(Options{Store: st, Vault: openSealer{}})
	d, err := s.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	d.NameAs("host-a")
	ctx := t.Context()
	if _, err := d.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if len(st.marks) != 1 || len(st.owners) != 1 || st.owners[0] != st.marks[0].owner || !strings.HasPrefix(st.owners[0], "host-a ") {
		t.Fatalf("first step: marks %d, claims under %q; want one mark, claims under its name host-a …", len(st.marks), st.owners)
	}
	first := st.marks[0]
	d.NameAs("host-b") // too late: claims go on under the marked name
	if _, err := d.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if st.owners[1] != first.owner {
		t.Errorf("claim after NameAs went out under %q, want the marked %q", st.owners[1], first.owner)
	}

	first.mu.Lock()
	first.held = false // the connection broke
	first.mu.Unlock()
	if _, err := d.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if !first.released {
		t.Error("the lost mark was not let go")
	}
	if len(st.marks) != 2 {
		t.Fatalf("marks after the loss: %d, want a second one", len(st.marks))
	}
	second := st.marks[1]
	if second.owner == first.owner || !strings.HasPrefix(second.owner, "host-a ") {
		t.Errorf("marked again as %q after losing %q; want a new name after host-a", second.owner, first.owner)
	}
	if got := st.owners[len(st.owners)-1]; got != second.owner {
		t.Errorf("claim after the loss went out under %q, want the new name %q", got, second.owner)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	claims, checks := len(st.owners), second.checks
	if _, err := d.Step(cancelled); err == nil {
		t.Error("Step on a cancelled context returned no error")
	}
	if len(st.owners) != claims || second.checks != checks {
		t.Errorf("a dispatcher shutting down claimed (%d → %d) or checked its mark (%d → %d)", claims, len(st.owners), checks, second.checks)
	}
}
