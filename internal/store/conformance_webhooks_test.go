package store_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// acceptedDelivery is a verified delivery with its event, as ingest hands
// it to the store.
func acceptedDelivery(in integration.Integration, key string, at time.Time) webhook.NewDelivery {
	return webhook.NewDelivery{EndpointID: "whe_1", IntegrationID: in.ID, ReceivedAt: at, Status: webhook.StatusPending,
		DedupeKey: key, ProviderDeliveryID: key, EventType: "x", HeaderText: "{}", Payload: []byte(`{}`), PayloadSize: 2,
		Events: []webhook.Event{{IntegrationID: in.ID, Provider: in.Provider, Type: "x.y", OccurredAt: at, CreatedAt: at}}}
}

// TestPurgeAfterClockAhead: a delivery stored while the clock was ahead
// (in the future now) does not hold back the retention of the deliveries
// stored after it: the cleanup reads up to the first young delivery, and
// that one is no young delivery.
func TestPurgeAfterClockAhead(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "clock")
		mustCreate(t, db, in, nil)
		now := time.Now()
		for i, at := range []time.Time{now.Add(30 * 24 * time.Hour), now.Add(-100 * 24 * time.Hour), now.Add(-time.Hour)} {
			if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, fmt.Sprintf("d-%d", i), at)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.PurgeDeliveries(ctx, now.Add(-90*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("PurgeDeliveries = %d, %v; want 1 (the old delivery stored after the future one)", n, err)
		}
		left, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
		var ids []string
		for _, d := range left {
			ids = append(ids, d.ProviderDeliveryID)
		}
		if err != nil || !slices.Equal(ids, []string{"d-2", "d-0"}) {
			t.Errorf("deliveries left = %v, %v; want d-2 (recent) and d-0 (future)", ids, err)
		}
	})
}

// TestPurgeDeliveries: retention deletes old deliveries with their events
// and those events' delivery attempts, and keeps the rest.
func TestPurgeDeliveries(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "purge")
		mustCreate(t, db, in, nil)
		old, recent := time.Now().Add(-100*24*time.Hour), time.Now().Add(-time.Hour)
		var ds []webhook.NewDelivery
		for i, at := range []time.Time{old, old, old, recent, recent} {
			ds = append(ds, acceptedDelivery(in, fmt.Sprintf("d-%d", i), at))
		}
		if _, err := db.InsertDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetHTTP, URL: "https://example.com/",
			MaxConcurrency: 1, IsActive: false, CreatedAt: old, UpdatedAt: old}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.FanOut(ctx, 100, time.Now(), func(webhook.Event, []webhook.Subscription) []string {
			return []string{"sub_1"}
		}); err != nil || n != 5 {
			t.Fatalf("FanOut = %d, %v; want 5 events", n, err)
		}

		all, err := db.ListEvents(ctx, 0, 100)
		if err != nil || len(all) != 5 {
			t.Fatalf("ListEvents = %d events, %v; want 5", len(all), err)
		}
		purged := func(want int64) {
			t.Helper()
			if got, err := db.PurgedEventSeq(ctx); err != nil || got != want {
				t.Errorf("PurgedEventSeq = %d, %v; want %d", got, err, want)
			}
		}
		purged(0)

		n, err := db.PurgeDeliveries(ctx, time.Now().Add(-90*24*time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("PurgeDeliveries = %d, %v; want 3", n, err)
		}
		purged(all[2].Seq)
		// A purge that removes nothing leaves the record as it was.
		if n, err := db.PurgeDeliveries(ctx, time.Now().Add(-90*24*time.Hour)); err != nil || n != 0 {
			t.Fatalf("PurgeDeliveries again = %d, %v; want 0", n, err)
		}
		purged(all[2].Seq)
		defer func() {
			// One that removes newer events moves it on (the recent two
			// are kept above; a cut-off after them takes them now).
			if n, err := db.PurgeDeliveries(ctx, time.Now().Add(time.Minute)); err != nil || n != 2 {
				t.Fatalf("PurgeDeliveries of the rest = %d, %v; want 2", n, err)
			}
			purged(all[4].Seq)
		}()
		ds2, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 100})
		if err != nil || len(ds2) != 2 {
			t.Errorf("deliveries left = %d, %v; want 2", len(ds2), err)
		}
		evs, err := db.ListEvents(ctx, 0, 100)
		if err != nil || len(evs) != 2 {
			t.Errorf("events left = %d, %v; want 2", len(evs), err)
		}
		as, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 100})
		if err != nil || len(as) != 2 {
			t.Errorf("attempts left = %d, %v; want the 2 of the events kept", len(as), err)
		}
		for _, a := range as {
			if a.EventSeq != evs[0].Seq && a.EventSeq != evs[1].Seq {
				t.Errorf("attempt %+v is for a purged event", a)
			}
		}
	})
}

