package webhook

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestSlowSubscriberLeavesOthersRoom: a subscriber that does not answer,
// with the highest maxConcurrency, does not fill the sending slots that
// all subscriptions share: another subscriber's events go out while every
// send to the slow one hangs.
func TestSlowSubscriberLeavesOthersRoom(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	var mu sync.Mutex
	fastGot := 0
	allFast := make(chan struct{})
	const fastEvents = 24
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env EventEnvelope
		_ = json.NewDecoder(r.Body).Decode(&env)
		mu.Lock()
		defer mu.Unlock()
		if fastGot++; fastGot == fastEvents {
			close(allFast)
		}
	}))
	t.Cleanup(fast.Close)

	now := time.Now().UTC().Truncate(time.Millisecond)
	slowSub := Subscription{ID: "sub_slow", Target: TargetHTTP, URL: slow.URL, AllowPrivateNetwork: true, MaxConcurrency: maxSending, IsActive: true}
	fastSub := Subscription{ID: "sub_fast", Target: TargetHTTP, URL: fast.URL, AllowPrivateNetwork: true, MaxConcurrency: 4, IsActive: true}
	st := &leaseStore{}
	add := func(id int64, sub Subscription) {
		st.work = append(st.work, Work{Attempt: Attempt{ID: id, SubscriptionID: sub.ID, EventSeq: id, Status: AttemptPending,
			NextAttemptAt: now.Add(claimLease)}, Event: Event{Seq: id, ID: "evt_" + itoa(id), Type: "x.y", CreatedAt: now},
			Subscription: sub, Secret: []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")})
	}
	id := int64(0)
	for range 2 * maxSending { // the slow one's events first: they reach the slots first
		id++
		add(id, slowSub)
	}
	for range fastEvents {
		id++
		add(id, fastSub)
	}
	s := NewService(Options{Store: st, Vault: openSealer{}, Now: func() time.Time { return now }})
	d, err := s.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	ctx := t.Context()
	go func() { _, _ = d.Step(ctx) }()
	select {
	case <-allFast:
	case <-time.After(5 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the fast subscriber got %d of its %d events in 5 s while the slow one hung", fastGot, fastEvents)
	}
}
