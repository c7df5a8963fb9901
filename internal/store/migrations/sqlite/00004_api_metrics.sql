-- +goose Up
-- Version 00004 exists in both dialects (migrations/postgres/00004_api_metrics.sql).
-- API metrics: every outbound call (kept 7 days by default), hourly roll-ups
-- per endpoint template (kept 90 days) that answer the metrics endpoint
-- quickly at millions of calls, and the latest rate-limit state per
-- integration. No foreign keys: calls are written in batches that must not
-- fail because an integration was deleted meanwhile; retention removes the
-- rows of deleted integrations.
CREATE TABLE api_calls (
    id             INTEGER PRIMARY KEY,
    integration_id TEXT NOT NULL,
    at             BIGINT NOT NULL,
    method         TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    status         INTEGER NOT NULL,
    latency_us     BIGINT NOT NULL,
    error_kind     TEXT NOT NULL,
    error          TEXT NOT NULL,
    source         TEXT NOT NULL,
    attempts       INTEGER NOT NULL
);
CREATE INDEX api_calls_integration_at ON api_calls (integration_id, at);
CREATE INDEX api_calls_at ON api_calls (at);

-- h00..h14 count calls per latency bucket (upper bounds in microseconds:
-- 1e3, 2.5e3, 5e3, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7,
-- 3e7, +inf), from which p50 and p95 are estimated.
CREATE TABLE api_call_rollups (
    integration_id TEXT NOT NULL,
    hour           BIGINT NOT NULL,
    method         TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    calls          BIGINT NOT NULL,
    errors         BIGINT NOT NULL,
    latency_sum_us BIGINT NOT NULL,
    h00 BIGINT NOT NULL DEFAULT 0, h01 BIGINT NOT NULL DEFAULT 0, h02 BIGINT NOT NULL DEFAULT 0,
    h03 BIGINT NOT NULL DEFAULT 0, h04 BIGINT NOT NULL DEFAULT 0, h05 BIGINT NOT NULL DEFAULT 0,
    h06 BIGINT NOT NULL DEFAULT 0, h07 BIGINT NOT NULL DEFAULT 0, h08 BIGINT NOT NULL DEFAULT 0,
    h09 BIGINT NOT NULL DEFAULT 0, h10 BIGINT NOT NULL DEFAULT 0, h11 BIGINT NOT NULL DEFAULT 0,
    h12 BIGINT NOT NULL DEFAULT 0, h13 BIGINT NOT NULL DEFAULT 0, h14 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (integration_id, hour, method, endpoint)
);
CREATE INDEX api_call_rollups_hour ON api_call_rollups (hour);

CREATE TABLE api_rate_limits (
    integration_id TEXT PRIMARY KEY,
    lim            BIGINT NOT NULL,
    remaining      BIGINT NOT NULL,
    reset_at       BIGINT,
    updated_at     BIGINT NOT NULL
);

-- +goose Down
DROP TABLE api_rate_limits;
DROP TABLE api_call_rollups;
DROP TABLE api_calls;