// createOldEndpoint creates the endpoint whe_1 of in, created at old.
func createOldEndpoint(t *testing.T, db *store.DB, in integration.Integration, old time.Time) {
	t.Helper()
	ep := webhook.Endpoint{ID: "whe_1", IntegrationID: in.ID, Provider: in.Provider, Name: "e", Scheme: "github",
		Settings: map[string]string{}, EventTypes: []string{}, AllowedCIDRs: []string{}, Tolerance: time.Minute,
		MaxBodyBytes: 1 << 20, IsActive: true, CreatedAt: old, UpdatedAt: old}
	if _, err := db.CreateWebhookEndpoint(t.Context(), ep, webhook.SealedSecrets{}, audit.Entry{}); err != nil {
		t.Fatalf("CreateWebhookEndpoint = %v", err)
	}
}

// TestPurgeKeepsLiveRetriesAndSilence: retention leaves a delivery whose
// event an active subscription is still retrying (and takes it once that
// is over, here by disabling the subscription), and the endpoint's last
// accepted time outlives the deliveries it removes.
func TestPurgeKeepsLiveRetriesAndSilence(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "purge-live")
		mustCreate(t, db, in, nil)
		now := time.Now()
		old := now.Add(-100 * 24 * time.Hour).Truncate(time.Millisecond)
		createOldEndpoint(t, db, in, old)
		// Two old accepted deliveries; the first one's event is retried by
		// an active subscription.
		if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "a", old),
			acceptedDelivery(in, "b", old.Add(time.Second))}); err != nil {
			t.Fatal(err)
		}
		sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetHTTP, URL: "https://example.com/",
			MaxConcurrency: 1, IsActive: true, CreatedAt: old, UpdatedAt: old}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		first := true
		if _, err := db.FanOut(ctx, 100, now, func(webhook.Event, []webhook.Subscription) []string {
			defer func() { first = false }()
			if first {
				return []string{"sub_1"}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		signals := func() webhook.Signals {
			t.Helper()
			s, err := db.EndpointSignals(ctx, "whe_1", now)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		want := old.Add(time.Second)
		if s := signals(); s.LastAcceptedAt == nil || !s.LastAcceptedAt.Equal(want) {
			t.Fatalf("last accepted before the purge = %v, want %v", s.LastAcceptedAt, want)
		}
		n, err := db.PurgeDeliveries(ctx, now.Add(-90*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("PurgeDeliveries = %d, %v; want 1 (the delivery still retried kept)", n, err)
		}
		left, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
		if err != nil || len(left) != 1 || left[0].ProviderDeliveryID != "a" {
			t.Fatalf("deliveries left = %+v, %v; want the one still retried", left, err)
		}
		// It is kept for its pending attempt; once the subscription is
		// disabled, the next purge takes it.
		as, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 10})
		if err != nil || len(as) != 1 {
			t.Fatalf("attempts = %+v, %v", as, err)
		}
		sub.IsActive, sub.Version = false, 1
		if err := db.UpdateSubscription(ctx, sub, audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PurgeDeliveries(ctx, now.Add(-90*24*time.Hour)); err != nil || n != 1 {
			t.Fatalf("second PurgeDeliveries = %d, %v; want 1", n, err)
		}
		s := signals()
		if s.LastAcceptedAt == nil || !s.LastAcceptedAt.Equal(want) || s.Accepted != 0 {
			t.Errorf("signals after every delivery was purged = %+v, want lastAcceptedAt %v kept", s, want)
		}
	})
}

// TestInsertDeliveriesDuplicates: a delivery id seen before, in an earlier
// batch or earlier in the same one, is stored as a duplicate of the first,
// without an event; the others keep their order and get their events.
func TestInsertDeliveriesDuplicates(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "dups")
		mustCreate(t, db, in, nil)
		now := time.Now()
		d := func(key string) webhook.NewDelivery { return acceptedDelivery(in, key, now) }
		rejected := webhook.NewDelivery{EndpointID: "whe_1", IntegrationID: in.ID, ReceivedAt: now, Status: webhook.StatusRejected,
			Reason: "signature mismatch", HeaderText: "{}"}
		first, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{d("a"), d("b"), d("a"), rejected})
		if err != nil {
			t.Fatal(err)
		}
		second, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{d("b"), d("c")})
		if err != nil {
			t.Fatal(err)
		}
		type got struct {
			Status      string
			DuplicateOf int64
		}
		var all []got
		for _, r := range append(first, second...) {
			all = append(all, got{r.Status, r.DuplicateOf})
		}
		want := []got{{webhook.StatusProcessed, 0}, {webhook.StatusProcessed, 0}, {webhook.StatusDuplicate, first[0].ID},
			{webhook.StatusRejected, 0}, {webhook.StatusDuplicate, first[1].ID}, {webhook.StatusProcessed, 0}}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		if !(first[0].ID < first[1].ID && first[1].ID < second[1].ID) {
			t.Errorf("ids %d, %d, %d are not ascending in order of arrival", first[0].ID, first[1].ID, second[1].ID)
		}
		evs, err := db.ListEvents(ctx, 0, 100)
		if err != nil || len(evs) != 3 {
			t.Fatalf("events = %d, %v; want 3 (a, b, c)", len(evs), err)
		}
		for i, id := range []int64{first[0].ID, first[1].ID, second[1].ID} {
			if evs[i].DeliveryID != id {
				t.Errorf("event %d is for delivery %d, want %d", i, evs[i].DeliveryID, id)
			}
		}
	})
}

