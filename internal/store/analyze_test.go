package store_test

import (
	"slices"
	"testing"
	"time"

	"ihub/internal/store/storetest"
)

// TestAnalyzeStale: on PostgreSQL the tables that grow with traffic are
// analyzed once they changed enough since their last analysis (plans made
// while they were small are otherwise kept, see AnalyzeStale), and not
// again until they change again; on SQLite nothing is done.
func TestAnalyzeStale(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		if _, err := b.raw.exec(ctx, `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 5000)
 INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT x, 'int_1', 'http', 'code.push', '', 0, 0, '{}' FROM g`); err != nil {
			t.Fatal(err)
		}
		if b.raw.pg == nil {
			if got, err := b.db.AnalyzeStale(ctx); err != nil || got != nil {
				t.Fatalf("AnalyzeStale on SQLite = %v, %v; want nothing", got, err)
			}
			return
		}
		// PostgreSQL counts changes in its statistics a moment after the
		// transaction: the next one's end flushes them.
		if _, err := b.raw.exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		if _, err := b.raw.exec(ctx, `SELECT 1`); err != nil {
			t.Fatal(err)
		}
		var got []string
		for deadline := time.Now().Add(10 * time.Second); ; {
			var err error
			if got, err = b.db.AnalyzeStale(ctx); err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !slices.Equal(got, []string{"webhook_events"}) {
			t.Fatalf("AnalyzeStale = %v; want [webhook_events]", got)
		}
		analyzed, err := b.raw.queryInt(ctx, `SELECT COUNT(*) FROM pg_stat_user_tables WHERE schemaname = current_schema()
 AND relname = 'webhook_events' AND last_analyze IS NOT NULL`)
		if err != nil || analyzed != 1 {
			t.Fatalf("webhook_events analyzed = %d, %v; want 1", analyzed, err)
		}
		var rows int64
		if err := b.raw.pg.QueryRow(ctx, `SELECT reltuples::bigint FROM pg_class WHERE oid = 'webhook_events'::regclass`).Scan(&rows); err != nil || rows != 5000 {
			t.Fatalf("rows the planner counts = %d, %v; want 5000", rows, err)
		}
		if got, err := b.db.AnalyzeStale(ctx); err != nil || got != nil {
			t.Errorf("AnalyzeStale again = %v, %v; want nothing (no change since)", got, err)
		}
	})
}
