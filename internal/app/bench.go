package app

import (
	"context"

	"ihub/internal/loadgen"
)

// IngestBenchOptions configures BenchIngest (see loadgen.IngestOptions).
type IngestBenchOptions = loadgen.IngestOptions

// BenchIngest runs `ihub bench ingest`: signed webhook deliveries against a
// running server, reporting the acknowledged rate and latency.
func BenchIngest(ctx context.Context, o IngestBenchOptions) (loadgen.IngestResult, error) {
	return loadgen.Ingest(ctx, o)
}

// DeliveryBenchOptions configures BenchDelivery (see loadgen.DeliveryOptions).
type DeliveryBenchOptions = loadgen.DeliveryOptions

// BenchDelivery runs `ihub bench delivery`: webhooks at a steady rate to a
// running server, timed until a local subscriber receives their events.
func BenchDelivery(ctx context.Context, o DeliveryBenchOptions) (loadgen.DeliveryResult, error) {
	return loadgen.Delivery(ctx, o)
}
