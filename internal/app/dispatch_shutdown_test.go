package app_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ihub/internal/audit"
	"ihub/internal/config"
	"ihub/internal/integration"
	"ihub/internal/webhook"
)

// TestShutdownLetsWebhookSendsFinish: shutting Serve down while a send to
// a subscriber is under way lets it finish and records it as delivered, so
// that it is not sent again after a restart; a send still unanswered when
// the shutdown timeout runs out is cut short and recorded as such, not
// counted as a retry (sent again at once, after the restart), and Serve
// returns.
func TestShutdownLetsWebhookSendsFinish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answerIn  time.Duration // the subscriber's delay
		delivered bool
	}{
		{name: "send finishes", answerIn: 1500 * time.Millisecond, delivered: true},
		{name: "send outlasts the timeout", answerIn: time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int64
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				select {
				case <-time.After(tc.answerIn):
				case <-release:
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(release) })

			a, _ := openForShutdown(t, config.Config{ShutdownTimeout: 3 * time.Second})
			ctx := context.Background()
			ws := a.Webhooks
			url, yes := srv.URL, true
			sub, _, err := ws.CreateSubscription(ctx, audit.System, webhook.SubscriptionInput{URL: &url, AllowPrivateNetwork: &yes, CredentialsWrite: true})
			if err != nil {
				t.Fatal(err)
			}
			name, prov, base, no := "src", "http", "https://src.invalid", false
			it, err := a.Integrations.Create(ctx, audit.System, integration.Input{Name: &name, Provider: &prov, BaseURL: &base, IsActive: &no})
			if err != nil {
				t.Fatal(err)
			}
			token := "shutdown-secret-0123456789"
			scheme := "header_token"
			ep, _, err := ws.CreateEndpoint(ctx, audit.System, it.ID, webhook.EndpointInput{Scheme: &scheme,
				Settings: map[string]string{"headerName": "X-Token"}, Secret: &token})
			if err != nil {
				t.Fatal(err)
			}
			target, err := ws.Resolve(ctx, ep.ID, false)
			if err != nil {
				t.Fatal(err)
			}

			serveCtx, stop := context.WithCancel(ctx)
			addrc := make(chan net.Addr, 1)
			served := make(chan error, 1)
			go func() { served <- a.Serve(serveCtx, nil, func(addr net.Addr) { addrc <- addr }) }()
			<-addrc
			h := http.Header{"X-Token": {token}, "Content-Type": {"application/json"}}
			if _, err := ws.Ingest(ctx, target, webhook.Request{Method: "POST", Header: h, Body: []byte(`{"type":"x.y"}`)}); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(10 * time.Second); requests.Load() == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the event was never sent")
				}
			}
			stop()
			start := time.Now()
			select {
			case err := <-served:
				if err != nil {
					t.Fatalf("Serve = %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("Serve did not return after shutdown")
			}
			if took := time.Since(start); tc.delivered && took < time.Second {
				t.Errorf("Serve returned %s after shutdown began, before the send under way could finish", took)
			}
			as, err := ws.Attempts(ctx, sub.ID, webhook.AttemptFilter{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(as) != 1 {
				t.Fatalf("attempts = %+v, want one", as)
			}
			a0 := as[0]
			switch {
			case tc.delivered && (a0.Status != webhook.AttemptDelivered || a0.Attempts != 1):
				t.Errorf("the send under way at shutdown: %+v, want delivered once", a0)
			case !tc.delivered && (a0.Status != webhook.AttemptPending || a0.Attempts != 0 || !strings.Contains(a0.LastError, "shutting down")):
				t.Errorf("the send cut short: %+v, want pending, not counted, saying so", a0)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("subscriber requests = %d, want 1", n)
			}
		})
	}
}
