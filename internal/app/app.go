// Package app is ihub's composition root: it opens the store, loads the
// vault, builds the provider registry, the services, the job queue and the
// HTTP handler, and runs them with an ordered graceful shutdown. It is the
// only package that knows about all the others; only cmd/ihub imports it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/config"
	"ihub/internal/console"
	"ihub/internal/egress"
	"ihub/internal/httpapi"
	"ihub/internal/integration"
	"ihub/internal/jobqueue"
	"ihub/internal/outbound"
	"ihub/internal/provider"
	"ihub/internal/provider/catalog"
	"ihub/internal/secret"
	"ihub/internal/store"
	"ihub/internal/webhook"
)

// Version is the ihub version, set at build time with
// -ldflags "-X ihub/internal/app.Version=v1.2.3"; without it, the commit
// go build recorded from the checkout ("dev+1a2b3c4d5e6f", "+dirty" when
// the tree had changes), else "dev".
var Version = "dev"

func init() {
	if Version != "dev" {
		return
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		Version = "dev+" + rev + dirty
	}
}

// App is a wired ihub.
type App struct {
	Config       config.Config
	Log          *slog.Logger
	DB           *store.DB
	Vault        *store.Vault
	Queue        *jobqueue.Queue
	Registry     *provider.Registry
	Auth         *auth.Service
	Integrations *integration.Service
	Webhooks     *webhook.Service
	Outbound     *outbound.Manager
	// Calls buffers outbound call records for the store.
	Calls   *outbound.Batcher
	Metrics *prometheus.Registry
	Handler http.Handler
	API     *httpapi.Server
}

// Options tunes Open for its caller.
type Options struct {
	// Worker makes the queue work jobs (serve); commands leave it off and
	// only enqueue.
	Worker bool
	// AuthOptions overrides auth defaults (tests use cheap argon2 params).
	AuthOptions auth.Options
	// EgressTimeout and ActionTimeout override the outbound clients'
	// per-request limit (egress.DefaultTimeout) and the action deadline
	// (integration.ActionTimeout); zero keeps the defaults. Tests shorten
	// them.
	EgressTimeout, ActionTimeout time.Duration
}

