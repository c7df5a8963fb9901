package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ihub/internal/integration"
	"ihub/internal/outbound"
	"ihub/internal/store/internal/sqlitedb"
)

// The API metrics tables are written in batches of hundreds of rows and
// read with aggregates whose result types differ between the engines, so
// these few statements are written by hand rather than through sqlc; each is
// plain SQL both engines accept, with ? placeholders rebound to $n for
// PostgreSQL.

// rebind turns ? placeholders into $1, $2, … for PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.dialect == SQLite {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// rawTx is a write transaction for hand-written statements, with the
// sqlc queries bound to it (for the activity log).
type rawTx struct {
	db     *DB
	q      sqlitedb.Querier
	native any
}

// exec runs a statement and returns the number of rows it touched.
func (t rawTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return t.execStmt(ctx, q, cacheable(q), args)
}

// execCached is exec with the statement kept prepared on SQLite whatever
// its length (a multi-row statement with few variants, such as one per
// group-commit size).
func (t rawTx) execCached(ctx context.Context, q string, args ...any) (int64, error) {
	return t.execStmt(ctx, q, true, args)
}

func (t rawTx) execStmt(ctx context.Context, q string, cache bool, args []any) (int64, error) {
	switch tx := t.native.(type) {
	case *sql.Tx:
		st, err := t.db.rawStmtCache(ctx, tx, q, cache)
		if err != nil {
			return 0, err
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	case pgx.Tx:
		tag, err := tx.Exec(ctx, t.db.rebind(q), args...)
		return tag.RowsAffected(), err
	}
	return 0, fmt.Errorf("store: unknown transaction type %T", t.native)
}

// queryRow runs a one-row query; no row is sql.ErrNoRows.
func (t rawTx) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	switch tx := t.native.(type) {
	case *sql.Tx:
		st, err := t.db.rawStmt(ctx, tx, q)
		if err != nil {
			return err
		}
		return st.QueryRowContext(ctx, args...).Scan(dest...)
	case pgx.Tx:
		return pgErr(tx.QueryRow(ctx, t.db.rebind(q), args...).Scan(dest...))
	}
	return fmt.Errorf("store: unknown transaction type %T", t.native)
}

// rawStmt returns q prepared on the SQLite writer and bound to tx:
// modernc's driver does not cache statements, and parsing dominates small
// inserts. The writer has one connection, held by tx, so a statement seen
// for the first time is prepared for this transaction only, and prepared on
// the writer for later ones by a goroutine that waits for the connection.
// Multi-row inserts, whose text varies with the row count, are never cached.
func (db *DB) rawStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	return db.rawStmtCache(ctx, tx, q, cacheable(q))
}

// cacheable says whether a statement is kept prepared by default: not a
// multi-row one, whose text varies with the row count.
func cacheable(q string) bool { return strings.Count(q, "?") <= 64 }

// rawStmtCache is rawStmt; cache says whether to keep the statement.
func (db *DB) rawStmtCache(ctx context.Context, tx *sql.Tx, q string, cache bool) (*sql.Stmt, error) {
	if v, ok := db.raw.Load(q); ok {
		if st, ok := v.(*sql.Stmt); ok {
			return tx.StmtContext(ctx, st), nil
		}
		return tx.PrepareContext(ctx, q) // being prepared
	}
	if cache {
		if _, loaded := db.raw.LoadOrStore(q, struct{}{}); !loaded {
			go func() {
				st, err := db.w.PrepareContext(context.Background(), q)
				if err != nil {
					db.raw.Delete(q)
					return
				}
				db.raw.Store(q, st)
			}()
		}
	}
	return tx.PrepareContext(ctx, q)
}

// stmt is one statement of execAll.
type stmt struct {
	q    string
	args []any
}