// TestSubscriptionStartAndCache: a subscription starts after the newest
// event stored when it was created, and the fan-out sees subscriptions
// created or changed through another handle on the same database (another
// replica, the CLI) at its next step, although it keeps them in memory.
func TestSubscriptionStartAndCache(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		a, b := openStore(t, opts), openStore(t, opts)
		ctx := t.Context()
		in := newIntegration(1, "start")
		mustCreate(t, a, in, nil)
		n := 0
		insert := func() int64 { // one new event; its Seq
			t.Helper()
			n++
			if _, err := a.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, fmt.Sprintf("d-%d", n), time.Now())}); err != nil {
				t.Fatal(err)
			}
			evs, err := a.ListEvents(ctx, 0, 1000)
			if err != nil || len(evs) != n {
				t.Fatalf("ListEvents = %d events, %v; want %d", len(evs), err, n)
			}
			return evs[n-1].Seq
		}
		// fanOut runs a fan-out step through a and returns the
		// subscriptions it matched against, by id.
		fanOut := func() map[string]webhook.Subscription {
			t.Helper()
			seen := map[string]webhook.Subscription{}
			if _, err := a.FanOut(ctx, 100, time.Now(), func(_ webhook.Event, subs []webhook.Subscription) []string {
				for _, s := range subs {
					seen[s.ID] = s
				}
				return nil
			}); err != nil {
				t.Fatalf("FanOut = %v", err)
			}
			return seen
		}
		create := func(db interface {
			CreateSubscription(context.Context, webhook.Subscription, []byte, string, audit.Entry) error
		}, id string) {
			t.Helper()
			// Created "in the future" (a replica's clock ahead): the start
			// is an event id, so clocks do not matter.
			at := time.Now().Add(time.Hour)
			s := webhook.Subscription{ID: id, Name: id, Target: webhook.TargetHTTP, URL: "https://example.com/",
				MaxConcurrency: 1, IsActive: true, CreatedAt: at, UpdatedAt: at}
			if err := db.CreateSubscription(ctx, s, []byte("sealed"), "k1", audit.Entry{}); err != nil {
				t.Fatal(err)
			}
		}
		start := func(id string) int64 {
			t.Helper()
			s, _, err := a.GetSubscription(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return s.StartSeq
		}

		insert()
		s2 := insert()
		create(a, "sub_a")
		if got := start("sub_a"); got != s2 {
			t.Errorf("sub_a StartSeq = %d, want the newest event %d", got, s2)
		}
		insert()
		if seen := fanOut(); len(seen) != 1 || seen["sub_a"].ID == "" {
			t.Fatalf("fan-out saw %v, want sub_a", seen)
		}

		// Created through the other handle, after a's cache was filled.
		create(b, "sub_b")
		s4 := insert()
		if got := start("sub_b"); got != s4-1 {
			t.Errorf("sub_b StartSeq = %d, want %d", got, s4-1)
		}
		seen := fanOut()
		if len(seen) != 2 || seen["sub_b"].StartSeq != s4-1 {
			t.Fatalf("fan-out after another handle created sub_b saw %v", seen)
		}

		// Changed through the other handle.
		sub, _, err := b.GetSubscription(ctx, "sub_a")
		if err != nil {
			t.Fatal(err)
		}
		sub.Name, sub.IsActive = "renamed", false
		if err := b.UpdateSubscription(ctx, sub, audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		insert()
		if got := fanOut()["sub_a"]; got.Name != "renamed" || got.IsActive {
			t.Errorf("fan-out after an update saw sub_a = %+v, want it renamed and inactive", got)
		}

		if err := b.DeleteSubscription(ctx, "sub_b", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		insert()
		if seen := fanOut(); len(seen) != 1 {
			t.Errorf("fan-out after sub_b was deleted saw %v", seen)
		}
	})
}

