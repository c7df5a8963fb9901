package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ihub/internal/config"
)

func valid() config.Config {
	return config.Config{Listen: "127.0.0.1:8080", DataDir: "./d", LogFormat: "text", LogLevel: "info"}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(*config.Config)
		want []string // substrings of the error; nil = valid
	}{
		{"defaults", func(*config.Config) {}, nil},
		{"postgres with key", func(c *config.Config) { c.DatabaseURL = "postgres://u:p@db/ihub"; c.MasterKey = "k" }, nil},
		{"bad listen", func(c *config.Config) { c.Listen = "8080" }, []string{"--listen"}},
		{"bad port", func(c *config.Config) { c.Listen = ":99999" }, []string{"port must be"}},
		{"postgres without key", func(c *config.Config) { c.DatabaseURL = "postgres://db/ihub" }, []string{"master key"}},
		{"mysql url", func(c *config.Config) { c.DatabaseURL = "mysql://u:hunter2@db/x"; c.MasterKey = "k" }, []string{"--database-url"}},
		{"every problem at once", func(c *config.Config) {
			c.Listen, c.LogFormat, c.LogLevel, c.PublicURL, c.DataDir = "x", "xml", "loud", "ftp://x", ""
		}, []string{"--listen", "--log-format", "--log-level", "--public-url", "--data-dir"}},
		{"bad synchronous", func(c *config.Config) { c.SQLiteSynchronous = "OFF" }, []string{"--sqlite-synchronous"}},
		{"public url with a password", func(c *config.Config) { c.PublicURL = "https://admin:hunter2@ihub.example.com" }, []string{"--public-url"}},
		{"public url with a query", func(c *config.Config) { c.PublicURL = "https://ihub.example.com/?x=1" }, []string{"--public-url", "query"}},
		{"public url with a fragment", func(c *config.Config) { c.PublicURL = "https://ihub.example.com/#f" }, []string{"--public-url", "fragment"}},
		{"public url port out of range", func(c *config.Config) { c.PublicURL = "https://ihub.example.com:99999/sub" }, []string{"--public-url", "port"}},
		{"public url with a path", func(c *config.Config) { c.PublicURL = "https://example.com:8443/ihub" }, nil},
		// The rest of the password would be the host for a driver that
		// takes the first "@".
		{"an @ in the password", func(c *config.Config) {
			c.DatabaseURL = "postgres://ihub:p@hunter2@127.0.0.1:5432/db"
			c.MasterKey = "k"
		},
			[]string{"--database-url", "%40"}},
		{"a port without a host", func(c *config.Config) { c.DatabaseURL = "postgres://u:hunter2@:5432/db"; c.MasterKey = "k" },
			[]string{"--database-url: must name a host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid()
			tt.mod(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Validate() = %q: leaks a password", err)
			}
		})
	}
}

func TestResolveSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := filepath.Join(dir, "url")
	if err := os.WriteFile(f, []byte("postgres://db/ihub\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) config.Env { return func(k string) string { return m[k] } }

	c := valid()
	if err := c.ResolveSecrets(env(map[string]string{"IHUB_DATABASE_URL_FILE": f})); err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://db/ihub" {
		t.Errorf("DatabaseURL = %q, want the file's content without the newline", c.DatabaseURL)
	}
	c = valid()
	c.DatabaseURL = "postgres://other"
	if err := c.ResolveSecrets(env(map[string]string{"IHUB_DATABASE_URL_FILE": f})); err == nil {
		t.Error("both IHUB_DATABASE_URL and its _FILE: got nil error")
	}
	c = valid()
	if err := c.ResolveSecrets(env(map[string]string{"IHUB_DATABASE_URL_FILE": filepath.Join(dir, "missing")})); err == nil {
		t.Error("missing _FILE: got nil error")
	}
	blank := filepath.Join(dir, "blank")
	if err := os.WriteFile(blank, []byte("  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c = valid()
	if err := c.ResolveSecrets(env(map[string]string{"IHUB_DATABASE_URL_FILE": blank})); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("an empty _FILE (a secret not mounted yet): err = %v, want one saying it is empty, not SQLite", err)
	}
	c = valid()
	c.MasterKey, c.MasterKeyFile = "k", "f"
	if err := c.ResolveSecrets(env(nil)); err == nil {
		t.Error("master key and key file: got nil error")
	}
}

func TestResolvedPublicURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ listen, public, want string }{
		{"127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{":9000", "", "http://127.0.0.1:9000"},
		{"0.0.0.0:80", "https://ihub.example.com/", "https://ihub.example.com"},
	} {
		c := valid()
		c.Listen, c.PublicURL = tt.listen, tt.public
		if got := c.ResolvedPublicURL().String(); got != tt.want {
			t.Errorf("ResolvedPublicURL(%q, %q) = %q, want %q", tt.listen, tt.public, got, tt.want)
		}
	}
}
