// Package store is ihub's persistence: one store over two engines, SQLite
// (the embedded default, a single file in the data directory) and
// PostgreSQL (for production and several replicas). Queries are generated
// by sqlc once per dialect from the same SQL; the PostgreSQL package is
// adapted to the SQLite package's interface (pgquerier_gen.go), so every
// method below is written once. Migrations are embedded, numbered per
// dialect with matching versions, and run on Open.
//
// Store methods take ctx first, return apperr NotFound for missing rows and
// apperr Conflict for uniqueness violations, and commit each write together
// with its audit entry and the jobs it causes.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"ihub/internal/apperr"
	"ihub/internal/config"
	"ihub/internal/jobqueue"
	"ihub/internal/store/internal/pgdb"
	"ihub/internal/store/internal/sqlitedb"
)

//go:embed migrations
var migrations embed.FS

// Dialect names a database engine.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configures Open.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://; empty selects SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file (ihub.db). Created if missing.
	DataDir string
	// SQLiteSynchronous is the SQLite synchronous pragma: NORMAL (default:
	// survives a process crash, may lose the last commits on power loss) or
	// FULL (survives power loss, costs an fsync per commit).
	SQLiteSynchronous string
	// MaxConns caps the PostgreSQL pool (default 16) and the SQLite reader
	// pool (default 2×CPUs, at least 4).
	MaxConns int
	Logger   *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DB is the store. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	// SQLite: one writer connection (SQLite allows one writer at a time;
	// funnelling writes through one connection avoids SQLITE_BUSY) and a
	// pool of readers (WAL lets them run beside the writer).
	w, r *sql.DB
	// PostgreSQL.
	pool *pgxpool.Pool

	qw, qr sqlitedb.Querier
	// SQLite: the writer's prepared statements, bound to transactions.
	pw    *sqlitedb.Queries
	lists listCache
	subs  subsCache
	// raw holds the SQLite writer's prepared statements for hand-written
	// SQL (metrics, webhooks), by query text.
	raw sync.Map
	// rawRead holds the SQLite readers' prepared statements for the few
	// fixed reads made on every dispatch wake-up (see readStmt).
	rawRead sync.Map
	queue   *jobqueue.Queue
	// planned, when set (by tests), sees each queryPlanned statement and
	// its arguments, so that its plan can be examined.
	planned func(q string, args []any)
	log     *slog.Logger
	now     func() time.Time
	path    string
	// settled (PostgreSQL) is an event id up to which every missing id is
	// known to be final: rolled back or burnt, never to commit (see
	// gapWait).
	settled atomic.Int64
}

// IsPostgresURL reports whether u selects PostgreSQL.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open connects, migrates the schema (ihub's and River's) and returns the
// store. On PostgreSQL, replicas starting together serialize their
// migrations on an advisory lock.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var (
		db  *DB
		err error
	)
	switch {
	case o.DatabaseURL == "":
		db, err = openSQLite(ctx, o)
	case IsPostgresURL(o.DatabaseURL):
		db, err = openPostgres(ctx, o)
	default:
		return nil, errors.New("store: database URL must start with postgres:// or postgresql:// (or be empty for SQLite)")
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect == SQLite {
		// Prepared once the schema exists; database/sql re-prepares each
		// statement on every pooled connection that runs it.
		if db.pw, err = sqlitedb.Prepare(ctx, db.w); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: prepare queries: %w", err)
		}
		qr, err := sqlitedb.Prepare(ctx, db.r)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: prepare queries: %w", err)
		}
		db.qw, db.qr = db.pw, qr
	}
	return db, nil
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	if o.DataDir == "" {
		return nil, errors.New("store: a data directory is required for SQLite")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	sync := strings.ToUpper(o.SQLiteSynchronous)
	if sync == "" {
		sync = "NORMAL"
	}
	if sync != "NORMAL" && sync != "FULL" {
		return nil, fmt.Errorf("store: SQLite synchronous must be NORMAL or FULL, not %q", o.SQLiteSynchronous)
	}
	path := filepath.Join(o.DataDir, "ihub.db")
	// Pragmas run in the order given, on every new connection:
	//  - busy_timeout first, so that the pragmas after it wait for a lock
	//    held by another connection instead of failing at once;
	//  - WAL: readers never block the writer and the writer never blocks
	//    readers;
	//  - synchronous: see Options.SQLiteSynchronous;
	//  - foreign_keys: SQLite leaves them off unless asked;
	//  - temp_store: sorts and temporary indexes in memory.
	// _txlock=immediate makes BEGIN take the write lock up front, so a
	// transaction never fails half-way when upgrading from read to write.
	dsn := func(extra string) string {
		v := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(" + sync + ")",
			"foreign_keys(ON)", "temp_store(MEMORY)"} {
			v.Add("_pragma", p)
		}
		if extra != "" {
			v.Add("_pragma", extra)
		}
		v.Set("_txlock", "immediate")
		return "file:" + path + "?" + v.Encode()
	}
	if err := createSQLite(ctx, path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	readers := o.MaxConns
	if readers <= 0 {
		readers = max(4, 2*runtime.NumCPU())
	}
	// Readers are query_only: a write through them is a bug and fails.
	r, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// The database holds sealed credentials and password hashes: keep the
	// file and its -wal/-shm companions private to the user running ihub.
	// SQLite gives the companions the file's mode when it creates them, and
	// createSQLite makes a new file 0600 before SQLite opens it; companions
	// left readable by an older ihub are mended here.
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(f, 0o600); err != nil && (f == path || !errors.Is(err, os.ErrNotExist)) {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("store: chmod %s: %w", f, err)
		}
	}
	return &DB{dialect: SQLite, w: w, r: r, log: o.Logger, now: o.Now, path: path}, nil
}

