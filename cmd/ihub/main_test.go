package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"ihub/internal/secret"
)

func ihub(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInvalidConfigurationListsEveryProblem(t *testing.T) {
	code, _, stderr := ihub(t, "", nil, "serve", "--listen", "nope", "--public-url", "ftp://x",
		"--database-url", "postgres://u:hunter2@db/x", "--sqlite-synchronous", "OFF", "--log-format", "xml",
		"--log-level", "loud", "--trusted-proxies", "10.0.0.0/99")
	if code != 2 {
		t.Fatalf("exit code = %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"invalid configuration", "--listen", "--public-url", "master key", "--sqlite-synchronous",
		"--log-format", "--log-level", "--trusted-proxies"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "hunter2") {
		t.Errorf("stderr leaks the database password:\n%s", stderr)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--log-format", "xml"},
		{"serve", "--shutdown-timeout", "soon"},
		{"serve", "--no-such-flag"},
		{"serve", "--demo", "--database-url", "postgres://demo@127.0.0.1:1/nope"},
		{"serve", "--demo=maybe"},
		{"serve", "--webhook-retention", "1h"},
		{"serve", "--webhook-retention", "30x"},
		{"serve", "--webhook-retention", "-1d"},
		{"frobnicate"},
		{"users", "create", "--email", "a@b.c", "--role", "emperor", "--password-stdin"},
		{"bench", "ingest", "--token", "t", "--concurrency", "0"},
		{"bench", "ingest", "--token", "t", "--url", "ftp://x"},
		{"bench", "delivery", "--token", "t", "--rate", "0"},
		{"bench", "delivery", "--token", "t", "--duration", "10ms"},
		{"bench", "delivery", "--token", "t", "--listen", "nowhere"},
		{"bench", "delivery", "--rate", "10"}, // no token
		{"tokens", "create", "--email", "a@b.c", "--name", "t", "--expires-in", "-5h"},
		{"keys", "rotate", "--batch-size", "0"},
		{"dev", "seed", "--integrations", "0"},
	} {
		code, _, stderr := ihub(t, "", nil, args...)
		if code != 2 || stderr == "" {
			t.Errorf("ihub %v = exit %d, stderr %q; want exit 2 (a bad command line) and a message", args, code, stderr)
		}
	}
}

// TestParseDuration: duration flags take Go's form and whole days.
func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"720h", 720 * time.Hour, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"0", 0, true},
		{"1h30m", 90 * time.Minute, true},
		{"30x", 0, false},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"99999999d", 0, false},
		{"36500d", 36500 * 24 * time.Hour, true},
		{"36501d", 0, false},
		{"876000h", 36500 * 24 * time.Hour, true},
		{"876001h", 0, false},
		{"9223372036854775807ns", 0, false},
		{"10000000h", 0, false},
		{"99999999999999999999d", 0, false},
		{"1h99999999999999m", 0, false},
	} {
		got, err := parseDuration(tc.in)
		// Well formed but too large says so; garbage shows the forms.
		tooLarge := !tc.ok && durationLike(tc.in)
		if err != nil && tooLarge != strings.Contains(err.Error(), "out of range") {
			t.Errorf("parseDuration(%q) error %q; want out of range %t", tc.in, err, tooLarge)
		}
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "90d, 720h") && !strings.Contains(err.Error(), "at most 36500d") {
			t.Errorf("parseDuration(%q) error %q does not show the accepted forms", tc.in, err)
		}
		if tc.in == "36501d" && (err == nil || !strings.Contains(err.Error(), "36500d")) {
			t.Errorf("parseDuration(%q) error %v does not name the largest number of days", tc.in, err)
		}
	}
}

// durationLike: digits and units only, as a person writes a duration.
func durationLike(s string) bool {
	return s != "" && strings.Trim(s, "0123456789dhmns") == "" && strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "dhmns")
}

