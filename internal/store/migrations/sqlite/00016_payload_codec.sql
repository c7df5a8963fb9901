-- +goose Up
-- Version 00016 exists in both dialects (migrations/postgres/00016_payload_codec.sql).
-- How a delivery's payload is stored: 0 as received, 1 compressed with S2
-- (github.com/klauspost/compress/s2, block format). SQLite compresses
-- nothing itself: a stored webhook's body was half of what ingest wrote to
-- the WAL and the database file, and the file grows with every kept day.
-- Rows stored before this version keep 0. Adding a column with a constant
-- default rewrites no row.
ALTER TABLE webhook_deliveries ADD COLUMN payload_codec INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN payload_codec;
