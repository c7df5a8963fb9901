-- +goose Up
-- Version 00018 exists in both dialects (migrations/sqlite/00018_event_parts.sql).
-- A delivery makes one event per change it reports (a Bitbucket push of a
-- branch and a tag, a Zoho Desk batch, a Terraform notification with
-- several triggers), where it made one of its first change only. part is
-- an event's place among its delivery's events, 0 for the first (whose
-- public id stays evt_<delivery id>; part n's is evt_<delivery id>_<n+1>),
-- and an event is unique by (delivery_id, part) instead of delivery_id.
-- Adding a column with a constant default rewrites no row; the new unique
-- index is built once, over the events retention keeps.
ALTER TABLE webhook_events ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_delivery_id_part_key UNIQUE (delivery_id, part);
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_delivery_id_key;

-- +goose Down
-- The earlier code knows one event per delivery: the others go, with
-- their attempts.
DELETE FROM subscription_attempts WHERE event_seq IN (SELECT id FROM webhook_events WHERE part > 0);
DELETE FROM webhook_events WHERE part > 0;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_delivery_id_key UNIQUE (delivery_id);
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_delivery_id_part_key;
ALTER TABLE webhook_events DROP COLUMN part;
