package store_test

import (
	"fmt"
	"testing"
	"time"

	"ihub/internal/audit"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// TestVacuumAttempts: on PostgreSQL, settled attempts' dead row versions
// are vacuumed once there are enough of them, by one replica at a time; on
// SQLite there is nothing to vacuum.
func TestVacuumAttempts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		db := openStore(t, opts)
		raw := openRaw(t, opts)
		ctx := t.Context()
		in := newIntegration(1, "vacuum")
		mustCreate(t, db, in, nil)
		now := time.Now()
		var ds []webhook.NewDelivery
		for i := range 40 {
			ds = append(ds, acceptedDelivery(in, fmt.Sprintf("d-%d", i), now))
		}
		if _, err := db.InsertDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetHTTP, URL: "https://example.com/",
			MaxConcurrency: 1, IsActive: true, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
			t.Fatal(err)
		}
		// The subscription starts after the events stored so far: move
		// its start back so that fan-out gives it the 40 attempts.
		if _, err := raw.exec(ctx, `UPDATE subscriptions SET start_seq = 0`); err != nil {
			t.Fatal(err)
		}
		if n, err := db.FanOut(ctx, 100, now, func(webhook.Event, []webhook.Subscription) []string {
			return []string{"sub_1"}
		}); err != nil || n != 40 {
			t.Fatalf("FanOut = %d, %v; want 40 events", n, err)
		}
		// Lease and settle them, as the dispatcher does: two dead versions each.
		for _, q := range []string{`UPDATE subscription_attempts SET next_attempt_at = next_attempt_at + 1`,
			`UPDATE subscription_attempts SET status = 'delivered'`} {
			if n, err := raw.exec(ctx, q); err != nil || n != 40 {
				t.Fatalf("%s = %d, %v; want 40 rows", q, n, err)
			}
		}
		if e.Name == "sqlite" {
			if did, err := db.VacuumAttempts(ctx, 1); did || err != nil {
				t.Errorf("VacuumAttempts on SQLite = %v, %v; want false, nil", did, err)
			}
			return
		}
		// PostgreSQL reports a session's row counts when it goes idle.
		if _, err := raw.exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		dead := func() int64 {
			t.Helper()
			if _, err := raw.exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
				t.Fatal(err)
			}
			n, err := raw.queryInt(ctx, `SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'subscription_attempts'::regclass`)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		deadline := time.Now().Add(10 * time.Second)
		for dead() < 80 {
			if time.Now().After(deadline) {
				t.Fatalf("dead attempt versions = %d after 10 s; want 80", dead())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if did, err := db.VacuumAttempts(ctx, 81); did || err != nil {
			t.Errorf("VacuumAttempts(81) with 80 dead = %v, %v; want false, nil", did, err)
		}
		// Another replica holds the lock: this one skips.
		if _, err := raw.exec(ctx, `SELECT pg_advisory_lock(x'6968756200000001'::bigint)`); err != nil {
			t.Fatal(err)
		}
		if did, err := db.VacuumAttempts(ctx, 80); did || err != nil {
			t.Errorf("VacuumAttempts while another session vacuums = %v, %v; want false, nil", did, err)
		}
		if _, err := raw.exec(ctx, `SELECT pg_advisory_unlock(x'6968756200000001'::bigint)`); err != nil {
			t.Fatal(err)
		}
		if did, err := db.VacuumAttempts(ctx, 80); !did || err != nil {
			t.Fatalf("VacuumAttempts(80) with 80 dead = %v, %v; want true, nil", did, err)
		}
		if n := dead(); n != 0 {
			t.Errorf("dead attempt versions after the vacuum = %d; want 0", n)
		}
		// The lock was released: the next vacuum may run.
		ok, err := raw.queryInt(ctx, `SELECT pg_try_advisory_lock(x'6968756200000001'::bigint)::int`)
		if err != nil || ok != 1 {
			t.Errorf("advisory lock after the vacuum: taken = %d, %v; want free", ok, err)
		}
	})
}
