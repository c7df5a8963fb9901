-- +goose Up
-- Version 00003 exists in both dialects (migrations/postgres/00003_tls_skip_verify.sql).
-- Per-integration opt-out of TLS certificate verification, for servers with
-- self-signed certificates (a fresh WHM on port 2087).
ALTER TABLE integrations ADD COLUMN tls_skip_verify BOOLEAN NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE integrations DROP COLUMN tls_skip_verify;
