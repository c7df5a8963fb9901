-- +goose Up
-- Version 00002 exists in both dialects (migrations/sqlite/00002_change_counters.sql).
-- A change counter per table family, bumped by triggers in the same
-- transaction as any change. Readers compare it to decide whether a cached
-- result is still current; because the database maintains it, the answer
-- is right on every replica. Statement-level triggers: one bump per
-- statement, however many rows it touches.
SET LOCAL lock_timeout = '5s';

CREATE TABLE change_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('integrations', 0);

-- +goose StatementBegin
CREATE FUNCTION bump_integrations_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'integrations';
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER integrations_changed AFTER INSERT OR UPDATE OR DELETE ON integrations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_integrations_counter();
CREATE TRIGGER integration_labels_changed AFTER INSERT OR DELETE ON integration_labels
    FOR EACH STATEMENT EXECUTE FUNCTION bump_integrations_counter();

-- +goose Down
DROP TRIGGER integration_labels_changed ON integration_labels;
DROP TRIGGER integrations_changed ON integrations;
DROP FUNCTION bump_integrations_counter;
DROP TABLE change_counters;
