// Command ihub is the integration hub: `ihub serve` runs the server, the
// other commands administer it from the server's shell (first admin,
// tokens, master keys). Run `ihub --help` for the list.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kong"

	"ihub/internal/app"
	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/config"
	"ihub/internal/secret"
)

// dbFlags locate the database; every command that opens it takes them.
type dbFlags struct {
	DataDir       string `name:"data-dir" env:"IHUB_DATA_DIR" default:"./ihub-data" help:"Directory for the SQLite database and the generated master key file."`
	DatabaseURL   string `name:"database-url" env:"IHUB_DATABASE_URL" help:"postgres://… to use PostgreSQL; empty for SQLite in the data directory. Also IHUB_DATABASE_URL_FILE."`
	MasterKeyFile string `name:"master-key-file" env:"IHUB_MASTER_KEY_FILE" help:"File holding the master key (or set IHUB_MASTER_KEY). Required with PostgreSQL."`
	LogFormat     string `name:"log-format" env:"IHUB_LOG_FORMAT" default:"text" help:"Log format: text or json."`
	LogLevel      string `name:"log-level" env:"IHUB_LOG_LEVEL" default:"info" help:"Log level."`
}

func (f dbFlags) config() config.Config {
	return config.Config{Listen: config.DefaultListen, DataDir: f.DataDir, DatabaseURL: f.DatabaseURL,
		MasterKey: os.Getenv("IHUB_MASTER_KEY"), MasterKeyFile: f.MasterKeyFile, LogFormat: f.LogFormat, LogLevel: f.LogLevel}
}

type serveCmd struct {
	dbFlags
	Listen             string        `name:"listen" env:"IHUB_LISTEN" default:"127.0.0.1:8080" help:"Address to listen on."`
	PublicURL          string        `name:"public-url" env:"IHUB_PUBLIC_URL" help:"URL users and providers reach ihub at (default: derived from --listen)."`
	EgressAllowPrivate bool          `name:"egress-allow-private" env:"IHUB_EGRESS_ALLOW_PRIVATE" help:"Let every integration reach loopback and private addresses (development and tests only)."`
	SQLiteSynchronous  string        `name:"sqlite-synchronous" env:"IHUB_SQLITE_SYNCHRONOUS" default:"NORMAL" help:"SQLite durability: NORMAL or FULL."`
	ShutdownTimeout    time.Duration `name:"shutdown-timeout" env:"IHUB_SHUTDOWN_TIMEOUT" default:"30s" help:"How long shutdown waits for in-flight requests and jobs."`
	TrustedProxies     []string      `name:"trusted-proxies" env:"IHUB_TRUSTED_PROXIES" help:"Load balancers or proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For gives the client's address."`
	ActivityRetention  time.Duration `name:"activity-retention" env:"IHUB_ACTIVITY_RETENTION" default:"2160h" help:"How long activity log entries are kept (default 90 days)."`
	WebhookRetention   time.Duration `name:"webhook-retention" env:"IHUB_WEBHOOK_RETENTION" default:"2160h" help:"How long webhook deliveries and their events are kept (default 90 days)."`
	Demo               bool          `name:"demo" env:"IHUB_DEMO" help:"Demo mode: start built-in fake providers, seed integrations against them and a demo admin, on a throwaway SQLite database in a temporary directory (unless --data-dir names one without a database). Sign-in details are written to demo-credentials.txt there."`
}

// serverGCPercent is the garbage collector's target for `ihub serve` when
// the environment does not set GOGC: the heap may grow to five times what
// is live before a collection, instead of Go's default two. The server's
// live heap is small (tens of MiB) and its request paths allocate fast, so
// with the default it collected several times a second: at 10,000 proxied
// requests/s a sixth of its CPU went to the collector. Measured, same runs
// (docs/benchmarks.md): proxy throughput +20–25 %, webhook ingest CPU per
// webhook −10–15 %; idle memory unchanged (37 MiB), peak memory under
// proxy load 90 → 140 MiB. GOMEMLIMIT caps it on a small machine.
const serverGCPercent = 400

