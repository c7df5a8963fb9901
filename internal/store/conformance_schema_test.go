package store_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/audit"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

func TestReopen(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		first, err := store.Open(t.Context(), opts)
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		in := newIntegration(1, "survivor")
		in.Labels = map[string]string{"env": "prod"}
		cs := creds(t, in.ID, t0, "token")
		in.Credentials = credMeta(cs)
		mustCreate(t, first, in, cs)
		want := mustGet(t, first, in.ID)
		first.Close()

		// Restarts: the migrations are already applied.
		for range 2 {
			db, err := store.Open(t.Context(), opts)
			if err != nil {
				t.Fatalf("Open after a restart = %v", err)
			}
			if diff := cmp.Diff(want, mustGet(t, db, in.ID), integrationOpts); diff != "" {
				t.Errorf("integration after a restart mismatch (-want +got):\n%s", diff)
			}
			if err := db.Ping(t.Context()); err != nil {
				t.Errorf("Ping = %v", err)
			}
			db.Close()
		}
		if e.Name == "sqlite" {
			fi, err := os.Stat(opts.DataDir + "/ihub.db")
			if err != nil {
				t.Fatalf("stat: %v", err)
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("database file mode = %o, want 600", perm)
			}
			// A new database gets 16 KiB pages (fewer WAL frames per
			// commit), in WAL mode.
			raw := openRaw(t, opts)
			for q, want := range map[string]any{"PRAGMA page_size": int64(16384), "PRAGMA journal_mode": "wal"} {
				var got any
				if err := raw.sqlite.QueryRowContext(t.Context(), q).Scan(&got); err != nil || got != want {
					t.Errorf("%s = %v, %v; want %v", q, got, err, want)
				}
			}
		}
	})
}

// TestOpenExistingPageSize opens a SQLite database made with SQLite's
// default 4 KiB pages (every database before 16 KiB became the default):
// it keeps its page size and works.
func TestOpenExistingPageSize(t *testing.T) {
	t.Parallel()
	opts := storetest.SQLiteOptions(t)
	old, err := sql.Open("sqlite", "file:"+filepath.Join(opts.DataDir, "ihub.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(t.Context(), "CREATE TABLE before_upgrade (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	old.Close()
	db := openStore(t, opts)
	in := newIntegration(1, "old-file")
	mustCreate(t, db, in, nil)
	if got := mustGet(t, db, in.ID); got.Name != in.Name {
		t.Errorf("integration name = %q, want %q", got.Name, in.Name)
	}
	var size int64
	if err := openRaw(t, opts).sqlite.QueryRowContext(t.Context(), "PRAGMA page_size").Scan(&size); err != nil || size != 4096 {
		t.Errorf("page_size = %d, %v; want 4096 (kept)", size, err)
	}
}

func TestDialect(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		want := store.Dialect(e.Name)
		if got := b.db.Dialect(); got != want {
			t.Errorf("Dialect() = %q, want %q", got, want)
		}
		if gotPath := b.db.Path(); (gotPath != "") != (want == store.SQLite) {
			t.Errorf("Path() = %q on %s", gotPath, want)
		}
	})
}

// TestConcurrentMigrations starts several replicas on one new PostgreSQL
// database at once: the advisory lock makes them take turns.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skipf("%s is not set", storetest.EnvDatabaseURL)
	}
	opts := storetest.PostgresOptions(t)
	const replicas = 4
	dbs := make([]*store.DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { dbs[i], errs[i] = store.Open(t.Context(), opts) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open on replica %d = %v", i, err)
			continue
		}
		t.Cleanup(dbs[i].Close)
	}
	if t.Failed() {
		return
	}
	// Every replica works on the one schema.
	for i, db := range dbs {
		if err := db.RecordActivity(t.Context(), entry(audit.IntegrationTested, "int_x")); err != nil {
			t.Errorf("RecordActivity on replica %d = %v", i, err)
		}
	}
	b := &bundle{db: dbs[0], opts: opts, raw: openRaw(t, opts)}
	if n := b.count(t, "activity", ""); n != replicas {
		t.Errorf("activity rows = %d, want %d", n, replicas)
	}
	dup, err := b.raw.queryInt(t.Context(), "SELECT COUNT(*) - COUNT(DISTINCT version_id) FROM ihub_schema_migrations")
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	if dup != 0 {
		t.Errorf("migrations recorded more than once: %d", dup)
	}
}