// TestEndpointSignals: the failure rate and silence count what senders
// delivered: replays and deliveries filtered out by event type are neither
// accepted deliveries nor failures.
func TestEndpointSignals(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "signals")
		mustCreate(t, db, in, nil)
		now := time.Now().UTC().Truncate(time.Millisecond)
		first := acceptedDelivery(in, "a-1", now.Add(-2*time.Hour))
		res, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{first,
			{EndpointID: "whe_1", IntegrationID: in.ID, ReceivedAt: now.Add(-time.Hour), Status: webhook.StatusRejected,
				Reason: "signature mismatch", HeaderText: "{}"},
			{EndpointID: "whe_1", IntegrationID: in.ID, ReceivedAt: now.Add(-50 * time.Minute), Status: webhook.StatusRejected,
				Reason: webhook.ReasonEventTypeNotAccepted, HeaderText: "{}"},
		})
		if err != nil {
			t.Fatal(err)
		}
		replay := acceptedDelivery(in, "", now.Add(-10*time.Minute))
		replay.ReplayOf = &res[0].ID
		// ihub's own test deliveries (POST …/test), accepted and rejected,
		// count neither as traffic nor as failures.
		test := acceptedDelivery(in, "t-1", now.Add(-5*time.Minute))
		test.Test = true
		rejectedTest := webhook.NewDelivery{EndpointID: "whe_1", IntegrationID: in.ID, ReceivedAt: now.Add(-4 * time.Minute),
			Status: webhook.StatusRejected, Reason: "signature mismatch", HeaderText: "{}", Test: true}
		if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{replay, test, rejectedTest}); err != nil {
			t.Fatal(err)
		}
		logged, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(logged) != 2 || !logged[0].Test || !logged[1].Test {
			t.Errorf("newest two deliveries = %+v, want both marked test", logged)
		}
		got, err := db.EndpointSignals(ctx, "whe_1", now)
		if err != nil {
			t.Fatal(err)
		}
		last := now.Add(-2 * time.Hour)
		want := webhook.Signals{Window: 24 * time.Hour, Accepted: 1, Rejected: 1, FailureRate: 0.5, LastAcceptedAt: &last}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("EndpointSignals (-want +got):\n%s", diff)
		}
	})
}

// TestListDeliveriesSummary: a summary listing (the CSV export's) has every
// field of the full one but the headers and payload, which it does not read.
func TestListDeliveriesSummary(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "summary")
		mustCreate(t, db, in, nil)
		d := acceptedDelivery(in, "d-1", time.Now())
		d.HeaderText, d.Payload, d.PayloadSize = `{"X-Id":["d-1"]}`, []byte(`{"big":true}`), 12
		if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{d}); err != nil {
			t.Fatal(err)
		}
		full, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
		if err != nil || len(full) != 1 || string(full[0].Payload) != `{"big":true}` || full[0].Header.Get("X-Id") != "d-1" {
			t.Fatalf("full listing = %+v, %v; want the delivery with its headers and payload", full, err)
		}
		summary, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10, Summary: true})
		if err != nil || len(summary) != 1 {
			t.Fatalf("summary listing = %+v, %v; want one delivery", summary, err)
		}
		want := full[0]
		want.Header, want.Payload = http.Header{}, nil
		if diff := cmp.Diff(want, summary[0]); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
}

