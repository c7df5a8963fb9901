package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// attemptsWithOutcomes stores six events for subscription sub_1 (created
// at now) and records for their attempts, in id order: delivered, failed,
// pending (a retry later), delivered, failed, pending (still claimed). It
// returns the attempt ids, oldest first.
func attemptsWithOutcomes(t *testing.T, db *store.DB, now time.Time) []int64 {
	t.Helper()
	ctx := t.Context()
	in := newIntegration(1, "attempts")
	mustCreate(t, db, in, nil)
	createSubscription(t, db, "sub_1", now)
	createSubscription(t, db, "sub_2", now) // receives nothing: not listed with sub_1
	var ds []webhook.NewDelivery
	for i := range 6 {
		ds = append(ds, acceptedDelivery(in, fmt.Sprintf("d-%d", i), now))
	}
	if _, err := db.InsertDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	work, err := db.FanOutAndClaim(ctx, now, 100, func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} },
		webhook.Claim{Lease: 2 * time.Minute, Limit: 10, Room: func(webhook.Subscription) int { return 10 }, Owner: "a"})
	if err != nil || len(work) != 6 {
		t.Fatalf("FanOutAndClaim = %d attempts, %v; want 6", len(work), err)
	}
	var ids []int64
	for _, w := range work {
		ids = append(ids, w.Attempt.ID)
	}
	slices.Sort(ids)
	rs := []webhook.SendResult{
		{AttemptID: ids[0], Delivered: true, Status: 200, At: now},
		{AttemptID: ids[1], GiveUp: true, Status: 500, Error: "HTTP 500", At: now},
		{AttemptID: ids[2], Status: 500, Error: "HTTP 500", At: now, NextAttempt: now.Add(time.Hour)},
		{AttemptID: ids[3], Delivered: true, Status: 200, At: now},
		{AttemptID: ids[4], GiveUp: true, Status: 500, Error: "HTTP 500", At: now},
	}
	if err := db.RecordSends(ctx, rs); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestListAttemptsFilter: a subscription's attempts are listed newest
// first, by status, a page at a time with the id of the last one seen as
// the cursor, so that an old failed attempt can be found among many
// delivered ones.
func TestListAttemptsFilter(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ids := attemptsWithOutcomes(t, db, time.Now())
		tests := []struct {
			name string
			f    webhook.AttemptFilter
			want []int64
		}{
			{"all", webhook.AttemptFilter{Limit: 100}, []int64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"failed", webhook.AttemptFilter{Status: webhook.AttemptFailed, Limit: 100}, []int64{ids[4], ids[1]}},
			{"delivered", webhook.AttemptFilter{Status: webhook.AttemptDelivered, Limit: 100}, []int64{ids[3], ids[0]}},
			{"pending", webhook.AttemptFilter{Status: webhook.AttemptPending, Limit: 100}, []int64{ids[5], ids[2]}},
			{"first page", webhook.AttemptFilter{Limit: 2}, []int64{ids[5], ids[4]}},
			{"next page", webhook.AttemptFilter{BeforeID: ids[4], Limit: 2}, []int64{ids[3], ids[2]}},
			{"last page", webhook.AttemptFilter{BeforeID: ids[2], Limit: 2}, []int64{ids[1], ids[0]}},
			{"past the end", webhook.AttemptFilter{BeforeID: ids[0], Limit: 2}, nil},
			{"failed before the newest failed", webhook.AttemptFilter{Status: webhook.AttemptFailed, BeforeID: ids[4], Limit: 100},
				[]int64{ids[1]}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				as, err := db.ListAttempts(t.Context(), "sub_1", tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, a := range as {
					got = append(got, a.ID)
					if tt.f.Status != "" && a.Status != tt.f.Status {
						t.Errorf("attempt %d has status %s, want %s", a.ID, a.Status, tt.f.Status)
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("ListAttempts(%+v) ids (-want +got):\n%s", tt.f, diff)
				}
			})
		}
		if as, err := db.ListAttempts(t.Context(), "sub_2", webhook.AttemptFilter{Limit: 100}); err != nil || len(as) != 0 {
			t.Errorf("ListAttempts(sub_2) = %v, %v; want none", as, err)
		}
	})
}