// NewLogger builds the process logger from the configuration.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(strings.ToUpper(level))) // validated by config.Validate
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		// Durations as text ("8.47ms", "2160h0m0s"), as in the text format,
		// not as a count of nanoseconds nobody can read at a glance.
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open wires everything from cfg. The caller must Close the App.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	a := &App{Config: cfg, Log: log}
	db, err := store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir,
		SQLiteSynchronous: cfg.SQLiteSynchronous, Logger: log})
	if err != nil {
		return nil, err
	}
	a.DB = db
	if cfg.DatabaseURL == "" { // SQLite: the data directory holds the database
		if fi, err := os.Stat(cfg.DataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
			// ihub makes it 0700; one made before by someone else is theirs
			// to narrow. Its files are 0600 whatever it is.
			log.Warn("the data directory is open to its group or others: chmod 700 it", "path", cfg.DataDir,
				"mode", fmt.Sprintf("%o", fi.Mode().Perm()))
		}
	}
	master, err := a.masterKey()
	if err != nil {
		db.Close()
		return nil, err
	}
	if a.Vault, err = db.OpenVault(ctx, master); err != nil {
		db.Close()
		if errors.Is(err, store.ErrWrongMasterKey) {
			return nil, config.Invalid(err) // another key is needed: restarting will not help
		}
		return nil, err
	}
	a.Registry = provider.NewRegistry()
	catalog.Register(a.Registry)

	// One client (and connection pool) per combination of the two
	// per-integration network options.
	var clients [2][2]*http.Client
	for i, private := range []bool{false, true} {
		for j, insecure := range []bool{false, true} {
			clients[i][j] = egress.NewClient(egress.Options{UserAgent: "ihub/" + Version, AllowPrivate: private,
				InsecureSkipVerify: insecure, Timeout: o.EgressTimeout})
		}
	}
	index := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	a.Metrics = prometheus.NewRegistry()
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every outbound call is recorded in memory and written in batches, so
	// that recording never waits for the database.
	a.Calls = outbound.NewBatcher(db.WriteAPICalls, 100_000, log)
	a.Outbound = outbound.New(outbound.Options{Recorder: outbound.Recorders{a.Calls, outbound.NewPrometheus(a.Metrics)}})
	a.Integrations = integration.NewService(integration.Options{
		Store: db, Registry: a.Registry, Vault: a.Vault, AllowPrivate: cfg.EgressAllowPrivate, Logger: log,
		ActionTimeout: o.ActionTimeout,
		Client: func(allowPrivate, skipVerify bool) *http.Client {
			return clients[index(allowPrivate)][index(skipVerify)]
		},
		Outbound: a.Outbound,
		Dial:     func(allowPrivate bool) provider.DialFunc { return egress.NewDialer(allowPrivate) },
		// a.Webhooks is made below, before anything can delete.
		Deleted: func(id string) { a.Webhooks.ForgetIntegration(id) },
	})
	registerFactoryMetrics(a.Metrics, a.Integrations.Clients())
	committers := 1 // SQLite has one writer: one group-commit writer fills it
	if db.Dialect() == store.Postgres {
		// Two overlap one commit's round trips with the next batch. More
		// split the same load into smaller transactions that contend for
		// the same right-most index pages: measured with 64 senders, 2
		// writers ingest about 20 % more than 4 and 35 % more than 8
		// (docs/benchmarks.md).
		committers = 2
	}
	a.Webhooks = webhook.NewService(webhook.Options{Store: db, Vault: a.Vault, Registry: a.Registry,
		PublicURL: cfg.ResolvedPublicURL().String(), Committers: committers, Logger: log,
		Integration: func(ctx context.Context, idOrSlug string) (webhook.IntegrationRef, error) {
			it, err := a.Integrations.Get(ctx, idOrSlug)
			if err != nil {
				return webhook.IntegrationRef{}, err
			}
			return webhook.IntegrationRef{ID: it.ID, Slug: it.Slug, Name: it.Name, Provider: it.Provider, IsActive: it.IsActive,
				Settings: it.Settings, Credentials: slices.Sorted(maps.Keys(it.Credentials))}, nil
		},
		WebhookSecret: func(ctx context.Context, by audit.Actor, integrationID, field string) (string, error) {
			it, err := a.Integrations.Get(ctx, integrationID)
			if err != nil {
				return "", err
			}
			if _, ok := it.Credentials[field]; !ok {
				return "", nil // nothing to decrypt, nothing to audit
			}
			conn, err := a.Integrations.ConnectionWith(ctx, by, it, "webhook endpoint secret", field)
			if err != nil {
				return "", err
			}
			return conn.Credentials[field].Reveal(), nil
		},
		Chat: chatSender(a.Integrations), OnSend: dispatchMetrics(a.Metrics)})
	ws := a.Webhooks
	for outcome, n := range map[string]func(webhook.Stats) int64{
		"accepted":  func(s webhook.Stats) int64 { return s.Accepted },
		"duplicate": func(s webhook.Stats) int64 { return s.Duplicates },
		"rejected":  func(s webhook.Stats) int64 { return s.Rejected },
	} {
		a.Metrics.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "ihub_webhook_deliveries_total",
			Help: "Webhook deliveries received, by outcome.", ConstLabels: prometheus.Labels{"outcome": outcome}},
			func() float64 { return float64(n(ws.Stats())) }))
	}
	// The group-commit writers run for the App's life: ingest needs them
	// whether or not Serve runs (tests, commands).
	a.Webhooks.Start(context.Background())
	ao := o.AuthOptions
	ao.Logger = log
	a.Auth = auth.NewService(db, ao)

	workers := jobqueue.NewWorkers()
	jobqueue.Register(workers, a.Integrations.WorkTest, time.Minute)
	jobqueue.Register(workers, a.workCleanup, 5*time.Minute)
	if a.Queue, err = db.NewQueue(jobqueue.Config{Workers: workers, Logger: log, Paused: !o.Worker,
		Periodic: []jobqueue.Periodic{{Interval: time.Hour, Args: func() jobqueue.Args { return CleanupArgs{} }}}}); err != nil {
		db.Close()
		return nil, err
	}
	db.AttachQueue(a.Queue)

	pub := cfg.ResolvedPublicURL()
	a.Handler, a.API = httpapi.New(httpapi.Deps{
		Integrations: a.Integrations, Webhooks: a.Webhooks, PublicURL: pub.String(), Auth: a.Auth, Activity: db, Registry: a.Registry, Logger: log, Metrics: a.Metrics,
		Console: console.Handler(), Version: Version, Ready: db.Ping,
		SecureCookies:  pub.Scheme == "https" || isLoopbackHost(pub.Hostname()),
		TrustedProxies: cfg.TrustedPrefixes(),
		Demo:           cfg.Demo,
	})
	return a, nil
}

