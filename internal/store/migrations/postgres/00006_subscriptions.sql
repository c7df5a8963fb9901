-- +goose Up
-- Version 00006 exists in both dialects (migrations/sqlite/00006_subscriptions.sql).
-- Subscriptions receive normalized events. Fan-out copies each new event
-- into one attempt row per matching subscription (the outbox), advancing a
-- cursor in the same transaction; workers send due attempts and record the
-- outcome. Attempts of a disabled subscription wait until it is enabled.
CREATE TABLE subscriptions (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    event_types           TEXT NOT NULL,
    integration_ids       TEXT NOT NULL,
    url                   TEXT NOT NULL,
    allow_private_network BOOLEAN NOT NULL DEFAULT FALSE,
    secret_ciphertext     BYTEA NOT NULL,
    secret_key_id         TEXT NOT NULL,
    max_concurrency       BIGINT NOT NULL,
    is_active             BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason       TEXT NOT NULL DEFAULT '',
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE subscription_attempts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    event_seq       BIGINT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    UNIQUE (subscription_id, event_seq)
);
CREATE INDEX subscription_attempts_due ON subscription_attempts (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX subscription_attempts_sub ON subscription_attempts (subscription_id, id);

CREATE TABLE dispatch_cursor (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO dispatch_cursor (name, value) VALUES ('fanout', 0);

-- +goose Down
DROP TABLE dispatch_cursor;
DROP TABLE subscription_attempts;
DROP TABLE subscriptions;
