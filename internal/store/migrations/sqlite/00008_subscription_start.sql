-- +goose Up
-- Version 00008 exists in both dialects (migrations/postgres/00008_subscription_start.sql).
-- A subscription receives the events with an id above start_seq: the
-- newest event id when it was created, read in its creating transaction,
-- which takes the write lock the fan-out also takes, so no event can be
-- fanned out past a subscription being created without it. (Comparing
-- creation times could miss an event stored while the subscription's
-- transaction waited for the lock.) Existing subscriptions start at the
-- fan-out cursor: every event after it is still to be fanned out to them.
ALTER TABLE subscriptions ADD COLUMN start_seq BIGINT NOT NULL DEFAULT 0;
UPDATE subscriptions SET start_seq = COALESCE((SELECT value FROM dispatch_cursor WHERE name = 'fanout'), 0);

-- The dispatchers keep the subscriptions in memory while this counter
-- (bumped in the same transaction as any change) says they are current.
INSERT INTO change_counters (name, value) VALUES ('subscriptions', 0);
-- +goose StatementBegin
CREATE TRIGGER subscriptions_changed_insert AFTER INSERT ON subscriptions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'subscriptions';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subscriptions_changed_update AFTER UPDATE ON subscriptions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'subscriptions';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subscriptions_changed_delete AFTER DELETE ON subscriptions
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'subscriptions';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER subscriptions_changed_delete;
DROP TRIGGER subscriptions_changed_update;
DROP TRIGGER subscriptions_changed_insert;
DELETE FROM change_counters WHERE name = 'subscriptions';
ALTER TABLE subscriptions DROP COLUMN start_seq;
