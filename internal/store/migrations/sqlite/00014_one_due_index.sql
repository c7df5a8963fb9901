-- +goose Up
-- Version 00014 exists in both dialects (migrations/postgres/00014_one_due_index.sql).
-- The dispatcher's queries for due attempts now name their subscription
-- and read subscription_attempts_sub_due. With this index beside it,
-- PostgreSQL read a subscription's due attempts in this index's order,
-- filtering out every other subscription's: a disabled subscription's
-- backlog (kept, and all due) was walked through at every dispatcher
-- step. One index fewer is also one write fewer for each attempt queued,
-- claimed and recorded.
DROP INDEX subscription_attempts_due;

-- +goose Down
CREATE INDEX subscription_attempts_due ON subscription_attempts (next_attempt_at, id) WHERE status = 'pending';
