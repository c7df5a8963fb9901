-- +goose Up
-- Version 00008 exists in both dialects (migrations/sqlite/00008_subscription_start.sql).
-- A subscription receives the events with an id above start_seq: the
-- newest event id when it was created, read in its creating transaction
-- after locking the fan-out cursor row, which every fan-out locks too, so
-- no event can be fanned out past a subscription being created without
-- it. (Comparing creation times could miss an event stored while the
-- subscription's transaction was committing.) Existing subscriptions start
-- at the fan-out cursor: every event after it is still to be fanned out.
SET LOCAL lock_timeout = '5s';
ALTER TABLE subscriptions ADD COLUMN start_seq BIGINT NOT NULL DEFAULT 0;
UPDATE subscriptions SET start_seq = COALESCE((SELECT value FROM dispatch_cursor WHERE name = 'fanout'), 0);

-- The dispatchers keep the subscriptions in memory while this counter
-- (bumped in the same transaction as any change) says they are current.
INSERT INTO change_counters (name, value) VALUES ('subscriptions', 0);
-- +goose StatementBegin
CREATE FUNCTION bump_subscriptions_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'subscriptions';
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER subscriptions_changed AFTER INSERT OR UPDATE OR DELETE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_subscriptions_counter();

-- +goose Down
DROP TRIGGER subscriptions_changed ON subscriptions;
DROP FUNCTION bump_subscriptions_counter;
DELETE FROM change_counters WHERE name = 'subscriptions';
ALTER TABLE subscriptions DROP COLUMN start_seq;
