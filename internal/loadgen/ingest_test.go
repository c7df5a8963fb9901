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
