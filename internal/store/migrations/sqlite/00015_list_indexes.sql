-- +goose Up
-- Version 00015 exists in both dialects (migrations/postgres/00015_list_indexes.sql).
-- Indexes for the lists and signals the API reads, so that each stays a
-- probe however many rows the retention period keeps (a few million):
-- without them a quiet endpoint's logs filtered by status, its signals
-- (the last 24 hours, the newest accepted delivery), a time range of its
-- logs, a subscription's failed attempts or an integration's recent API
-- errors read every row of the endpoint, subscription or integration.
-- The partial ones hold only the rare statuses (most deliveries are
-- processed, most attempts delivered), so ingest and dispatch write to
-- them only for those.
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (endpoint_id, received_at);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (endpoint_id, status, id) WHERE status <> 'processed';
CREATE INDEX subscription_attempts_sub_status ON subscription_attempts (subscription_id, status, id) WHERE status <> 'delivered';
CREATE INDEX api_calls_errors ON api_calls (integration_id, at) WHERE error_kind <> '';
-- The activity log filtered by action is read newest first, in id order;
-- at is in the index so that a time filter is checked there.
DROP INDEX activity_action;
CREATE INDEX activity_action ON activity (action, id, at);

-- +goose Down
DROP INDEX activity_action;
CREATE INDEX activity_action ON activity (action, at);
DROP INDEX api_calls_errors;
DROP INDEX subscription_attempts_sub_status;
DROP INDEX webhook_deliveries_status;
DROP INDEX webhook_deliveries_received;
