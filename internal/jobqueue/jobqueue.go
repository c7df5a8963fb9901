// Package jobqueue is ihub's background work runtime: a thin wrapper over
// River so that the rest of ihub never imports River directly and the choice
// can change. Jobs are enqueued inside the caller's database transaction
// (InsertTx), so a job exists if and only if the write that caused it
// committed. The same code runs on SQLite (riversqlite) and PostgreSQL
// (riverpgxv5); on PostgreSQL any number of replicas share the queue and
// each job is worked once.
package jobqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Args is a job's arguments. Kind is the stable job-kind name; the value is
// stored as JSON, so fields must be exported and must never hold secrets.
type Args interface{ Kind() string }

// Job is one attempt at a job.
type Job[T Args] struct {
	ID      int64
	Attempt int
	Args    T
}

// Workers is the registry of job handlers, keyed by Args.Kind. Build it
// before New; adding the same kind twice panics.
type Workers struct{ w *river.Workers }

// NewWorkers returns an empty registry.
func NewWorkers() *Workers { return &Workers{w: river.NewWorkers()} }

// Register adds fn as the handler of jobs with args of type T. fn must
// respect ctx (it is cancelled on shutdown or timeout). A nil error completes
// the job; Cancel(err) fails it for good; Snooze(d) retries after d without
// using an attempt; any other error retries with backoff.
func Register[T Args](ws *Workers, fn func(ctx context.Context, job *Job[T]) error, timeout time.Duration) {
	river.AddWorker(ws.w, &worker[T]{fn: fn, timeout: timeout})
}

type worker[T Args] struct {
	river.WorkerDefaults[T]
	fn      func(context.Context, *Job[T]) error
	timeout time.Duration
}

func (w *worker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

func (w *worker[T]) Work(ctx context.Context, j *river.Job[T]) error {
	return w.fn(ctx, &Job[T]{ID: j.ID, Attempt: j.Attempt, Args: j.Args})
}

// Cancel marks err as permanent: the job is not retried.
func Cancel(err error) error { return river.JobCancel(err) }

// Snooze asks for the job to run again after d without using an attempt.
func Snooze(d time.Duration) error { return river.JobSnooze(d) }

// InsertOpts tunes one insertion. The zero value is fine.
type InsertOpts struct {
	MaxAttempts int
	// UniqueByArgs, when set, makes a second insertion with equal args a
	// no-op while the first job is not yet completed.
	UniqueByArgs bool
	ScheduledAt  time.Time
}

func (o *InsertOpts) river() *river.InsertOpts {
	if o == nil {
		return nil
	}
	ro := &river.InsertOpts{MaxAttempts: o.MaxAttempts, ScheduledAt: o.ScheduledAt}
	if o.UniqueByArgs {
		ro.UniqueOpts = river.UniqueOpts{ByArgs: true}
	}
	return ro
}

// Config configures a Queue.
type Config struct {
	Workers *Workers
	Logger  *slog.Logger
	// MaxWorkers is the number of jobs worked at once (default 10).
	MaxWorkers int
	// Paused makes the queue insert-only: it never works jobs (CLI use).
	Paused bool
	// Periodic jobs are enqueued every Interval (and once at start) by the
	// elected leader only, so with several replicas each runs once per tick.
	Periodic []Periodic
}

// Periodic is a job enqueued on a fixed interval.
type Periodic struct {
	Interval time.Duration
	Args     func() Args
}

// Queue inserts and works jobs on one database engine.
type Queue struct {
	sqlite *river.Client[*sql.Tx]
	pg     *river.Client[pgx.Tx]
}

func (c Config) river() *river.Config {
	rc := &river.Config{JobTimeout: time.Minute, Logger: slog.New(slog.DiscardHandler)}
	if c.Logger != nil {
		rc.Logger = slog.New(canceledIsNoError{c.Logger.Handler()})
	}
	if !c.Paused && c.Workers != nil {
		n := c.MaxWorkers
		if n <= 0 {
			n = 10
		}
		rc.Workers = c.Workers.w
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		for _, p := range c.Periodic {
			mk := p.Args
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(p.Interval),
				func() (river.JobArgs, *river.InsertOpts) { return mk(), nil },
				&river.PeriodicJobOpts{RunOnStart: true}))
		}
	}
	return rc
}

// NewSQLite returns a queue on a SQLite database. db should be the store's
// single-writer pool: River's SQLite driver expects one connection.
func NewSQLite(db *sql.DB, cfg Config) (*Queue, error) {
	c, err := river.NewClient(riversqlite.New(db), cfg.river())
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	return &Queue{sqlite: c}, nil
}

