package store_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"ihub/internal/store"
	"ihub/internal/store/storetest"
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
		for _, q := range []string{
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
		} {
			if _, err := b.raw.exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		pg := b.raw.pg != nil
		dialect := store.SQLite
		if pg {
			dialect = store.Postgres
			if _, err := b.raw.exec(ctx, `ANALYZE`); err != nil { // as autovacuum would have
				t.Fatal(err)
			}
		}
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
				for _, bad := range pgScansOfBigTables(t, b.raw, c.query, c.args) {
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

// pgScansOfBigTables runs query (? placeholders) with PostgreSQL's
// generic plan, as pgx's prepared statements get it, in a transaction
// rolled back after, and describes each read of webhook_events or
// subscription_attempts that is not an index probe: any other kind of
// scan, one that reads more than a few pages, or one that filters out
// more than a few rows.
func pgScansOfBigTables(t *testing.T, r *rawDB, query string, args []any) []string {
	t.Helper()
	ctx := t.Context()
	var sb strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(c)
	}
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
	for _, s := range []string{`SET LOCAL plan_cache_mode = force_generic_plan`, `PREPARE plan_check AS ` + sb.String()} {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	exec := "EXECUTE plan_check"
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	var out string
	if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+exec).Scan(&out); err != nil {
		t.Fatalf("%s: %v", exec, err)
	}
	if _, err := tx.Exec(ctx, `DEALLOCATE plan_check`); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan pgPlanNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", out, err)
	}
	var bad []string
	var walk func(p pgPlanNode)
	walk = func(p pgPlanNode) {
		if p.Relation == "webhook_events" || p.Relation == "subscription_attempts" {
			pages := p.Hit + p.Read
			switch {
			case p.Type == "ModifyTable": // the rows it writes; its reads are its children
			case p.Type != "Index Scan" && p.Type != "Index Only Scan":
				bad = append(bad, fmt.Sprintf("%s on %s", p.Type, p.Relation))
			case pages > 20 || p.Removed > 20:
				bad = append(bad, fmt.Sprintf("%s on %s using %s read %d pages and filtered out %d rows",
					p.Type, p.Relation, p.Index, pages, p.Removed))
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
	Type     string       `json:"Node Type"`
	Relation string       `json:"Relation Name"`
	Index    string       `json:"Index Name"`
	Hit      int64        `json:"Shared Hit Blocks"`
	Read     int64        `json:"Shared Read Blocks"`
	Removed  int64        `json:"Rows Removed by Filter"`
	Plans    []pgPlanNode `json:"Plans"`
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