// TestIDsNotReusedAfterPurge: when retention has removed every delivery
// (a quiet spell longer than the retention), new deliveries, events and
// attempts still get ids above the old ones. An event id is the pull API's
// cursor and the fan-out's: one reused would sit behind both, and never be
// read by a consumer or sent to a subscription.
func TestIDsNotReusedAfterPurge(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "ids")
		mustCreate(t, db, in, nil)
		sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetHTTP, URL: "https://example.com/",
			MaxConcurrency: 1, IsActive: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		all := func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }
		old := time.Now().Add(-100 * 24 * time.Hour)
		first, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "a", old), acceptedDelivery(in, "b", old)})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := db.FanOut(ctx, 100, time.Now(), all); err != nil || n != 2 {
			t.Fatalf("FanOut = %d, %v; want 2 events", n, err)
		}
		evs, err := db.ListEvents(ctx, 0, 100)
		if err != nil || len(evs) != 2 {
			t.Fatalf("events = %d, %v; want 2", len(evs), err)
		}
		as, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 100})
		if err != nil || len(as) != 2 {
			t.Fatalf("attempts = %d, %v; want 2", len(as), err)
		}
		// Delivered: retention keeps an event an active subscription is
		// still retrying.
		var sent []webhook.SendResult
		for _, a := range as {
			sent = append(sent, webhook.SendResult{AttemptID: a.ID, Delivered: true, Status: 204, At: time.Now()})
		}
		if err := db.RecordSends(ctx, sent); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PurgeDeliveries(ctx, time.Now().Add(-90*24*time.Hour)); err != nil || n != 2 {
			t.Fatalf("PurgeDeliveries = %d, %v; want 2", n, err)
		}
		if n, err := db.NewestEventSeq(ctx); err != nil || n != evs[1].Seq {
			t.Errorf("NewestEventSeq after the purge = %d, %v; want %d", n, err, evs[1].Seq)
		}

		next, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "c", time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		if next[0].ID <= first[1].ID {
			t.Errorf("delivery id after the purge = %d, want above %d", next[0].ID, first[1].ID)
		}
		if n, err := db.FanOut(ctx, 100, time.Now(), all); err != nil || n != 1 {
			t.Errorf("FanOut after the purge = %d, %v; want the new event", n, err)
		}
		got, err := db.ListEvents(ctx, evs[1].Seq, 100)
		if err != nil || len(got) != 1 || got[0].Seq <= evs[1].Seq {
			t.Errorf("events after cursor %d = %+v, %v; want the new event, with a higher id", evs[1].Seq, got, err)
		}
		if n, err := db.NewestEventSeq(ctx); err != nil || len(got) != 1 || n != got[0].Seq {
			t.Errorf("NewestEventSeq = %d, %v; want the new event's %+v", n, err, got)
		}
		as2, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 100})
		if err != nil || len(as2) != 1 || as2[0].ID <= as[0].ID {
			t.Errorf("attempts after the purge = %+v, %v; want one, with an id above %d", as2, err, as[0].ID)
		}
	})
}

// TestInlineProcessedAttempts: a delivery processed as it is stored (its
// event written with it) shows the one processing attempt it had, as one
// processed later does; a pending one shows none yet.
func TestInlineProcessedAttempts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "attempts")
		mustCreate(t, db, in, nil)
		pending := acceptedDelivery(in, "pending", time.Now())
		pending.Events = nil
		res, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "inline", time.Now()), pending})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]int64{res[0].ID: 1, res[1].ID: 0}
		ds, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
		if err != nil || len(ds) != 2 {
			t.Fatalf("ListDeliveries = %d, %v; want 2", len(ds), err)
		}
		for _, d := range ds {
			if d.Attempts != want[d.ID] {
				t.Errorf("delivery %d (%s): attempts %d, want %d", d.ID, d.Status, d.Attempts, want[d.ID])
			}
		}
	})
}

// TestWebhookEndpointDefaultConcurrent: endpoints created at once on an
// integration all succeed, and only the first to commit is its default;
// moves of the default to each of them at once all succeed (conflicting
// versions read again, as the service does) and leave exactly one. On
// PostgreSQL these deadlocked or broke the unique index before the
// integration's row was locked.
func TestWebhookEndpointDefaultConcurrent(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "default-race")
		mustCreate(t, db, in, nil)
		const n = 8
		now := time.Now().Truncate(time.Millisecond)
		created := make([]webhook.Endpoint, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ep := webhook.Endpoint{ID: fmt.Sprintf("whe_race%d", i), IntegrationID: in.ID, Provider: in.Provider, Name: "e",
					Scheme: "github", Settings: map[string]string{}, EventTypes: []string{}, AllowedCIDRs: []string{},
					Tolerance: time.Minute, MaxBodyBytes: 1 << 20, IsActive: true, Version: 1, CreatedAt: now, UpdatedAt: now}
				created[i], errs[i] = db.CreateWebhookEndpoint(ctx, ep, webhook.SealedSecrets{}, audit.Entry{})
			})
		}
		wg.Wait()
		defaults := func() []string {
			t.Helper()
			eps, err := db.ListWebhookEndpoints(ctx, in.ID)
			if err != nil || len(eps) != n {
				t.Fatalf("ListWebhookEndpoints = %d endpoints, %v; want %d", len(eps), err, n)
			}
			var ids []string
			for _, ep := range eps {
				if ep.IsDefault {
					ids = append(ids, ep.ID)
				}
			}
			return ids
		}
		var said []string
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("create %d = %v, want success", i, errs[i])
			}
			if created[i].IsDefault {
				said = append(said, created[i].ID)
			}
		}
		if got := defaults(); len(said) != 1 || !slices.Equal(got, said) {
			t.Fatalf("defaults stored %v, answered %v; want the same one", got, said)
		}

		for i := range n {
			wg.Go(func() {
				errs[i] = apperr.RetryUnconditional(false, func() error {
					ep, _, err := db.GetWebhookEndpoint(ctx, created[i].ID)
					if err != nil {
						return err
					}
					ep.IsDefault = true
					return db.UpdateWebhookEndpoint(ctx, ep, nil, audit.Entry{})
				})
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("move the default to %d = %v, want success", i, errs[i])
			}
		}
		if got := defaults(); len(got) != 1 {
			t.Errorf("defaults after the moves = %v, want one", got)
		}
	})
}