// newPageSize is the page size of a new SQLite database. Webhook ingest
// writes a few KiB per delivery, and the WAL writes each changed page with
// two system calls: with 16 KiB pages a group commit writes a quarter of
// the frames it writes with SQLite's default 4 KiB, which cut the writer's
// time per delivery by about a quarter (BenchmarkInsertDeliveries) and the
// server's CPU time per webhook by about 14 %. An existing database keeps
// its page size (changing it takes a VACUUM outside WAL mode; see
// docs/operations.md).
const newPageSize = 16384

// createSQLite creates the database file with newPageSize pages in WAL mode
// if it does not exist yet. The page size has to be set before the first
// write, and modernc runs the DSN's pragmas sorted by name, so journal_mode
// would come first.
func createSQLite(ctx context.Context, path string) error {
	if st, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) && (err != nil || st.Size() > 0) {
		return nil // there, or for Open to report; an empty one was cut short here
	}
	// Created empty and private first: SQLite takes an empty file for a
	// new database, and gives the -wal and -shm files it creates the
	// database file's mode (under umask 022 they were world-readable).
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=page_size("+strconv.Itoa(newPageSize)+")")
	if err == nil {
		_, err = c.ExecContext(ctx, "PRAGMA journal_mode=WAL")
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	return nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	if config.UnencodedAt(o.DatabaseURL) {
		// pgx takes the first "@" as the end of the password and would
		// name the rest of it as the host in its errors.
		return nil, config.Invalid(errors.New("store: the PostgreSQL URL cannot be parsed: write an @ in the user name or password as %40"))
	}
	cfg, err := pgxpool.ParseConfig(o.DatabaseURL)
	if err != nil {
		return nil, config.Invalid(errors.New("store: the PostgreSQL URL cannot be parsed" + parseReason(err, o.DatabaseURL)))
	}
	cfg.MaxConns = 16
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(o.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", redactURL(err, o.DatabaseURL))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL at %s: %w", cfg.ConnConfig.Host, redactURL(err, o.DatabaseURL))
	}
	q := pgQuerier{pgdb.New(pool)}
	return &DB{dialect: Postgres, pool: pool, qw: q, qr: q, log: o.Logger, now: o.Now}, nil
}

// parseReason is why pgx refused a URL (": invalid sslmode", ": failed to
// configure TLS (open /x: no such file or directory)"), or "" when the
// reason could hold the URL: pgx's message quotes the whole URL, and a
// URL it could not take apart may keep its password there.
func parseReason(err error, raw string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ""
	}
	s := err.Error()
	i := strings.Index(s, "`: ")
	if i < 0 {
		return ""
	}
	reason := s[i+3:]
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" && strings.Contains(reason, pw) {
				return ""
			}
		}
	}
	return ": " + reason
}

// redactURL keeps a password from reaching logs through a driver error.
func redactURL(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil || u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}

