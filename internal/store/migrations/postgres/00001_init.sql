-- +goose Up
-- Version 00001 exists in both dialects (migrations/sqlite/00001_init.sql);
-- keep the two in step. Timestamps are unix milliseconds (BIGINT) so that
-- both engines map them to int64; JSON is JSONB here and BLOB on SQLite.
SET LOCAL lock_timeout = '5s';

CREATE TABLE vault_keys (
    id                 TEXT PRIMARY KEY,
    wrapped            BYTEA NOT NULL,
    master_fingerprint TEXT NOT NULL,
    is_primary         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX vault_keys_one_primary ON vault_keys (is_primary) WHERE is_primary;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
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
    scopes       JSONB NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
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
    settings                      JSONB NOT NULL,
    labels                        JSONB NOT NULL,
    credentials_meta              JSONB NOT NULL,
    is_active                     BOOLEAN NOT NULL DEFAULT TRUE,
    linked_server_id              TEXT,
    health_check_interval_minutes BIGINT NOT NULL DEFAULT 15,
    allow_private_network         BOOLEAN NOT NULL DEFAULT FALSE,
    health_status                 TEXT NOT NULL DEFAULT 'unknown',
    last_checked_at               BIGINT,
    last_connected_at             BIGINT,
    last_error                    TEXT,
    last_latency_ms               BIGINT,
    consecutive_failures          BIGINT NOT NULL DEFAULT 0,
    version                       BIGINT NOT NULL DEFAULT 1,
    created_at                    BIGINT NOT NULL,
    updated_at                    BIGINT NOT NULL
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
    ciphertext     BYTEA NOT NULL,
    key_id         TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (integration_id, field)
);
CREATE INDEX integration_credentials_key ON integration_credentials (key_id);

CREATE TABLE activity (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_type     TEXT NOT NULL,
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL DEFAULT '',
    target_id      TEXT NOT NULL DEFAULT '',
    target_name    TEXT NOT NULL DEFAULT '',
    integration_id TEXT,
    success        BOOLEAN NOT NULL DEFAULT TRUE,
    details        JSONB NOT NULL,
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
CREATE FUNCTION activity_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
    FOR EACH ROW EXECUTE FUNCTION activity_append_only();

-- +goose Down
DROP TABLE activity;
DROP FUNCTION activity_append_only;
DROP TABLE integration_credentials;
DROP TABLE integration_labels;
DROP TABLE integrations;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE vault_keys;
