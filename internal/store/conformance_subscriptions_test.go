package store_test

import (
	"errors"
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

// TestRetryAttemptInFlight: a manual retry makes an undelivered attempt due
// now, except one a dispatcher is sending (claimed, lease running): making
// that one due again would send it a second time, even after the subscriber
// acknowledged the first. Once the lease has ended (the dispatcher died),
// the retry is allowed.
func TestRetryAttemptInFlight(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Minute
	tests := []struct {
		name string
		// record is the outcome of the claimed send recorded before the
		// retry (nil: none, still in flight).
		record *webhook.SendResult
		// retryAfter is when the retry is asked, after the claim.
		retryAfter time.Duration
		want       string // the error's kind; "" for none
		// wantClaimed is how many attempts a claim right after the retry
		// takes.
		wantClaimed int
	}{
		{name: "in flight", retryAfter: time.Second, want: "conflict"},
		{name: "lease ended", retryAfter: lease + time.Second, wantClaimed: 1},
		{name: "waiting for its next attempt", record: &webhook.SendResult{Status: 500, Error: "HTTP 500"},
			retryAfter: time.Second, wantClaimed: 1},
		{name: "failed", record: &webhook.SendResult{Status: 500, Error: "HTTP 500", GiveUp: true},
			retryAfter: time.Second, wantClaimed: 1},
		{name: "delivered", record: &webhook.SendResult{Status: 200, Delivered: true},
			retryAfter: time.Second, want: "not_found"},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := openStore(t, e.Options(t))
				ctx := t.Context()
				in := newIntegration(1, "retry")
				mustCreate(t, db, in, nil)
				now := time.Now()
				createSubscription(t, db, "sub_1", now)
				if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "d-1", now)}); err != nil {
					t.Fatal(err)
				}
				all := func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }
				room := func(webhook.Subscription) int { return 10 }
				claim := func(at time.Time) []webhook.Work {
					t.Helper()
					work, err := db.FanOutAndClaim(ctx, at, 100, all, webhook.Claim{Lease: lease, Limit: 10, Room: room, Owner: "a"})
					if err != nil {
						t.Fatalf("FanOutAndClaim = %v", err)
					}
					return work
				}
				work := claim(now)
				if len(work) != 1 {
					t.Fatalf("claimed %d attempts, want 1", len(work))
				}
				if tt.record != nil {
					r := *tt.record
					r.AttemptID, r.At, r.NextAttempt = work[0].Attempt.ID, now, now.Add(5*time.Minute)
					if err := db.RecordSends(ctx, []webhook.SendResult{r}); err != nil {
						t.Fatal(err)
					}
				}
				at := now.Add(tt.retryAfter)
				err := db.RetryAttempt(ctx, "sub_1", work[0].Attempt.ID, at, audit.Entry{})
				got := ""
				if err != nil {
					got = apperr.KindOf(err).String()
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("RetryAttempt error kind (-want +got):\n%s\nerr = %v", diff, err)
				}
				if got := len(claim(at)); got != tt.wantClaimed {
					t.Errorf("a claim after the retry took %d attempts, want %d", got, tt.wantClaimed)
				}
			})
		}
	})
}

