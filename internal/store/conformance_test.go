package store_test

// The conformance suite: every store behaviour, run on SQLite and (when
// IHUB_TEST_DATABASE_URL is set) on PostgreSQL, so that the two engines stay
// interchangeable. This file holds the shared helpers; the behaviours are in
// conformance_*_test.go.

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for raw access

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/provider"
	"ihub/internal/secret"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
)

// t0 is the fixed "now" of the suite. Stored times are unix milliseconds.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// eachEngine runs fn as a parallel subtest per engine.
func eachEngine(t *testing.T, fn func(t *testing.T, e storetest.Engine)) {
	t.Helper()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

// bundle is a fresh, migrated store on a database of its own.
type bundle struct {
	db   *store.DB
	opts store.Options
	raw  *rawDB
}

// setup opens a fresh store with e and keeps its options, so that a test
// can reopen the same database or reach it with raw SQL. The raw connection
// is opened here, on the test that owns the bundle, so that it outlives the
// subtests that use it.
func setup(t *testing.T, e storetest.Engine) *bundle {
	t.Helper()
	opts := e.Options(t)
	db := openStore(t, opts)
	return &bundle{db: db, opts: opts, raw: openRaw(t, opts)}
}

// openStore opens (and migrates) the database o names, closed at cleanup.
func openStore(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), o)
	if err != nil {
		t.Fatalf("store.Open(%s) = %v", dialectOf(o), err)
	}
	t.Cleanup(db.Close)
	return db
}

func dialectOf(o store.Options) store.Dialect {
	if store.IsPostgresURL(o.DatabaseURL) {
		return store.Postgres
	}
	return store.SQLite
}

// rawDB reaches the store's database around the store, for what the store
// does not expose: row counts, schema, and writes the store never makes.
type rawDB struct {
	sqlite *sql.DB
	pg     *pgx.Conn
}

func openRaw(t testing.TB, o store.Options) *rawDB {
	t.Helper()
	ctx := t.Context()
	if dialectOf(o) == store.Postgres {
		c, err := pgx.Connect(ctx, o.DatabaseURL)
		if err != nil {
			t.Fatalf("raw: connect: %v", err)
		}
		t.Cleanup(func() {
			if err := c.Close(context.Background()); err != nil {
				t.Errorf("raw: close: %v", err)
			}
		})
		return &rawDB{pg: c}
	}
	dsn := "file:" + filepath.Join(o.DataDir, "ihub.db") + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"
	d, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatalf("raw: open: %v", err)
	}
	d.SetMaxOpenConns(1)
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("raw: close: %v", err)
		}
	})
	return &rawDB{sqlite: d}
}

var pgParam = regexp.MustCompile(`\$(\d+)`)