// NewPostgres returns a queue on a PostgreSQL pool.
func NewPostgres(pool *pgxpool.Pool, cfg Config) (*Queue, error) {
	c, err := river.NewClient(riverpgxv5.New(pool), cfg.river())
	if err != nil {
		return nil, fmt.Errorf("jobqueue: %w", err)
	}
	return &Queue{pg: c}, nil
}

// InsertTx enqueues a job inside tx, which must be the native transaction
// of the queue's engine (*sql.Tx for SQLite, pgx.Tx for PostgreSQL). The job
// becomes visible when tx commits and vanishes if it rolls back.
func (q *Queue) InsertTx(ctx context.Context, tx any, args Args, opts *InsertOpts) error {
	var err error
	switch t := tx.(type) {
	case *sql.Tx:
		if q.sqlite == nil {
			return errors.New("jobqueue: a *sql.Tx was given to a PostgreSQL queue")
		}
		_, err = q.sqlite.InsertTx(ctx, t, args, opts.river())
	case pgx.Tx:
		if q.pg == nil {
			return errors.New("jobqueue: a pgx.Tx was given to a SQLite queue")
		}
		_, err = q.pg.InsertTx(ctx, t, args, opts.river())
	default:
		return fmt.Errorf("jobqueue: unsupported transaction type %T", tx)
	}
	if err != nil {
		return fmt.Errorf("jobqueue: insert %s: %w", args.Kind(), err)
	}
	return nil
}

// Start begins working jobs. It returns once the queue is running; work
// stops when Stop is called (not when ctx ends).
func (q *Queue) Start(ctx context.Context) error {
	var err error
	if q.sqlite != nil {
		err = q.sqlite.Start(context.WithoutCancel(ctx))
	} else {
		err = q.pg.Start(context.WithoutCancel(ctx))
	}
	if err != nil {
		return fmt.Errorf("jobqueue: start: %w", err)
	}
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish, until
// ctx ends; then running jobs are cancelled and Stop waits for them to
// return. It is safe to call on a queue that never started.
func (q *Queue) Stop(ctx context.Context) error {
	var err error
	if q.sqlite != nil {
		err = q.sqlite.Stop(ctx)
		if ctx.Err() != nil {
			err = q.sqlite.StopAndCancel(context.Background())
		}
	} else {
		err = q.pg.Stop(ctx)
		if ctx.Err() != nil {
			err = q.pg.StopAndCancel(context.Background())
		}
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobqueue: stop: %w", err)
	}
	return nil
}

// MigrateSQLite brings River's own tables up to date on a SQLite database.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("jobqueue: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobqueue: migrate: %w", err)
	}
	return nil
}

// MigratePostgres brings River's own tables up to date on PostgreSQL. The
// caller serializes concurrent replicas (the store holds an advisory lock).
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("jobqueue: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobqueue: migrate: %w", err)
	}
	return nil
}

// PendingSQLite reports whether River's SQLite schema needs migrations.
func PendingSQLite(ctx context.Context, db *sql.DB) (bool, error) {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return false, err
	}
	return pending(ctx, m.ExistingVersions, m.AllVersions())
}

// PendingPostgres reports whether River's PostgreSQL schema needs migrations.
func PendingPostgres(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return false, err
	}
	return pending(ctx, m.ExistingVersions, m.AllVersions())
}

func pending(ctx context.Context, existing func(context.Context) ([]rivermigrate.Migration, error), all []rivermigrate.Migration) (bool, error) {
	have, err := existing(ctx)
	if err != nil {
		return false, fmt.Errorf("jobqueue: migration versions: %w", err)
	}
	return len(have) < len(all), nil
}

// canceledIsNoError passes River's log records on, except that an error
// record whose error is a cancelled context (River's maintenance loops
// stopped by a shutdown mid-step) goes at debug level: a normal restart
// must not log errors.
type canceledIsNoError struct{ slog.Handler }

func (h canceledIsNoError) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		canceled := false
		r.Attrs(func(a slog.Attr) bool {
			switch v := a.Value.Any().(type) {
			case error:
				canceled = errors.Is(v, context.Canceled)
			case string: // River logs some errors as their text
				canceled = strings.HasSuffix(v, context.Canceled.Error())
			}
			return !canceled
		})
		if canceled {
			if !h.Enabled(ctx, slog.LevelDebug) {
				return nil
			}
			d := slog.NewRecord(r.Time, slog.LevelDebug, r.Message, r.PC)
			r.Attrs(func(a slog.Attr) bool { d.AddAttrs(a); return true })
			r = d
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h canceledIsNoError) WithAttrs(as []slog.Attr) slog.Handler {
	return canceledIsNoError{h.Handler.WithAttrs(as)}
}

func (h canceledIsNoError) WithGroup(name string) slog.Handler {
	return canceledIsNoError{h.Handler.WithGroup(name)}
}