// execAll runs statements in order: on SQLite one by one (cached prepared
// statements make that cheap), on PostgreSQL as one pipelined batch, one
// round trip instead of one per statement.
func (t rawTx) execAll(ctx context.Context, ss []stmt) error {
	if tx, ok := t.native.(pgx.Tx); ok {
		b := &pgx.Batch{}
		for _, s := range ss {
			b.Queue(t.db.rebind(s.q), s.args...)
		}
		return tx.SendBatch(ctx, b).Close()
	}
	for _, s := range ss {
		if _, err := t.exec(ctx, s.q, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// query runs a statement that returns rows inside the transaction.
func (t rawTx) query(ctx context.Context, q string, args ...any) (rows, error) {
	return t.queryStmt(ctx, q, cacheable(q), args)
}

// queryCached is query with the statement kept prepared (see execCached).
func (t rawTx) queryCached(ctx context.Context, q string, args ...any) (rows, error) {
	return t.queryStmt(ctx, q, true, args)
}

func (t rawTx) queryStmt(ctx context.Context, q string, cache bool, args []any) (rows, error) {
	switch tx := t.native.(type) {
	case *sql.Tx:
		st, err := t.db.rawStmtCache(ctx, tx, q, cache)
		if err != nil {
			return nil, err
		}
		r, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		return sqlRows{r}, nil
	case pgx.Tx:
		return tx.Query(ctx, t.db.rebind(q), args...)
	}
	return nil, fmt.Errorf("store: unknown transaction type %T", t.native)
}

// inRawTx runs fn in a write transaction and commits if it returns nil.
func (db *DB) inRawTx(ctx context.Context, fn func(t rawTx) error) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, native any) error {
		return fn(rawTx{db: db, q: q, native: native})
	})
}

type rollupKey struct {
	id, method, endpoint string
	hour                 int64
}

type rollupVal struct {
	calls, errors, sum int64
	min, max           int64 // fastest and slowest call, microseconds
	buckets            [integration.NumLatencyBuckets]int64
}

// callChunk is how many calls go into one multi-row INSERT (11 parameters
// each, below SQLite's 32766 limit and PostgreSQL's 65535).
const callChunk = 500

// WriteAPICalls stores a batch of outbound calls in one transaction: the
// raw rows, their hourly roll-ups (added to existing ones) and the latest
// rate-limit state of each integration that reported one.
func (db *DB) WriteAPICalls(ctx context.Context, calls []outbound.Call) error {
	if len(calls) == 0 {
		return nil
	}
	rollups := map[rollupKey]*rollupVal{}
	limits := map[string]outbound.Call{}
	for _, c := range calls {
		k := rollupKey{c.IntegrationID, c.Method, c.Endpoint, c.At.Truncate(time.Hour).UnixMilli()}
		v := rollups[k]
		if v == nil {
			v = &rollupVal{}
			rollups[k] = v
		}
		us := c.Latency.Microseconds()
		if v.calls == 0 || us < v.min {
			v.min = us
		}
		v.max = max(v.max, us)
		v.calls++
		if c.ErrorKind != "" {
			v.errors++
		}
		v.sum += us
		v.buckets[integration.LatencyBucket(us)]++
		if c.RateLimit.Known {
			if prev, ok := limits[c.IntegrationID]; !ok || !c.At.Before(prev.At) {
				limits[c.IntegrationID] = c
			}
		}
	}
	err := db.inRawTx(ctx, func(t rawTx) error {
		for start := 0; start < len(calls); start += callChunk {
			chunk := calls[start:min(start+callChunk, len(calls))]
			var q strings.Builder
			q.WriteString("INSERT INTO api_calls (integration_id, at, method, endpoint, status, latency_us, error_kind, error, source, attempts) VALUES ")
			args := make([]any, 0, len(chunk)*10)
			for i, c := range chunk {
				if i > 0 {
					q.WriteString(",")
				}
				q.WriteString("(?,?,?,?,?,?,?,?,?,?)")
				args = append(args, c.IntegrationID, c.At.UnixMilli(), c.Method, c.Endpoint, c.Status,
					c.Latency.Microseconds(), c.ErrorKind, c.Error, c.Source, max(c.Attempts, 1))
			}
			if _, err := t.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("store: insert api calls: %w", err)
			}
		}
		// A roll-up written before its latency range was kept (NULL) keeps
		// none: the range of the calls added now would not bound the
		// earlier ones.
		const upsert = `INSERT INTO api_call_rollups (integration_id, hour, method, endpoint, calls, errors, latency_sum_us,
 latency_min_us, latency_max_us, h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14)
 VALUES (?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
 ON CONFLICT (integration_id, hour, method, endpoint) DO UPDATE SET
 calls = api_call_rollups.calls + excluded.calls, errors = api_call_rollups.errors + excluded.errors,
 latency_sum_us = api_call_rollups.latency_sum_us + excluded.latency_sum_us,
 latency_min_us = CASE WHEN api_call_rollups.latency_min_us IS NULL OR api_call_rollups.latency_min_us <= excluded.latency_min_us
  THEN api_call_rollups.latency_min_us ELSE excluded.latency_min_us END,
 latency_max_us = CASE WHEN api_call_rollups.latency_max_us IS NULL OR api_call_rollups.latency_max_us >= excluded.latency_max_us
  THEN api_call_rollups.latency_max_us ELSE excluded.latency_max_us END,
 h00 = api_call_rollups.h00 + excluded.h00, h01 = api_call_rollups.h01 + excluded.h01,
 h02 = api_call_rollups.h02 + excluded.h02, h03 = api_call_rollups.h03 + excluded.h03,
 h04 = api_call_rollups.h04 + excluded.h04, h05 = api_call_rollups.h05 + excluded.h05,
 h06 = api_call_rollups.h06 + excluded.h06, h07 = api_call_rollups.h07 + excluded.h07,
 h08 = api_call_rollups.h08 + excluded.h08, h09 = api_call_rollups.h09 + excluded.h09,
 h10 = api_call_rollups.h10 + excluded.h10, h11 = api_call_rollups.h11 + excluded.h11,
 h12 = api_call_rollups.h12 + excluded.h12, h13 = api_call_rollups.h13 + excluded.h13,
 h14 = api_call_rollups.h14 + excluded.h14`
		for k, v := range rollups {
			args := []any{k.id, k.hour, k.method, k.endpoint, v.calls, v.errors, v.sum, v.min, v.max}
			for _, b := range v.buckets {
				args = append(args, b)
			}
			if _, err := t.exec(ctx, upsert, args...); err != nil {
				return fmt.Errorf("store: upsert api roll-up: %w", err)
			}
		}
		for id, c := range limits {
			var reset *int64
			if !c.RateLimit.Reset.IsZero() {
				r := c.RateLimit.Reset.UnixMilli()
				reset = &r
			}
			_, err := t.exec(ctx, `INSERT INTO api_rate_limits (integration_id, lim, remaining, reset_at, updated_at) VALUES (?,?,?,?,?)
 ON CONFLICT (integration_id) DO UPDATE SET lim = excluded.lim, remaining = excluded.remaining,
 reset_at = excluded.reset_at, updated_at = excluded.updated_at WHERE excluded.updated_at >= api_rate_limits.updated_at`,
				id, c.RateLimit.Limit, c.RateLimit.Remaining, reset, c.At.UnixMilli())
			if err != nil {
				return fmt.Errorf("store: upsert rate limit: %w", err)
			}
		}
		return nil
	})
	return err
}

