package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"ihub/internal/integration"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
)

// seedRow is one integration and its credentials, as seedRaw writes them.
type seedRow struct {
	id, provider string
	creds        []integration.SealedCredential
}

// seedRaw inserts rows in one transaction with raw SQL. Seeding through
// CreateIntegration commits once per integration (about 0.5 ms each on
// SQLite and 1 ms on PostgreSQL here), which would make the seeding, not
// the benchmark, the slow part; the conformance suite covers the store's
// own writes.
func seedRaw(b *testing.B, o store.Options, rows []seedRow) {
	b.Helper()
	ctx := b.Context()
	created := t0.UnixMilli()
	intCols := []string{"id", "slug", "name", "name_lower", "provider", "category", "settings", "labels", "credentials_meta",
		"created_at", "updated_at"}
	credCols := []string{"integration_id", "field", "ciphertext", "key_id", "updated_at"}
	intRow := func(r seedRow) []any {
		meta := []byte("{")
		for i, c := range r.creds {
			if i > 0 {
				meta = append(meta, ',')
			}
			meta = fmt.Appendf(meta, "%q:%d", c.Field, created)
		}
		meta = append(meta, '}')
		slug := "b-" + r.id[len(r.id)-8:]
		return []any{r.id, slug, "Bench " + slug, "bench " + slug, r.provider, "generic", []byte(`{"region":"eu"}`),
			[]byte(`{}`), meta, created, created}
	}
	credRow := func(id string, c integration.SealedCredential) []any {
		return []any{id, c.Field, c.Ciphertext, c.KeyID, created}
	}

	if store.IsPostgresURL(o.DatabaseURL) {
		conn, err := pgx.Connect(ctx, o.DatabaseURL)
		if err != nil {
			b.Fatalf("seed: %v", err)
		}
		defer func() {
			if err := conn.Close(ctx); err != nil {
				b.Errorf("seed: close: %v", err)
			}
		}()
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			ints := make([][]any, 0, len(rows))
			var creds [][]any
			for _, r := range rows {
				ints = append(ints, intRow(r))
				for _, c := range r.creds {
					creds = append(creds, credRow(r.id, c))
				}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"integrations"}, intCols, pgx.CopyFromRows(ints)); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"integration_credentials"}, credCols, pgx.CopyFromRows(creds))
			return err
		})
		if err != nil {
			b.Fatalf("seed: %v", err)
		}
		return
	}

	if err := seedSQLite(ctx, o, func(tx *sql.Tx) error {
		insInt, err := tx.PrepareContext(ctx, "INSERT INTO integrations ("+strings.Join(intCols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(intCols)-1)+")")
		if err != nil {
			return err
		}
		insCred, err := tx.PrepareContext(ctx, "INSERT INTO integration_credentials ("+strings.Join(credCols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(credCols)-1)+")")
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := insInt.ExecContext(ctx, intRow(r)...); err != nil {
				return err
			}
			for _, c := range r.creds {
				if _, err := insCred.ExecContext(ctx, credRow(r.id, c)...); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatalf("seed: %v", err)
	}
}

// seedSQLite runs fill in one transaction on the SQLite file of o.
func seedSQLite(ctx context.Context, o store.Options, fill func(*sql.Tx) error) (err error) {
	d, err := sql.Open("sqlite", "file:"+filepath.Join(o.DataDir, "ihub.db")+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.Close()) }()
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fill(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// BenchmarkRotateKey re-seals 20,000 credentials (5,000 integrations with
// four fields each) per iteration.
func BenchmarkRotateKey(b *testing.B) {
	const integrations, fields = 5000, 4
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			opts := e.Options(b)
			db := openStore(b, opts)
			v, _ := openVault(b, db)
			rows := make([]seedRow, integrations)
			for i := range rows {
				id := integrationID(i + 1)
				rows[i] = seedRow{id: id, provider: "generic"}
				for f := range fields {
					field := fmt.Sprintf("field%d", f)
					rows[i].creds = append(rows[i].creds, seal(b, v, id, field, "a credential value of some length "+field, t0))
				}
			}
			seedRaw(b, opts, rows)
			var resealed int64
			for b.Loop() {
				res, err := db.RotateKey(b.Context(), v, 0)
				if err != nil {
					b.Fatalf("RotateKey = %v", err)
				}
				if res.Resealed != integrations*fields {
					b.Fatalf("RotateKey resealed %d values, want %d", res.Resealed, integrations*fields)
				}
				resealed += res.Resealed
			}
			b.ReportMetric(float64(resealed)/b.Elapsed().Seconds(), "values/s")
		})
	}
}

// BenchmarkListIntegrations lists pages of 50 of one provider's
// integrations among 10,000 (1,000 per provider), from parallel
// goroutines. "same page" asks for the first page every time (what a
// console left open does); "random cursor" starts each page at a different
// cursor, so no two requests are alike.
func BenchmarkListIntegrations(b *testing.B) {
	const n, providers, page = 10000, 10, 50
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			opts := e.Options(b)
			db := openStore(b, opts)
			rows := make([]seedRow, n)
			for i := range rows {
				rows[i] = seedRow{id: integrationID(i + 1), provider: fmt.Sprintf("provider%d", i%providers)}
			}
			seedRaw(b, opts, rows)
			check, err := db.ListIntegrations(b.Context(), integration.Filter{Provider: "provider3", Limit: page})
			if err != nil || len(check) != page {
				b.Fatalf("ListIntegrations = %d items, %v; want %d", len(check), err, page)
			}

			b.Run("same page", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					f := integration.Filter{Provider: "provider3", Limit: page}
					for pb.Next() {
						if _, err := db.ListIntegrations(b.Context(), f); err != nil {
							b.Errorf("ListIntegrations = %v", err)
							return
						}
					}
				})
			})
			b.Run("random cursor", func(b *testing.B) {
				var seq atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						// An id that sorts between two stored ones, unique per call.
						after := fmt.Sprintf("%s-%d", integrationID(rand.IntN(n-2*page*providers)+1), seq.Add(1))
						f := integration.Filter{Provider: "provider3", AfterID: after, Limit: page}
						got, err := db.ListIntegrations(b.Context(), f)
						if err != nil {
							b.Errorf("ListIntegrations = %v", err)
							return
						}
						if len(got) != page {
							b.Errorf("ListIntegrations(after %s) = %d items, want %d", after, len(got), page)
							return
						}
					}
				})
			})
		})
	}
}
