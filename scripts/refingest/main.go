// Command refingest is the reference point of scripts/bench-ingest.sh: the
// minimal Go server the webhook issue compares ingest with, doing only the
// steps every accepted webhook needs and nothing else (no routing table, no
// normalization, no metrics, no logging):
//
//   - POST /hook with a body of at most 1 MiB,
//   - HMAC-SHA256 of the raw body checked against the X-Signature header
//     ("sha256=" and hex) in constant time,
//   - the delivery stored, deduplicated on X-Delivery-Id, with a row that
//     queues its processing, in one transaction shared by the requests
//     that arrive while the previous one commits (group commit, at most 32),
//   - 202 once that transaction is committed.
//
// It stores into SQLite (modernc.org/sqlite, as ihub; WAL, synchronous=FULL,
// 16 KiB pages) in $REFINGEST_DIR, or into PostgreSQL when
// $REFINGEST_DATABASE_URL is set (pgx, two writers, one pipelined batch
// per commit, as ihub). The HMAC secret is the only argument; it listens on
// $REFINGEST_LISTEN (default 127.0.0.1:18098).
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

const maxBatch = 32

type delivery struct {
	id   string
	body []byte
	done chan error
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: refingest <hmac secret>")
	}
	secret := []byte(os.Args[1])
	addr := os.Getenv("REFINGEST_LISTEN")
	if addr == "" {
		addr = "127.0.0.1:18098"
	}
	queue := make(chan *delivery, 1024)
	ctx := context.Background()
	if url := os.Getenv("REFINGEST_DATABASE_URL"); url != "" {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			log.Fatal(err)
		}
		for _, s := range []string{
			`CREATE TABLE IF NOT EXISTS ref_deliveries (id bigserial PRIMARY KEY, delivery_id text NOT NULL UNIQUE, body bytea NOT NULL, received_at timestamptz NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS ref_jobs (id bigserial PRIMARY KEY, delivery_id text NOT NULL, run_at timestamptz NOT NULL)`,
		} {
			if _, err := pool.Exec(ctx, s); err != nil {
				log.Fatal(err)
			}
		}
		for range 2 {
			go writePostgres(ctx, pool, queue)
		}
	} else {
		db := openSQLite(ctx)
		go writeSQLite(ctx, db, queue)
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Signature"))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("X-Delivery-Id")
		if id == "" {
			sum := sha256.Sum256(body)
			id = hex.EncodeToString(sum[:])
		}
		d := &delivery{id: id, body: body, done: make(chan error, 1)}
		queue <- d
		if err := <-d.done; err != nil {
			http.Error(w, "store failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}
	log.Fatal(http.ListenAndServe(addr, http.HandlerFunc(h))) //nolint:gosec // a local benchmark tool
}

// batch waits for one delivery and takes those already queued behind it.
func batch(queue <-chan *delivery) []*delivery {
	b := []*delivery{<-queue}
	for len(b) < maxBatch {
		select {
		case d := <-queue:
			b = append(b, d)
		default:
			return b
		}
	}
	return b
}

func finish(b []*delivery, err error) {
	for _, d := range b {
		d.done <- err
	}
}

func openSQLite(ctx context.Context) *sql.DB {
	dir := os.Getenv("REFINGEST_DIR")
	if dir == "" {
		log.Fatal("refingest: set REFINGEST_DIR (SQLite) or REFINGEST_DATABASE_URL (PostgreSQL)")
	}
	path := filepath.Join(dir, "ref.db")
	// page_size has to come before WAL mode, and modernc sorts the DSN's
	// pragmas by name, so the file is created first.
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=page_size(16384)")
	if err == nil {
		_, err = c.ExecContext(ctx, "PRAGMA journal_mode=WAL")
		c.Close()
	}
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE TABLE IF NOT EXISTS ref_deliveries (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE, body BLOB NOT NULL, received_at INTEGER NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ref_jobs (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, run_at INTEGER NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			log.Fatal(err)
		}
	}
	return db
}

func writeSQLite(ctx context.Context, db *sql.DB, queue <-chan *delivery) {
	ins, err := db.PrepareContext(ctx, `INSERT INTO ref_deliveries (delivery_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`)
	if err != nil {
		log.Fatal(err)
	}
	job, err := db.PrepareContext(ctx, `INSERT INTO ref_jobs (delivery_id, run_at) VALUES (?, ?)`)
	if err != nil {
		log.Fatal(err)
	}
	for {
		b := batch(queue)
		finish(b, func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
			now := time.Now().UnixNano()
			for _, d := range b {
				res, err := tx.StmtContext(ctx, ins).ExecContext(ctx, d.id, d.body, now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue // a duplicate: acknowledged, not queued again
				}
				if _, err := tx.StmtContext(ctx, job).ExecContext(ctx, d.id, now); err != nil {
					return err
				}
			}
			return tx.Commit()
		}())
	}
}

func writePostgres(ctx context.Context, pool *pgxpool.Pool, queue <-chan *delivery) {
	for {
		b := batch(queue)
		finish(b, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var pb pgx.Batch
			now := time.Now()
			for _, d := range b {
				pb.Queue(`WITH d AS (INSERT INTO ref_deliveries (delivery_id, body, received_at) VALUES ($1, $2, $3) ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id)
					INSERT INTO ref_jobs (delivery_id, run_at) SELECT delivery_id, $3 FROM d`, d.id, d.body, now)
			}
			res := tx.SendBatch(ctx, &pb)
			var err error
			for range b {
				if _, e := res.Exec(); e != nil {
					err = errors.Join(err, e)
				}
			}
			return errors.Join(err, res.Close())
		}))
	}
}