// exec runs a statement written with PostgreSQL's $n placeholders on
// either engine (SQLite spells them ?n).
func (r *rawDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	if r.pg != nil {
		tag, err := r.pg.Exec(ctx, q, args...)
		return tag.RowsAffected(), err
	}
	res, err := r.sqlite.ExecContext(ctx, pgParam.ReplaceAllString(q, "?$1"), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// queryInt runs a query returning one integer.
func (r *rawDB) queryInt(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	if r.pg != nil {
		err := r.pg.QueryRow(ctx, q, args...).Scan(&n)
		return n, err
	}
	err := r.sqlite.QueryRowContext(ctx, pgParam.ReplaceAllString(q, "?$1"), args...).Scan(&n)
	return n, err
}

// queryPairs runs a query returning two text columns.
func (r *rawDB) queryPairs(ctx context.Context, q string) ([][2]string, error) {
	var out [][2]string
	if r.pg != nil {
		rows, err := r.pg.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var p [2]string
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, rows.Err()
	}
	rows, err := r.sqlite.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close() //nolint:errcheck // read path; rows.Err below reports what matters
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// count returns the number of rows of table matching where ("" for all).
func (b *bundle) count(t testing.TB, table, where string, args ...any) int64 {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	n, err := b.raw.queryInt(t.Context(), q, args...)
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// integrationID returns a deterministic id; ids sort by n.
func integrationID(n int) string { return fmt.Sprintf("int_%012x%06d", t0.UnixMilli(), n) }

// newIntegration returns a valid, minimal integration numbered n.
func newIntegration(n int, slug string) integration.Integration {
	return integration.Integration{
		ID: integrationID(n), Slug: slug, Name: "Integration " + slug, Provider: "github",
		Category: provider.CategoryVCS, BaseURL: "https://api.github.com", IsActive: true,
		HealthCheckIntervalMinutes: 15, CreatedAt: t0, UpdatedAt: t0,
	}
}

// created is what GetIntegration returns for in just after it was created.
func created(in integration.Integration) integration.Integration {
	in.Version = 1
	in.CreatedAt = msUTC(in.CreatedAt)
	in.UpdatedAt = in.CreatedAt
	in.Health = integration.Health{Status: integration.HealthUnknown}
	if in.Credentials != nil {
		c := make(map[string]time.Time, len(in.Credentials))
		for k, v := range in.Credentials {
			c[k] = msUTC(v)
		}
		in.Credentials = c
	}
	return in
}

// msUTC is t as the store returns it: millisecond precision, UTC.
func msUTC(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

// entry returns an audit entry for action on integration id ("" for none).
func entry(action, id string) audit.Entry {
	return audit.Entry{
		At:     t0,
		Actor:  audit.Actor{Type: audit.ActorUser, ID: "usr_tester", Name: "tester@example.com", IP: "192.0.2.7", UserAgent: "conformance"},
		Action: action, TargetType: "integration", TargetID: id, TargetName: id, IntegrationID: id, Success: true,
		Details: map[string]any{"fields": []any{"name"}, "n": float64(2)},
	}
}

// badEntry is an entry whose details cannot be encoded: the write fails at
// its very last statement, after everything else was written.
func badEntry(action, id string) audit.Entry {
	e := entry(action, id)
	e.Details = map[string]any{"unencodable": make(chan int)}
	return e
}

// allActivity returns the whole activity log, newest first.
func allActivity(t testing.TB, db *store.DB) []audit.Entry {
	t.Helper()
	es, err := db.ListActivity(t.Context(), audit.Filter{Limit: 1 << 20})
	if err != nil {
		t.Fatalf("ListActivity = %v", err)
	}
	return es
}

// checkLastActivity checks that the newest log entry is want (its id aside).
func checkLastActivity(t testing.TB, db *store.DB, want audit.Entry) {
	t.Helper()
	es, err := db.ListActivity(t.Context(), audit.Filter{Limit: 1})
	if err != nil {
		t.Errorf("ListActivity = %v", err)
		return
	}
	if len(es) != 1 {
		t.Errorf("ListActivity returned %d entries, want 1", len(es))
		return
	}
	want.At = msUTC(want.At)
	if diff := cmp.Diff(want, es[0], cmpopts.IgnoreFields(audit.Entry{}, "ID"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("newest activity entry mismatch (-want +got):\n%s", diff)
	}
}

// wantKind fails the test unless err carries kind.
func wantKind(t testing.TB, op string, err error, kind apperr.Kind) {
	t.Helper()
	if !apperr.Is(err, kind) {
		t.Errorf("%s error = %v (kind %v), want kind %v", op, err, apperr.KindOf(err), kind)
	}
}

// newMaster returns a fresh master key and its text form.
func newMaster(t testing.TB) (secret.MasterKey, string) {
	t.Helper()
	s, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatalf("GenerateMasterKey = %v", err)
	}
	m, err := secret.ParseMasterKey(s)
	if err != nil {
		t.Fatalf("ParseMasterKey = %v", err)
	}
	return m, s
}

// openVault opens the vault of db with a fresh master key.
func openVault(t testing.TB, db *store.DB) (*store.Vault, secret.MasterKey) {
	t.Helper()
	m, _ := newMaster(t)
	v, err := db.OpenVault(t.Context(), m)
	if err != nil {
		t.Fatalf("OpenVault = %v", err)
	}
	return v, m
}

// sealer seals credentials the way the integration service does.
type sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
}

// seal seals plaintext for field of integration id.
func seal(t testing.TB, v sealer, id, field, plaintext string, at time.Time) integration.SealedCredential {
	t.Helper()
	ct, err := v.Seal(integration.CredentialAAD(id, field), []byte(plaintext))
	if err != nil {
		t.Fatalf("Seal(%s/%s) = %v", id, field, err)
	}
	kid, err := secret.KeyIDOf(ct)
	if err != nil {
		t.Fatalf("KeyIDOf = %v", err)
	}
	return integration.SealedCredential{Field: field, Ciphertext: ct, KeyID: kid, UpdatedAt: at}
}

// fakeSealer seals nothing: the store treats ciphertexts as opaque bytes.
type fakeSealer struct{}

func (fakeSealer) Seal(aad, plaintext []byte) ([]byte, error) {
	// A valid-looking envelope header for key "k1" followed by the bytes.
	out := []byte{0x01, 2, 'k', '1'}
	out = append(out, make([]byte, 12)...)
	out = append(out, plaintext...)
	return append(out, make([]byte, 16)...), nil
}

// creds returns fake sealed credentials for fields, as stored.
func creds(t testing.TB, id string, at time.Time, fields ...string) []integration.SealedCredential {
	t.Helper()
	out := make([]integration.SealedCredential, 0, len(fields))
	for _, f := range fields {
		out = append(out, seal(t, fakeSealer{}, id, f, "value-of-"+f, at))
	}
	return out
}

// credMeta returns the Credentials map matching cs.
func credMeta(cs []integration.SealedCredential) map[string]time.Time {
	m := make(map[string]time.Time, len(cs))
	for _, c := range cs {
		m[c.Field] = c.UpdatedAt
	}
	return m
}

// mustCreate creates in with cs, failing the test on error.
func mustCreate(t testing.TB, db *store.DB, in integration.Integration, cs []integration.SealedCredential) {
	t.Helper()
	if err := db.CreateIntegration(t.Context(), in, cs, entry(audit.IntegrationCreated, in.ID)); err != nil {
		t.Fatalf("CreateIntegration(%s) = %v", in.Slug, err)
	}
}

// mustGet returns the integration idOrSlug names.
func mustGet(t testing.TB, db *store.DB, idOrSlug string) integration.Integration {
	t.Helper()
	got, err := db.GetIntegration(t.Context(), idOrSlug)
	if err != nil {
		t.Fatalf("GetIntegration(%q) = %v", idOrSlug, err)
	}
	return got
}

// mustCreds returns the sealed credentials of integration id.
func mustCreds(t testing.TB, db *store.DB, id string) []integration.SealedCredential {
	t.Helper()
	cs, err := db.IntegrationCredentials(t.Context(), id)
	if err != nil {
		t.Fatalf("IntegrationCredentials(%s) = %v", id, err)
	}
	return cs
}

// credsAsStored is cs as IntegrationCredentials returns it: sorted by field,
// times at millisecond precision in UTC.
func credsAsStored(cs []integration.SealedCredential) []integration.SealedCredential {
	out := make([]integration.SealedCredential, len(cs))
	for i, c := range cs {
		c.UpdatedAt = msUTC(c.UpdatedAt)
		out[i] = c
	}
	slices.SortFunc(out, func(a, b integration.SealedCredential) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// integrationOpts compares integrations: a nil map equals an empty one (the
// store returns empty maps for nil settings and labels).
var integrationOpts = cmp.Options{cmpopts.EquateEmpty()}
