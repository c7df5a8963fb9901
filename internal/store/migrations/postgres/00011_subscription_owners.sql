-- +goose Up
-- Version 00011 exists in both dialects (migrations/sqlite/00011_subscription_owners.sql).
-- A subscription's attempts are sent by one dispatcher at a time, so that
-- its maxConcurrency holds across replicas: a dispatcher claims attempts
-- of a subscription only while it owns it, and owning is renewed with each
-- claim until the end of the claimed attempts' lease. Another replica takes
-- the subscription over once that has passed. (PostgreSQL only: SQLite has
-- one process, and its dispatcher does not use this table.) Not a column of
-- subscriptions: changing those moves the change counter that keeps the
-- dispatchers' copy of the subscriptions current.
CREATE TABLE subscription_owners (
    subscription_id TEXT PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
    owner           TEXT NOT NULL,
    owned_until     BIGINT NOT NULL
);

-- +goose Down
DROP TABLE subscription_owners;
