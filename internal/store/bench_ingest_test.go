package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ihub/internal/audit"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// BenchmarkInsertDeliveries measures the group-commit writer's work: a
// batch of 32 accepted 2 KB deliveries, each with its normalized event, in
// one transaction (synchronous=FULL on SQLite). It reports the cost per
// delivery.
func BenchmarkInsertDeliveries(b *testing.B) {
	const batch = 32
	pad := strings.Repeat("x", 1990)
	payload := []byte(`{"type":"bench.event","id":"x","data":{"padding":"` + pad + `"}}`)
	data := []byte(`{"padding":"` + pad + `"}`)
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			opts := e.Options(b)
			opts.SQLiteSynchronous = "FULL"
			db := openStore(b, opts)
			in := newIntegration(1, "bench")
			mustCreate(b, db, in, nil)
			n := 0
			now := time.Now()
			ds := make([]webhook.NewDelivery, batch)
			b.ResetTimer()
			for range b.N {
				for i := range ds {
					n++
					id := fmt.Sprintf("d-%d", n)
					ds[i] = webhook.NewDelivery{EndpointID: "whe_1", IntegrationID: in.ID, ReceivedAt: now,
						Status: webhook.StatusPending, DedupeKey: id, ProviderDeliveryID: id, EventType: "bench.event",
						HeaderText: `{"Content-Type":["application/json"],"X-Delivery-Id":["` + id + `"]}`,
						Payload:    payload, PayloadSize: int64(len(payload)), SourceIP: "127.0.0.1",
						Events: []webhook.Event{{IntegrationID: in.ID, Provider: "http", Type: "bench.event", OccurredAt: now,
							CreatedAt: now, DataJSON: data}}}
				}
				res, err := db.InsertDeliveries(b.Context(), ds)
				if err != nil || len(res) != batch || res[batch-1].Status != webhook.StatusProcessed {
					b.Fatalf("InsertDeliveries = %v, %v", res, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/delivery")
		})
	}
}

// BenchmarkDeleteSubscription: what deleting a subscription with 500,000
// attempts costs ingest. Beside the delete, one delivery at a time is
// stored, as ingest's writer would (synchronous=FULL on SQLite), and the
// longest of those inserts is reported (max-insert-ms), with the time the
// delete call took (delete-ms) and that of deleting the attempts
// (attempts-ms). "batched" is DeleteSubscription then
// PurgeDeletedSubscriptions; "one-tx" deletes the attempts in one
// transaction, as before migration 17: the baseline of the same run.
// Run with -benchtime=1x: each iteration stores the attempts first.
func BenchmarkDeleteSubscription(b *testing.B) {
	const attempts = 500_000
	payload := []byte(`{"type":"bench.event","data":{"padding":"` + strings.Repeat("x", 1990) + `"}}`)
	for _, e := range storetest.Engines(b) {
		for _, mode := range []string{"one-tx", "batched"} {
			b.Run(e.Name+"/"+mode, func(b *testing.B) {
				opts := e.Options(b)
				opts.SQLiteSynchronous = "FULL"
				db := openStore(b, opts)
				raw := openRaw(b, opts)
				ctx := b.Context()
				in := newIntegration(1, "bench")
				mustCreate(b, db, in, nil)
				var maxInsert, deleteTook, attemptsTook time.Duration
				n := 0
				for i := range b.N {
					b.StopTimer()
					id := fmt.Sprintf("sub_%d", i)
					sub := webhook.Subscription{ID: id, Name: id, Target: webhook.TargetHTTP, URL: "https://example.com/",
						MaxConcurrency: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}
					if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
						b.Fatal(err)
					}
					if _, err := raw.exec(ctx, fmt.Sprintf(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %d)
 INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT $1, x, 'delivered', 0, 0 FROM g`, attempts), id); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					stop, done := make(chan struct{}), make(chan time.Duration)
					go func() {
						var longest time.Duration
						for {
							select {
							case <-stop:
								done <- longest
								return
							default:
							}
							n++
							key := fmt.Sprintf("d-%d", n)
							start := time.Now()
							if _, err := db.InsertDeliveries(ctx, []webhook.NewDelivery{{EndpointID: "whe_1", IntegrationID: in.ID,
								ReceivedAt: start, Status: webhook.StatusPending, DedupeKey: key, ProviderDeliveryID: key,
								EventType: "bench.event", HeaderText: `{}`, Payload: payload, PayloadSize: int64(len(payload)),
								SourceIP: "127.0.0.1"}}); err != nil {
								b.Error(err)
							}
							longest = max(longest, time.Since(start))
						}
					}()
					time.Sleep(50 * time.Millisecond) // the inserts are under way
					start := time.Now()
					if mode == "one-tx" {
						if err := db.DeleteAttemptsInOneTx(ctx, id); err != nil {
							b.Fatal(err)
						}
						deleteTook = max(deleteTook, time.Since(start))
					} else {
						if err := db.DeleteSubscription(ctx, id, audit.Entry{}); err != nil {
							b.Fatal(err)
						}
						deleteTook = max(deleteTook, time.Since(start))
						if _, got, err := db.PurgeDeletedSubscriptions(ctx); err != nil || got != attempts {
							b.Fatalf("PurgeDeletedSubscriptions = %d attempts, %v", got, err)
						}
					}
					attemptsTook = max(attemptsTook, time.Since(start))
					time.Sleep(50 * time.Millisecond)
					close(stop)
					maxInsert = max(maxInsert, <-done)
				}
				b.ReportMetric(float64(maxInsert.Microseconds())/1000, "max-insert-ms")
				b.ReportMetric(float64(deleteTook.Microseconds())/1000, "delete-ms")
				b.ReportMetric(float64(attemptsTook.Microseconds())/1000, "attempts-ms")
			})
		}
	}
}
