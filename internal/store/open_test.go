package store_test

import (
	"strings"
	"testing"

	"ihub/internal/store"
)

// TestOpenKeepsPasswordsOut: a PostgreSQL URL that cannot be opened is
// reported without any part of its password, including one holding a
// bare "@" that pgx would split the host at.
func TestOpenKeepsPasswordsOut(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"postgres://ihub:p@ssw0rd-Real@127.0.0.1:5432/db",
		"postgres://ihub:Tr0ub4dor@3@db.invalid:5432/ihub",
		"postgres://ihub:ssw0rd-Real@127.0.0.1:1/db?connect_timeout=1",
	} {
		_, err := store.Open(t.Context(), store.Options{DatabaseURL: u})
		if err == nil {
			t.Fatalf("Open(%q) = nil error", u)
		}
		for _, part := range []string{"ssw0rd", "Real", "Tr0ub4dor", "3@db"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("Open(%q) = %q: holds %q of the password", u, err, part)
			}
		}
	}
}