// migrationLock is the PostgreSQL advisory lock key that serializes schema
// migrations across replicas ("ihub" in ASCII).
const migrationLock = 0x69687562

func (db *DB) migrate(ctx context.Context) error {
	switch db.dialect {
	case SQLite:
		if err := runGoose(ctx, goose.DialectSQLite3, db.w, "migrations/sqlite", db.log); err != nil {
			return err
		}
		return jobqueue.MigrateSQLite(ctx, db.w)
	default:
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("store: migrate: take lock: %w", err)
		}
		defer func() {
			if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
				db.log.Warn("could not release the migration lock; it goes with the connection", "error", err)
			}
		}()
		sqlDB := stdlib.OpenDBFromPool(db.pool)
		defer sqlDB.Close()
		if err := runGoose(ctx, goose.DialectPostgres, sqlDB, "migrations/postgres", db.log); err != nil {
			return err
		}
		return jobqueue.MigratePostgres(ctx, db.pool)
	}
}

func runGoose(ctx context.Context, dialect goose.Dialect, sqlDB *sql.DB, dir string, log *slog.Logger) error {
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys, goose.WithTableName("ihub_schema_migrations"))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	// The migrations run before anything answers (webhooks wait), and one
	// may take seconds per million rows (docs/operations.md): say what
	// start-up is doing first. A new database has no version table yet
	// (GetVersions fails): its schema is made in milliseconds.
	if current, target, err := p.GetVersions(ctx); err == nil && target > current {
		log.Info("applying schema migrations; on a large database this can take a while", "from", current, "to", target)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// AttachQueue gives the store the job queue that writes enqueue into. It is
// called once by the composition root, before the store is used.
func (db *DB) AttachQueue(q *jobqueue.Queue) { db.queue = q }

// NewQueue builds a job queue on this store's engine.
func (db *DB) NewQueue(cfg jobqueue.Config) (*jobqueue.Queue, error) {
	if db.dialect == SQLite {
		return jobqueue.NewSQLite(db.w, cfg)
	}
	return jobqueue.NewPostgres(db.pool, cfg)
}

// Dialect returns the engine in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// Path returns the SQLite file path ("" on PostgreSQL).
func (db *DB) Path() string { return db.path }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if db.dialect == SQLite {
		return db.r.PingContext(ctx)
	}
	return db.pool.Ping(ctx)
}

// Close releases the connections.
func (db *DB) Close() {
	if db.dialect == SQLite {
		db.rawRead.Range(func(_, v any) bool {
			_ = v.(*sql.Stmt).Close() // the readers close next
			return true
		})
		if err := db.r.Close(); err != nil {
			db.log.Warn("closing SQLite readers", "error", err)
		}
		if err := db.w.Close(); err != nil {
			db.log.Warn("closing SQLite writer", "error", err)
		}
		return
	}
	db.pool.Close()
}

// inTx runs fn in a write transaction and commits if fn returns nil. fn
// gets the queries bound to the transaction and the engine's native
// transaction (for enqueuing jobs).
func (db *DB) inTx(ctx context.Context, fn func(q sqlitedb.Querier, native any) error) error {
	if db.dialect == SQLite {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		if err := fn(db.pw.WithTx(tx), tx); err != nil {
			_ = tx.Rollback() // the error that made us roll back is the one to report
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: commit: %w", err)
		}
		return nil
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return fn(pgQuerier{pgdb.New(tx)}, tx)
	})
}

// enqueue inserts jobs in the transaction native belongs to.
func (db *DB) enqueue(ctx context.Context, native any, jobs []jobqueue.Args) error {
	if len(jobs) == 0 {
		return nil
	}
	if db.queue == nil {
		return errors.New("store: jobs to enqueue but no queue attached")
	}
	for _, j := range jobs {
		if err := db.queue.InsertTx(ctx, native, j, nil); err != nil {
			return err
		}
	}
	return nil
}

// pgErr makes PostgreSQL's no-rows error the same value SQLite's queries
// return, so that callers check one sentinel.
func pgErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// isUnique reports whether err is a uniqueness violation on either engine.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// notFound maps sql.ErrNoRows to an apperr NotFound with msg.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf(format, args...)
	}
	return err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromMSPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMS(*v)
	return &t
}

func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}