// registerFactoryMetrics exports the client factory's counters; the hit
// rate is hits / (hits + misses).
func registerFactoryMetrics(reg *prometheus.Registry, f *integration.Factory) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "ihub_client_factory_hits_total",
			Help: "Client factory lookups answered from the cache."}, func() float64 { return float64(f.Stats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "ihub_client_factory_misses_total",
			Help: "Client factory lookups that loaded and decrypted an integration."}, func() float64 { return float64(f.Stats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ihub_client_factory_cached",
			Help: "Integrations with a cached client."}, func() float64 { return float64(f.Stats().Cached) }),
	)
}

// dispatchMetrics counts sends to subscriptions by target and outcome, and
// times deliveries from the event's storage.
func dispatchMetrics(reg *prometheus.Registry) func(target, outcome string, lag time.Duration) {
	sends := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ihub_subscription_sends_total",
		Help: "Sends of events to subscriptions, by target and outcome (delivered, retry, failed, disabled)."},
		[]string{"target", "outcome"})
	lags := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ihub_event_delivery_lag_seconds",
		Help:    "From an event's storage to its delivery to a subscription, retries included.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600}},
		[]string{"target"})
	reg.MustRegister(sends, lags)
	return func(target, outcome string, lag time.Duration) {
		sends.WithLabelValues(target, outcome).Inc()
		if outcome == webhook.SendDelivered {
			lags.WithLabelValues(target).Observe(lag.Seconds())
		}
	}
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// MasterKeyFileName is the key file written in the data directory on first
// start with SQLite.
const MasterKeyFileName = "master.key"

// masterKey returns the master key: IHUB_MASTER_KEY, the --master-key-file,
// or on SQLite the key file in the data directory, created on first start.
func (a *App) masterKey() (secret.MasterKey, error) {
	cfg := a.Config
	switch {
	case cfg.MasterKey != "":
		k, err := secret.ParseMasterKey(cfg.MasterKey)
		if err != nil {
			return k, config.Invalid(fmt.Errorf("IHUB_MASTER_KEY: %w", err))
		}
		return k, nil
	case cfg.MasterKeyFile != "":
		k, err := readKeyFile(cfg.MasterKeyFile)
		return k, config.Invalid(err)
	case a.DB.Dialect() == store.Postgres:
		return secret.MasterKey{}, config.Invalid(errors.New("PostgreSQL mode needs the master key: set IHUB_MASTER_KEY or --master-key-file (`ihub keys generate` prints a new one)"))
	}
	path := filepath.Join(cfg.DataDir, MasterKeyFileName)
	k, err := readKeyFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, config.Invalid(err)
	}
	text, err := secret.GenerateMasterKey()
	if err != nil {
		return k, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return k, fmt.Errorf("write master key file: %w", err)
	}
	if _, err := f.WriteString(text + "\n"); err != nil {
		f.Close()
		return k, fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return k, fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return k, fmt.Errorf("write master key file: %w", err)
	}
	k, err = secret.ParseMasterKey(text)
	if err != nil {
		return k, err
	}
	a.Log.Warn("generated a new master key: BACK IT UP. Without it the credentials stored in this database cannot be decrypted",
		"path", path, "fingerprint", k.Fingerprint())
	return k, nil
}

func readKeyFile(path string) (secret.MasterKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return secret.MasterKey{}, fmt.Errorf("master key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return secret.MasterKey{}, fmt.Errorf("master key file %s is open to its group or others (mode %o); chmod 600 it (or 400)", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return secret.MasterKey{}, fmt.Errorf("master key file: %w", err)
	}
	k, err := secret.ParseMasterKey(string(b))
	if err != nil {
		return k, fmt.Errorf("master key file %s: %w", path, err)
	}
	return k, nil
}

// Close releases the store.
func (a *App) Close() {
	a.Webhooks.Stop()
	a.DB.Close()
}

