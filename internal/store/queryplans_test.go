package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ihub/internal/audit"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// TestDispatchQueriesAtScale: the queries the dispatcher runs at every
// step stay index probes when the tables hold a retention period's events
// and attempts, a disabled subscription's backlog among them. PostgreSQL's
// generic plans (pgx prepares statements, and PostgreSQL switches to a
// generic plan after a few runs) once made them a sequential scan of every
// event, and a walk through the disabled subscription's due attempts to
// find the active one's: hundreds of milliseconds per step at two million
// rows. On PostgreSQL the test runs the generic plan and looks at how it
// read those tables; on SQLite it reads the plan.
func TestDispatchQueriesAtScale(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		const n = 20000
		const now = 1_800_000_000_000 // ms; every seeded attempt is due before it
		subCols := `(id, name, event_types, integration_ids, url, secret_ciphertext, secret_key_id, max_concurrency, created_at, updated_at, is_active)`
		for _, q := range []string{
			`INSERT INTO subscriptions ` + subCols + ` VALUES ('sub_on', 'on', '[]', '[]', 'http://on.invalid', $1, 'k', 1, 0, 0, TRUE)`,
			`INSERT INTO subscriptions ` + subCols + ` VALUES ('sub_off', 'off', '[]', '[]', 'http://off.invalid', $1, 'k', 1, 0, 0, FALSE)`,
		} {
			if _, err := b.raw.exec(ctx, q, []byte{0}); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		series := fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d) `, n)
		pg, dialect := seedPlans(t, b, []string{
			// Events all fanned out.
			series + `INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT x, 'int_1', 'http', 'http.event', '', 0, 0, '{"k":"v"}' FROM g`,
			`UPDATE dispatch_cursor SET value = (SELECT MAX(id) FROM webhook_events) WHERE name = 'fanout'`,
			// The active subscription: all delivered but three, due after
			// the disabled one's backlog.
			series + `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT 'sub_on', x, 'delivered', 0, 0 FROM g`,
			`INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at) VALUES
 ('sub_on', 100001, 'pending', 900000, 0), ('sub_on', 100002, 'pending', 900001, 0), ('sub_on', 100003, 'pending', 900002, 0)`,
			// The disabled subscription's backlog, all due.
			series + `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT 'sub_off', x, 'pending', x, 0 FROM g`,
		})
		claimArgs := []any{"sub_on", int64(now), 10, int64(now + 60_000), int64(now)}
		if pg {
			claimArgs = []any{"sub_on", int64(now), 10, "sub_on", "owner_1", int64(now + 60_000), "sub_on", int64(now), int64(now + 60_000), int64(now)}
		}
		for _, c := range []struct {
			name, query string
			args        []any
		}{
			{"new events", store.NewEventsQuery, nil},
			{"due", store.DueQuery, []any{int64(now)}},
			{"claim", store.ClaimQuery(dialect), claimArgs},
		} {
			if pg {
				for _, bad := range pgScansOfBigTables(t, b.raw, c.query, c.args, true) {
					t.Errorf("%s: %s (tables of %d rows)", c.name, bad, n)
				}
				continue
			}
			for _, step := range sqlitePlan(t, b.raw, c.query, c.args) {
				big := strings.Contains(step, "webhook_events") || strings.Contains(step, "subscription_attempts") || strings.HasPrefix(step, "SEARCH a ")
				ok := strings.HasPrefix(step, "SEARCH ") && (strings.Contains(step, "PRIMARY KEY") ||
					strings.Contains(step, "subscription_attempts_sub_due (subscription_id=?"))
				if big && !ok {
					t.Errorf("%s: plan step %q is not a probe by key", c.name, step)
				}
			}
		}
	})
}

// TestListQueriesAtScale: the lists and signals the API reads stay index
// probes when the tables hold a retention period's rows, for a quiet
// endpoint beside a busy one, and for filters that match nothing. Each
// query is taken from the store as it runs it (TracePlanned); on
// PostgreSQL it is run planned for its arguments, as queryPlanned runs
// it, and its reads counted, and on SQLite its plan must use the index
// the case names. The retention cleanup's hourly select is checked too.
func TestListQueriesAtScale(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		const n = 20000
		now := time.Now()
		day := int64(24 * time.Hour / time.Millisecond)
		start := now.UnixMilli() - 90*day // n deliveries, evenly over 90 days, to the busy endpoint
		series := fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d) `, n)
		delCols := `(endpoint_id, integration_id, received_at, status, provider_delivery_id, event_type, headers, payload_size, source_ip, reason)`
		for _, q := range []string{
			series + `INSERT INTO webhook_deliveries ` + delCols + ` SELECT 'whe_busy', 'int_1', ` +
				fmt.Sprint(start) + ` + CAST(x AS BIGINT) * ` + fmt.Sprint(90*day/n) + `, 'processed', 'p', 'push', '{}', 10, '', '' FROM g`,
			series + `INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT x, 'int_1', 'http', 'code.push', '', 0, 0, '{}' FROM g`,
			`INSERT INTO webhook_deliveries ` + delCols + ` VALUES ('whe_quiet', 'int_2', ` + fmt.Sprint(now.UnixMilli()-60*day) +
				`, 'processed', 'q', 'push', '{}', 10, '', '')`,
			`INSERT INTO subscriptions (id, name, event_types, integration_ids, url, secret_ciphertext, secret_key_id, max_concurrency,
 created_at, updated_at) VALUES ('sub_1', 's', '[]', '[]', 'http://s.invalid', $1, 'k', 1, 0, 0)`,
			series + `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT 'sub_1', x, 'delivered', 0, 0 FROM g`,
			series + `INSERT INTO activity (at, actor_type, action, integration_id, details) SELECT ` + fmt.Sprint(start) +
				` + CAST(x AS BIGINT) * 1000, 'user', 'integration.updated', 'int_1', '{}' FROM g`,
			`INSERT INTO activity (at, actor_type, action, details) VALUES (` + fmt.Sprint(start) + `, 'user', 'webhook.replayed', '{}')`,
			series + `INSERT INTO api_calls (integration_id, at, method, endpoint, status, latency_us, error_kind, error, source, attempts)
 SELECT 'int_1', ` + fmt.Sprint(now.UnixMilli()-7*day) + ` + CAST(x AS BIGINT) * 10000, 'GET', '/x', 200, 100, '', '', 'action', 1 FROM g`,
			// An hour of API calls of one endpoint, for 20 integrations
			// over the last 30 days.
			fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < %d) `, 20*720-1) +
				`INSERT INTO api_call_rollups (integration_id, hour, method, endpoint, calls, errors, latency_sum_us)
 SELECT 'int_' || (x % 20), ` + fmt.Sprint(now.Truncate(time.Hour).UnixMilli()) + ` - CAST(x / 20 AS BIGINT) * 3600000, 'GET', '/x', 1, 0, 100 FROM g`,
		} {
			var args []any
			if strings.Contains(q, "$1") {
				args = []any{[]byte{0}}
			}
			if _, err := b.raw.exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		pg := b.raw.pg != nil
		if pg {
			if _, err := b.raw.exec(ctx, `ANALYZE`); err != nil { // as autovacuum would have
				t.Fatal(err)
			}
		}
		var traced []struct {
			q    string
			args []any
		}
		store.TracePlanned(b.db, func(q string, args []any) {
			traced = append(traced, struct {
				q    string
				args []any
			}{q, args})
		})
		since := now.Add(-24 * time.Hour)
		for _, c := range []struct {
			name string
			call func() error
			// sqlite: what SQLite's plan must hold (the index it reads);
			// scanOK: it may scan the table in id order (no filter, LIMIT);
			// sortOK: it may sort what it read (a time range's rows).
			sqlite         []string
			scanOK, sortOK bool
		}{
			{"a quiet endpoint's logs", func() error {
				_, err := b.db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_quiet", Limit: 51})
				return err
			}, []string{"webhook_deliveries_endpoint (endpoint_id=?"}, false, false},
			{"logs filtered by a status none has", func() error {
				_, err := b.db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_busy", Status: webhook.StatusFailed, Limit: 51})
				return err
			}, []string{"webhook_deliveries_status (endpoint_id=? AND status=?"}, false, false},
			{"a day's originals, oldest first (replay)", func() error {
				_, err := b.db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_busy", Since: &since, Originals: true,
					Oldest: true, Limit: 1000})
				return err
			}, []string{"webhook_deliveries_received (endpoint_id=? AND received_at>?"}, false, true},
			{"a page of a wide time range (export)", func() error {
				wide := now.Add(-80 * 24 * time.Hour)
				_, err := b.db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_busy", Since: &wide, Limit: 200, Summary: true})
				return err
			}, []string{"webhook_deliveries_endpoint (endpoint_id=?"}, false, false},
			{"a quiet endpoint's signals", func() error {
				_, err := b.db.EndpointSignals(ctx, "whe_quiet", now)
				return err
			}, []string{"webhook_deliveries_received (endpoint_id=?"}, false, false},
			{"a busy endpoint's signals", func() error {
				_, err := b.db.EndpointSignals(ctx, "whe_busy", now)
				return err
			}, []string{"webhook_deliveries_received (endpoint_id=?"}, false, false},
			{"failed attempts", func() error {
				_, err := b.db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Status: webhook.AttemptFailed, Limit: 101})
				return err
			}, []string{"subscription_attempts_sub_status (subscription_id=? AND status=?"}, false, false},
			{"the activity log", func() error {
				_, err := b.db.ListActivity(ctx, audit.Filter{Limit: 51})
				return err
			}, nil, true, false},
			{"the activity log of a rare action", func() error {
				_, err := b.db.ListActivity(ctx, audit.Filter{Action: "webhook.replayed", Limit: 51})
				return err
			}, []string{"activity_action (action=?"}, false, false},
			{"an integration's API usage and errors", func() error {
				_, err := b.db.APIUsage(ctx, "int_1", now.Add(-30*24*time.Hour), now)
				return err
			}, []string{"api_calls_errors (integration_id=?", "api_call_rollups USING INDEX sqlite_autoindex_api_call_rollups_1 (integration_id=? AND hour>? AND hour<?)"}, false, false},
		} {
			traced = traced[:0]
			if err := c.call(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(traced) == 0 {
				t.Fatalf("%s: no statement planned per call", c.name)
			}
			var steps []string
			for _, tq := range traced {
				if pg {
					for _, bad := range pgScansOfBigTables(t, b.raw, tq.q, tq.args, false) {
						t.Errorf("%s: %s", c.name, bad)
					}
					continue
				}
				for _, step := range sqlitePlan(t, b.raw, tq.q, tq.args) {
					steps = append(steps, step)
					if strings.HasPrefix(step, "SCAN ") && bigTables[strings.Fields(step)[1]] && !c.scanOK ||
						strings.Contains(step, "TEMP B-TREE FOR ORDER BY") && !c.sortOK {
						t.Errorf("%s: plan step %q reads every row", c.name, step)
					}
				}
			}
			for _, want := range c.sqlite {
				if !pg && !slices.ContainsFunc(steps, func(s string) bool { return strings.Contains(s, want) }) {
					t.Errorf("%s: the plan does not read %s: %q", c.name, want, steps)
				}
			}
		}
		// The retention cleanup, hourly, with nothing to remove: it reads
		// up to the first young delivery, not the table.
		cut := now.Add(-91 * 24 * time.Hour).UnixMilli()
		if pg {
			for _, bad := range pgScansOfBigTables(t, b.raw, store.PurgeBatchQuery, []any{cut, cut, now.UnixMilli()}, true) {
				t.Errorf("retention select: %s", bad)
			}
			return
		}
		for _, step := range sqlitePlan(t, b.raw, store.PurgeBatchQuery, []any{cut, cut, now.UnixMilli()}) {
			if strings.HasPrefix(step, "SCAN d") {
				t.Errorf("retention select: plan step %q reads every delivery", step)
			}
		}
	})
}

// bigTables are the tables that grow with traffic.
var bigTables = map[string]bool{"webhook_events": true, "webhook_deliveries": true, "subscription_attempts": true,
	"activity": true, "api_calls": true, "api_call_rollups": true}

// pgScansOfBigTables runs query (? placeholders) in a transaction rolled
// back after, with PostgreSQL's generic plan (as pgx's prepared statements
// get it) or planned for its arguments (as queryPlanned runs it), and
// describes each read of a big table that is not an index probe: any
// other kind of scan, one that reads more than a few pages, or one that
// filters out more than a few rows.
func pgScansOfBigTables(t *testing.T, r *rawDB, query string, args []any, generic bool) []string {
	t.Helper()
	ctx := t.Context()
	pgQuery := store.RebindPostgres(query)
	lits := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			lits[i] = "'" + s + "'"
		} else {
			lits[i] = fmt.Sprint(a)
		}
	}
	tx, err := r.pg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // only rolls back
	var out string
	if generic {
		for _, s := range []string{`SET LOCAL plan_cache_mode = force_generic_plan`, `PREPARE plan_check AS ` + pgQuery} {
			if _, err := tx.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		exec := "EXECUTE plan_check"
		if len(lits) > 0 {
			exec += "(" + strings.Join(lits, ", ") + ")"
		}
		if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+exec).Scan(&out); err != nil {
			t.Fatalf("%s: %v", exec, err)
		}
		if _, err := tx.Exec(ctx, `DEALLOCATE plan_check`); err != nil {
			t.Fatal(err)
		}
	} else if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+pgQuery,
		append([]any{pgx.QueryExecModeExec}, args...)...).Scan(&out); err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	var plans []struct{ Plan pgPlanNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", out, err)
	}
	var bad []string
	var walk func(p pgPlanNode)
	walk = func(p pgPlanNode) {
		if bigTables[p.Relation] {
			pages := p.Hit + p.Read
			switch {
			case p.Type == "ModifyTable": // the rows it writes; its reads are its children
			case p.Type != "Index Scan" && p.Type != "Index Only Scan" && p.Type != "Bitmap Heap Scan":
				bad = append(bad, fmt.Sprintf("%s on %s", p.Type, p.Relation))
			case p.Removed > 40 || p.Rechecked > 40 || pages > 40 && p.Type != "Bitmap Heap Scan" || p.Rows*max(p.Loops, 1) > 1000:
				// A bitmap scan reads each page holding a matching row
				// once: many, where those rows are spread (API call
				// roll-ups, an hour of every integration at a time); but
				// no scan may return more rows than a page of results.
				bad = append(bad, fmt.Sprintf("%s on %s using %s read %d pages, returned %d rows and filtered out %d",
					p.Type, p.Relation, p.Index, pages, p.Rows*max(p.Loops, 1), p.Removed))
			}
		}
		for _, c := range p.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	return bad
}

// pgPlanNode is a node of EXPLAIN (FORMAT JSON).
type pgPlanNode struct {
	Type      string       `json:"Node Type"`
	Relation  string       `json:"Relation Name"`
	Index     string       `json:"Index Name"`
	Hit       int64        `json:"Shared Hit Blocks"`
	Read      int64        `json:"Shared Read Blocks"`
	Removed   int64        `json:"Rows Removed by Filter"`
	Rechecked int64        `json:"Rows Removed by Index Recheck"`
	Rows      int64        `json:"Actual Rows"`
	Loops     int64        `json:"Actual Loops"`
	Plans     []pgPlanNode `json:"Plans"`
}

// sqlitePlan returns the steps of SQLite's plan for query.
func sqlitePlan(t *testing.T, r *rawDB, query string, args []any) []string {
	t.Helper()
	rows, err := r.sqlite.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN %s: %v", query, err)
	}
	defer rows.Close() //nolint:errcheck // read path; rows.Err below reports what matters
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 {
		t.Fatalf("no plan for %s", query)
	}
	return steps
}

// TestEventScanQueriesAtScale: the pull API's filtered read stays a range
// of the events' primary key, whatever the filter (it is matched in Go,
// not by an index on type, which every ingest would pay for), and its
// read of the matching events probes by id. Both run as prepared
// statements, so PostgreSQL's generic plan is the one checked.
func TestEventScanQueriesAtScale(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		const n = 20000
		series := fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d) `, n)
		pg, dialect := seedPlans(t, b, []string{
			series + `INSERT INTO webhook_deliveries (endpoint_id, integration_id, received_at, status, provider_delivery_id, event_type,
 headers, payload_size, source_ip, reason) SELECT 'whe_1', 'int_1', x, 'processed', 'p', 'push', '{}', 10, '', '' FROM g`,
			series + `INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT x, 'int_1', 'github', 'code.push', '', 0, 0, '{"k":"v"}' FROM g`,
		})
		ids := []int64{5000, 5001, 5003, 9000, 12000}
		idList := any(fmt.Sprintf(`[%d,%d,%d,%d,%d]`, ids[0], ids[1], ids[2], ids[3], ids[4]))
		if pg {
			idList = fmt.Sprintf(`{%d,%d,%d,%d,%d}`, ids[0], ids[1], ids[2], ids[3], ids[4])
		}
		for _, c := range []struct {
			name, query string
			args        []any
		}{
			{"a step of the scan", store.EventScanQuery, []any{n / 2, 1000}},
			{"the matching events", store.EventsByIDQuery(dialect), []any{idList}},
		} {
			if pg {
				for _, bad := range pgScansOfBigTables(t, b.raw, c.query, c.args, true) {
					t.Errorf("%s: %s (tables of %d rows)", c.name, bad, n)
				}
				continue
			}
			steps := sqlitePlan(t, b.raw, c.query, c.args)
			for _, step := range steps {
				if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "json_each") {
					t.Errorf("%s: plan step %q reads every row", c.name, step)
				}
			}
			if !slices.ContainsFunc(steps, func(s string) bool { return strings.Contains(s, "INTEGER PRIMARY KEY") }) {
				t.Errorf("%s: the plan does not read by id: %q", c.name, steps)
			}
		}
	})
}

// seedPlans runs the statements that fill the tables of a query plan test
// and, on PostgreSQL, ANALYZE, as autovacuum would have. It returns
// whether the engine is PostgreSQL, and its dialect.
func seedPlans(t *testing.T, b *bundle, qs []string) (bool, store.Dialect) {
	t.Helper()
	for _, q := range qs {
		if _, err := b.raw.exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if b.raw.pg == nil {
		return false, store.SQLite
	}
	if _, err := b.raw.exec(t.Context(), `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return true, store.Postgres
}
