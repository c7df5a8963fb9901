-- +goose Up
-- Version 00009 exists in both dialects (migrations/sqlite/00009_rollup_latency_range.sql).
-- The fastest and slowest call of each hourly roll-up, so that the p50/p95
-- estimated from the histogram buckets stay within the latencies actually
-- observed (a bucket such as 10–30 s is wide). Roll-ups written before this
-- version have none (NULL) and keep none.
ALTER TABLE api_call_rollups ADD COLUMN latency_min_us BIGINT;
ALTER TABLE api_call_rollups ADD COLUMN latency_max_us BIGINT;

-- +goose Down
ALTER TABLE api_call_rollups DROP COLUMN latency_max_us;
ALTER TABLE api_call_rollups DROP COLUMN latency_min_us;