// TestPurgeRacingAManualRetry: a manual retry that makes an old failed
// attempt pending again while the hourly purge runs keeps its delivery and
// event. On PostgreSQL the purge once read the attempt as failed, then
// waited for the retry's row lock in its DELETE and deleted the attempt
// the retry had just made due: the retry was acknowledged and never sent.
// On SQLite the purge waits for the retry's write transaction as a whole.
func TestPurgeRacingAManualRetry(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		o := e.Options(t)
		pg := dialectOf(o) == store.Postgres
		db := openStore(t, o)
		ctx := t.Context()
		in := newIntegration(1, "purge-retry")
		mustCreate(t, db, in, nil)
		now := time.Now()
		old := now.Add(-100 * 24 * time.Hour).Truncate(time.Millisecond)
		createOldEndpoint(t, db, in, old)
		if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "a", old)}); err != nil {
			t.Fatal(err)
		}
		sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetHTTP, URL: "https://example.com/",
			MaxConcurrency: 1, IsActive: true, CreatedAt: old, UpdatedAt: old}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FanOut(ctx, 100, now, func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }); err != nil {
			t.Fatal(err)
		}
		raw := openRaw(t, o)
		if n, err := raw.exec(ctx, `UPDATE subscription_attempts SET status = 'failed'`); err != nil || n != 1 {
			t.Fatalf("failing the attempt: %d, %v", n, err)
		}
		// The retry's transaction holds the attempt, made pending, while
		// the purge runs.
		const retryUpdate = `UPDATE subscription_attempts SET status = 'pending', next_attempt_at = $1`
		var commit func() error
		if pg {
			retry, err := raw.pg.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = retry.Rollback(context.Background()) }()
			if _, err := retry.Exec(ctx, retryUpdate, now.UnixMilli()); err != nil {
				t.Fatal(err)
			}
			commit = func() error { return retry.Commit(ctx) }
		} else {
			retry, err := raw.sqlite.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = retry.Rollback() }()
			if _, err := retry.ExecContext(ctx, retryUpdate, now.UnixMilli()); err != nil {
				t.Fatal(err)
			}
			commit = retry.Commit
		}
		type result struct {
			n   int64
			err error
		}
		purged := make(chan result, 1)
		go func() {
			n, err := db.PurgeDeliveries(context.Background(), now.Add(-90*24*time.Hour))
			purged <- result{n, err}
		}()
		if pg {
			waitForALockWait(t, openRaw(t, o))
		} else {
			// Nothing to watch the purge wait with: give it time to reach
			// the lock (had it not, it runs after the retry, as it must).
			time.Sleep(300 * time.Millisecond)
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
		if r := <-purged; r.err != nil || r.n != 0 {
			t.Fatalf("PurgeDeliveries = %d, %v; want 0 (the delivery whose attempt was retried kept)", r.n, r.err)
		}
		as, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 10})
		if err != nil || len(as) != 1 || as[0].Status != webhook.AttemptPending {
			t.Fatalf("attempts after the purge = %+v, %v; want the retried one, pending", as, err)
		}
	})
}

// waitForALockWait waits, up to 10 s, until a session of this PostgreSQL
// database waits for a lock.
func waitForALockWait(t *testing.T, watch *rawDB) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		n, err := watch.queryInt(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the purge did not wait for the retry's lock within 10 s")
		}
	}
}

// withEvents is d with events of the given parts (types x.<part>).
func withEvents(d webhook.NewDelivery, parts ...int) webhook.NewDelivery {
	d.Events = nil
	for _, p := range parts {
		d.Events = append(d.Events, webhook.Event{IntegrationID: d.IntegrationID, Provider: "bitbucket", Type: fmt.Sprintf("x.%d", p),
			Part: p, OccurredAt: d.ReceivedAt, CreatedAt: d.ReceivedAt, Data: map[string]any{"part": fmt.Sprint(p)}})
	}
	return d
}

