package jobqueue_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"

	"ihub/internal/jobqueue"
	"ihub/internal/store/storetest"
)

type countArgs struct {
	N int `json:"n"`
}

func (countArgs) Kind() string { return "test.count" }

// engine gives queues and transactions on one fresh database.
type engine struct {
	newQueue func(cfg jobqueue.Config) *jobqueue.Queue
	// inTx runs fn in a transaction and commits unless rollback is set.
	inTx func(fn func(tx any) error, rollback bool) error
}

func engines(t *testing.T) map[string]engine {
	t.Helper()
	ctx := context.Background()
	out := map[string]engine{}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "q.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if err := jobqueue.MigrateSQLite(ctx, db); err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = engine{
		newQueue: func(cfg jobqueue.Config) *jobqueue.Queue {
			q, err := jobqueue.NewSQLite(db, cfg)
			if err != nil {
				t.Fatal(err)
			}
			return q
		},
		inTx: func(fn func(any) error, rollback bool) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := fn(tx); err != nil || rollback {
				tx.Rollback()
				return err
			}
			return tx.Commit()
		},
	}
	for _, e := range storetest.Engines(t) {
		if e.Name != "postgres" {
			continue
		}
		pool, err := pgxpool.New(ctx, e.Options(t).DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		if err := jobqueue.MigratePostgres(ctx, pool); err != nil {
			t.Fatal(err)
		}
		out["postgres"] = engine{
			newQueue: func(cfg jobqueue.Config) *jobqueue.Queue {
				q, err := jobqueue.NewPostgres(pool, cfg)
				if err != nil {
					t.Fatal(err)
				}
				return q
			},
			inTx: func(fn func(any) error, rollback bool) error {
				tx, err := pool.Begin(ctx)
				if err != nil {
					return err
				}
				if err := fn(tx); err != nil || rollback {
					tx.Rollback(ctx)
					return err
				}
				return tx.Commit(ctx)
			},
		}
	}
	return out
}

// TestTransactionalEnqueueAndLoad: jobs in a rolled-back transaction never
// run; 500 committed jobs each run exactly once; with two queues on one
// PostgreSQL database (two replicas) still exactly once.
func TestTransactionalEnqueueAndLoad(t *testing.T) {
	t.Parallel()
	for name, e := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var mu sync.Mutex
			seen := map[int]int{}
			var total atomic.Int64
			work := func(ctx context.Context, j *jobqueue.Job[countArgs]) error {
				mu.Lock()
				seen[j.Args.N]++
				mu.Unlock()
				total.Add(1)
				return nil
			}
			replicas := 1
			if name == "postgres" {
				replicas = 2
			}
			var queues []*jobqueue.Queue
			for range replicas {
				ws := jobqueue.NewWorkers()
				jobqueue.Register(ws, work, time.Minute)
				q := e.newQueue(jobqueue.Config{Workers: ws, MaxWorkers: 20})
				queues = append(queues, q)
			}
			if err := e.inTx(func(tx any) error {
				return queues[0].InsertTx(ctx, tx, countArgs{N: -1}, nil)
			}, true); err != nil {
				t.Fatal(err)
			}
			const n = 500
			if err := e.inTx(func(tx any) error {
				for i := range n {
					if err := queues[0].InsertTx(ctx, tx, countArgs{N: i}, nil); err != nil {
						return err
					}
				}
				return nil
			}, false); err != nil {
				t.Fatal(err)
			}
			for _, q := range queues {
				if err := q.Start(ctx); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(60 * time.Second)
			for total.Load() < n && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // a duplicate would show up now
			for _, q := range queues {
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				if err := q.Stop(sctx); err != nil {
					t.Errorf("Stop: %v", err)
				}
				cancel()
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[-1] != 0 {
				t.Error("a job enqueued in a rolled-back transaction ran")
			}
			for i := range n {
				if seen[i] != 1 {
					t.Errorf("job %d ran %d times, want 1", i, seen[i])
				}
			}
		})
	}
}

// TestStopCancelsRunningJobs: Stop with an expired context cancels jobs that
// are still running and waits for them to return.
func TestStopCancelsRunningJobs(t *testing.T) {
	t.Parallel()
	for name, e := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			started := make(chan struct{}, 1)
			var returned atomic.Bool
			ws := jobqueue.NewWorkers()
			jobqueue.Register(ws, func(ctx context.Context, j *jobqueue.Job[countArgs]) error {
				started <- struct{}{}
				<-ctx.Done()
				returned.Store(true)
				return ctx.Err()
			}, time.Hour)
			q := e.newQueue(jobqueue.Config{Workers: ws})
			if err := e.inTx(func(tx any) error { return q.InsertTx(ctx, tx, countArgs{N: 1}, nil) }, false); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case <-started:
			case <-time.After(30 * time.Second):
				t.Fatal("the job never started")
			}
			sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			if err := q.Stop(sctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if !returned.Load() {
				t.Error("Stop returned before the running job did")
			}
		})
	}
}

func TestInsertTxWrongTransactionType(t *testing.T) {
	t.Parallel()
	for name, e := range engines(t) {
		t.Run(name, func(t *testing.T) {
			q := e.newQueue(jobqueue.Config{Paused: true})
			var wrong any = "not a transaction"
			if name == "sqlite" {
				wrong = pgx.Tx(nil)
			}
			if err := q.InsertTx(context.Background(), wrong, countArgs{}, nil); err == nil {
				t.Error("InsertTx with the wrong transaction type succeeded")
			}
		})
	}
}
