package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// leaseStore hands out claimed work once and keeps what is recorded; its
// subscriptions never change after the claim. The rest of Store is not
// used.
type leaseStore struct {
	Store
	SubscriptionStore
	mu       sync.Mutex
	work     []Work
	versions map[string]int64 // of the subscriptions of the work handed out
	recorded []int64          // attempt ids
	returned []int64          // attempt ids given back
	// failRecords: that many RecordSends calls fail first.
	failRecords int
	records     int // RecordSends calls
}

func (s *leaseStore) FanOutAndClaim(context.Context, time.Time, int, func(Event, []Subscription) []string,
	Claim) ([]Work, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.work
	s.work = nil
	for _, x := range w {
		if s.versions == nil {
			s.versions = map[string]int64{}
		}
		s.versions[x.Subscription.ID] = x.Subscription.Version
	}
	return w, nil
}

func (s *leaseStore) SubscriptionVersions(context.Context) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.versions), nil
}

func (s *leaseStore) ReturnClaims(_ context.Context, _ time.Time, rs []SendResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		s.returned = append(s.returned, r.AttemptID)
	}
	return nil
}

func (s *leaseStore) RecordSends(_ context.Context, rs []SendResult) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records++
	if s.failRecords > 0 {
		s.failRecords--
		return errors.New("the database is away")
	}
	for _, r := range rs {
		s.recorded = append(s.recorded, r.AttemptID)
	}
	return nil
}

// MarkPresent: one dispatcher, nobody to tell.
func (s *leaseStore) MarkPresent(context.Context, string) (Presence, error) { return present{}, nil }

type present struct{}

func (present) Check(context.Context) (time.Time, bool) { return time.Time{}, true }
func (present) Held() bool                              { return true }
func (present) Release()                                {}

// openSealer "opens" by returning the sealed bytes.
type openSealer struct{}

func (openSealer) Seal(_, b []byte) ([]byte, error) { return b, nil }
func (openSealer) Open(_, b []byte) ([]byte, error) { return b, nil }

// TestDispatcherSendsOnlyWithinLease: a claimed attempt is sent only if the
// send (up to the timeout) and its recording end before its lease does. One
// that waited for a sending slot too long is left for the claim that takes
// it when the lease ends: sent here as well, it would reach the subscriber
// twice, possibly after the subscriber acknowledged the other send.
func TestDispatcherSendsOnlyWithinLease(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env EventEnvelope
		_ = json.NewDecoder(r.Body).Decode(&env)
		mu.Lock()
		got = append(got, env.ID)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)

	now := time.Now().UTC().Truncate(time.Millisecond)
	sub := Subscription{ID: "sub_1", Target: TargetHTTP, URL: srv.URL, AllowPrivateNetwork: true, MaxConcurrency: 4, IsActive: true}
	tests := []struct {
		id       int64
		leaseEnd time.Duration // from now
		sent     bool
	}{
		{1, 2 * time.Minute, true},
		{2, 30 * time.Second, true},
		{3, 20 * time.Second, false}, // 15 s timeout + 10 s margin do not fit
		{4, 0, false},
		{5, -time.Minute, false},
	}
	st := &leaseStore{}
	var want, wantRecorded []string
	for _, tc := range tests {
		ev := Event{Seq: tc.id, ID: "evt_" + itoa(tc.id), Type: "x.y", CreatedAt: now}
		st.work = append(st.work, Work{Attempt: Attempt{ID: tc.id, SubscriptionID: sub.ID, EventSeq: tc.id, Status: AttemptPending,
			NextAttemptAt: now.Add(tc.leaseEnd)}, Event: ev, Subscription: sub, Secret: []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")})
		if tc.sent {
			want = append(want, ev.ID)
			wantRecorded = append(wantRecorded, ev.ID)
		}
	}
	s := NewService(Options{Store: st, Vault: openSealer{}, Now: func() time.Time { return now }})
	d, err := s.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	if _, err := d.Step(t.Context()); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events sent (-want +got):\n%s", diff)
	}
	var recorded []string
	for _, id := range st.recorded {
		recorded = append(recorded, "evt_"+itoa(id))
	}
	slices.Sort(recorded)
	if diff := cmp.Diff(wantRecorded, recorded); diff != "" {
		t.Errorf("outcomes recorded (-want +got):\n%s", diff)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestRecordingFailures: recording outcomes is tried again before the
// attempts are left to their lease; and a 410 whose disabling could not be
// recorded does not hold the subscription's other attempts back, since
// the store still has it active.
func TestRecordingFailures(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env EventEnvelope
		_ = json.NewDecoder(r.Body).Decode(&env)
		mu.Lock()
		got = append(got, env.ID)
		w.WriteHeader(status)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	now := time.Now().UTC().Truncate(time.Millisecond)
	sub := Subscription{ID: "sub_1", Target: TargetHTTP, URL: srv.URL, AllowPrivateNetwork: true, MaxConcurrency: 1, IsActive: true, Version: 3}
	work := func(id int64) Work {
		return Work{Attempt: Attempt{ID: id, SubscriptionID: sub.ID, EventSeq: id, Status: AttemptPending,
			NextAttemptAt: now.Add(claimLease)}, Event: Event{Seq: id, ID: "evt_" + itoa(id), Type: "x.y", CreatedAt: now},
			Subscription: sub, Secret: []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}
	}
	dispatcher := func(t *testing.T, st *leaseStore) *Dispatcher {
		t.Helper()
		s := NewService(Options{Store: st, Vault: openSealer{}, Now: func() time.Time { return now }})
		d, err := s.NewDispatcher(15 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		return d
	}

	t.Run("retried", func(t *testing.T) {
		st := &leaseStore{failRecords: 2, work: []Work{work(1)}}
		if _, err := dispatcher(t, st).Step(t.Context()); err != nil {
			t.Fatalf("Step: %v", err)
		}
		if diff := cmp.Diff([]int64{1}, st.recorded); diff != "" || st.records != 3 {
			t.Errorf("after 2 failures: %d calls, recorded (-want +got):\n%s", st.records, diff)
		}
	})

	t.Run("410 not recorded", func(t *testing.T) {
		mu.Lock()
		status, got = http.StatusGone, nil
		mu.Unlock()
		st := &leaseStore{failRecords: 3, work: []Work{work(1)}}
		d := dispatcher(t, st)
		if _, err := d.Step(t.Context()); err == nil {
			t.Fatal("Step: no error, though recording failed every time")
		}
		st.work = []Work{work(2)}
		if _, err := d.Step(t.Context()); err != nil {
			t.Fatalf("second Step: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if diff := cmp.Diff([]string{"evt_1", "evt_2"}, got); diff != "" {
			t.Errorf("sent (-want +got):\n%s", diff)
		}
		if len(st.returned) != 0 || !slices.Equal(st.recorded, []int64{2}) {
			t.Errorf("given back %v, recorded %v; want the second attempt sent and recorded", st.returned, st.recorded)
		}
	})
}
