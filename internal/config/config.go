// Package config is ihub's bootstrap configuration: the few settings a
// server needs before it can open its database. Everything else (integrations,
// users, schedules) lives in the database. Values come from flags and IHUB_*
// environment variables (the command line binds those); secrets may also come
// from files (*_FILE), the form container secrets take. There is no
// package-level state: Load returns a value that is passed down.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the bootstrap configuration.
type Config struct {
	Listen      string
	DataDir     string
	DatabaseURL string
	// MasterKey is the master key text (from IHUB_MASTER_KEY or the file).
	MasterKey     string
	MasterKeyFile string
	PublicURL     string
	LogFormat     string
	LogLevel      string
	// EgressAllowPrivate lets every integration reach private addresses.
	EgressAllowPrivate bool
	SQLiteSynchronous  string
	ShutdownTimeout    time.Duration
	// ActivityRetention is how long activity entries are kept (0: 90 days).
	ActivityRetention time.Duration
	// WebhookRetention is how long webhook deliveries and events are kept
	// (0: 90 days).
	WebhookRetention time.Duration
	// TrustedProxies lists the proxies (CIDRs) whose X-Forwarded-For is
	// believed when working out a client's address.
	TrustedProxies []string
	// Demo marks a demo server (ihub serve --demo): fake providers and a
	// throwaway database; every API answer carries X-Ihub-Demo: true.
	Demo bool
}

// TrustedPrefixes parses TrustedProxies (Validate reports bad entries).
func (c Config) TrustedPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parsePrefix accepts a CIDR or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	return p.Masked(), err
}

// Defaults.
const (
	DefaultListen  = "127.0.0.1:8080"
	DefaultDataDir = "./ihub-data"
)

// Env is how configuration reads its environment (os.Getenv in main, a map
// in tests).
type Env func(string) string

// ResolveSecrets fills secret values from their *_FILE twins: the database
// URL from IHUB_DATABASE_URL_FILE, the master key from IHUB_MASTER_KEY_FILE
// or --master-key-file. Setting both a value and its file is an error.
func (c *Config) ResolveSecrets(env Env) error {
	var errs []error
	if f := env("IHUB_DATABASE_URL_FILE"); f != "" {
		if c.DatabaseURL != "" {
			errs = append(errs, errors.New("database URL: give --database-url (or IHUB_DATABASE_URL) or IHUB_DATABASE_URL_FILE, not both"))
		} else if b, err := os.ReadFile(f); err != nil {
			errs = append(errs, fmt.Errorf("IHUB_DATABASE_URL_FILE: %w", err))
		} else if c.DatabaseURL = strings.TrimSpace(string(b)); c.DatabaseURL == "" {
			// A secret not mounted yet must not leave each replica on a
			// SQLite database of its own.
			errs = append(errs, fmt.Errorf("IHUB_DATABASE_URL_FILE: %s is empty (unset the variable to use SQLite)", f))
		}
	}
	if c.MasterKeyFile != "" && c.MasterKey != "" {
		errs = append(errs, errors.New("master key: set IHUB_MASTER_KEY or a master key file, not both"))
	}
	return errors.Join(errs...)
}

// InvalidError marks an error found while applying the configuration (a
// master key file that does not parse, a database URL the driver refuses)
// as a configuration problem: the command exits with status 2, which a
// service manager need not restart on.
type InvalidError struct{ Err error }

func (e InvalidError) Error() string { return e.Err.Error() }
func (e InvalidError) Unwrap() error { return e.Err }

// Invalid marks err as a configuration problem (nil stays nil).
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return InvalidError{err}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// UnencodedAt reports a URL whose user name or password holds a bare "@":
// drivers disagree on which "@" ends them, and one that takes the first
// would print the rest of the password as the host in its errors.
func UnencodedAt(raw string) bool {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Count(rest, "@") > 1
}

// Validate checks the configuration and reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if host, port, err := net.SplitHostPort(c.Listen); err != nil {
		bad("--listen %q: must be host:port (e.g. 127.0.0.1:8080 or :8080)", c.Listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("--listen %q: port must be 0-65535", c.Listen)
	} else if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, "/ ") {
		bad("--listen %q: bad host", c.Listen)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("--data-dir: must not be empty")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		switch {
		case err != nil:
			bad("--database-url: not a URL") // never echo it: it may hold a password
		case u.Scheme != "postgres" && u.Scheme != "postgresql":
			bad("--database-url: must be postgres://… (or empty for SQLite in the data directory)")
		case UnencodedAt(c.DatabaseURL):
			bad("--database-url: write an @ in the user name or password as %%40")
		case u.Hostname() == "":
			bad("--database-url: must name a host")
		}
		if c.MasterKey == "" && c.MasterKeyFile == "" {
			bad("master key: PostgreSQL mode needs IHUB_MASTER_KEY or --master-key-file (generate one with `ihub keys generate`)")
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err == nil && u.User != nil:
			// Not quoted: the user info may hold a password.
			bad("--public-url: must not hold a user name or password")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
			bad("--public-url %q: must be an http(s) URL such as https://ihub.example.com", c.PublicURL)
		case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(c.PublicURL, "#"):
			// Ingress URLs are built by appending paths to it.
			bad("--public-url %q: must not have a query or a fragment", c.PublicURL)
		case u.Port() != "" && !validPort(u.Port()):
			bad("--public-url %q: port must be 1-65535", c.PublicURL)
		}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("--log-format %q: must be text or json", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("--log-level %q: must be debug, info, warn or error", c.LogLevel)
	}
	switch strings.ToUpper(c.SQLiteSynchronous) {
	case "", "NORMAL", "FULL":
	default:
		bad("--sqlite-synchronous %q: must be NORMAL or FULL", c.SQLiteSynchronous)
	}
	for _, tp := range c.TrustedProxies {
		if _, err := parsePrefix(tp); err != nil {
			bad("--trusted-proxies %q: must be an IP address or a CIDR such as 10.0.0.0/8", tp)
		}
	}
	if c.WebhookRetention != 0 && c.WebhookRetention < 24*time.Hour {
		bad("--webhook-retention: must be at least 24h")
	}
	if c.ActivityRetention != 0 && c.ActivityRetention < 24*time.Hour {
		bad("--activity-retention: must be at least 24h")
	}
	if c.ShutdownTimeout < 0 {
		bad("--shutdown-timeout: must not be negative")
	}
	return errors.Join(errs...)
}

// ResolvedPublicURL is the URL users reach ihub at: --public-url, or one
// derived from the listen address.
func (c Config) ResolvedPublicURL() *url.URL {
	if c.PublicURL != "" {
		if u, err := url.Parse(strings.TrimRight(c.PublicURL, "/")); err == nil {
			return u
		}
	}
	host, port, _ := net.SplitHostPort(c.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
}