// TestDeliveryEventParts: a delivery's events, stored with it by the group
// commit or by a later processing pass, are listed in their order, each
// with its own id (evt_<delivery>, then evt_<delivery>_<part+1>) and
// cursor, the cursors of one delivery's events consecutive on SQLite (on
// PostgreSQL another writer's events may come between them); processing
// again stores none twice; retention takes them all with their delivery.
func TestDeliveryEventParts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "parts")
		mustCreate(t, db, in, nil)
		old, now := time.Now().Add(-100*24*time.Hour), time.Now()
		rejected := acceptedDelivery(in, "rejected", now)
		rejected.Status, rejected.Events, rejected.Payload = webhook.StatusRejected, nil, nil
		pending := withEvents(acceptedDelivery(in, "pending", now))
		res, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{
			withEvents(acceptedDelivery(in, "three", old), 0, 1, 2),
			withEvents(acceptedDelivery(in, "one", now), 0),
			rejected,
			// The endpoint accepted the second and third changes only, or
			// the second alone.
			withEvents(acceptedDelivery(in, "filtered", now), 1, 2),
			withEvents(acceptedDelivery(in, "second", now), 1),
			pending,
		})
		if err != nil {
			t.Fatal(err)
		}
		processed := withEvents(pending, 0, 1).Events
		for i := range processed {
			processed[i].DeliveryID = res[5].ID
		}
		// Completed twice (the second time by another replica): the
		// second stores nothing.
		for range 2 {
			if err := db.CompleteDeliveries(ctx, []webhook.Completed{{DeliveryID: res[5].ID, Status: webhook.StatusProcessed,
				ProcessedAt: now, Events: processed}}); err != nil {
				t.Fatal(err)
			}
		}
		type ev struct {
			ID, Type string
			Part     int
			Data     map[string]any
		}
		id := func(i int) string { return "evt_" + fmt.Sprint(res[i].ID) }
		want := []ev{
			{id(0), "x.0", 0, map[string]any{"part": "0"}},
			{id(0) + "_2", "x.1", 1, map[string]any{"part": "1"}},
			{id(0) + "_3", "x.2", 2, map[string]any{"part": "2"}},
			{id(1), "x.0", 0, map[string]any{"part": "0"}},
			{id(3) + "_2", "x.1", 1, map[string]any{"part": "1"}},
			{id(3) + "_3", "x.2", 2, map[string]any{"part": "2"}},
			{id(4) + "_2", "x.1", 1, map[string]any{"part": "1"}},
			{id(5), "x.0", 0, map[string]any{"part": "0"}},
			{id(5) + "_2", "x.1", 1, map[string]any{"part": "1"}},
		}
		evs, err := db.ListEvents(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []ev
		for i, x := range evs {
			got = append(got, ev{x.ID, x.Type, x.Part, x.Data})
			if i > 0 && x.Seq <= evs[i-1].Seq {
				t.Errorf("event %s has cursor %d, after %d", x.ID, x.Seq, evs[i-1].Seq)
			}
			if e.Name == "sqlite" && i > 0 && x.DeliveryID == evs[i-1].DeliveryID && x.Seq != evs[i-1].Seq+1 {
				t.Errorf("event %s has cursor %d, not next to its delivery's previous event's %d", x.ID, x.Seq, evs[i-1].Seq)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}

		if n, err := db.PurgeDeliveries(ctx, now.Add(-90*24*time.Hour)); err != nil || n != 1 {
			t.Fatalf("PurgeDeliveries = %d, %v; want 1", n, err)
		}
		evs, err = db.ListEvents(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, x := range evs {
			got = append(got, ev{x.ID, x.Type, x.Part, x.Data})
		}
		if diff := cmp.Diff(want[3:], got); diff != "" {
			t.Errorf("events after retention took delivery %d (-want +got):\n%s", res[0].ID, diff)
		}
	})
}

// TestDeliveryEventsFullBatch: a group commit of 32 deliveries making 100
// events each (more arguments than SQLite takes in one statement) stores
// them all, in order.
func TestDeliveryEventsFullBatch(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "batch")
		mustCreate(t, db, in, nil)
		parts := make([]int, 100)
		for i := range parts {
			parts[i] = i
		}
		var ds []webhook.NewDelivery
		for i := range 32 {
			ds = append(ds, withEvents(acceptedDelivery(in, fmt.Sprint(i), time.Now()), parts...))
		}
		res, err := db.InsertDeliveries(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		var got []webhook.Event
		for after := int64(0); ; {
			evs, err := db.ListEvents(ctx, after, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			got, after = append(got, evs...), evs[len(evs)-1].Seq
		}
		if len(got) != 32*100 {
			t.Fatalf("events = %d, want %d", len(got), 32*100)
		}
		for i, ev := range got {
			if want := webhook.EventID(res[i/100].ID, i%100); ev.ID != want {
				t.Fatalf("event %d = %s, want %s", i, ev.ID, want)
			}
		}
	})
}

