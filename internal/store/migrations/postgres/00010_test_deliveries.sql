-- +goose Up
-- Version 00010 exists in both dialects (migrations/sqlite/00010_test_deliveries.sql).
-- Deliveries sent by POST …/webhooks/{id}/test are marked, so that an
-- operator's test neither resets an endpoint's silence timer nor counts in
-- its failure rate. Deliveries stored before this version are not tests.
ALTER TABLE webhook_deliveries ADD COLUMN is_test BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN is_test;