// TestClaimOwnership: on PostgreSQL, which replicas share, a subscription's
// attempts are claimed by one dispatcher at a time (so that its
// maxConcurrency holds across replicas), until the lease of the last
// attempts that dispatcher claimed has ended, or the dispatcher is gone
// (no longer marked present), or it hands them over; then another takes
// over. On SQLite one process has one dispatcher, and the owner plays no
// part.
func TestClaimOwnership(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Minute
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		o := e.Options(t)
		db := openStore(t, o)
		ctx := t.Context()
		pg := e.Name != "sqlite"
		in := newIntegration(1, "owners")
		mustCreate(t, db, in, nil)
		now := time.Now()
		createSubscription(t, db, "sub_1", now)
		createSubscription(t, db, "sub_2", now)
		var ds []webhook.NewDelivery
		for _, k := range []string{"d-1", "d-2", "d-3", "d-4", "d-5", "d-6"} {
			ds = append(ds, acceptedDelivery(in, k, now))
		}
		if _, err := db.InsertDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		all := func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }
		one := func(webhook.Subscription) int { return 1 }
		claim := func(owner string, at time.Time) int {
			t.Helper()
			work, err := db.FanOutAndClaim(ctx, at, 100, all, webhook.Claim{Lease: lease, Limit: 10, Room: one, Owner: owner})
			if err != nil {
				t.Fatalf("FanOutAndClaim(%s) = %v", owner, err)
			}
			return len(work)
		}
		present := func(owner string) webhook.Presence {
			t.Helper()
			p, err := db.MarkPresent(ctx, owner)
			if err != nil {
				t.Fatalf("MarkPresent(%s) = %v", owner, err)
			}
			t.Cleanup(p.Release)
			return p
		}
		a, b := present("a"), present("b")
		if _, err := db.MarkPresent(ctx, "a"); pg && !errors.Is(err, webhook.ErrOwnerNameTaken) {
			t.Errorf("MarkPresent of a present name = %v, want ErrOwnerNameTaken", err)
		}
		before := time.Now()
		dbNow, ok := a.Check(ctx)
		if !a.Held() || !ok {
			t.Errorf("a's presence: held %v, checked %v; want both", a.Held(), ok)
		}
		// The database's clock, read as the check answers; the same
		// machine's clock here. SQLite has no clock of its own to share.
		if pg && (dbNow.Before(before.Add(-time.Second)) || dbNow.After(time.Now().Add(time.Second))) {
			t.Errorf("the database's time read by the check = %v, want about %v", dbNow, before)
		} else if !pg && !dbNow.IsZero() {
			t.Errorf("SQLite's presence check read a database time, %v", dbNow)
		}
		if n := claim("a", now); n != 1 {
			t.Fatalf("first claim took %d, want one attempt", n)
		}
		if n := claim("a", now); n != 1 {
			t.Errorf("the owner's next claim took %d, want one attempt", n)
		}
		n := claim("b", now.Add(lease-time.Second))
		if !pg && n != 1 {
			t.Errorf("on SQLite another dispatcher's claim took %d, want one attempt", n)
		} else if pg && n != 0 {
			t.Errorf("another replica claimed %d while the owner's leases run, want none", n)
		}
		// The owner's leases have ended (it hung, say): the other replica
		// takes the subscription over, and the first one no longer claims.
		after := now.Add(lease + time.Second)
		if n := claim("b", after); n != 1 {
			t.Errorf("claim after the leases ended took %d, want one attempt", n)
		}
		if n := claim("a", after); pg && n != 0 {
			t.Errorf("the former owner claimed %d after the takeover, want none", n)
		}
		// The owner dies (its session ends without handing anything over):
		// the other replica takes over at once, well within its leases.
		b.Release()
		if n := claim("a", after.Add(time.Second)); n != 1 {
			t.Errorf("claim after the owner died took %d, want one attempt", n)
		}
		if pg && b.Held() {
			t.Error("a released presence still says it is held")
		}
		// A dispatcher that stops hands its subscriptions over at once.
		if err := db.ReleaseOwner(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		present("b")
		if n := claim("b", after.Add(2*time.Second)); n != 1 {
			t.Errorf("claim after the owner released the subscription took %d, want one attempt", n)
		}
		// A mark whose session ends under it (a broken connection, a
		// restarted database) is found lost, and stays lost.
		if pg {
			c := present("c")
			raw := openRaw(t, o)
			const held = `FROM pg_locks WHERE locktype = 'advisory' AND classid = ` + store.OwnerLockSpace + ` AND objid = hashtext('c')::oid`
			n, err := raw.exec(ctx, `SELECT pg_terminate_backend(pid) `+held)
			if err != nil || n != 1 {
				t.Fatalf("ending c's session: %d sessions, %v; want one", n, err)
			}
			// The session ends a moment after it is told to.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				n, err := raw.queryInt(ctx, `SELECT count(*) `+held)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("c's session still holds its lock 10 s after it was terminated")
				}
			}
			if _, ok := c.Check(ctx); ok || c.Held() {
				t.Error("a mark whose session ended still says it holds")
			}
			if _, ok := c.Check(ctx); ok {
				t.Error("a mark whose session ended still says it holds")
			}
			if again, err := db.MarkPresent(ctx, "c"); err != nil {
				t.Errorf("MarkPresent of c after its session ended = %v", err)
			} else {
				again.Release()
			}
		}
		// A subscription deleted with an owner goes, owner row and all.
		if err := db.DeleteSubscription(ctx, "sub_1", audit.Entry{}); err != nil {
			t.Errorf("DeleteSubscription of an owned subscription = %v", err)
		}
	})
}