// TestScanEvents: the pull API's filtered read returns, in order, the
// events ListEvents gives that pass the filter, and a cursor past those
// it skipped: read on from it, a consumer gets every matching event once,
// whatever its page size and the bound on what one read examines, and
// does not read the skipped ones again.
func TestScanEvents(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		// 2500 events: every third a code.pr.opened, every 997th a
		// code.push; int_a's and int_b's in turn.
		if _, err := b.raw.exec(ctx, `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 2500)
 INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT x, CASE WHEN x % 2 = 0 THEN 'int_a' ELSE 'int_b' END, 'github',
 CASE WHEN x % 997 = 0 THEN 'code.push' WHEN x % 3 = 0 THEN 'code.pr.opened' ELSE 'chat.message' END, 's', 0, 0, '{"x":1}' FROM g`); err != nil {
			t.Fatal(err)
		}
		var all []webhook.Event
		for after := int64(0); ; {
			evs, err := b.db.ListEvents(ctx, after, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			all, after = append(all, evs...), evs[len(evs)-1].Seq
		}
		newest := all[len(all)-1].Seq
		for _, c := range []struct {
			name          string
			filter        webhook.EventFilter
			limit, budget int
		}{
			{"a family", webhook.EventFilter{Types: []string{"code.*"}}, 100, 10000},
			{"a rare type", webhook.EventFilter{Types: []string{"code.push"}}, 100, 10000},
			{"a rare type, read 300 at a time", webhook.EventFilter{Types: []string{"code.push"}}, 100, 300},
			{"a type none has", webhook.EventFilter{Types: []string{"deploy.*"}}, 100, 10000},
			{"a type none has, read 1000 at a time", webhook.EventFilter{Types: []string{"deploy.*"}}, 10, 1000},
			{"an integration, small pages", webhook.EventFilter{IntegrationIDs: []string{"int_a"}}, 50, 10000},
			{"a type of an integration", webhook.EventFilter{Types: []string{"code.push", "code.pr.opened"}, IntegrationIDs: []string{"int_b"}}, 1000, 10000},
		} {
			t.Run(c.name, func(t *testing.T) {
				var want []webhook.Event
				for _, ev := range all {
					if c.filter.Matches(ev) {
						want = append(want, ev)
					}
				}
				var got []webhook.Event
				reads := 0
				for after := int64(0); ; {
					reads++
					page, err := b.db.ScanEvents(ctx, after, c.limit, c.budget, c.filter.Matches)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Events) > c.limit {
						t.Fatalf("ScanEvents(%d) returned %d events, more than the limit %d", after, len(page.Events), c.limit)
					}
					if page.Next < after || (len(page.Events) > 0 && page.Next < page.Events[len(page.Events)-1].Seq) {
						t.Fatalf("ScanEvents(%d) = next %d, behind what it read", after, page.Next)
					}
					got = append(got, page.Events...)
					if !page.More {
						if page.Next != newest {
							t.Errorf("ScanEvents(%d) = next %d, more false; want next %d, past every event it skipped", after, page.Next, newest)
						}
						break
					}
					if page.Next == after {
						t.Fatalf("ScanEvents(%d) says there is more but does not move the cursor", after)
					}
					after = page.Next
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("events read through the filter (-want +got):\n%s", diff)
				}
				// Each read examines its budget or fills its page, or
				// reaches the newest event.
				if most := len(all)/c.budget + len(want)/c.limit + 1; reads > most {
					t.Errorf("read in %d reads; want at most %d", reads, most)
				}
			})
		}
	})
}

// TestReplayKeys: an accepted delivery whose replay key (its timestamped
// signature) the endpoint has stored is a duplicate of the first, whatever
// its dedupe key, in a later group commit or in the same one; a rejected
// delivery, or one of another endpoint, is not held by it.
func TestReplayKeys(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		in := newIntegration(1, "replay")
		mustCreate(t, db, in, nil)
		now := time.Now()
		with := func(key, replay string) webhook.NewDelivery {
			d := acceptedDelivery(in, key, now)
			d.ReplayKey = replay
			return d
		}
		first, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{with("a", "k1")})
		if err != nil {
			t.Fatal(err)
		}
		rejected := with("", "k1")
		rejected.Status, rejected.Reason, rejected.Payload, rejected.Events = webhook.StatusRejected, "event type not accepted", nil, nil
		other := with("e", "k1")
		other.EndpointID = "whe_2"
		got, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{with("b", "k1"), with("c", "k2"), with("d", "k2"), rejected, other})
		if err != nil {
			t.Fatal(err)
		}
		type outcome struct {
			Status string
			Of     int64
		}
		var outcomes []outcome
		for _, o := range got {
			outcomes = append(outcomes, outcome{o.Status, o.DuplicateOf})
		}
		want := []outcome{
			{webhook.StatusDuplicate, first[0].ID}, // k1 again, under another dedupe key
			{webhook.StatusProcessed, 0},
			{webhook.StatusDuplicate, got[1].ID}, // k2 twice in one group commit
			{webhook.StatusRejected, 0},
			{webhook.StatusProcessed, 0}, // k1 at another endpoint
		}
		if diff := cmp.Diff(want, outcomes); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
	})
}
