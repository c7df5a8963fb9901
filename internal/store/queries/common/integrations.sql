-- name: InsertIntegration :exec
INSERT INTO integrations (
    id, slug, name, name_lower, provider, category, base_url, username, settings, labels, credentials_meta,
    is_active, linked_server_id, health_check_interval_minutes, allow_private_network, tls_skip_verify,
    health_status, version, created_at, updated_at
) VALUES (
    sqlc.arg(id), sqlc.arg(slug), sqlc.arg(name), sqlc.arg(name_lower), sqlc.arg(provider), sqlc.arg(category),
    sqlc.arg(base_url), sqlc.arg(username), sqlc.arg(settings), sqlc.arg(labels), sqlc.arg(credentials_meta),
    sqlc.arg(is_active), sqlc.narg(linked_server_id), sqlc.arg(health_check_interval_minutes),
    sqlc.arg(allow_private_network), sqlc.arg(tls_skip_verify), 'unknown', 1, sqlc.arg(created_at), sqlc.arg(created_at)
);

-- name: GetIntegration :one
SELECT * FROM integrations WHERE id = sqlc.arg(id);

-- name: GetIntegrationBySlug :one
SELECT * FROM integrations WHERE slug = sqlc.arg(slug);

-- name: UpdateIntegration :execrows
UPDATE integrations SET
    slug = sqlc.arg(slug), name = sqlc.arg(name), name_lower = sqlc.arg(name_lower),
    base_url = sqlc.arg(base_url), username = sqlc.arg(username), settings = sqlc.arg(settings),
    labels = sqlc.arg(labels), credentials_meta = sqlc.arg(credentials_meta), is_active = sqlc.arg(is_active),
    linked_server_id = sqlc.narg(linked_server_id),
    health_check_interval_minutes = sqlc.arg(health_check_interval_minutes),
    allow_private_network = sqlc.arg(allow_private_network), tls_skip_verify = sqlc.arg(tls_skip_verify),
    version = version + 1, updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id) AND version = sqlc.arg(version);

-- name: UpdateIntegrationHealth :execrows
-- Counters and the last success are computed in SQL, so that two checks
-- finishing together (a manual test and a scheduled one) lose nothing.
UPDATE integrations SET
    health_status = sqlc.arg(health_status), last_checked_at = sqlc.arg(last_checked_at),
    last_connected_at = COALESCE(sqlc.narg(last_connected_at), last_connected_at), last_error = sqlc.narg(last_error),
    last_latency_ms = sqlc.narg(last_latency_ms),
    consecutive_failures = CASE WHEN CAST(sqlc.arg(succeeded) AS BOOLEAN) THEN 0 ELSE consecutive_failures + 1 END
WHERE id = sqlc.arg(id);

-- name: DeleteIntegration :execrows
DELETE FROM integrations WHERE id = sqlc.arg(id);

-- name: ListIntegrations :many
SELECT * FROM integrations
WHERE (CAST(sqlc.narg(provider) AS TEXT) IS NULL OR provider = CAST(sqlc.narg(provider) AS TEXT))
  AND (CAST(sqlc.narg(category) AS TEXT) IS NULL OR category = CAST(sqlc.narg(category) AS TEXT))
  AND (CAST(sqlc.narg(health_status) AS TEXT) IS NULL OR health_status = CAST(sqlc.narg(health_status) AS TEXT))
  AND (CAST(sqlc.narg(is_active) AS BOOLEAN) IS NULL OR is_active = CAST(sqlc.narg(is_active) AS BOOLEAN))
  AND (CAST(sqlc.narg(search) AS TEXT) IS NULL OR (name_lower LIKE CAST(sqlc.narg(search) AS TEXT) ESCAPE '!') OR (slug LIKE CAST(sqlc.narg(search) AS TEXT) ESCAPE '!'))
  AND (CAST(sqlc.narg(label_key) AS TEXT) IS NULL OR EXISTS (
        SELECT 1 FROM integration_labels l
        WHERE l.integration_id = integrations.id AND l.key = CAST(sqlc.narg(label_key) AS TEXT)
          AND (CAST(sqlc.narg(label_value) AS TEXT) IS NULL OR l.value = CAST(sqlc.narg(label_value) AS TEXT))))
  AND id > sqlc.arg(after_id)
ORDER BY id
LIMIT CAST(sqlc.arg(lim) AS BIGINT);

-- name: CountIntegrations :one
SELECT COUNT(*) FROM integrations;

-- name: DeleteIntegrationLabels :exec
DELETE FROM integration_labels WHERE integration_id = sqlc.arg(integration_id);

-- name: InsertIntegrationLabel :exec
INSERT INTO integration_labels (integration_id, key, value) VALUES (sqlc.arg(integration_id), sqlc.arg(key), sqlc.arg(value));

-- name: ListIntegrationCredentials :many
SELECT * FROM integration_credentials WHERE integration_id = sqlc.arg(integration_id) ORDER BY field;

-- name: UpsertIntegrationCredential :exec
INSERT INTO integration_credentials (integration_id, field, ciphertext, key_id, updated_at)
VALUES (sqlc.arg(integration_id), sqlc.arg(field), sqlc.arg(ciphertext), sqlc.arg(key_id), sqlc.arg(updated_at))
ON CONFLICT (integration_id, field) DO UPDATE SET
    ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at;

-- name: DeleteIntegrationCredential :exec
DELETE FROM integration_credentials WHERE integration_id = sqlc.arg(integration_id) AND field = sqlc.arg(field);

-- name: GetChangeCounter :one
SELECT value FROM change_counters WHERE name = sqlc.arg(name);