// TestRecordSendsFenced: a failed send recorded after its lease ended and
// another claim took the attempt changes nothing: it would break the other
// claim's lease (the event sent once more) or undo its outcome. A delivery
// is recorded whatever the lease.
func TestRecordSendsFenced(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Minute
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db, now := oneEventForSub1(t, e, "fence")
		ctx := t.Context()
		all := func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }
		claim := func(owner string, at time.Time) webhook.Attempt {
			t.Helper()
			work, err := db.FanOutAndClaim(ctx, at, 100, all, webhook.Claim{Lease: lease, Limit: 10,
				Room: func(webhook.Subscription) int { return 1 }, Owner: owner})
			if err != nil || len(work) != 1 {
				t.Fatalf("FanOutAndClaim(%s) = %d attempts, %v; want one", owner, len(work), err)
			}
			return work[0].Attempt
		}
		first := claim("a", now)
		second := claim("b", now.Add(lease+time.Second)) // a's lease ended: a stalled, say
		attempt := func() webhook.Attempt {
			t.Helper()
			as, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 10})
			if err != nil || len(as) != 1 {
				t.Fatalf("ListAttempts = %v, %v", as, err)
			}
			return as[0]
		}
		before := attempt()
		late := []webhook.SendResult{
			{AttemptID: first.ID, Lease: first.NextAttemptAt, Status: 500, Error: "HTTP 500", At: now.Add(lease + 2*time.Second),
				NextAttempt: now.Add(lease + time.Minute)},
			{AttemptID: first.ID, Lease: first.NextAttemptAt, Status: 500, Error: "HTTP 500", GiveUp: true, At: now.Add(lease + 2*time.Second)},
		}
		for _, r := range late {
			if err := db.RecordSends(ctx, []webhook.SendResult{r}); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(before, attempt()); diff != "" {
			t.Errorf("late failures of the first claim changed the attempt (-before +after):\n%s", diff)
		}
		if err := db.RecordSends(ctx, []webhook.SendResult{{AttemptID: second.ID, Lease: second.NextAttemptAt, Delivered: true,
			Status: 204, At: now.Add(lease + 3*time.Second)}}); err != nil {
			t.Fatal(err)
		}
		if got := attempt(); got.Status != "delivered" || got.Attempts != 1 {
			t.Errorf("after the second claim's delivery: %+v, want delivered after one recorded attempt", got)
		}
		// Recorded again (the dispatcher retries when the database's
		// answer to the first was lost): nothing changes.
		if err := db.RecordSends(ctx, []webhook.SendResult{{AttemptID: second.ID, Lease: second.NextAttemptAt, Delivered: true,
			Status: 204, At: now.Add(lease + 4*time.Second)}}); err != nil {
			t.Fatal(err)
		}
		if got := attempt(); got.Status != "delivered" || got.Attempts != 1 {
			t.Errorf("after the delivery was recorded twice: %+v, want one recorded attempt", got)
		}
	})
}

// oneEventForSub1 opens a store holding an active subscription sub_1 and
// one accepted delivery (with its event, not fanned out yet) of an
// integration named name; now is when they were made.
func oneEventForSub1(t *testing.T, e storetest.Engine, name string) (*store.DB, time.Time) {
	t.Helper()
	db := openStore(t, e.Options(t))
	in := newIntegration(1, name)
	mustCreate(t, db, in, nil)
	now := time.Now().Truncate(time.Millisecond)
	createSubscription(t, db, "sub_1", now)
	if _, err := db.InsertDeliveries(t.Context(), []webhook.NewDelivery{acceptedDelivery(in, "d-1", now)}); err != nil {
		t.Fatal(err)
	}
	return db, now
}

