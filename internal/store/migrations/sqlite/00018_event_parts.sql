-- +goose Up
-- Version 00018 exists in both dialects (migrations/postgres/00018_event_parts.sql).
-- A delivery makes one event per change it reports (a Bitbucket push of a
-- branch and a tag, a Zoho Desk batch, a Terraform notification with
-- several triggers), where it made one of its first change only. part is
-- an event's place among its delivery's events, 0 for the first (whose
-- public id stays evt_<delivery id>; part n's is evt_<delivery id>_<n+1>),
-- and an event is unique by (delivery_id, part) instead of delivery_id.
-- SQLite cannot change a table's constraints, so the table is rebuilt
-- with its rows (all part 0), as 00012 did: same ids, and the
-- AUTOINCREMENT record of the largest id ever given is kept, since
-- retention may have removed the newest events and their ids (the cursors
-- of the pull API and the fan-out) must never be given again.
CREATE TABLE webhook_events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id    BIGINT NOT NULL,
    part           INTEGER NOT NULL DEFAULT 0,
    integration_id TEXT NOT NULL,
    provider       TEXT NOT NULL,
    type           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    occurred_at    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    data           TEXT NOT NULL,
    UNIQUE (delivery_id, part)
);
INSERT INTO webhook_events_new (id, delivery_id, part, integration_id, provider, type, subject, occurred_at, created_at, data)
SELECT id, delivery_id, 0, integration_id, provider, type, subject, occurred_at, created_at, data FROM webhook_events ORDER BY id;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'webhook_events_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'webhook_events_new');
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_events'), 0))
WHERE name = 'webhook_events_new';
DROP TABLE webhook_events;
-- Renaming the table renames its sqlite_sequence row too.
ALTER TABLE webhook_events_new RENAME TO webhook_events;

-- +goose Down
-- The earlier code knows one event per delivery: the others go, with
-- their attempts.
DELETE FROM subscription_attempts WHERE event_seq IN (SELECT id FROM webhook_events WHERE part > 0);
CREATE TABLE webhook_events_old (
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
INSERT INTO webhook_events_old (id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
SELECT id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data FROM webhook_events
WHERE part = 0 ORDER BY id;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'webhook_events_old', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'webhook_events_old');
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_events'), 0))
WHERE name = 'webhook_events_old';
DROP TABLE webhook_events;
ALTER TABLE webhook_events_old RENAME TO webhook_events;
