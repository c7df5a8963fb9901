package loadgen_test

import (
	"context"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/loadgen"
	"ihub/internal/store/storetest"
)

// TestIngest runs the load generator briefly against a real server: every
// delivery it sends concurrently must be acknowledged as stored, and the
// server must hold exactly that many.
func TestIngest(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	res, err := loadgen.Ingest(context.Background(), loadgen.IngestOptions{BaseURL: env.Server.URL, Token: env.AdminToken,
		Duration: time.Second, Warmup: 200 * time.Millisecond, Concurrency: 8, BodySize: 2048})
	if err != nil {
		t.Fatalf("Ingest = %v", err)
	}
	t.Log(res)
	if res.Requests == 0 || res.Status[202] != res.Requests || res.Errors != 0 || res.PerSecond <= 0 || res.P99 < res.P50 {
		t.Fatalf("result = %+v, want every delivery acknowledged with 202", res)
	}
	st := env.App.Webhooks.Stats()
	if st.Accepted < res.Requests || st.Duplicates != 0 || st.Rejected != 0 {
		t.Errorf("server counted %+v for %d measured deliveries (plus warm-up), want all accepted", st, res.Requests)
	}
}

// TestDelivery runs the delivery benchmark briefly: every accepted webhook
// reaches the subscriber once, and the latency is measured.
func TestDelivery(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx, 50*time.Millisecond) }()
	t.Cleanup(func() { stop(); <-done })

	res, err := loadgen.Delivery(context.Background(), loadgen.DeliveryOptions{BaseURL: env.Server.URL, Token: env.AdminToken,
		Rate: 200, Duration: time.Second, Wait: 10 * time.Second})
	if err != nil {
		t.Fatalf("Delivery = %v", err)
	}
	t.Log(res)
	if res.Sent != 200 || res.Accepted != res.Sent || res.Delivered != res.Accepted || res.Duplicates != 0 ||
		res.P50 <= 0 || res.P99 < res.P50 {
		t.Errorf("result = %+v, want all 200 sent, accepted and delivered once", res)
	}
	subs, err := env.App.Webhooks.Subscriptions(context.Background())
	if err != nil || len(subs) != 0 {
		t.Errorf("subscriptions after the run = %v, %v; want the throwaway one deleted", subs, err)
	}
}
