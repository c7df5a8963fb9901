-- +goose Up
-- Version 00016 exists in both dialects (migrations/sqlite/00016_payload_codec.sql).
-- How a delivery's payload is stored: 0 as received, 1 compressed with S2.
-- ihub compresses on SQLite only: PostgreSQL compresses large values itself
-- (TOAST), so its rows keep 0. Adding a column with a constant default
-- rewrites no row.
ALTER TABLE webhook_deliveries ADD COLUMN payload_codec INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN payload_codec;
