package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app"
	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/config"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/secret"
)

// TestGracefulShutdown cancels Serve's context while a connection test is
// in flight: the request must still complete, and Serve must return.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := whmfake.New(whmfake.Options{Fail: func(r *http.Request) *whmfake.Reply {
		<-release // hold the request until shutdown has begun
		return nil
	}})
	t.Cleanup(slow.Close)

	a, logs := openForShutdown(t, config.Config{EgressAllowPrivate: true, ShutdownTimeout: 10 * time.Second})
	ctx := context.Background()
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: "a@example.com", Role: auth.RoleSuperAdmin, Password: "a long password"}, audit.System); err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Auth.CreateTokenForCLI(ctx, "a@example.com", "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	active := false
	name, prov, base, user := "slow", "whm", slow.URL(), "root"
	if _, err := a.Integrations.Create(ctx, audit.System, integrationInput(name, prov, base, user, whmfake.DefaultToken, &active)); err != nil {
		t.Fatal(err)
	}

	serveCtx, stop := context.WithCancel(ctx)
	addrc := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx, nil, func(addr net.Addr) { addrc <- addr }) }()
	addr := <-addrc

	type result struct {
		status int
		body   map[string]any
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr.String()+"/api/v1/integrations/slow/test", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var body map[string]any
		err = json.NewDecoder(resp.Body).Decode(&body)
		done <- result{status: resp.StatusCode, body: body, err: err}
	}()
	// Wait until the fake holds the request, then begin shutting down.
	for deadline := time.Now().Add(5 * time.Second); slow.Requests() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the test request never reached the fake")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "shutting down"); {
		if time.Now().After(deadline) {
			t.Fatal("Serve did not start shutting down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	r := <-done
	if r.err != nil || r.status != 200 || r.body["success"] != true {
		t.Fatalf("in-flight request during shutdown = %d %v (%v); want 200 with success", r.status, r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		t.Error("the listener still accepts connections after shutdown")
	}
}

// TestShutdownEndsLongPolls: a consumer long-polling the event stream
// (GET /api/v1/events?wait=60) is answered at once when shutdown begins,
// with no events and its cursor unchanged, so that shutdown does not wait
// out its timeout and cut the consumer off without an answer.
func TestShutdownEndsLongPolls(t *testing.T) {
	t.Parallel()
	a, logs := openForShutdown(t, config.Config{ShutdownTimeout: 30 * time.Second})
	ctx := context.Background()
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: "a@example.com", Role: auth.RoleSuperAdmin, Password: "a long password"}, audit.System); err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Auth.CreateTokenForCLI(ctx, "a@example.com", "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	addrc := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx, nil, func(addr net.Addr) { addrc <- addr }) }()
	addr := <-addrc

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+addr.String()+"/api/v1/events?after=0&wait=60", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, err = io.Copy(&b, resp.Body)
		done <- result{status: resp.StatusCode, body: strings.TrimSpace(b.String()), err: err}
	}()
	time.Sleep(500 * time.Millisecond) // the poll is waiting
	stop()
	r := <-done
	if diff := cmp.Diff(result{status: 200, body: `{"events":[],"next":0}`}, r, cmp.AllowUnexported(result{}),
		cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) })); diff != "" {
		t.Errorf("long poll during shutdown (-want +got):\n%s", diff)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if strings.Contains(logs.String(), "did not finish cleanly") {
		t.Errorf("shutdown waited out its timeout:\n%s", logs.String())
	}
}

// openForShutdown opens a worker app on SQLite in a temporary directory,
// listening on a free loopback port, with cfg's shutdown timeout and
// egress setting, and its log in the buffer returned. It is closed when
// the test ends.
func openForShutdown(t *testing.T, cfg config.Config) (*app.App, *apptest.SyncBuffer) {
	t.Helper()
	key, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen, cfg.DataDir, cfg.MasterKey, cfg.LogFormat, cfg.LogLevel = "127.0.0.1:0", t.TempDir(), key, "text", "info"
	logs := &apptest.SyncBuffer{}
	a, err := app.Open(context.Background(), cfg, app.NewLogger(logs, "text", "info"),
		app.Options{Worker: true, AuthOptions: auth.Options{Argon2: apptest.CheapArgon2}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a, logs
}
