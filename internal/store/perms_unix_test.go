//go:build unix

package store_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"ihub/internal/store"
)

// TestSQLiteFilesPrivate: under the usual umask 022, a new database and the
// -wal and -shm files SQLite makes beside it are readable by their owner
// only, from the first open on; so is a database whose creation was cut
// short after its empty file was made, which also gets the new page size.
// (Not parallel: the umask is the process's.)
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, name := range []string{"new", "empty file left"} {
		dir := t.TempDir()
		if name == "empty file left" {
			if err := os.WriteFile(filepath.Join(dir, "ihub.db"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db, err := store.Open(t.Context(), store.Options{DataDir: dir})
		if err != nil {
			t.Fatalf("%s: Open = %v", name, err)
		}
		mustCreate(t, db, newIntegration(1, "perms"), nil) // the WAL has data
		for _, f := range []string{"ihub.db", "ihub.db-wal", "ihub.db-shm"} {
			fi, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Errorf("%s: %s: %v", name, f, err)
				continue
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s: %s mode = %o, want 600", name, f, perm)
			}
		}
		raw := openRaw(t, store.Options{DataDir: dir})
		var size int64
		if err := raw.sqlite.QueryRowContext(t.Context(), "PRAGMA page_size").Scan(&size); err != nil || size != 16384 {
			t.Errorf("%s: page_size = %d, %v; want 16384", name, size, err)
		}
		db.Close()
	}
}