// TestDisabledBy410UpdatedAt: a subscription that a 410 disables is
// changed then: its version and its updatedAt move together, and the
// activity log records it once.
func TestDisabledBy410UpdatedAt(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		created := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		ids := attemptsWithOutcomes(t, db, created)
		before, _, err := db.GetSubscription(ctx, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		at := created.Add(30 * time.Minute)
		gone := func(at time.Time) webhook.SendResult {
			return webhook.SendResult{AttemptID: ids[5], Status: 410, Error: "410 Gone", Disable: "the subscriber answered 410 Gone", At: at,
				Disabled: &audit.Entry{At: at, Actor: audit.System, Action: audit.SubscriptionDisabled, TargetType: "subscription",
					TargetID: "sub_1", Success: true}}
		}
		if err := db.RecordSends(ctx, []webhook.SendResult{gone(at)}); err != nil {
			t.Fatal(err)
		}
		// A second 410 (another send that was in flight) changes nothing
		// more and is not recorded again.
		if err := db.RecordSends(ctx, []webhook.SendResult{gone(at.Add(time.Second))}); err != nil {
			t.Fatal(err)
		}
		if es, err := db.ListActivity(ctx, audit.Filter{Action: audit.SubscriptionDisabled, Limit: 10}); err != nil || len(es) != 1 ||
			es[0].TargetID != "sub_1" || !es[0].At.Equal(at) {
			t.Errorf("activity after two 410s = %+v, %v; want one subscription.disabled entry for sub_1 at %v", es, err, at)
		}
		got, _, err := db.GetSubscription(ctx, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.IsActive || got.Version != before.Version+1 || !got.UpdatedAt.Equal(at) || !got.CreatedAt.Equal(created) {
			t.Errorf("after a 410: isActive %v, version %d, updatedAt %v, createdAt %v; want disabled, version %d, updatedAt %v, createdAt %v",
				got.IsActive, got.Version, got.UpdatedAt, got.CreatedAt, before.Version+1, at, created)
		}
	})
}

// TestRetryAttemptActivity: a manual retry is recorded in the activity log
// in its transaction; a retry refused (the attempt is being sent, or was
// delivered) records nothing.
func TestRetryAttemptActivity(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		ctx := t.Context()
		now := time.Now()
		ids := attemptsWithOutcomes(t, db, now)
		entry := func(id int64) audit.Entry {
			return audit.Entry{At: now, Actor: audit.Actor{Type: audit.ActorUser, ID: "usr_1"}, Action: audit.SubscriptionAttemptRetried,
				TargetType: "subscription", TargetID: "sub_1", Success: true, Details: map[string]any{"attemptId": id}}
		}
		for _, tt := range []struct {
			name string
			id   int64
			want string // the error's kind; "" for none
		}{
			{"failed", ids[1], ""},
			{"delivered", ids[0], "not_found"},
			{"being sent", ids[5], "conflict"},
		} {
			err := db.RetryAttempt(ctx, "sub_1", tt.id, now.Add(time.Second), entry(tt.id))
			got := ""
			if err != nil {
				got = apperr.KindOf(err).String()
			}
			if got != tt.want {
				t.Errorf("RetryAttempt(%s) = %v, want kind %q", tt.name, err, tt.want)
			}
		}
		es, err := db.ListActivity(ctx, audit.Filter{Action: audit.SubscriptionAttemptRetried, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].TargetID != "sub_1" || fmt.Sprint(es[0].Details["attemptId"]) != fmt.Sprint(ids[1]) {
			t.Errorf("activity = %+v, want one entry for attempt %d", es, ids[1])
		}
	})
}
