package webhook_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// TestLeasesOnTheDatabaseClock: replicas compare each other's leases and
// retry times, so a dispatcher writes them on the database's clock, not
// its own. Here a replica's clock is 90 s behind: its lease must still end
// 2 minutes from now as the other replicas read it (not 30 s from now,
// when another would send the event again), and the retry after a 500 is
// due 5 s from now, as is a retry by hand on that replica. The skew is
// logged.
func TestLeasesOnTheDatabaseClock(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skipf("%s is not set: only PostgreSQL is shared by replicas with clocks of their own", storetest.EnvDatabaseURL)
	}
	e := storetest.Engine{Name: "postgres", Options: storetest.PostgresOptions}
	sub, url := newHoldingSubscriber(t, http.StatusInternalServerError)
	s := newDispatchSetup(t, e, url, 1)
	ev := s.events(1)[0]

	const skew = -90 * time.Second
	logs := &apptest.SyncBuffer{}
	behind := webhook.NewService(webhook.Options{Store: s.env.App.DB, Vault: s.env.App.Vault,
		Now: func() time.Time { return time.Now().Add(skew) }, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	d, err := behind.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	stepped := make(chan error, 1)
	go func() { _, err := d.Step(context.Background()); stepped <- err }()
	select {
	case <-sub.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the event was not sent within 10 s")
	}
	a := s.attempts(t, ev)[0]
	if left := time.Until(a.NextAttemptAt); left < 2*time.Minute-10*time.Second || left > 2*time.Minute+time.Second {
		t.Errorf("the lease ends in %v on the database's clock, want about 2m0s", left.Round(time.Second))
	}
	sub.let()
	if err := <-stepped; err != nil {
		t.Fatalf("Step: %v", err)
	}
	a = s.attempts(t, ev)[0]
	if a.Attempts != 1 || a.Status != webhook.AttemptPending {
		t.Fatalf("after a 500: %d attempts, status %s; want 1, pending", a.Attempts, a.Status)
	}
	if due := time.Until(a.NextAttemptAt); due < 3*time.Second || due > 6*time.Second {
		t.Errorf("the retry is due in %v on the database's clock, want about 5s", due.Round(100*time.Millisecond))
	}
	// A retry by hand on that replica is due now as the others read it,
	// not 90 s ago.
	if err := behind.RetryAttempt(context.Background(), audit.System, s.sub.ID, a.ID); err != nil {
		t.Fatalf("RetryAttempt: %v", err)
	}
	if due := time.Until(s.attempts(t, ev)[0].NextAttemptAt); due < -2*time.Second || due > time.Second {
		t.Errorf("the retry by hand is due in %v on the database's clock, want now", due.Round(100*time.Millisecond))
	}
	// The skew is measured (the database's time placed at the middle of
	// the round trip), so it is about 90 s, not exactly.
	logged := regexp.MustCompile(`clock differs from the database's.* skew=(\S+)`).FindStringSubmatch(logs.String())
	if logged == nil {
		t.Fatalf("the skew was not logged:\n%s", logs.String())
	}
	if skew, err := time.ParseDuration(logged[1]); err != nil || skew < 89*time.Second || skew > 91*time.Second {
		t.Errorf("logged skew %q (%v), want about 1m30s", logged[1], err)
	}
}

// TestHandActionsOnTheDatabaseClock: a re-enable's hastening and a retry by
// hand make attempts due "now", which every replica's dispatcher compares
// with the database's clock: written with the clock of a replica 90 s
// ahead, they went out 90 s late (a replica behind would make a leased
// attempt look free to a retry by hand).
func TestHandActionsOnTheDatabaseClock(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skipf("%s is not set: only PostgreSQL is shared by replicas with clocks of their own", storetest.EnvDatabaseURL)
	}
	e := storetest.Engine{Name: "postgres", Options: storetest.PostgresOptions}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	s := newDispatchSetup(t, e, srv.URL, 1)
	ev := s.events(1)[0]
	correct, err := s.ws.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(correct.Close)
	sendOnce := func() {
		t.Helper()
		if _, err := correct.Step(t.Context()); err != nil {
			t.Fatal(err)
		}
		if a := s.attempts(t, ev)[0]; time.Until(a.NextAttemptAt) < 30*time.Minute {
			t.Fatalf("after a 429 with Retry-After 3600 the attempt is due in %v", time.Until(a.NextAttemptAt))
		}
	}
	sendOnce()

	ahead := webhook.NewService(webhook.Options{Store: s.env.App.DB, Vault: s.env.App.Vault,
		Now: func() time.Time { return time.Now().Add(90 * time.Second) }, Logger: slog.New(slog.DiscardHandler)})
	d, err := ahead.NewDispatcher(15 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	if _, err := d.Step(t.Context()); err != nil { // reads the database's clock
		t.Fatal(err)
	}
	dueNow := func(what string) {
		t.Helper()
		a := s.attempts(t, ev)[0]
		if due := time.Until(a.NextAttemptAt); due > 2*time.Second {
			t.Errorf("%s on a replica 90 s ahead: the attempt is due in %v, want now", what, due.Round(time.Second))
		}
	}
	no, yes := false, true
	if _, err := ahead.UpdateSubscription(t.Context(), audit.System, s.sub.ID, webhook.SubscriptionInput{IsActive: &no}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ahead.UpdateSubscription(t.Context(), audit.System, s.sub.ID, webhook.SubscriptionInput{IsActive: &yes}, nil); err != nil {
		t.Fatal(err)
	}
	dueNow("re-enabled")

	sendOnce()
	if err := ahead.RetryAttempt(t.Context(), audit.System, s.sub.ID, s.attempts(t, ev)[0].ID); err != nil {
		t.Fatal(err)
	}
	dueNow("retried by hand")
}
