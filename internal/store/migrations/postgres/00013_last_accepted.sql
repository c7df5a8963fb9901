-- +goose Up
-- Version 00013 exists in both dialects (migrations/sqlite/00013_last_accepted.sql).
-- When retention removes an endpoint's deliveries, the time of the newest
-- accepted one among them is kept here, so that the endpoint's silence
-- signal (time since the last accepted delivery) outlives them: the
-- endpoints silent longest are the ones it must flag. Not a column of
-- webhook_endpoints: changing those moves the change counter that drops
-- the ingest path's cached endpoints.
CREATE TABLE webhook_last_accepted (
    endpoint_id TEXT PRIMARY KEY REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    received_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE webhook_last_accepted;
