package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/pressly/goose/v3"
)

// OwnerLockSpace is the first key of the dispatchers' presence locks, for
// tests that look them up in pg_locks.
const OwnerLockSpace = ownerLockSpace

// MigrateSQLiteUpTo applies the SQLite migrations up to version, for tests
// of a later migration on the data an earlier schema holds.
func MigrateSQLiteUpTo(ctx context.Context, sqlDB *sql.DB, version int64) error {
	fsys, err := fs.Sub(migrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, sqlDB, fsys, goose.WithTableName("ihub_schema_migrations"))
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateUpTo applies the migrations of o's engine up to version on the
// database o names (which store.Open then takes on from there), for tests
// of a later migration on the data an earlier schema holds.
func MigrateUpTo(ctx context.Context, o Options, version int64) error {
	dialect, dir, driver, dsn := goose.DialectSQLite3, "migrations/sqlite", "sqlite",
		"file:"+filepath.Join(o.DataDir, "ihub.db")+"?_pragma=foreign_keys(ON)&_pragma=journal_mode(WAL)"
	if IsPostgresURL(o.DatabaseURL) {
		dialect, dir, driver, dsn = goose.DialectPostgres, "migrations/postgres", "pgx", o.DatabaseURL
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	sqlDB, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys, goose.WithTableName("ihub_schema_migrations"))
	if err == nil {
		_, err = p.UpTo(ctx, version)
	}
	return errors.Join(err, sqlDB.Close())
}

// The dispatcher's per-step queries, for TestDispatchQueriesAtScale.
const (
	NewEventsQuery = newEventsQuery
	DueQuery       = dueQuery
)

// SubsLookAge is how old the dispatcher's look at the subscriptions may be.
const SubsLookAge = subsLookAge

// ClaimQuery is claimTx's statement on dialect d.
func ClaimQuery(d Dialect) string { return claimQuery(d) }

// The statements of ScanEvents, for TestEventScanQueriesAtScale: the scan
// of what a filter matches on, and the read of the matching events by id
// on dialect d.
const EventScanQuery = eventScanQuery

func EventsByIDQuery(d Dialect) string { return eventsQuery((&DB{dialect: d}).eventsByIDWhere()) }

// PurgeBatchQuery is PurgeDeliveries' hourly select.
const PurgeBatchQuery = purgeBatchQuery

// TracePlanned hands fn each statement db plans per call (queryPlanned).
func TracePlanned(db *DB, fn func(q string, args []any)) { db.planned = fn }

// RebindPostgres spells q's ? placeholders as PostgreSQL's $n.
func RebindPostgres(q string) string { return (&DB{dialect: Postgres}).rebind(q) }

// DeleteAttemptsInOneTx deletes a subscription's attempts in one
// transaction of the writer, as DeleteSubscription did before version 17:
// BenchmarkDeleteSubscription's baseline.
func (db *DB) DeleteAttemptsInOneTx(ctx context.Context, id string) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		_, err := t.exec(ctx, `DELETE FROM subscription_attempts WHERE subscription_id = ?`, id)
		return err
	})
}
