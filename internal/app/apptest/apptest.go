// Package apptest runs a whole ihub in-process for tests: a real store
// (SQLite, or PostgreSQL via storetest), the real HTTP handler on an
// httptest server, real job workers, and helpers to create users and
// tokens and make API calls. Logs are captured so tests can check that
// secrets never reach them.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"ihub/internal/app"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/config"
	"ihub/internal/secret"
	"ihub/internal/store/storetest"
)

// Env is a running ihub.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	// AdminToken is a super_admin's API token.
	AdminToken string
	Logs       *SyncBuffer
	Config     config.Config
	opts       Options
}

// SyncBuffer is a goroutine-safe bytes.Buffer for captured logs.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Options tunes New.
type Options struct {
	// Worker starts the job workers (default off: jobs are only enqueued).
	Worker bool
	// EgressTimeout and ActionTimeout shorten the outbound per-request
	// limit and the action deadline (app.Options); zero keeps the defaults.
	EgressTimeout, ActionTimeout time.Duration
}

// CheapArgon2 makes password hashing fast enough for tests.
var CheapArgon2 = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// New starts an ihub on the given engine and a super_admin with a token.
func New(t testing.TB, e storetest.Engine, o Options) *Env {
	t.Helper()
	so := e.Options(t)
	key, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Listen: "127.0.0.1:0", DataDir: so.DataDir, DatabaseURL: so.DatabaseURL, MasterKey: key,
		LogFormat: "text", LogLevel: "debug", EgressAllowPrivate: true}
	logs := &SyncBuffer{}
	env := &Env{T: t, Logs: logs, Config: cfg, opts: o}
	env.start()
	t.Cleanup(env.stop)
	env.AdminToken = env.UserToken(auth.RoleSuperAdmin)
	return env
}

func (e *Env) start() {
	e.T.Helper()
	a, err := app.Open(context.Background(), e.Config, app.NewLogger(e.Logs, "text", "debug"),
		app.Options{Worker: e.opts.Worker, AuthOptions: auth.Options{Argon2: CheapArgon2},
			EgressTimeout: e.opts.EgressTimeout, ActionTimeout: e.opts.ActionTimeout})
	if err != nil {
		e.T.Fatalf("apptest: open: %v", err)
	}
	e.App, e.Server = a, httptest.NewServer(a.Handler)
	if e.opts.Worker {
		if err := a.Queue.Start(context.Background()); err != nil {
			e.T.Fatalf("apptest: start queue: %v", err)
		}
	}
}

func (e *Env) stop() {
	if e.App == nil {
		return
	}
	e.Server.Close()
	if e.opts.Worker {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.App.Queue.Stop(ctx); err != nil {
			e.T.Errorf("apptest: stop queue: %v", err)
		}
	}
	e.App.Close()
	e.App = nil
}

// Reopen opens a second App on e's database and master key, as another
// replica would (no HTTP server, no workers). It is closed at cleanup.
func Reopen(t testing.TB, e *Env) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), e.Config, app.NewLogger(e.Logs, "text", "debug"),
		app.Options{AuthOptions: auth.Options{Argon2: CheapArgon2}})
	if err != nil {
		t.Fatalf("apptest: reopen: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

// Restart stops the server and opens it again on the same data, as a
// process restart would. Tokens and users survive; the URL changes.
func (e *Env) Restart() {
	e.T.Helper()
	e.stop()
	e.start()
}

var userSeq struct {
	sync.Mutex
	n int
}

// UserToken creates a user with the role and returns an API token for it.
func (e *Env) UserToken(role auth.Role) string {
	e.T.Helper()
	userSeq.Lock()
	userSeq.n++
	n := userSeq.n
	userSeq.Unlock()
	email := strings.ReplaceAll(string(role), "_", "-") + "-" + itoa(n) + "@example.com"
	ctx := context.Background()
	if _, err := e.App.Auth.CreateUser(ctx, auth.NewUser{Email: email, Role: role, Password: "password-" + itoa(n) + "-long"},
		audit.Actor{Type: audit.ActorCLI, Name: "test"}); err != nil {
		e.T.Fatalf("apptest: create user: %v", err)
	}
	tok, _, err := e.App.Auth.CreateTokenForCLI(ctx, email, "test", nil)
	if err != nil {
		e.T.Fatalf("apptest: create token: %v", err)
	}
	return tok
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Response is an API answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do calls the API. body may be nil, a string/[]byte (sent as is) or any
// value (sent as JSON). token may be "" for no Authorization header;
// headers are name, value pairs. Failures fail the Env's test.
func (e *Env) Do(method, path, token string, body any, headers ...string) Response {
	e.T.Helper()
	return e.DoAs(e.T, method, path, token, body, headers...)
}

// DoAs is Do, but failing t rather than the Env's test, so that parallel
// subtests sharing one Env can use it.
func (e *Env) DoAs(t testing.TB, method, path, token string, body any, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
