package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// VacuumMinDead is the number of dead row versions in
// subscription_attempts from which VacuumAttempts vacuums it (or 2 % of
// its live rows, if more).
const VacuumMinDead = 10_000

// vacuumLockKey is the advisory lock replicas take to vacuum one at a time.
const vacuumLockKey int64 = 0x69687562_00000001 // "ihub" in the high half, 1 in the low

// VacuumAttempts vacuums subscription_attempts on PostgreSQL when its dead
// row versions number at least minDead and 2 % of its live rows, and
// reports whether it did. Every attempt is inserted, leased and settled;
// each step leaves a dead entry in the partial index of due attempts, with
// a key that sorts before every live one, and only VACUUM removes them: the
// dispatcher's look for due work, made on every wake-up, walks them all.
// Measured on this project's test server, which runs with autovacuum off:
// that look took 7–13 ms over 134,000 dead entries (0.3 ms after a
// VACUUM), and ingest-to-delivery at 1,000 webhooks/s went from 27 ms to
// 1.4–3.2 s after 80,000 deliveries. Autovacuum's default threshold (20 %
// of the table) lets them pile up too. The index cleanup is forced: with
// PostgreSQL's default a VACUUM may skip the indexes when few pages hold
// dead rows, which is exactly this case. The 2 % floor keeps the cost of
// those index scans, which grows with the table, in proportion to the
// attempts made. One replica vacuums at a time; the others skip. On SQLite
// it does nothing: an update there leaves no dead version behind.
func (db *DB) VacuumAttempts(ctx context.Context, minDead int64) (bool, error) {
	if db.dialect != Postgres {
		return false, nil
	}
	var live, dead int64
	err := db.pool.QueryRow(ctx, `SELECT COALESCE(n_live_tup, 0), COALESCE(n_dead_tup, 0) FROM pg_stat_user_tables
 WHERE relid = 'subscription_attempts'::regclass`).Scan(&live, &dead)
	if err != nil {
		return false, fmt.Errorf("store: dead attempts: %w", pgErr(err))
	}
	if dead < max(minDead, live/50) {
		return false, nil
	}
	did, err := db.maintain(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, `VACUUM (INDEX_CLEANUP ON, ANALYZE, SKIP_LOCKED) subscription_attempts`)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: vacuum attempts: %w", pgErr(err))
	}
	return did, nil
}

// maintain runs fn on a connection holding the maintenance lock, and
// reports whether it ran: one replica maintains at a time, the others skip.
func (db *DB) maintain(ctx context.Context, fn func(c *pgxpool.Conn) error) (bool, error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer c.Release()
	var locked bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, vacuumLockKey).Scan(&locked); err != nil {
		return false, err
	}
	if !locked {
		return false, nil // another replica is at it
	}
	defer func() {
		// A fresh context: the lock must not outlive a cancelled caller
		// on a pooled connection.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := c.Exec(uctx, `SELECT pg_advisory_unlock($1)`, vacuumLockKey); err != nil {
			c.Conn().Close(uctx) //nolint:errcheck // dropping the session drops its lock
		}
	}()
	return true, fn(c)
}

// hotTables are the tables that grow with traffic and that ingest and the
// dispatcher read at every step.
var hotTables = []string{"webhook_deliveries", "webhook_events", "subscription_attempts"}

// AnalyzeMinInterval is how long AnalyzeStale leaves a table alone after an
// analysis unless its rows doubled since.
const AnalyzeMinInterval = time.Minute

// AnalyzeStale runs ANALYZE on PostgreSQL for each hot table whose rows
// changed by at least 1,000 and a tenth since it was last analyzed, and
// returns the tables it analyzed. Autovacuum does the same within a
// minute, when it is on. Until then, a plan PostgreSQL made while a table
// was small and keeps for a pooled connection's prepared statement (pgx
// prepares every one) stays as it was: on a fresh database the
// dispatcher's join of claimed events to their deliveries read every
// delivery, at every step, until an ANALYZE invalidated it.
//
// A table analyzed less than minInterval ago waits, unless its rows
// changed by as many as it had then (1,000 and half its rows now): an
// ANALYZE samples 30,000 rows, a few hundred milliseconds of a core, and a
// table growing by a tenth every few seconds (a fresh database under load)
// was analyzed at every check, a tenth of a core taken from ingest.
// Doubling still replans within one check, which is what a small table's
// plans need.
//
// One replica at a time (the vacuum lock). SKIP_LOCKED: a table
// autovacuum is working on is left to it (waiting for it would cancel its
// run), and so is one the database user does not own (PostgreSQL skips it
// with a warning); the next check tries again. On SQLite it does nothing.
func (db *DB) AnalyzeStale(ctx context.Context, minInterval time.Duration) ([]string, error) {
	if db.dialect != Postgres {
		return nil, nil
	}
	var stale []string
	r, err := db.pool.Query(ctx, `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()
 AND relname = ANY($1) AND n_mod_since_analyze >= 1000 + n_live_tup / 10
 AND (2 * n_mod_since_analyze >= 1000 + n_live_tup
  OR COALESCE(GREATEST(last_analyze, last_autoanalyze), '-infinity') < now() - make_interval(secs => $2))
 ORDER BY relname`, hotTables, minInterval.Seconds())
	if err != nil {
		return nil, fmt.Errorf("store: table statistics: %w", pgErr(err))
	}
	for r.Next() {
		var name string
		if err := r.Scan(&name); err != nil {
			r.Close()
			return nil, err
		}
		stale = append(stale, name)
	}
	r.Close()
	if err := r.Err(); err != nil || len(stale) == 0 {
		return nil, err
	}
	did, err := db.maintain(ctx, func(c *pgxpool.Conn) error {
		for _, t := range stale {
			if _, err := c.Exec(ctx, `ANALYZE (SKIP_LOCKED) `+pgx.Identifier{t}.Sanitize()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: analyze: %w", pgErr(err))
	}
	if !did {
		return nil, nil
	}
	return stale, nil
}
