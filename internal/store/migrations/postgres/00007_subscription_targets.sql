-- +goose Up
-- Version 00007 exists in both dialects (migrations/sqlite/00007_subscription_targets.sql).
-- A subscription's target: an HTTP URL (as before), a NATS JetStream
-- subject on the server in url, or a chat integration (Slack, Discord,
-- Teams) that posts each event as a message. A NATS target may carry
-- credentials (sealed like every secret; nats_auth_kind says which kind,
-- for display).
ALTER TABLE subscriptions ADD COLUMN target TEXT NOT NULL DEFAULT 'http';
ALTER TABLE subscriptions ADD COLUMN nats_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN chat_integration_id TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN nats_auth_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN target_secret_ciphertext BYTEA;
ALTER TABLE subscriptions ADD COLUMN target_secret_key_id TEXT;
-- leased marks an attempt a dispatcher has claimed and not yet recorded
-- (its next_attempt_at is the lease's end). SQLite, served by one process,
-- releases them at start: the process that held them is gone.
ALTER TABLE subscription_attempts ADD COLUMN leased BOOLEAN NOT NULL DEFAULT FALSE;
-- Dispatchers claim each subscription's due attempts separately (at most
-- what its concurrency limit sends in two rounds).
CREATE INDEX subscription_attempts_sub_due ON subscription_attempts (subscription_id, next_attempt_at, id) WHERE status = 'pending';
-- Retention deletes the attempts of the events it deletes.
CREATE INDEX subscription_attempts_event ON subscription_attempts (event_seq);

-- +goose Down
DROP INDEX subscription_attempts_event;
DROP INDEX subscription_attempts_sub_due;
ALTER TABLE subscription_attempts DROP COLUMN leased;
ALTER TABLE subscriptions DROP COLUMN target_secret_key_id;
ALTER TABLE subscriptions DROP COLUMN target_secret_ciphertext;
ALTER TABLE subscriptions DROP COLUMN nats_auth_kind;
ALTER TABLE subscriptions DROP COLUMN chat_integration_id;
ALTER TABLE subscriptions DROP COLUMN nats_subject;
ALTER TABLE subscriptions DROP COLUMN target;