// createSubscription stores an active HTTP subscription with a
// concurrency limit of one.
func createSubscription(t *testing.T, db *store.DB, id string, now time.Time) {
	t.Helper()
	sub := webhook.Subscription{ID: id, Name: id, Target: webhook.TargetHTTP, URL: "https://example.com/",
		MaxConcurrency: 1, IsActive: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateSubscription(t.Context(), sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
		t.Fatal(err)
	}
}

// TestSubscriptionDeletion: a deleted subscription is gone at once from
// every read, list, fan-out and claim, while its attempts stay until
// PurgeDeletedSubscriptions deletes them (in batches, the subscription
// last). The purge goes on after a restart, and leaves other subscriptions'
// attempts alone.
func TestSubscriptionDeletion(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		db, ctx := b.db, t.Context()
		now := time.Now()
		createSubscription(t, db, "sub_gone", now)
		createSubscription(t, db, "sub_kept", now)
		// More than two batches of the deleted one's attempts, half pending
		// and due, and ten of the other's.
		n := 2*store.SubscriptionPurgeBatch + 500
		series := fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d) `, n)
		for _, q := range []string{
			series + `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT 'sub_gone', x, CASE WHEN x % 2 = 0 THEN 'pending' ELSE 'delivered' END, 0, 0 FROM g`,
			series + `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT 'sub_kept', x, 'delivered', 0, 0 FROM g WHERE x <= 10`,
		} {
			if _, err := b.raw.exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		count := func(q string, args ...any) int64 {
			t.Helper()
			c, err := b.raw.queryInt(ctx, q, args...)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return c
		}
		attempts := func(sub string) int64 {
			t.Helper()
			return count(`SELECT COUNT(*) FROM subscription_attempts WHERE subscription_id = $1`, sub)
		}
		read, _, err := db.GetSubscription(ctx, "sub_gone")
		if err != nil {
			t.Fatal(err)
		}

		if err := db.DeleteSubscription(ctx, "sub_gone", audit.Entry{}); err != nil {
			t.Fatalf("DeleteSubscription = %v", err)
		}
		if _, _, err := db.GetSubscription(ctx, "sub_gone"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetSubscription after the delete = %v, want not found", err)
		}
		if err := db.DeleteSubscription(ctx, "sub_gone", audit.Entry{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("DeleteSubscription again = %v, want not found", err)
		}
		if err := db.UpdateSubscription(ctx, read, audit.Entry{}); err == nil {
			t.Error("UpdateSubscription of the deleted subscription succeeded")
		}
		subs, err := db.ListSubscriptions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 1 || subs[0].ID != "sub_kept" {
			t.Errorf("ListSubscriptions after the delete = %v, want sub_kept alone", subs)
		}
		versions, err := db.SubscriptionVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := versions["sub_gone"]; ok {
			t.Errorf("SubscriptionVersions after the delete = %v, holds sub_gone", versions)
		}
		// Its due attempts are not claimed.
		room := func(webhook.Subscription) int { return 10 }
		work, err := db.FanOutAndClaim(ctx, now, 100, func(webhook.Event, []webhook.Subscription) []string { return nil },
			webhook.Claim{Lease: time.Minute, Limit: 10, Room: room, Owner: "a"})
		if err != nil {
			t.Fatalf("FanOutAndClaim = %v", err)
		}
		if len(work) != 0 {
			t.Errorf("claimed %d attempts, want none: the only due ones are the deleted subscription's", len(work))
		}
		// Its attempts wait for the purge.
		if got := attempts("sub_gone"); got != int64(n) {
			t.Errorf("attempts of the deleted subscription before the purge = %d, want %d", got, n)
		}

		// The purge, after a restart.
		db.Close()
		db = openStore(t, b.opts)
		gotSubs, gotAttempts, err := db.PurgeDeletedSubscriptions(ctx)
		if err != nil {
			t.Fatalf("PurgeDeletedSubscriptions = %v", err)
		}
		if gotSubs != 1 || gotAttempts != int64(n) {
			t.Errorf("PurgeDeletedSubscriptions = %d subscriptions, %d attempts; want 1, %d", gotSubs, gotAttempts, n)
		}
		if got := attempts("sub_gone"); got != 0 {
			t.Errorf("attempts of the deleted subscription after the purge = %d, want 0", got)
		}
		if got := count(`SELECT COUNT(*) FROM subscriptions WHERE id = 'sub_gone'`); got != 0 {
			t.Errorf("the deleted subscription's row is still there after the purge")
		}
		if got := attempts("sub_kept"); got != 10 {
			t.Errorf("attempts of the other subscription = %d, want its 10", got)
		}
		if s, a, err := db.PurgeDeletedSubscriptions(ctx); s != 0 || a != 0 || err != nil {
			t.Errorf("PurgeDeletedSubscriptions with nothing to purge = %d, %d, %v; want 0, 0, nil", s, a, err)
		}
	})
}

// TestHastenAttempts: enabling a subscription again makes its attempts
// waiting for a later retry due now, across several batches; attempts
// already due, being sent (leased), settled, or another subscription's are
// left alone.
func TestHastenAttempts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		db, ctx := b.db, t.Context()
		now := time.Now()
		later := now.Add(5 * time.Hour).UnixMilli()
		createSubscription(t, db, "sub_on", now)
		createSubscription(t, db, "sub_other", now)
		n := store.SubscriptionPurgeBatch + 300
		series := func(k int) string {
			return fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d) `, k)
		}
		ins := `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, leased, created_at) `
		for _, q := range []string{
			series(n) + ins + fmt.Sprintf(`SELECT 'sub_on', x, 'pending', %d + x, FALSE, 0 FROM g`, later),
			series(5) + ins + `SELECT 'sub_on', 10000 + x, 'pending', 1000, FALSE, 0 FROM g`,
			series(5) + ins + fmt.Sprintf(`SELECT 'sub_on', 20000 + x, 'pending', %d, TRUE, 0 FROM g`, later),
			series(5) + ins + fmt.Sprintf(`SELECT 'sub_on', 30000 + x, CASE WHEN x %% 2 = 0 THEN 'delivered' ELSE 'failed' END, %d, FALSE, 0 FROM g`, later),
			series(10) + ins + fmt.Sprintf(`SELECT 'sub_other', x, 'pending', %d, FALSE, 0 FROM g`, later),
		} {
			if _, err := b.raw.exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		got, err := db.HastenAttempts(ctx, "sub_on", now)
		if err != nil || got != int64(n) {
			t.Fatalf("HastenAttempts = %d, %v; want %d", got, err, n)
		}
		for _, c := range []struct {
			what  string
			query string
			want  int64
		}{
			{"waiting attempts made due now", fmt.Sprintf(`SELECT COUNT(*) FROM subscription_attempts WHERE subscription_id = 'sub_on' AND next_attempt_at = %d`, now.UnixMilli()), int64(n)},
			{"attempts already due, left at their time", `SELECT COUNT(*) FROM subscription_attempts WHERE subscription_id = 'sub_on' AND next_attempt_at = 1000`, 5},
			{"leased, settled and other attempts left at their time", fmt.Sprintf(`SELECT COUNT(*) FROM subscription_attempts WHERE next_attempt_at = %d`, later), 20},
		} {
			if v, err := b.raw.queryInt(ctx, c.query); err != nil || v != c.want {
				t.Errorf("%s: %d, %v; want %d", c.what, v, err, c.want)
			}
		}
		if got, err := db.HastenAttempts(ctx, "sub_on", now); err != nil || got != 0 {
			t.Errorf("HastenAttempts again = %d, %v; want 0", got, err)
		}
	})
}

