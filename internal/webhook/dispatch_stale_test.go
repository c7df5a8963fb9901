package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// holdingSubscriber is a subscriber that holds the first request it gets
// until release is closed, and answers every request with status. It
// records the event ids it was sent, in order.
type holdingSubscriber struct {
	release chan struct{}
	got     chan struct{} // closed when the first request arrives
	mu      sync.Mutex
	status  int
	ids     []string
	bodies  [][]byte
	first   sync.Once
}

func newHoldingSubscriber(t *testing.T, status int) (*holdingSubscriber, string) {
	s := &holdingSubscriber{release: make(chan struct{}), got: make(chan struct{}), status: status}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Cleanup(s.let) // before srv.Close, which waits for the handlers
	return s, srv.URL
}

func (s *holdingSubscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var env struct{ ID string }
	_ = json.Unmarshal(body, &env)
	s.mu.Lock()
	s.ids = append(s.ids, env.ID)
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	s.first.Do(func() {
		close(s.got)
		<-s.release
	})
	s.mu.Lock()
	status := s.status
	s.mu.Unlock()
	w.WriteHeader(status)
}

// let lets the held request go.
func (s *holdingSubscriber) let() {
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func (s *holdingSubscriber) answer(status int) {
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
}

func (s *holdingSubscriber) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

// dispatchSetup is an ihub with an integration to ingest events through,
// and a subscription to a subscriber.
type dispatchSetup struct {
	env *apptest.Env
	ws  *webhook.Service
	sub webhook.Subscription
	// events ingests n events and returns them, in order.
	events func(n int) []webhook.Event
}

func newDispatchSetup(t *testing.T, e storetest.Engine, url string, maxConcurrency int) dispatchSetup {
	t.Helper()
	env := apptest.New(t, e, apptest.Options{})
	ws := env.App.Webhooks
	ctx := t.Context()
	yes := true
	sub, _, err := ws.CreateSubscription(ctx, audit.System, webhook.SubscriptionInput{URL: &url,
		AllowPrivateNetwork: &yes, MaxConcurrency: &maxConcurrency, CredentialsWrite: true})
	if err != nil {
		t.Fatal(err)
	}
	it, err := env.App.Integrations.Create(ctx, audit.System, integrationInput("src", "http", "https://src.invalid", false))
	if err != nil {
		t.Fatal(err)
	}
	secret := "dispatch-secret-0123456789"
	ep, _, err := ws.CreateEndpoint(ctx, audit.System, it.ID, webhook.EndpointInput{Scheme: ptr("header_token"),
		Settings: map[string]string{"headerName": "X-Token"}, Secret: &secret})
	if err != nil {
		t.Fatal(err)
	}
	target, err := ws.Resolve(ctx, ep.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	events := func(count int) []webhook.Event {
		t.Helper()
		for range count {
			n++
			h := http.Header{"X-Token": {secret}, "Content-Type": {"application/json"}}
			body := []byte(`{"type":"test.event","id":"` + itoa(n) + `"}`)
			if _, err := ws.Ingest(ctx, target, webhook.Request{Method: "POST", Header: h, Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := ws.Events(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return evs[len(evs)-count:]
	}
	return dispatchSetup{env: env, ws: ws, sub: sub, events: events}
}

// attempts returns the subscription's attempts of evs, in their order
// (a zero Attempt for an event without one).
func (s dispatchSetup) attempts(t *testing.T, evs ...webhook.Event) []webhook.Attempt {
	t.Helper()
	as, err := s.ws.Attempts(t.Context(), s.sub.ID, webhook.AttemptFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]webhook.Attempt, len(evs))
	for i, ev := range evs {
		for _, a := range as {
			if a.EventSeq == ev.Seq {
				out[i] = a
			}
		}
	}
	return out
}

// heldFirst returns evs (two events) with the one the subscriber got
// first (and holds) first: with maxConcurrency 1, either may go out first.
func heldFirst(t *testing.T, sub *holdingSubscriber, evs []webhook.Event) []webhook.Event {
	t.Helper()
	if got := sub.received(); len(got) > 0 && got[0] == evs[1].ID {
		return []webhook.Event{evs[1], evs[0]}
	}
	return evs
}

func eventIDs(evs ...webhook.Event) []string {
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	return ids
}

// run runs a dispatcher until the test ends, or until stop is called;
// done is closed when Run returned.
func (s dispatchSetup) run(t *testing.T) (d *webhook.Dispatcher, stop func(), done chan struct{}) {
	t.Helper()
	d, err := s.ws.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { defer close(done); d.Run(ctx, 10*time.Millisecond) }()
	t.Cleanup(func() { stop(); <-done })
	return d, stop, done
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// givenBack reports whether a (claimed with a 2-minute lease) was given
// back unsent: due again now, not counted as an attempt.
func givenBack(a webhook.Attempt) bool {
	return a.Status == webhook.AttemptPending && a.Attempts == 0 && time.Until(a.NextAttemptAt) < time.Minute
}

// TestDispatchChangedSubscription: events a dispatcher claimed are not
// sent once their subscription is disabled (by hand, or by the
// subscriber's 410), deleted or re-pointed after the claim. With
// maxConcurrency 1, the dispatcher claims two events and sends the first;
// the subscriber holds it while the subscription changes. The second must
// then not go out under the old settings: it waits while the subscription
// is disabled (and goes out, counted once, when it is enabled), is gone
// with a deleted subscription, and goes to the new URL.
func TestDispatchChangedSubscription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int // the first subscriber's answers
		change func(t *testing.T, s dispatchSetup, newURL string)
		// deleted: the attempts are gone with the subscription
		deleted, disabled, moved bool
	}{
		{name: "disabled by hand", status: http.StatusNoContent, disabled: true, change: func(t *testing.T, s dispatchSetup, _ string) {
			patch(t, s, webhook.SubscriptionInput{IsActive: ptr(false)})
		}},
		{name: "410 Gone", status: http.StatusGone, disabled: true},
		{name: "deleted", status: http.StatusNoContent, deleted: true, change: func(t *testing.T, s dispatchSetup, _ string) {
			if err := s.ws.DeleteSubscription(t.Context(), audit.System, s.sub.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "url changed", status: http.StatusNoContent, moved: true, change: func(t *testing.T, s dispatchSetup, newURL string) {
			patch(t, s, webhook.SubscriptionInput{URL: &newURL})
		}},
	}
	for _, e := range storetest.Engines(t) {
		for _, tc := range tests {
			t.Run(e.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				old, oldURL := newHoldingSubscriber(t, tc.status)
				moved, newURL := newHoldingSubscriber(t, http.StatusNoContent)
				moved.let()
				s := newDispatchSetup(t, e, oldURL, 1)
				evs := s.events(2)
				s.run(t)
				select {
				case <-old.got:
				case <-time.After(10 * time.Second):
					t.Fatal("the first event was never sent")
				}
				evs = heldFirst(t, old, evs) // the one sent, the one waiting
				if tc.change != nil {
					tc.change(t, s, newURL)
				}
				old.let()

				switch {
				case tc.deleted:
					// Nothing to look at in the store: give a send that
					// should not happen the time to happen.
					time.Sleep(500 * time.Millisecond)
				case tc.moved:
					waitFor(t, "the second event reaches the new URL", func() bool { return len(moved.received()) > 0 })
				default:
					waitFor(t, "the second event is given back", func() bool {
						as := s.attempts(t, evs...)
						return as[0].LastStatus == int64(tc.status) && givenBack(as[1])
					})
				}
				if diff := cmp.Diff(eventIDs(evs[0]), old.received()); diff != "" {
					t.Errorf("events sent to the old subscription (-want +got):\n%s", diff)
				}
				if tc.moved {
					if diff := cmp.Diff(eventIDs(evs[1]), moved.received()); diff != "" {
						t.Errorf("events sent to the new URL (-want +got):\n%s", diff)
					}
					waitFor(t, "the second event is recorded", func() bool {
						return s.attempts(t, evs[1])[0].Status == webhook.AttemptDelivered
					})
					if a := s.attempts(t, evs[1])[0]; a.Attempts != 1 {
						t.Errorf("the second event's attempts = %d, want 1 (the give-back is not an attempt)", a.Attempts)
					}
				}
				if !tc.disabled {
					return
				}
				// Its events were kept: enabled again, the subscription gets
				// the second one, counted as its first attempt (and the
				// first again, after a 410).
				if a := s.attempts(t, evs[1])[0]; !givenBack(a) {
					t.Fatalf("the second event's attempt while disabled = %+v, want pending, never tried", a)
				}
				old.answer(http.StatusNoContent)
				patch(t, s, webhook.SubscriptionInput{IsActive: ptr(true)})
				waitFor(t, "both events are delivered", func() bool {
					as := s.attempts(t, evs...)
					return as[0].Status == webhook.AttemptDelivered && as[1].Status == webhook.AttemptDelivered
				})
				want := eventIDs(evs...)
				if tc.status == http.StatusGone {
					want = append(want, evs[0].ID)
				}
				got := old.received()
				slices.Sort(want)
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("events sent, enabled again (-want +got):\n%s", diff)
				}
				if a := s.attempts(t, evs[1])[0]; a.Attempts != 1 {
					t.Errorf("the second event's attempts = %d, want 1 (the give-back is not an attempt)", a.Attempts)
				}
			})
		}
	}
}

// patch changes the setup's subscription.
func patch(t *testing.T, s dispatchSetup, in webhook.SubscriptionInput) {
	t.Helper()
	cur, err := s.ws.Subscription(t.Context(), s.sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.CredentialsWrite = true // an administrator's change
	if _, err := s.ws.UpdateSubscription(t.Context(), audit.System, cur.ID, in, nil); err != nil {
		t.Fatal(err)
	}
}

// TestDispatchShutdown: a dispatcher whose context ends claims nothing
// more and gives back what it claimed and has not begun to send, while the
// send under way finishes and is recorded as delivered, so that it is not
// sent again after a restart; only CutShort (the shutdown timeout) cuts a
// send short, and that one is recorded as cut short, not counted as one of
// the retries (on its last retry it was once recorded as the final
// failure, and never sent again), and due again at once.
func TestDispatchShutdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		cut          bool
		failedBefore int
	}{
		{name: "sends finish"},
		{name: "cut short", cut: true},
		{name: "cut short on the last retry", cut: true, failedBefore: 11},
	}
	for _, e := range storetest.Engines(t) {
		for _, tc := range tests {
			t.Run(e.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				sub, url := newHoldingSubscriber(t, http.StatusNoContent)
				s := newDispatchSetup(t, e, url, 1)
				evs := s.events(2)
				if tc.failedBefore > 0 {
					failBefore(t, s, evs, tc.failedBefore)
				}
				d, stop, done := s.run(t)
				select {
				case <-sub.got:
				case <-time.After(10 * time.Second):
					t.Fatal("the first event was never sent")
				}
				evs = heldFirst(t, sub, evs) // the one under way, the one waiting
				stop()
				select {
				case <-done:
					t.Fatal("Run returned while a send was under way")
				case <-time.After(300 * time.Millisecond):
				}
				if tc.cut {
					d.CutShort()
				} else {
					sub.let()
				}
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("Run did not return")
				}
				if diff := cmp.Diff(eventIDs(evs[0]), sub.received()); diff != "" {
					t.Errorf("events sent (-want +got):\n%s", diff)
				}
				as := s.attempts(t, evs...)
				first := as[0]
				switch {
				case tc.cut && (first.Status != webhook.AttemptPending || first.Attempts != int64(tc.failedBefore) ||
					!strings.Contains(first.LastError, "shutting down") || first.NextAttemptAt.After(time.Now().Add(time.Second))):
					// "Now" on PostgreSQL is the database's clock as the
					// dispatcher estimates it: a loaded machine's round
					// trips can put it some milliseconds ahead of ours.
					t.Errorf("the send cut short: %+v, want pending, due now, the attempt not counted (%d), saying so", first, tc.failedBefore)
				case !tc.cut && (first.Status != webhook.AttemptDelivered || first.Attempts != 1):
					t.Errorf("the send under way at shutdown: %+v, want delivered once", first)
				}
				if b := as[1]; b.Status != webhook.AttemptPending || b.Attempts != int64(tc.failedBefore) || time.Until(b.NextAttemptAt) > time.Minute {
					t.Errorf("the event claimed and not sent: %+v, want due again, not tried once more", b)
				}
			})
		}
	}
}

// failBefore records n failed sends, due again now, of evs' attempts.
func failBefore(t *testing.T, s dispatchSetup, evs []webhook.Event, n int) {
	t.Helper()
	db, now := s.env.App.DB, time.Now()
	if _, err := db.FanOut(t.Context(), 100, now, func(webhook.Event, []webhook.Subscription) []string { return []string{s.sub.ID} }); err != nil {
		t.Fatal(err)
	}
	for _, a := range s.attempts(t, evs...) {
		for range n {
			if err := db.RecordSends(t.Context(), []webhook.SendResult{{AttemptID: a.ID, Status: 500, Error: "HTTP 500", At: now, NextAttempt: now}}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDispatchEnvelopeCursor: the envelope a subscriber receives carries
// the event's cursor, as GET /api/v1/events gives it.
func TestDispatchEnvelopeCursor(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			sub, url := newHoldingSubscriber(t, http.StatusNoContent)
			sub.let()
			s := newDispatchSetup(t, e, url, 1)
			s.events(3)
			d, err := s.ws.NewDispatcher(15 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			for sent := 0; sent < 3; {
				n, err := d.Step(t.Context())
				if err != nil || n == 0 {
					t.Fatalf("Step = %d, %v after %d sent; want the three events", n, err, sent)
				}
				sent += n
			}
			type idCursor struct {
				ID     string `json:"id"`
				Cursor *int64 `json:"cursor"`
			}
			evs, err := s.ws.Events(t.Context(), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			byID := func(a, b idCursor) int { return strings.Compare(a.ID, b.ID) }
			var want, got []idCursor
			for _, ev := range evs {
				want = append(want, idCursor{ID: ev.ID, Cursor: ptr(ev.Seq)})
			}
			sub.mu.Lock()
			for _, b := range sub.bodies {
				var env idCursor
				if err := json.Unmarshal(b, &env); err != nil {
					t.Fatalf("envelope %s: %v", b, err)
				}
				got = append(got, env)
			}
			sub.mu.Unlock()
			// Sent at once, in any order.
			slices.SortFunc(want, byID)
			slices.SortFunc(got, byID)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("envelopes' ids and cursors (-want +got):\n%s", diff)
			}
		})
	}
}
