-- +goose Up
-- Version 00019 exists in both dialects (migrations/postgres/00019_replay_keys.sql).
-- A timestamped signature sent again under another delivery id (one the
-- signature does not cover: WHMCS's X-Hub-Delivery, a generic sender's
-- header) is the same delivery. An in-memory cache caught it only on the
-- replica that saw the first, and not after a restart: replay_key (a hash
-- of the endpoint's verified signature, set for timestamped schemes only)
-- is unique per endpoint, so the database catches it on every replica.
-- Deliveries of other schemes leave it NULL and add no index entry.
ALTER TABLE webhook_deliveries ADD COLUMN replay_key TEXT;
CREATE UNIQUE INDEX webhook_deliveries_replay ON webhook_deliveries (endpoint_id, replay_key) WHERE replay_key IS NOT NULL;

-- +goose Down
DROP INDEX webhook_deliveries_replay;
ALTER TABLE webhook_deliveries DROP COLUMN replay_key;