// rows is the common part of *sql.Rows and pgx.Rows.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() } // read-only query: nothing to report

func (db *DB) query(ctx context.Context, q string, args ...any) (rows, error) {
	if db.dialect == SQLite {
		r, err := db.r.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return sqlRows{r}, nil
	}
	return db.pool.Query(ctx, db.rebind(q), args...)
}

// queryPlanned is query for a statement whose best plan depends on its
// arguments: the lists the API filters by endpoint, subscription, status
// or time. On PostgreSQL it is planned for each call's values. pgx
// prepares statements, and after five runs PostgreSQL may keep a generic
// plan made for no value in particular: for "this endpoint's newest
// deliveries" that walks the whole table backwards, filtering, and for a
// quiet endpoint reads every row (seconds at two million). A plan per call
// costs a fraction of a millisecond.
func (db *DB) queryPlanned(ctx context.Context, q string, args ...any) (rows, error) {
	if db.planned != nil {
		db.planned(q, args)
	}
	if db.dialect == SQLite {
		return db.query(ctx, q, args...)
	}
	return db.pool.Query(ctx, db.rebind(q), append([]any{pgx.QueryExecModeExec}, args...)...)
}

// scanOne reads the row r holds into dest, and closes r.
func scanOne(r rows, dest ...any) error {
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.Scan(dest...); err != nil {
		return err
	}
	return r.Err()
}

