package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

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
						Event: &webhook.Event{IntegrationID: in.ID, Provider: "http", Type: "bench.event", OccurredAt: now,
							CreatedAt: now, DataJSON: data}}
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