// setServerGC applies serverGCPercent unless GOGC is set.
func setServerGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}

func (c *serveCmd) Run(g *globals) error {
	setServerGC()
	cfg := c.config()
	cfg.Listen, cfg.PublicURL, cfg.EgressAllowPrivate = c.Listen, c.PublicURL, c.EgressAllowPrivate
	cfg.SQLiteSynchronous, cfg.ShutdownTimeout, cfg.ActivityRetention = c.SQLiteSynchronous, c.ShutdownTimeout, c.ActivityRetention
	cfg.WebhookRetention = c.WebhookRetention
	cfg.TrustedProxies = c.TrustedProxies
	if c.Demo {
		if cfg.DatabaseURL != "" {
			return configError{errors.New("--demo runs on a throwaway SQLite database; it cannot be combined with --database-url")}
		}
		if cfg.DataDir == config.DefaultDataDir {
			dir, err := os.MkdirTemp("", "ihub-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir) // throwaway data, as announced
			cfg.DataDir = dir
		} else if _, err := os.Stat(filepath.Join(cfg.DataDir, "ihub.db")); err == nil {
			// Seeding would add a super admin and thirteen integrations
			// pointing at loopback fakes to whatever the database holds.
			return configError{fmt.Errorf("--demo seeds a new database, and --data-dir %s already holds one: give an empty directory, or omit --data-dir for a throwaway one", cfg.DataDir)}
		}
		cfg.Demo = true
	}
	// The lock and the listener come before the database is opened: a
	// second server, or a taken port, stops here, before any migration.
	if err := checkConfig(&cfg); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" { // SQLite in the data directory
		release, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer release() // after a.Close: the next server starts on a closed database
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	defer ln.Close() // Serve closes it; this covers an Open that fails
	if _, port, _ := net.SplitHostPort(cfg.Listen); port == "0" {
		// An ephemeral port: ingress URLs and the log name the one given.
		cfg.Listen = ln.Addr().String()
	}
	a, err := app.Open(context.Background(), cfg, app.NewLogger(g.stderr, cfg.LogFormat, cfg.LogLevel), app.Options{Worker: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if c.Demo {
		stopFakes, err := a.StartDemo(context.Background())
		if err != nil {
			return err
		}
		defer stopFakes()
	}
	if cfg.EgressAllowPrivate {
		a.Log.Warn("--egress-allow-private is on: integrations may reach loopback and private addresses; meant for development and tests")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal now ends the process without waiting for the drain
	}()
	return a.Serve(ctx, ln, nil)
}

type globals struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// checkConfig reads the secrets given by file or environment into cfg and
// validates the whole configuration.
func checkConfig(cfg *config.Config) error {
	if err := cfg.ResolveSecrets(os.Getenv); err != nil {
		return configError{err}
	}
	if err := cfg.Validate(); err != nil {
		return configError{err}
	}
	return nil
}

// open opens the database for a command other than serve.
func open(g *globals, cfg config.Config) (*app.App, error) {
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	log := app.NewLogger(g.stderr, cfg.LogFormat, cfg.LogLevel)
	return app.Open(context.Background(), cfg, log, app.Options{})
}

type configError struct{ error }

type usersCreateCmd struct {
	dbFlags
	Email         string `name:"email" required:"" help:"The user's email (their sign-in name)."`
	Name          string `name:"name" help:"Display name."`
	Role          string `name:"role" required:"" enum:"super_admin,system_admin,it_manager,operations_manager,support_agent" help:"Role: super_admin, system_admin, it_manager, operations_manager or support_agent."`
	PasswordStdin bool   `name:"password-stdin" required:"" help:"Read the password from the first line of standard input."`
}

func (c *usersCreateCmd) Run(g *globals) error {
	line, err := bufio.NewReader(io.LimitReader(g.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return errors.New("no password on standard input (pipe it in: echo \"$PW\" | ihub users create …)")
	}
	a, err := open(g, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(context.Background(), auth.NewUser{Email: c.Email, Name: c.Name, Role: auth.Role(c.Role), Password: pw},
		audit.Actor{Type: audit.ActorCLI, Name: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "created user %s (%s) with role %s\n", u.Email, u.ID, u.Role)
	return nil
}

type tokensCreateCmd struct {
	dbFlags
	Email     string        `name:"email" required:"" help:"Owner of the token."`
	Name      string        `name:"name" required:"" help:"A name to recognise the token by."`
	ExpiresIn time.Duration `name:"expires-in" help:"Expire the token after this long (e.g. 720h); default never."`
}

func (c *tokensCreateCmd) Run(g *globals) error {
	if c.ExpiresIn < 0 {
		return configError{errors.New("--expires-in must be positive")}
	}
	a, err := open(g, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	var exp *time.Time
	if c.ExpiresIn > 0 {
		t := time.Now().Add(c.ExpiresIn)
		exp = &t
	}
	plain, _, err := a.Auth.CreateTokenForCLI(context.Background(), c.Email, c.Name, exp)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, plain)
	return nil
}

type keysGenerateCmd struct{}

func (keysGenerateCmd) Run(g *globals) error {
	k, err := secret.GenerateMasterKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, k)
	return nil
}

type keysListCmd struct{ dbFlags }

func (c *keysListCmd) Run(g *globals) error {
	a, err := open(g, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	keys, err := a.DB.VaultKeys(context.Background())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tPRIMARY\tSEALED VALUES\tMASTER KEY")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%t\t%d\t%s\n", k.ID, k.CreatedAt.Format(time.RFC3339), k.Primary, k.Sealed, k.MasterFingerprint)
	}
	return tw.Flush()
}

type keysRotateCmd struct {
	dbFlags
	BatchSize int `name:"batch-size" default:"1000" help:"Values re-encrypted per transaction."`
}

func (c *keysRotateCmd) Run(g *globals) error {
	if c.BatchSize < 1 || c.BatchSize > 100000 {
		return configError{errors.New("--batch-size must be between 1 and 100000")}
	}
	a, err := open(g, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	ctx := context.Background()
	res, err := a.RotateKeys(ctx, c.BatchSize, g.stderr)
	if err != nil {
		return err
	}
	e := audit.Entry{At: time.Now(), Actor: audit.Actor{Type: audit.ActorCLI, Name: "cli"}, Action: audit.KeyRotated, TargetType: "vault_key",
		TargetID: res.NewKeyID, Success: true, Details: map[string]any{"previousKey": res.PreviousID, "resealed": res.Resealed, "durationMs": res.Duration.Milliseconds()}}
	if err := a.DB.RecordActivity(ctx, e); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "new primary key %s (was %s); re-encrypted %d values in %s\n", res.NewKeyID, res.PreviousID, res.Resealed, res.Duration.Round(time.Millisecond))
	return nil
}

type versionCmd struct{}

func (versionCmd) Run(g *globals) error {
	fmt.Fprintln(g.stdout, "ihub", app.Version)
	return nil
}

type benchIngestCmd struct {
	URL         string        `name:"url" default:"http://127.0.0.1:8080" help:"The server's base URL."`
	Token       string        `name:"token" env:"IHUB_TOKEN" required:"" help:"API token with integrations:manage and integrations:credentials:write (creates a throwaway integration and endpoint)."`
	Duration    time.Duration `name:"duration" default:"10s" help:"How long to measure (after a 1 s warm-up)."`
	Concurrency int           `name:"concurrency" short:"c" default:"64" help:"Connections sending at once."`
	BodySize    int           `name:"body-size" default:"2048" help:"JSON body size in bytes."`
}

func (c *benchIngestCmd) Run(g *globals) error {
	if c.Concurrency < 1 || c.Concurrency > 4096 {
		return configError{errors.New("--concurrency must be 1 to 4096")}
	}
	if c.BodySize < 200 || c.BodySize > 32<<20 {
		return configError{errors.New("--body-size must be 200 to 33554432 bytes")}
	}
	if err := checkBenchTarget(c.URL, c.Duration); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := app.BenchIngest(ctx, app.IngestBenchOptions{BaseURL: c.URL, Token: c.Token, Duration: c.Duration,
		Concurrency: c.Concurrency, BodySize: c.BodySize})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "ingest: %s (endpoint %s, %d connections, %d-byte bodies)\n", res, res.EndpointID, c.Concurrency, c.BodySize)
	return nil
}

// checkBenchTarget checks the flags every bench command has.
func checkBenchTarget(server string, d time.Duration) error {
	if d < time.Second || d > time.Hour {
		return configError{errors.New("--duration must be 1s to 1h")}
	}
	if u, err := url.Parse(server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configError{errors.New("--url must be an http(s) URL such as http://127.0.0.1:8080")}
	}
	return nil
}

type benchDeliveryCmd struct {
	URL      string        `name:"url" default:"http://127.0.0.1:8080" help:"The server's base URL."`
	Token    string        `name:"token" env:"IHUB_TOKEN" required:"" help:"API token with integrations:manage and integrations:credentials:write (creates a throwaway integration, endpoint and subscription)."`
	Rate     int           `name:"rate" default:"1000" help:"Webhooks per second."`
	Duration time.Duration `name:"duration" default:"10s" help:"How long to send."`
	Listen   string        `name:"listen" default:"127.0.0.1:0" help:"Where the benchmark's subscriber listens; the server must reach it there."`
}

func (c *benchDeliveryCmd) Run(g *globals) error {
	if c.Rate < 1 || c.Rate > 100000 {
		return configError{errors.New("--rate must be 1 to 100000 webhooks per second")}
	}
	if err := checkBenchTarget(c.URL, c.Duration); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return configError{errors.New("--listen must be host:port, such as 127.0.0.1:0")}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := app.BenchDelivery(ctx, app.DeliveryBenchOptions{BaseURL: c.URL, Token: c.Token, Rate: c.Rate,
		Duration: c.Duration, Listen: c.Listen})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "delivery: %s\n", res)
	return nil
}

type cli struct {
	Serve serveCmd `cmd:"" help:"Run the server."`
	Users struct {
		Create usersCreateCmd `cmd:"" help:"Create a user (e.g. the first admin)."`
	} `cmd:"" help:"Manage users."`
	Tokens struct {
		Create tokensCreateCmd `cmd:"" help:"Create an API token; prints only the token."`
	} `cmd:"" help:"Manage API tokens."`
	Keys struct {
		Generate keysGenerateCmd `cmd:"" help:"Print a new master key."`
		List     keysListCmd     `cmd:"" help:"List the vault's data keys and how many values each seals."`
		Rotate   keysRotateCmd   `cmd:"" help:"Add a data key, make it primary and re-encrypt every value (safe while serving)."`
	} `cmd:"" help:"Manage the vault's keys."`
	Version versionCmd `cmd:"" help:"Print the version."`
	Bench   struct {
		Ingest   benchIngestCmd   `cmd:"" help:"Load-test webhook ingest of a running server: signed 2 KB deliveries, acknowledged rate and latency."`
		Delivery benchDeliveryCmd `cmd:"" help:"Measure ingest-to-delivery latency of a running server at a steady webhook rate, with a local subscriber."`
	} `cmd:"" help:"Load generators that measure a running server."`
	Dev struct {
		Seed devSeedCmd `cmd:"" help:"Fill the database with sample integrations (for benchmarks and demos)."`
	} `cmd:"" hidden:"" help:"Development helpers."`
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	exit := -1
	parser, err := kong.New(&c, kong.Name("ihub"), kong.Description("ihub, the self-hosted integration hub."),
		kong.Writers(stdout, stderr), kong.Exit(func(code int) { exit = code }), kong.UsageOnError(),
		kong.TypeMapper(reflect.TypeFor[time.Duration](), kong.MapperFunc(mapDuration)))
	if err != nil {
		fmt.Fprintln(stderr, "ihub:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintln(stderr, "ihub:", err)
		return 2
	}
	err = kctx.Run(&globals{stdin: stdin, stdout: stdout, stderr: stderr})
	if err == nil {
		return 0
	}
	var ce configError
	if errors.As(err, &ce) {
		fmt.Fprintln(stderr, "ihub: invalid configuration:")
		fromEnv := envFlags(kctx, args)
		for _, line := range strings.Split(ce.Error(), "\n") {
			flag, _, _ := strings.Cut(line, " ")
			if env := fromEnv[strings.TrimSuffix(flag, ":")]; env != "" {
				line += " (from envar " + env + ")" // as kong says it; the value is not repeated: it may be a secret
			}
			fmt.Fprintln(stderr, "  -", line)
		}
		return 2
	}
	if ae, ok := apperr.As(err); ok {
		fmt.Fprintln(stderr, "ihub:", ae.Message)
		for _, f := range ae.Fields {
			fmt.Fprintf(stderr, "  - %s: %s\n", strings.TrimPrefix(f.Field, "body."), f.Message)
		}
		if ae.Kind == apperr.Invalid {
			return 2 // what the command line gave was refused (a short password, a bad email)
		}
		return 1
	}
	fmt.Fprintln(stderr, "ihub:", err)
	if errors.As(err, new(config.InvalidError)) {
		return 2 // a key or URL found wrong when applied: restarting will not help
	}
	return 1
}

// envFlags maps each flag whose value came from the environment, not the
// command line, to its variable ("--listen" -> "IHUB_LISTEN"): the
// configuration's messages name flags, and a value set in a unit file is
// found by its variable.
func envFlags(kctx *kong.Context, args []string) map[string]string {
	out := map[string]string{}
	for _, f := range kctx.Flags() {
		name := "--" + f.Name
		if slices.ContainsFunc(args, func(a string) bool { return a == name || strings.HasPrefix(a, name+"=") }) {
			continue
		}
		for _, env := range f.Envs {
			if _, set := os.LookupEnv(env); set {
				out[name] = env
			}
		}
	}
	return out
}

// mapDuration reads a duration flag: Go's form (720h, 90m, 1h30m) or whole
// days (30d), which retention periods are most often thought in.
func mapDuration(ctx *kong.DecodeContext, target reflect.Value) error {
	var v string
	if err := ctx.Scan.PopValueInto("duration", &v); err != nil {
		return err
	}
	d, err := parseDuration(v)
	if err != nil {
		return err
	}
	target.SetInt(int64(d))
	return nil
}

// maxDuration bounds every duration flag, whichever unit it is written in.
const maxDuration = 36500 * 24 * time.Hour

// durationForm is what parseDuration reads, whatever the size: whole days,
// or Go's number-and-unit sequence.
var durationForm = regexp.MustCompile(`^[-+]?(\d+d|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$`)

func parseDuration(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil {
			if n < 0 || n > 36500 {
				return 0, fmt.Errorf("%q is out of range: days go from 0d to 36500d (forms: 90d, 720h, 1h30m, 45s)", v)
			}
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		if durationForm.MatchString(v) { // well formed, too large for time.Duration
			return 0, fmt.Errorf("%q is out of range: at most 36500d (876000h)", v)
		}
		return 0, fmt.Errorf("%q is not a duration: give a number with a unit (d, h, m, s), such as 90d, 720h, 1h30m or 45s", v)
	}
	if d > maxDuration || d < -maxDuration {
		return 0, fmt.Errorf("%q is out of range: at most 36500d (876000h)", v)
	}
	return d, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type devSeedCmd struct {
	dbFlags
	Integrations int `name:"integrations" default:"10000" help:"How many inactive sample integrations to create."`
}

func (c *devSeedCmd) Run(g *globals) error {
	if c.Integrations < 1 || c.Integrations > 1_000_000 {
		return configError{errors.New("--integrations must be between 1 and 1000000")}
	}
	a, err := open(g, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if err := a.SeedSample(context.Background(), c.Integrations); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "created %d sample integrations in %s\n", c.Integrations, time.Since(start).Round(time.Millisecond))
	return nil
}