// APIUsage implements integration.Store.
func (db *DB) APIUsage(ctx context.Context, id string, since, now time.Time) (integration.APIUsage, error) {
	var u integration.APIUsage
	r, err := db.queryPlanned(ctx, `SELECT method, endpoint, calls, errors, latency_sum_us, latency_min_us, latency_max_us,
 h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14
 FROM api_call_rollups WHERE integration_id = ? AND hour >= ? AND hour <= ?`, id, since.UnixMilli(), now.UnixMilli())
	if err != nil {
		return u, fmt.Errorf("store: api roll-ups: %w", err)
	}
	byKey := map[[2]string]*integration.EndpointUsage{}
	for r.Next() {
		var e integration.EndpointUsage
		var lo, hi *int64
		dest := []any{&e.Method, &e.Endpoint, &e.Calls, &e.Errors, &e.LatencySumUs, &lo, &hi}
		for i := range e.Buckets {
			dest = append(dest, &e.Buckets[i])
		}
		if err := r.Scan(dest...); err != nil {
			r.Close()
			return u, fmt.Errorf("store: api roll-ups: %w", err)
		}
		if lo != nil && hi != nil {
			e.Range = &integration.LatencyRange{MinUs: *lo, MaxUs: *hi}
		}
		k := [2]string{e.Method, e.Endpoint}
		if cur := byKey[k]; cur != nil {
			cur.Range = cur.Range.Merge(e.Range)
			cur.Calls += e.Calls
			cur.Errors += e.Errors
			cur.LatencySumUs += e.LatencySumUs
			for i, n := range e.Buckets {
				cur.Buckets[i] += n
			}
			continue
		}
		byKey[k] = &e
	}
	r.Close()
	if err := r.Err(); err != nil {
		return u, fmt.Errorf("store: api roll-ups: %w", err)
	}
	for _, e := range byKey {
		u.Endpoints = append(u.Endpoints, *e)
	}

	// From the api_calls_errors partial index (the errors are few).
	r, err = db.queryPlanned(ctx, `SELECT at, method, endpoint, status, error_kind, error, latency_us, source
 FROM api_calls WHERE integration_id = ? AND at >= ? AND error_kind <> '' ORDER BY at DESC LIMIT 10`, id, since.UnixMilli())
	if err != nil {
		return u, fmt.Errorf("store: recent api errors: %w", err)
	}
	for r.Next() {
		var e integration.APICallError
		var at, lat int64
		if err := r.Scan(&at, &e.Method, &e.Endpoint, &e.Status, &e.ErrorKind, &e.Error, &lat, &e.Source); err != nil {
			r.Close()
			return u, fmt.Errorf("store: recent api errors: %w", err)
		}
		e.At, e.LatencyMs = fromMS(at), float64(lat)/1000
		u.RecentErrors = append(u.RecentErrors, e)
	}
	r.Close()
	if err := r.Err(); err != nil {
		return u, fmt.Errorf("store: recent api errors: %w", err)
	}

	r, err = db.query(ctx, `SELECT lim, remaining, reset_at, updated_at FROM api_rate_limits WHERE integration_id = ?`, id)
	if err != nil {
		return u, fmt.Errorf("store: rate limit: %w", err)
	}
	defer r.Close()
	if r.Next() {
		var rl integration.RateLimitInfo
		var reset *int64
		var updated int64
		if err := r.Scan(&rl.Limit, &rl.Remaining, &reset, &updated); err != nil {
			return u, fmt.Errorf("store: rate limit: %w", err)
		}
		rl.ResetAt, rl.UpdatedAt = fromMSPtr(reset), fromMS(updated)
		if rl.Limit > 0 {
			p := float64(rl.Limit-rl.Remaining) / float64(rl.Limit) * 100
			p = float64(int64(p*10)) / 10
			rl.UsedPercent = &p
		}
		u.RateLimit = &rl
	}
	return u, r.Err()
}

// PurgeAPIMetrics removes raw calls before callsBefore and roll-ups before
// rollupsBefore, in batches so that the writer is never held for long, and
// returns how many rows went.
func (db *DB) PurgeAPIMetrics(ctx context.Context, callsBefore, rollupsBefore time.Time) (int64, error) {
	var total int64
	for _, st := range []struct {
		q string
		t time.Time
	}{
		{`DELETE FROM api_calls WHERE id IN (SELECT id FROM api_calls WHERE at < ? LIMIT 5000)`, callsBefore},
		{`DELETE FROM api_call_rollups WHERE hour < ?`, rollupsBefore},
	} {
		for {
			var n int64
			if db.dialect == SQLite {
				res, err := db.w.ExecContext(ctx, st.q, st.t.UnixMilli())
				if err != nil {
					return total, fmt.Errorf("store: purge api metrics: %w", err)
				}
				n, _ = res.RowsAffected() // SQLite always reports it
			} else {
				// Planned for its value: the generic plan of the batched
				// DELETE hashes every call kept, for each batch.
				tag, err := db.pool.Exec(ctx, db.rebind(st.q), pgx.QueryExecModeExec, st.t.UnixMilli())
				if err != nil {
					return total, fmt.Errorf("store: purge api metrics: %w", err)
				}
				n = tag.RowsAffected()
			}
			total += n
			if n < 5000 || !strings.Contains(st.q, "LIMIT") {
				break
			}
		}
	}
	return total, nil
}

// IntegrationsChangeCounter implements integration.Store.
func (db *DB) IntegrationsChangeCounter(ctx context.Context) (int64, error) {
	n, err := db.qr.GetChangeCounter(ctx, "integrations")
	if err != nil {
		return 0, fmt.Errorf("store: change counter: %w", err)
	}
	return n, nil
}
