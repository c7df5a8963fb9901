package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ihub/internal/app"
	"ihub/internal/app/apptest"
	"ihub/internal/auth"
	"ihub/internal/config"
	"ihub/internal/secret"
)

// TestKeyFileMode: a master key file open to anyone but its owner, for
// reading or writing, is refused, and the message says so.
func TestKeyFileMode(t *testing.T) {
	k, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o400, true}, {0o640, false}, {0o620, false}, {0o604, false}, {0o602, false}, {0o644, false}} {
		path := filepath.Join(t.TempDir(), "master.key")
		if err := os.WriteFile(path, []byte(k+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, err := app.ReadKeyFile(path)
		if (err == nil) != tc.ok {
			t.Errorf("mode %o: %v; want ok %t", tc.mode, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "open to its group or others") {
			t.Errorf("mode %o: %q does not say who it is open to", tc.mode, err)
		}
		if err != nil && strings.Contains(err.Error(), k) {
			t.Errorf("mode %o: the error holds the key", tc.mode)
		}
	}
}

// TestOpenDataDirWarning: a data directory open to its group or others,
// which ihub did not make, is used with a warning; one it made is not.
func TestOpenDataDirWarning(t *testing.T) {
	key, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o700, false}, {0o777, true}, {0o750, true}} {
		dir := t.TempDir()
		if err := os.Chmod(dir, tc.mode); err != nil {
			t.Fatal(err)
		}
		logs := &apptest.SyncBuffer{}
		a, err := app.Open(t.Context(), config.Config{Listen: "127.0.0.1:0", DataDir: dir, MasterKey: key, LogFormat: "text", LogLevel: "info"},
			app.NewLogger(logs, "text", "info"), app.Options{AuthOptions: auth.Options{Argon2: apptest.CheapArgon2}})
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		if got := strings.Contains(logs.String(), "the data directory is open to its group or others"); got != tc.warn {
			t.Errorf("mode %o: warned %t, want %t; log:\n%s", tc.mode, got, tc.warn, logs.String())
		}
	}
}
