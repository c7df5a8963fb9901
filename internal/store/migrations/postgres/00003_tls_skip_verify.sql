-- +goose Up
-- Version 00003 exists in both dialects (migrations/sqlite/00003_tls_skip_verify.sql).
-- Per-integration opt-out of TLS certificate verification, for servers with
-- self-signed certificates (a fresh WHM on port 2087).
SET LOCAL lock_timeout = '5s';
ALTER TABLE integrations ADD COLUMN tls_skip_verify BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE integrations DROP COLUMN tls_skip_verify;
