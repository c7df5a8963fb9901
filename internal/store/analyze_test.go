package store_test

import (
	"slices"
	"testing"
	"time"

	"ihub/internal/store"
	"ihub/internal/store/storetest"
)

// TestAnalyzeStale: on PostgreSQL the tables that grow with traffic are
// analyzed once they changed enough since their last analysis (plans made
// while they were small are otherwise kept, see AnalyzeStale), not again
// until they change again, and not within the minimum interval unless they
// doubled; on SQLite nothing is done.
func TestAnalyzeStale(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		insert := func(from, to int) {
			t.Helper()
			if _, err := b.raw.exec(ctx, `WITH RECURSIVE g(x) AS (SELECT CAST($1 AS INTEGER) UNION ALL SELECT x + 1 FROM g WHERE x < CAST($2 AS INTEGER))
 INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT x, 'int_1', 'http', 'code.push', '', 0, 0, '{}' FROM g`, from, to); err != nil {
				t.Fatal(err)
			}
		}
		insert(1, 5000)
		if b.raw.pg == nil {
			if got, err := b.db.AnalyzeStale(ctx, 0); err != nil || got != nil {
				t.Fatalf("AnalyzeStale on SQLite = %v, %v; want nothing", got, err)
			}
			return
		}
		// Where autovacuum is on, it must not analyze the table between
		// the steps below.
		if _, err := b.raw.exec(ctx, `ALTER TABLE webhook_events SET (autovacuum_enabled = off)`); err != nil {
			t.Fatal(err)
		}
		// PostgreSQL counts changes in its statistics a moment after the
		// transaction ends: wait until they show.
		counted := func(mods int) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; {
				if _, err := b.raw.exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
					t.Fatal(err)
				}
				n, err := b.raw.queryInt(ctx, `SELECT COALESCE(SUM(n_mod_since_analyze), 0) FROM pg_stat_user_tables
 WHERE schemaname = current_schema() AND relname = 'webhook_events'`)
				if err != nil {
					t.Fatal(err)
				}
				if n >= int64(mods) {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("changes counted = %d; want %d", n, mods)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		counted(5000)
		if got, err := b.db.AnalyzeStale(ctx, store.AnalyzeMinInterval); err != nil || !slices.Equal(got, []string{"webhook_events"}) {
			t.Fatalf("AnalyzeStale = %v, %v; want [webhook_events] (never analyzed)", got, err)
		}
		analyzed, err := b.raw.queryInt(ctx, `SELECT COUNT(*) FROM pg_stat_user_tables WHERE schemaname = current_schema()
 AND relname = 'webhook_events' AND last_analyze IS NOT NULL`)
		if err != nil || analyzed != 1 {
			t.Fatalf("webhook_events analyzed = %d, %v; want 1", analyzed, err)
		}
		planned := func() int64 {
			t.Helper()
			var rows int64
			if err := b.raw.pg.QueryRow(ctx, `SELECT reltuples::bigint FROM pg_class WHERE oid = 'webhook_events'::regclass`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			return rows
		}
		if rows := planned(); rows != 5000 {
			t.Fatalf("rows the planner counts = %d; want 5000", rows)
		}
		if got, err := b.db.AnalyzeStale(ctx, 0); err != nil || got != nil {
			t.Errorf("AnalyzeStale again = %v, %v; want nothing (no change since)", got, err)
		}

		// 2,000 more: past a tenth, but analyzed a moment ago and far from
		// doubled, so it waits for the interval.
		insert(5001, 7000)
		counted(2000)
		if got, err := b.db.AnalyzeStale(ctx, store.AnalyzeMinInterval); err != nil || got != nil {
			t.Errorf("AnalyzeStale within the interval = %v, %v; want nothing", got, err)
		}
		if got, err := b.db.AnalyzeStale(ctx, 0); err != nil || !slices.Equal(got, []string{"webhook_events"}) {
			t.Errorf("AnalyzeStale after the interval = %v, %v; want [webhook_events]", got, err)
		}
		if rows := planned(); rows != 7000 {
			t.Errorf("rows the planner counts = %d; want 7000", rows)
		}

		// 9,000 more than the 7,000 analyzed: doubled, analyzed at once.
		insert(7001, 16000)
		counted(9000)
		if got, err := b.db.AnalyzeStale(ctx, store.AnalyzeMinInterval); err != nil || !slices.Equal(got, []string{"webhook_events"}) {
			t.Errorf("AnalyzeStale after doubling = %v, %v; want [webhook_events]", got, err)
		}
		if rows := planned(); rows != 16000 {
			t.Errorf("rows the planner counts = %d; want 16000", rows)
		}
	})
}