// schema returns each table's sorted column names, leaving out River's
// tables and the migration bookkeeping.
func schema(t *testing.T, b *bundle) map[string][]string {
	t.Helper()
	var q string
	if b.raw.pg != nil {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	} else {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	}
	pairs, err := b.raw.queryPairs(t.Context(), q)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	out := map[string][]string{}
	for _, p := range pairs {
		table := p[0]
		if strings.HasPrefix(table, "river_") || strings.HasPrefix(table, "sqlite_") || table == "ihub_schema_migrations" {
			continue
		}
		out[table] = append(out[table], p[1])
	}
	for _, cols := range out {
		sort.Strings(cols)
	}
	return out
}

func TestSchemaParity(t *testing.T) {
	t.Parallel()
	engines := storetest.Engines(t)
	if len(engines) < 2 {
		t.Skipf("%s is not set: nothing to compare SQLite with", storetest.EnvDatabaseURL)
	}
	var schemas []map[string][]string
	for _, e := range engines {
		schemas = append(schemas, schema(t, setup(t, e)))
	}
	if len(schemas[0]) == 0 {
		t.Fatalf("no tables found on %s", engines[0].Name)
	}
	if diff := cmp.Diff(schemas[0], schemas[1]); diff != "" {
		t.Errorf("tables and columns differ (-%s +%s):\n%s", engines[0].Name, engines[1].Name, diff)
	}
}

