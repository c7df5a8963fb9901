-- +goose Up
-- Version 00017 exists in both dialects (migrations/postgres/00017_subscription_deletion.sql).
-- Deleting a subscription sets deleted_at: from then on no read, list,
-- fan-out or claim sees it. Its attempts (up to the retention period's
-- events, millions for a busy subscription) are then deleted in batches of
-- their own transactions, and the row last (store.DB.PurgeDeletedSubscriptions).
-- One transaction for them all held SQLite's only writer, and with it every
-- webhook's acknowledgement, for 1.3 s per 500,000 attempts.
ALTER TABLE subscriptions ADD COLUMN deleted_at BIGINT;

-- +goose Down
-- A subscription deleted but not yet purged would come back: purge first.
DELETE FROM subscription_attempts WHERE subscription_id IN (SELECT id FROM subscriptions WHERE deleted_at IS NOT NULL);
DELETE FROM subscriptions WHERE deleted_at IS NOT NULL;
ALTER TABLE subscriptions DROP COLUMN deleted_at;
