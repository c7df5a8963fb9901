-- +goose Up
-- Version 00001 exists in both dialects (migrations/postgres/00001_init.sql);
-- keep the two in step. Timestamps are unix milliseconds (INTEGER) so that
-- both engines map them to int64; JSON is BLOB here and JSONB on PostgreSQL.
-- Tables are not STRICT: STRICT forbids BOOLEAN, and declaring booleans as
-- BOOLEAN is what makes sqlc give both engines the same Go types.

CREATE TABLE vault_keys (
    id                 TEXT PRIMARY KEY,
    wrapped            BLOB NOT NULL,
    master_fingerprint TEXT NOT NULL,
    is_primary         BOOLEAN NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX vault_keys_one_primary ON vault_keys (is_primary) WHERE is_primary = 1;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

CREATE TABLE integrations (
    id                            TEXT PRIMARY KEY,
    slug                          TEXT NOT NULL UNIQUE,
    name                          TEXT NOT NULL,
    name_lower                    TEXT NOT NULL,
    provider                      TEXT NOT NULL,
    category                      TEXT NOT NULL,
    base_url                      TEXT NOT NULL DEFAULT '',
    username                      TEXT NOT NULL DEFAULT '',
    settings                      BLOB NOT NULL,
    labels                        BLOB NOT NULL,
    credentials_meta              BLOB NOT NULL,
    is_active                     BOOLEAN NOT NULL DEFAULT 1,
    linked_server_id              TEXT,
    health_check_interval_minutes INTEGER NOT NULL DEFAULT 15,
    allow_private_network         BOOLEAN NOT NULL DEFAULT 0,
    health_status                 TEXT NOT NULL DEFAULT 'unknown',
    last_checked_at               INTEGER,
    last_connected_at             INTEGER,
    last_error                    TEXT,
    last_latency_ms               INTEGER,
    consecutive_failures          INTEGER NOT NULL DEFAULT 0,
    version                       INTEGER NOT NULL DEFAULT 1,
    created_at                    INTEGER NOT NULL,
    updated_at                    INTEGER NOT NULL
);
CREATE INDEX integrations_provider ON integrations (provider, id);
CREATE INDEX integrations_category ON integrations (category, id);
CREATE INDEX integrations_health ON integrations (health_status, id);

CREATE TABLE integration_labels (
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (integration_id, key)
);
CREATE INDEX integration_labels_kv ON integration_labels (key, value, integration_id);

CREATE TABLE integration_credentials (
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    field          TEXT NOT NULL,
    ciphertext     BLOB NOT NULL,
    key_id         TEXT NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (integration_id, field)
);
CREATE INDEX integration_credentials_key ON integration_credentials (key_id);

CREATE TABLE activity (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor_type     TEXT NOT NULL,
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL DEFAULT '',
    target_id      TEXT NOT NULL DEFAULT '',
    target_name    TEXT NOT NULL DEFAULT '',
    integration_id TEXT,
    success        BOOLEAN NOT NULL DEFAULT 1,
    details        BLOB NOT NULL,
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activity_at ON activity (at);
CREATE INDEX activity_integration ON activity (integration_id, id);
CREATE INDEX activity_actor ON activity (actor_id, id);
CREATE INDEX activity_action ON activity (action, at);
CREATE INDEX activity_login_target ON activity (target_name, action, at);
CREATE INDEX activity_login_ip ON activity (ip, action, at);

-- The activity log is append-only: rows may be deleted by retention but
-- never changed.
-- +goose StatementBegin
CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
BEGIN
    SELECT RAISE(ABORT, 'activity log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE activity;
DROP TABLE integration_credentials;
DROP TABLE integration_labels;
DROP TABLE integrations;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE vault_keys;