func TestBootstrapCommands(t *testing.T) {
	dir := t.TempDir()
	// --data-dir is given on every command: they all work on the same data.
	code, _, stderr := ihub(t, "", nil, "users", "create", "--data-dir", dir, "--email", "admin@example.com", "--role", "super_admin", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "password") {
		t.Fatalf("users create without a password = exit %d, %q; want a failure about the password", code, stderr)
	}
	code, _, stderr = ihub(t, "short\n", nil, "users", "create", "--data-dir", dir, "--email", "admin@example.com", "--role", "super_admin", "--password-stdin")
	if code != 2 || !strings.Contains(stderr, "password") {
		t.Fatalf("users create with a short password = exit %d, %q; want 2 (a bad command line), naming the password", code, stderr)
	}
	code, _, stderr = ihub(t, "a long enough password\n", nil, "users", "create", "--data-dir", dir, "--email", "Admin@Example.com", "--role", "super_admin", "--password-stdin")
	if code != 0 {
		t.Fatalf("users create = exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); err != nil {
		t.Fatalf("first start did not write the master key file: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "master.key")); fi.Mode().Perm() != 0o600 {
		t.Errorf("master.key mode = %o, want 600", fi.Mode().Perm())
	}
	code, stdout, stderr := ihub(t, "", nil, "tokens", "create", "--data-dir", dir, "--email", "admin@example.com", "--name", "ci")
	if code != 0 {
		t.Fatalf("tokens create = exit %d: %s", code, stderr)
	}
	if tok := strings.TrimSpace(stdout); !strings.HasPrefix(tok, "ihub_pat_") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("tokens create printed %q; want only the token on one line", stdout)
	}
	code, _, _ = ihub(t, "", nil, "tokens", "create", "--data-dir", dir, "--email", "nobody@example.com", "--name", "ci")
	if code != 1 {
		t.Errorf("tokens create for an unknown user = exit %d; want 1", code)
	}

	code, stdout, _ = ihub(t, "", nil, "keys", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(stdout, "k1") || !strings.Contains(stdout, "true") {
		t.Errorf("keys list = exit %d, %q; want k1 as primary", code, stdout)
	}
	code, stdout, stderr = ihub(t, "", nil, "keys", "rotate", "--data-dir", dir)
	if code != 0 || !strings.Contains(stdout, "new primary key k2") {
		t.Errorf("keys rotate = exit %d, %q %q", code, stdout, stderr)
	}

	// A different master key cannot open this database's vault.
	other, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = ihub(t, "", map[string]string{"IHUB_MASTER_KEY": other}, "keys", "list", "--data-dir", dir)
	if code != 2 || !strings.Contains(stderr, "master key does not match") {
		t.Errorf("wrong master key = exit %d, %q; want 2 (restarting will not help) and a clear message", code, stderr)
	}
	if strings.Contains(stderr, other) {
		t.Error("the error message contains the master key")
	}
}

func TestKeysGenerate(t *testing.T) {
	code, stdout, _ := ihub(t, "", nil, "keys", "generate")
	if code != 0 {
		t.Fatalf("keys generate = exit %d", code)
	}
	if _, err := secret.ParseMasterKey(stdout); err != nil {
		t.Errorf("keys generate printed %q, which does not parse: %v", stdout, err)
	}
}

// TestSetServerGC: serve raises the collector's target, unless GOGC says
// otherwise.
func TestSetServerGC(t *testing.T) {
	restore := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(restore) })
	t.Setenv("GOGC", "150")
	os.Unsetenv("GOGC") // t.Setenv restores it afterwards
	setServerGC()
	if got := debug.SetGCPercent(100); got != serverGCPercent {
		t.Errorf("GC percent without GOGC = %d; want %d", got, serverGCPercent)
	}
	t.Setenv("GOGC", "150")
	setServerGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent with GOGC set = %d; want it left alone (100)", got)
	}
}

// TestDemoRefusesADatabase: --demo with a --data-dir that already holds a
// database is a bad command line, and leaves that database alone (no demo
// admin, no demo integrations seeded into it).
func TestDemoRefusesADatabase(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := ihub(t, "a long enough password\n", nil, "users", "create", "--data-dir", dir, "--email", "admin@example.com",
		"--role", "super_admin", "--password-stdin"); code != 0 {
		t.Fatalf("users create = exit %d: %s", code, stderr)
	}
	code, _, stderr := ihub(t, "", nil, "serve", "--demo", "--data-dir", dir, "--listen", "127.0.0.1:0")
	if code != 2 || !strings.Contains(stderr, "already holds one") {
		t.Fatalf("serve --demo on a database = exit %d, %q; want 2 saying the directory holds a database", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "demo-credentials.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo-credentials.txt: %v; want none written", err)
	}
}

// TestConfigErrorsFoundLateExit2: a master key or database URL found wrong
// only when it is used is still a configuration error (exit 2, which the
// documented systemd unit does not restart on), and says why without the
// password.
func TestConfigErrorsFoundLateExit2(t *testing.T) {
	key, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"missing key file", nil, []string{"--master-key-file", filepath.Join(dir, "missing.key")}, "master key file"},
		{"malformed key", map[string]string{"IHUB_MASTER_KEY": "ihubmk1_bm90IGEga2V5"}, nil, "IHUB_MASTER_KEY"},
		{"port out of range", map[string]string{"IHUB_MASTER_KEY": key}, []string{"--database-url", "postgres://u:hunter2@127.0.0.1:99999/db"}, "cannot be parsed"},
		{"bad sslmode", map[string]string{"IHUB_MASTER_KEY": key}, []string{"--database-url", "postgres://u:hunter2@127.0.0.1:5432/db?sslmode=bogus"}, "sslmode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0"}, tc.args...)
			code, _, stderr := ihub(t, "", tc.env, args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "hunter2") {
				t.Errorf("exit %d, stderr %q; want 2 naming %q, without the password", code, stderr, tc.want)
			}
		})
	}
}

// TestConfigErrorsNameTheVariable: a bad value given by environment
// variable is reported with the variable's name beside the flag's, as
// kong reports its own parse errors; one given on the command line is not.
func TestConfigErrorsNameTheVariable(t *testing.T) {
	code, _, stderr := ihub(t, "", map[string]string{"IHUB_TRUSTED_PROXIES": "banana", "IHUB_LOG_LEVEL": "loud",
		"IHUB_LOG_FORMAT": "yaml", "IHUB_DATABASE_URL": "postgres://u:hunter2@/x"},
		"serve", "--data-dir", t.TempDir(), "--log-format", "xml")
	if code != 2 {
		t.Fatalf("exit %d; want 2:\n%s", code, stderr)
	}
	for _, want := range []string{
		`--trusted-proxies "banana": must be an IP address or a CIDR such as 10.0.0.0/8 (from envar IHUB_TRUSTED_PROXIES)`,
		`--log-level "loud": must be debug, info, warn or error (from envar IHUB_LOG_LEVEL)`,
		`--log-format "xml": must be text or json` + "\n",
		`--database-url: must name a host (from envar IHUB_DATABASE_URL)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "hunter2") {
		t.Errorf("stderr leaks the database password:\n%s", stderr)
	}
}
