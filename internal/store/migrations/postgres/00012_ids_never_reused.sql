-- +goose Up
-- Version 00012 exists in both dialects (migrations/sqlite/00012_ids_never_reused.sql).
-- SQLite's tables are rebuilt there so that delivery, event and attempt ids
-- are never reused after retention removed the newest rows. PostgreSQL's
-- identity columns never reuse a value: nothing to change here.
SELECT 1;

-- +goose Down
SELECT 1;
