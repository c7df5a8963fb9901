package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// BenchmarkDispatch measures delivering already-stored events to a local
// HTTP subscriber (answering 204 at once): fan-out, lease, signed POST,
// recording. It reports deliveries per second.
func BenchmarkDispatch(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			env := apptest.New(b, e, apptest.Options{})
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			b.Cleanup(srv.Close)
			ws := env.App.Webhooks
			ctx := context.Background()
			url, yes, conc := srv.URL, true, 64
			if _, _, err := ws.CreateSubscription(ctx, audit.System, webhook.SubscriptionInput{URL: &url,
				AllowPrivateNetwork: &yes, MaxConcurrency: &conc, CredentialsWrite: true}); err != nil {
				b.Fatal(err)
			}
			name, prov, base, no := "bench", "http", "https://bench.invalid", false
			it, err := env.App.Integrations.Create(ctx, audit.System, integrationInput(name, prov, base, no))
			if err != nil {
				b.Fatal(err)
			}
			secret := "bench-secret-0123456789"
			ep, _, err := ws.CreateEndpoint(ctx, audit.System, it.ID, webhook.EndpointInput{Scheme: ptr("header_token"),
				Settings: map[string]string{"headerName": "X-Token"}, Secret: &secret})
			if err != nil {
				b.Fatal(err)
			}
			t, err := ws.Resolve(ctx, ep.ID, false)
			if err != nil {
				b.Fatal(err)
			}
			const n = 5000
			for i := range n {
				h := http.Header{"X-Token": {secret}, "Content-Type": {"application/json"}}
				body := []byte(`{"type":"bench.event","id":"` + itoa(i) + `"}`)
				if _, err := ws.Ingest(ctx, t, webhook.Request{Method: "POST", Header: h, Body: body}); err != nil {
					b.Fatal(err)
				}
			}
			d, err := ws.NewDispatcher(15 * time.Second)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(d.Close)
			b.ResetTimer()
			start := time.Now()
			rctx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); d.Run(rctx, 10*time.Millisecond) }()
			for got.Load() < n {
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			stop()
			<-done
			b.ReportMetric(float64(n)/elapsed.Seconds(), "deliveries/s")
		})
	}
}

func ptr[T any](v T) *T { return &v }

func itoa(i int) string { return strconv.Itoa(i) }

func integrationInput(name, prov, base string, active bool) integration.Input {
	return integration.Input{Name: &name, Provider: &prov, BaseURL: &base, IsActive: &active}
}