// Serve runs the HTTP server and the job workers until ctx is cancelled,
// then shuts down in order: stop accepting requests and finish in-flight
// ones, let running jobs finish, close the database. It serves on ln, or
// listens on the configured address when ln is nil. ready, if not nil, is
// called with the bound address once the server accepts connections.
func (a *App) Serve(ctx context.Context, ln net.Listener, ready func(addr net.Addr)) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.Config.Listen); err != nil {
			return fmt.Errorf("listen on %s: %w", a.Config.Listen, err)
		}
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	if err := a.Queue.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	bctx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	callsDone := make(chan struct{})
	go func() { a.Calls.Run(bctx, time.Second); close(callsDone) }()
	go a.Integrations.Clients().Watch(bctx, 2*time.Second)
	go a.Webhooks.RunProcessor(bctx, 200*time.Millisecond)
	dispatchDone := make(chan struct{})
	dispatcher, err := a.Webhooks.NewDispatcher(15 * time.Second)
	if err == nil {
		host, _ := os.Hostname()
		dispatcher.NameAs(host + " " + ln.Addr().String()) // for people reading subscription_owners
		go func() { dispatcher.Run(bctx, 200*time.Millisecond); close(dispatchDone) }()
	} else {
		close(dispatchDone)
	}
	// Vacuum and analyze do nothing on SQLite; the purge of deleted
	// subscriptions runs on both engines.
	go a.maintainTables(bctx, 5*time.Second)
	srv.RegisterOnShutdown(a.API.Drain) // long polls answer instead of holding the shutdown up
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("ihub is serving", "address", ln.Addr().String(), "public_url", a.Config.ResolvedPublicURL().String(),
		"database", string(a.DB.Dialect()), "version", Version)
	if ready != nil {
		ready(ln.Addr())
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	timeout := a.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	a.Log.Info("shutting down: finishing in-flight requests and jobs", "timeout", timeout)
	if err := srv.Shutdown(sctx); err != nil {
		a.Log.Warn("HTTP shutdown did not finish cleanly", "error", err)
	}
	a.Webhooks.Stop() // every acknowledged delivery is written by now
	if err := a.Queue.Stop(sctx); err != nil {
		a.Log.Warn("job queue shutdown did not finish cleanly", "error", err)
	}
	// Last: store the API call records of the requests just finished.
	stopBackground()
	<-callsDone
	// The dispatcher claims nothing more and gives back what it had not
	// begun to send; the sends under way finish and are recorded, within
	// the shutdown timeout. Then it hands its subscriptions to the other
	// replicas, before the store closes.
	select {
	case <-dispatchDone:
	case <-sctx.Done():
		if dispatcher == nil { // none ran: dispatchDone was closed too
			break
		}
		a.Log.Warn("the webhook dispatcher did not finish its sends in time; cutting them short")
		dispatcher.CutShort()
		select {
		case <-dispatchDone: // the sends cut short are recorded, to be sent again
		case <-time.After(dispatchCutGrace):
			a.Log.Warn("the webhook dispatcher did not stop in time")
		}
	}
	a.Log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// dispatchCutGrace is how long shutdown waits, after its timeout, for the
// dispatcher to record the sends it cut short and hand its subscriptions
// over.
const dispatchCutGrace = 5 * time.Second

// RotateKeys adds a data key, makes it primary and re-encrypts every value
// with it, while servers may be running. Servers may seal a few new values
// with the old key until they next re-read the keys, so after the first
// pass it waits that long and sweeps once more, saying so on progress.
func (a *App) RotateKeys(ctx context.Context, batchSize int, progress io.Writer) (store.RotateResult, error) {
	res, err := a.DB.RotateKey(ctx, a.Vault, batchSize)
	if err != nil {
		return res, err
	}
	wait := store.VaultReloadInterval + time.Second
	fmt.Fprintf(progress, "re-encrypted %d values with %s; waiting %s for running servers to switch keys…\n", res.Resealed, res.NewKeyID, wait)
	select {
	case <-time.After(wait):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	late, err := a.DB.ResealRemaining(ctx, a.Vault, batchSize)
	res.Resealed += late
	if p := a.Vault.Keyring().Primary(); err == nil && p != res.NewKeyID {
		// ResealRemaining re-read the keys: a rotation that overlapped this
		// one made its own key primary, and every value went under it.
		return res, fmt.Errorf("another key rotation made %s primary while this one ran: %s is not primary, and every value is now under %s", p, res.NewKeyID, p)
	}
	return res, err
}