// TestMigrationIDsNeverReused: version 12 rebuilds the id tables of SQLite
// with their rows and indexes, and a database whose newest events retention
// had already removed gives the next event an id above the fan-out's
// cursor, so that it is still sent.
func TestMigrationIDsNeverReused(t *testing.T) {
	t.Parallel()
	opts := storetest.SQLiteOptions(t)
	ctx := t.Context()
	old, err := sql.Open("sqlite", "file:"+filepath.Join(opts.DataDir, "ihub.db")+"?_pragma=foreign_keys(ON)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.MigrateSQLiteUpTo(ctx, old, 11); err != nil {
		t.Fatalf("migrate to 11: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO webhook_deliveries (id, endpoint_id, integration_id, received_at, status, dedupe_key, provider_delivery_id,
 event_type, headers, payload, payload_size, source_ip, reason) VALUES
 (7, 'whe_1', 'int_1', 1, 'processed', 'k7', 'k7', 'x', '{}', '{}', 2, '', ''),
 (9, 'whe_1', 'int_1', 2, 'pending', 'k9', 'k9', 'x', '{}', '{}', 2, '', '')`,
		`INSERT INTO webhook_events (id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 VALUES (40, 7, 'int_1', 'http', 'http.event', '', 1, 1, '{}')`,
		// Events 41 and 42 were fanned out, then removed by retention.
		`UPDATE dispatch_cursor SET value = 42 WHERE name = 'fanout'`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, opts)
	ds, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
	if err != nil || len(ds) != 2 || ds[0].ID != 9 || ds[1].ID != 7 {
		t.Fatalf("deliveries after the migration = %+v, %v; want 9 and 7", ds, err)
	}
	if _, err := db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Status: webhook.StatusPending, Limit: 10}); err != nil {
		t.Fatalf("pending deliveries after the migration: %v", err)
	}
	evs, err := db.ListEvents(ctx, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Seq != 40 || evs[0].DeliveryID != 7 {
		t.Fatalf("events after the migration = %+v, %v; want event 40 of delivery 7", evs, err)
	}
	in := newIntegration(1, "migrated")
	mustCreate(t, db, in, nil)
	got, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{acceptedDelivery(in, "new", time.Now())})
	if err != nil || got[0].ID != 10 {
		t.Fatalf("new delivery = %+v, %v; want id 10", got, err)
	}
	evs, err = db.ListEvents(ctx, 42, 10)
	if err != nil || len(evs) != 1 || evs[0].Seq != 43 {
		t.Errorf("events after the fan-out's cursor = %+v, %v; want the new one, id 43", evs, err)
	}
	check, err := sql.Open("sqlite", "file:"+filepath.Join(opts.DataDir, "ihub.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var indexes int
	if err := check.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'
 AND tbl_name IN ('webhook_deliveries', 'webhook_events', 'subscription_attempts') AND sql IS NOT NULL`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	// The 7 the rebuild recreates, less subscription_attempts_due (00014),
	// the 3 of 00015 on these tables, and webhook_deliveries_replay (00019).
	if indexes != 10 {
		t.Errorf("indexes on the rebuilt tables = %d, want 10", indexes)
	}
}

// TestMigrationEventParts: version 18 makes an event unique by its
// delivery and part instead of its delivery. The events a database holds
// at version 17 keep their ids (the cursors consumers hold), public ids,
// types and data, as part 0; the largest event id ever given is kept
// (retention had removed the newest events), so new events go on above
// it, and a delivery can then hold several events but not two of one part.
func TestMigrationEventParts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		ctx := t.Context()
		if err := store.MigrateUpTo(ctx, opts, 17); err != nil {
			t.Fatalf("migrate to 17: %v", err)
		}
		raw := openRaw(t, opts)
		// PostgreSQL's ids are identities: given here, and the sequences
		// set as the removed rows had left them.
		override, setSeq := "", []string{
			`UPDATE sqlite_sequence SET seq = 45 WHERE name = 'webhook_events'`,
		}
		if dialectOf(opts) == store.Postgres {
			override, setSeq = " OVERRIDING SYSTEM VALUE", []string{
				`SELECT setval(pg_get_serial_sequence('webhook_events', 'id'), 45)`,
				`SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'id'), 9)`,
			}
		}
		for _, q := range append([]string{
			`INSERT INTO webhook_deliveries (id, endpoint_id, integration_id, received_at, status, dedupe_key, provider_delivery_id,
 event_type, headers, payload, payload_size, source_ip, reason)` + override + ` VALUES
 (7, 'whe_1', 'int_1', 1000, 'processed', 'k7', 'k7', 'x', '{}', NULL, 2, '', ''),
 (9, 'whe_1', 'int_1', 2000, 'processed', 'k9', 'k9', 'x', '{}', NULL, 2, '', '')`,
			`INSERT INTO webhook_events (id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)` + override + `
 VALUES (40, 7, 'int_1', 'zoho_desk', 'ticket.created', 't-1', 1000, 1001, '{"event_count":3,"ticket_id":"t-1"}'),
 (41, 9, 'int_1', 'github', 'code.push', 'o/r', 2000, 2001, '{"branch":"main"}')`,
		}, setSeq...) {
			if _, err := raw.exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		db := openStore(t, opts)
		want := []webhook.Event{
			{Seq: 40, ID: "evt_7", DeliveryID: 7, IntegrationID: "int_1", Provider: "zoho_desk", Type: "ticket.created", Subject: "t-1",
				OccurredAt: time.UnixMilli(1000).UTC(), CreatedAt: time.UnixMilli(1001).UTC(),
				Data: map[string]any{"event_count": float64(3), "ticket_id": "t-1"}},
			{Seq: 41, ID: "evt_9", DeliveryID: 9, IntegrationID: "int_1", Provider: "github", Type: "code.push", Subject: "o/r",
				OccurredAt: time.UnixMilli(2000).UTC(), CreatedAt: time.UnixMilli(2001).UTC(), Data: map[string]any{"branch": "main"}},
		}
		got, err := db.ListEvents(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events after the migration (-want +got):\n%s", diff)
		}
		if n, err := db.NewestEventSeq(ctx); err != nil || n != 45 {
			t.Errorf("NewestEventSeq after the migration = %d, %v; want 45", n, err)
		}

		in := newIntegration(1, "migrated")
		mustCreate(t, db, in, nil)
		now := time.Now()
		d := acceptedDelivery(in, "two", now)
		d.Events = append(d.Events, webhook.Event{IntegrationID: in.ID, Provider: in.Provider, Type: "x.z", Part: 1, OccurredAt: now, CreatedAt: now})
		res, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{d})
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.ListEvents(ctx, 45, 10)
		if err != nil {
			t.Fatal(err)
		}
		type short struct {
			Seq  int64
			ID   string
			Part int
		}
		var gotShort []short
		for _, ev := range got {
			gotShort = append(gotShort, short{ev.Seq, ev.ID, ev.Part})
		}
		id := strconv.FormatInt(res[0].ID, 10)
		if diff := cmp.Diff([]short{{46, "evt_" + id, 0}, {47, "evt_" + id + "_2", 1}}, gotShort); diff != "" {
			t.Errorf("a new delivery's two events (-want +got):\n%s", diff)
		}
		// A delivery's part is one event: the old constraint is gone, the
		// new one holds.
		ins := `INSERT INTO webhook_events (delivery_id, part, integration_id, provider, type, subject, occurred_at, created_at, data)
 VALUES (9, $1, 'int_1', 'github', 'code.push', 'o/r', 2000, 2001, '{}')`
		if _, err := raw.exec(ctx, ins, 1); err != nil {
			t.Errorf("a second part of delivery 9: %v", err)
		}
		if _, err := raw.exec(ctx, ins, 1); err == nil {
			t.Errorf("a second event of part 1 of delivery 9 was stored")
		}
	})
}
