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
