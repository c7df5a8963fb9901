-- +goose Up
-- Version 00005 exists in both dialects (migrations/sqlite/00005_webhooks.sql).
-- Inbound webhooks: endpoints (one ingress URL each, verification scheme
-- and settings, sealed secrets with a previous one kept for a grace period
-- after rotation) and deliveries (every request received: accepted,
-- duplicate or rejected). A delivery row with status 'pending' is the
-- queue of work for processing: it is written in the same transaction that
-- acknowledges the webhook.
CREATE TABLE webhook_endpoints (
    id                     TEXT PRIMARY KEY,
    integration_id         TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    is_default             BOOLEAN NOT NULL DEFAULT FALSE,
    scheme                 TEXT NOT NULL,
    settings               TEXT NOT NULL,
    event_types            TEXT NOT NULL,
    allowed_cidrs          TEXT NOT NULL,
    tolerance_seconds      BIGINT NOT NULL,
    max_body_bytes         BIGINT NOT NULL,
    is_active              BOOLEAN NOT NULL DEFAULT TRUE,
    secret_ciphertext      BYTEA,
    secret_key_id          TEXT,
    prev_secret_ciphertext BYTEA,
    prev_secret_key_id     TEXT,
    prev_secret_expires_at BIGINT,
    secret_updated_at      BIGINT,
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_integration ON webhook_endpoints (integration_id, id);
CREATE UNIQUE INDEX webhook_endpoints_default ON webhook_endpoints (integration_id) WHERE is_default;

CREATE TABLE webhook_deliveries (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id          TEXT NOT NULL,
    integration_id       TEXT NOT NULL,
    received_at          BIGINT NOT NULL,
    status               TEXT NOT NULL,
    dedupe_key           TEXT,
    provider_delivery_id TEXT NOT NULL,
    event_type           TEXT NOT NULL,
    headers              TEXT NOT NULL,
    payload              BYTEA,
    payload_size         BIGINT NOT NULL,
    source_ip            TEXT NOT NULL,
    reason               TEXT NOT NULL,
    attempts             BIGINT NOT NULL DEFAULT 0,
    processed_at         BIGINT,
    processing_ms        BIGINT,
    replay_of            BIGINT,
    duplicate_of         BIGINT
);
CREATE UNIQUE INDEX webhook_deliveries_dedupe ON webhook_deliveries (endpoint_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
-- Only the few pending deliveries are indexed for the processor; retention
-- walks the table in id order (ids grow with time). Every index costs the
-- single SQLite writer a B-tree insert per webhook, so there are no others.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE status = 'pending';

-- Normalized events, one per accepted delivery (a replay is a new
-- delivery), in commit order: id is the cursor of the pull API; the event's
-- public id is evt_<delivery_id>.
CREATE TABLE webhook_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id    BIGINT NOT NULL UNIQUE,
    integration_id TEXT NOT NULL,
    provider       TEXT NOT NULL,
    type           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    occurred_at    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    data           TEXT NOT NULL
);

-- Endpoint changes count as integration changes: caches of endpoints (the
-- ingest path) follow the same counter as the client factory.
CREATE TRIGGER webhook_endpoints_changed AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION bump_integrations_counter();

-- +goose Down
DROP TABLE webhook_events;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