// TestSubscriptionCap: ihub holds at most webhook.MaxSubscriptions
// subscriptions, and the dispatchers' list holds every one of them. The
// list once stopped at 1000 with no bound on creation, so subscriptions
// past it (by id, so any new one could push out an old one) were silently
// never served.
func TestSubscriptionCap(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		db, ctx := b.db, t.Context()
		now := time.Now()
		createSubscription(t, db, "sub_seed", now)
		cols := `name, event_types, integration_ids, url, allow_private_network, secret_ciphertext, secret_key_id,
 max_concurrency, is_active, version, created_at, updated_at, target, nats_subject, chat_integration_id, nats_auth_kind,
 target_secret_ciphertext, target_secret_key_id, start_seq`
		q := fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)
 INSERT INTO subscriptions (id, %s) SELECT 'sub_' || (100000 + x), %s FROM subscriptions, g WHERE id = 'sub_seed'`,
			webhook.MaxSubscriptions-1, cols, cols)
		if _, err := b.raw.exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		subs, err := db.ListSubscriptions(ctx)
		if err != nil || len(subs) != webhook.MaxSubscriptions {
			t.Fatalf("ListSubscriptions = %d, %v; want all %d", len(subs), err, webhook.MaxSubscriptions)
		}
		sub := webhook.Subscription{ID: "sub_000_one_too_many", Name: "x", Target: webhook.TargetHTTP, URL: "https://example.com/",
			MaxConcurrency: 1, IsActive: true, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("CreateSubscription past the cap = %v; want a conflict", err)
		}
		if err := db.DeleteSubscription(ctx, "sub_seed", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
			t.Errorf("CreateSubscription after a delete = %v; want room again", err)
		}
	})
}

// TestLate410KeepsTheFixedSubscription: a 410 answered under settings that
// have since been changed (the URL fixed, say) does not disable the
// subscription at its new settings; under the settings still in force, it
// does.
func TestLate410KeepsTheFixedSubscription(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db, now := oneEventForSub1(t, e, "gone")
		ctx := t.Context()
		all := func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }
		work, err := db.FanOutAndClaim(ctx, now, 100, all, webhook.Claim{Lease: time.Minute, Limit: 10,
			Room: func(webhook.Subscription) int { return 1 }, Owner: "a"})
		if err != nil || len(work) != 1 {
			t.Fatalf("FanOutAndClaim = %d, %v; want one", len(work), err)
		}
		w := work[0]
		sub, _, err := db.GetSubscription(ctx, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		sub.URL = "https://fixed.example.com/"
		if err := db.UpdateSubscription(ctx, sub, audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		gone := webhook.SendResult{AttemptID: w.Attempt.ID, Lease: w.Attempt.NextAttemptAt, Status: 410, Error: "410 Gone",
			Disable: "the subscriber answered 410 Gone", SentVersion: w.Subscription.Version, At: now.Add(time.Second)}
		if err := db.RecordSends(ctx, []webhook.SendResult{gone}); err != nil {
			t.Fatal(err)
		}
		got, _, err := db.GetSubscription(ctx, "sub_1")
		if err != nil || !got.IsActive {
			t.Fatalf("after a 410 from the old URL: active %v, %v; want still active at the fixed URL", got.IsActive, err)
		}
		gone.SentVersion, gone.Lease = got.Version, time.Time{}
		if err := db.RecordSends(ctx, []webhook.SendResult{gone}); err != nil {
			t.Fatal(err)
		}
		if got, _, err := db.GetSubscription(ctx, "sub_1"); err != nil || got.IsActive {
			t.Errorf("after a 410 under the settings in force: active %v, %v; want disabled", got.IsActive, err)
		}
	})
}

// TestLookSeesSubscriptions: the dispatcher's look before a step (is there
// a subscription at all?) reuses what it read less than
// store.SubsLookAge ago, instead of a read transaction on every group
// commit. A subscription made on this replica is seen by the next look at
// once; one made on another replica within that age.
func TestLookSeesSubscriptions(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		o := e.Options(t)
		db, other := openStore(t, o), openStore(t, o)
		ctx := t.Context()
		in := newIntegration(1, "look")
		mustCreate(t, db, in, nil)
		now := time.Now()
		n := 0
		deliver := func() {
			t.Helper()
			n++
			if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, fmt.Sprintf("d-%d", n), now)}); err != nil {
				t.Fatal(err)
			}
		}
		every := func(_ webhook.Event, subs []webhook.Subscription) []string {
			var ids []string
			for _, s := range subs {
				ids = append(ids, s.ID)
			}
			return ids
		}
		step := func() []string {
			t.Helper()
			work, err := db.FanOutAndClaim(ctx, time.Now(), 100, every, webhook.Claim{Lease: time.Minute, Limit: 10,
				Room: func(webhook.Subscription) int { return 10 }, Owner: "look"})
			if err != nil {
				t.Fatalf("FanOutAndClaim = %v", err)
			}
			var subs []string
			for _, w := range work {
				subs = append(subs, w.Subscription.ID)
			}
			return subs
		}
		deliver()
		if got := step(); len(got) != 0 {
			t.Fatalf("a step without subscriptions claimed for %v", got)
		}
		// Made here, right after a look that found none.
		createSubscription(t, db, "sub_here", now)
		deliver()
		if got := step(); !slices.Contains(got, "sub_here") {
			t.Fatalf("the step after a subscription made on this replica claimed for %v, want sub_here among them", got)
		}
		// Made on another replica: seen once the look's age has passed.
		createSubscription(t, other, "sub_there", now)
		deliver()
		time.Sleep(store.SubsLookAge + 10*time.Millisecond)
		if got := step(); !slices.Contains(got, "sub_there") {
			t.Fatalf("the step %v after a subscription made on another replica claimed for %v, want sub_there among them", store.SubsLookAge, got)
		}
	})
}
