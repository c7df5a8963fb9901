package integration_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/jobqueue"
	"ihub/internal/store/storetest"
)

// TestOnDemandTestIsNotRefusedByTheBreaker: the connection test run after
// create retries a provider that cannot be reached, and those failures
// (with the background test's own and any other automatic call's) may open
// the integration's circuit breaker. A test someone asks for still reaches
// the provider and reports what happened there, the breaker still holds back
// ihub's automatic calls, and an asked-for test that succeeds closes it.
func TestOnDemandTestIsNotRefusedByTheBreaker(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			// A provider that refuses connections: like a host that does not
			// resolve, a failure before the request is sent, which is
			// retried and counts against the breaker on every attempt.
			addr := refusedAddr(t)
			env := apptest.New(t, e, apptest.Options{Worker: true})
			in := createHTTP(t, env, "http://"+addr)
			ctx := t.Context()
			got, err := env.App.Integrations.Get(ctx, in.ID)
			for deadline := time.Now().Add(15 * time.Second); err == nil && got.Health.LastCheckedAt == nil && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
				got, err = env.App.Integrations.Get(ctx, in.ID)
			}
			if err != nil || got.Health.LastCheckedAt == nil {
				t.Fatalf("the test after create did not run: %v", err)
			}

			type outcome struct {
				Success   bool   `json:"success"`
				Message   string `json:"message"`
				ErrorKind string `json:"errorKind"`
			}
			for i := range 3 {
				var res outcome
				r := env.Do("POST", "/api/v1/integrations/"+in.ID+"/test", env.AdminToken, nil)
				r.JSON(t, &res)
				if r.Status != 200 || res.Success || res.ErrorKind != "transport" ||
					!strings.Contains(res.Message, "connection refused") || strings.Contains(res.Message, "circuit breaker") {
					t.Errorf("test %d asked for after create = %d %s; want the provider's own failure (connection refused), not the breaker's",
						i+1, r.Status, r.Body)
				}
			}
			if got := env.App.Outbound.BreakerState(in.ID); got != "open" {
				t.Fatalf("BreakerState = %q after %d failed attempts, want open", got, 3+2+2)
			}

			// ihub's own test is still held back by the open breaker.
			if err := env.App.Integrations.WorkTest(ctx, &jobqueue.Job[integration.TestArgs]{Args: integration.TestArgs{IntegrationID: in.ID}}); err != nil {
				t.Fatalf("WorkTest = %v", err)
			}
			if got, err := env.App.Integrations.Get(ctx, in.ID); err != nil || got.Health.LastError == nil ||
				!strings.Contains(*got.Health.LastError, "circuit breaker open") {
				t.Errorf("background test with the breaker open: last error %v (%v), want the breaker's refusal", got.Health.LastError, err)
			}

			// The provider comes back: a test asked for proves it and closes the
			// breaker, so automatic calls need not wait out the cool-down.
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Skipf("cannot listen on %s again: %v", addr, err)
			}
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "ok")
			}))
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)
			var res outcome
			r := env.Do("POST", "/api/v1/integrations/"+in.ID+"/test", env.AdminToken, nil)
			r.JSON(t, &res)
			if !res.Success {
				t.Errorf("test with the provider back = %d %s, want success", r.Status, r.Body)
			}
			if got := env.App.Outbound.BreakerState(in.ID); got != "closed" {
				t.Errorf("BreakerState = %q after a successful test, want closed", got)
			}
		})
	}
}

// TestEditClosesTheBreaker: once failures have opened an integration's
// circuit breaker, fixing its connection (here its base URL) lets ihub's
// own calls through at once, instead of after the breaker's cool-down,
// whether the edit was made on this replica or on another (seen at the
// next refresh); an edit that does not touch the connection (its name)
// leaves the breaker open.
func TestEditClosesTheBreaker(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			down := "http://" + refusedAddr(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "ok")
			}))
			t.Cleanup(srv.Close)
			env := apptest.New(t, e, apptest.Options{})
			in := createHTTP(t, env, down)
			ctx := t.Context()
			work := func() *string {
				t.Helper()
				if err := env.App.Integrations.WorkTest(ctx, &jobqueue.Job[integration.TestArgs]{Args: integration.TestArgs{IntegrationID: in.ID}}); err != nil {
					t.Fatalf("WorkTest = %v", err)
				}
				got, err := env.App.Integrations.Get(ctx, in.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.Health.LastError
			}
			open := func(when string) {
				t.Helper()
				for i := 0; i < 5 && env.App.Outbound.BreakerState(in.ID) != "open"; i++ {
					work()
				}
				if got := env.App.Outbound.BreakerState(in.ID); got != "open" {
					t.Fatalf("BreakerState = %q after failed tests %s, want open", got, when)
				}
			}
			patch := func(body map[string]any) {
				t.Helper()
				if r := env.Do("PATCH", "/api/v1/integrations/"+in.ID, env.AdminToken, body); r.Status != 200 {
					t.Fatalf("PATCH %v = %d %s", body, r.Status, r.Body)
				}
			}
			closed := func(when string) {
				t.Helper()
				if got := env.App.Outbound.BreakerState(in.ID); got != "closed" {
					t.Errorf("BreakerState = %q %s, want closed", got, when)
				}
				if last := work(); last != nil {
					t.Errorf("background test %s: last error %q, want none", when, *last)
				}
			}

			open("at first")
			patch(map[string]any{"name": "still down"})
			if got := env.App.Outbound.BreakerState(in.ID); got != "open" {
				t.Errorf("BreakerState = %q after a rename, want still open", got)
			}
			patch(map[string]any{"baseUrl": srv.URL})
			closed("after the base URL was fixed here")

			patch(map[string]any{"baseUrl": down})
			open("on the old address again")
			other := apptest.Reopen(t, env)
			url := srv.URL
			if _, err := other.Integrations.Update(ctx, audit.System, in.ID, integration.Input{BaseURL: &url}, nil); err != nil {
				t.Fatal(err)
			}
			if err := env.App.Integrations.Clients().Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			closed("after another replica fixed the base URL")
		})
	}
}

// refusedAddr returns a local address nothing listens on (connections are
// refused: like a host that does not resolve, a failure before the request
// is sent, retried and counted against the breaker on every attempt).
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// createHTTP creates a generic HTTP integration on baseURL.
func createHTTP(t *testing.T, env *apptest.Env, baseURL string) (in struct{ ID string }) {
	t.Helper()
	r := env.Do("POST", "/api/v1/integrations", env.AdminToken, map[string]any{
		"name": "down", "provider": "http", "baseUrl": baseURL})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &in)
	return in
}
