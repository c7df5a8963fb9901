-- +goose Up
-- Version 00012 exists in both dialects (migrations/postgres/00012_ids_never_reused.sql).
-- Delivery, event and attempt ids are never reused. Without AUTOINCREMENT
-- SQLite gives a new row the largest id in the table plus one, so once
-- retention had removed every delivery (a quiet spell longer than the
-- retention) the next ones took old ids again: an event id is the cursor of
-- the pull API and of the fan-out, and a reused one sat behind both, never
-- read by a consumer nor sent to a subscription; the event's public id
-- (evt_<delivery id>) was that of an earlier event, which a subscriber
-- deduplicating on webhook-id would have dropped. SQLite cannot add
-- AUTOINCREMENT to a table, so each table is rebuilt with the same columns
-- and indexes (a one-time copy, as long as a VACUUM of these tables).
CREATE TABLE webhook_deliveries_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id          TEXT NOT NULL,
    integration_id       TEXT NOT NULL,
    received_at          BIGINT NOT NULL,
    status               TEXT NOT NULL,
    dedupe_key           TEXT,
    provider_delivery_id TEXT NOT NULL,
    event_type           TEXT NOT NULL,
    headers              TEXT NOT NULL,
    payload              BLOB,
    payload_size         BIGINT NOT NULL,
    source_ip            TEXT NOT NULL,
    reason               TEXT NOT NULL,
    attempts             BIGINT NOT NULL DEFAULT 0,
    processed_at         BIGINT,
    processing_ms        BIGINT,
    replay_of            BIGINT,
    duplicate_of         BIGINT,
    is_test              BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO webhook_deliveries_new (id, endpoint_id, integration_id, received_at, status, dedupe_key, provider_delivery_id,
    event_type, headers, payload, payload_size, source_ip, reason, attempts, processed_at, processing_ms, replay_of,
    duplicate_of, is_test)
SELECT id, endpoint_id, integration_id, received_at, status, dedupe_key, provider_delivery_id, event_type, headers, payload,
    payload_size, source_ip, reason, attempts, processed_at, processing_ms, replay_of, duplicate_of, is_test
FROM webhook_deliveries ORDER BY id;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE UNIQUE INDEX webhook_deliveries_dedupe ON webhook_deliveries (endpoint_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE status = 'pending';

CREATE TABLE webhook_events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id    BIGINT NOT NULL UNIQUE,
    integration_id TEXT NOT NULL,
    provider       TEXT NOT NULL,
    type           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    occurred_at    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    data           TEXT NOT NULL
);
INSERT INTO webhook_events_new (id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
SELECT id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data FROM webhook_events ORDER BY id;
DROP TABLE webhook_events;
ALTER TABLE webhook_events_new RENAME TO webhook_events;

CREATE TABLE subscription_attempts_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    event_seq       BIGINT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    leased          BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (subscription_id, event_seq)
);
INSERT INTO subscription_attempts_new (id, subscription_id, event_seq, status, attempts, next_attempt_at, last_status,
    last_error, created_at, delivered_at, leased)
SELECT id, subscription_id, event_seq, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at,
    leased FROM subscription_attempts ORDER BY id;
DROP TABLE subscription_attempts;
ALTER TABLE subscription_attempts_new RENAME TO subscription_attempts;
CREATE INDEX subscription_attempts_due ON subscription_attempts (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX subscription_attempts_sub ON subscription_attempts (subscription_id, id);
CREATE INDEX subscription_attempts_sub_due ON subscription_attempts (subscription_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX subscription_attempts_event ON subscription_attempts (event_seq);

-- A database whose newest events retention had already removed: event ids
-- go on above every cursor handed out (the fan-out's, the subscriptions'
-- starts), not from the largest id left.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'webhook_events', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'webhook_events');
UPDATE sqlite_sequence SET seq = MAX(seq,
    COALESCE((SELECT value FROM dispatch_cursor WHERE name = 'fanout'), 0),
    COALESCE((SELECT MAX(start_seq) FROM subscriptions), 0))
WHERE name = 'webhook_events';

-- +goose Down
-- The tables keep AUTOINCREMENT: going back to reusable ids would bring
-- back the fault this version removes, and the earlier code reads these
-- tables unchanged.
SELECT 1;
