-- +goose Up
-- Version 00002 exists in both dialects (migrations/postgres/00002_change_counters.sql).
-- A change counter per table family, bumped by triggers in the same
-- transaction as any change. Readers compare it to decide whether a cached
-- result is still current; because the database maintains it, the answer
-- is right for writes made by other processes (CLI commands, replicas).
CREATE TABLE change_counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('integrations', 0);

-- +goose StatementBegin
CREATE TRIGGER integrations_changed_insert AFTER INSERT ON integrations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'integrations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER integrations_changed_update AFTER UPDATE ON integrations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'integrations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER integrations_changed_delete AFTER DELETE ON integrations
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'integrations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER integration_labels_changed_insert AFTER INSERT ON integration_labels
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'integrations';
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER integration_labels_changed_delete AFTER DELETE ON integration_labels
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'integrations';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER integration_labels_changed_delete;
DROP TRIGGER integration_labels_changed_insert;
DROP TRIGGER integrations_changed_delete;
DROP TRIGGER integrations_changed_update;
DROP TRIGGER integrations_changed_insert;
DROP TABLE change_counters;
