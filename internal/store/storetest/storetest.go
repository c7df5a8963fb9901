// Package storetest opens real stores for tests: SQLite in a temporary
// directory always, and PostgreSQL when IHUB_TEST_DATABASE_URL is set (CI
// always sets it), each test on a database of its own so that packages and
// tests can run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"ihub/internal/store"
)

// EnvDatabaseURL names the variable holding the PostgreSQL server URL.
const EnvDatabaseURL = "IHUB_TEST_DATABASE_URL"

// Engine is a way to get a fresh store.
type Engine struct {
	Name string
	// Options returns store options for a fresh, empty database that is
	// dropped when the test ends.
	Options func(t testing.TB) store.Options
}

// Engines returns SQLite, and PostgreSQL when IHUB_TEST_DATABASE_URL is set.
// When it is not set, a test that ranges over Engines notes that PostgreSQL
// was skipped (t.Log), so a local run still passes on SQLite alone.
func Engines(t testing.TB) []Engine {
	es := []Engine{{Name: "sqlite", Options: SQLiteOptions}}
	if os.Getenv(EnvDatabaseURL) != "" {
		es = append(es, Engine{Name: "postgres", Options: PostgresOptions})
	} else {
		t.Logf("%s is not set: PostgreSQL not tested", EnvDatabaseURL)
	}
	return es
}

// SQLiteOptions returns options for a SQLite store in a temporary directory.
func SQLiteOptions(t testing.TB) store.Options {
	return store.Options{DataDir: t.TempDir()}
}

// PostgresOptions creates a database of its own on the server named by
// IHUB_TEST_DATABASE_URL, drops it at cleanup, and returns options for it.
func PostgresOptions(t testing.TB) store.Options {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skipf("%s is not set", EnvDatabaseURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("storetest: connect to %s: %v", EnvDatabaseURL, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ihub_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return store.Options{DatabaseURL: u.String(), DataDir: t.TempDir()}
}

// Open opens a migrated store with the given engine and closes it at cleanup.
func Open(t testing.TB, e Engine) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), e.Options(t))
	if err != nil {
		t.Fatalf("storetest: open %s: %v", e.Name, err)
	}
	t.Cleanup(db.Close)
	return db
}
