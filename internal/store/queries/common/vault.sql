-- name: ListVaultKeys :many
SELECT * FROM vault_keys ORDER BY created_at, id;

-- name: InsertVaultKey :exec
INSERT INTO vault_keys (id, wrapped, master_fingerprint, is_primary, created_at)
VALUES (sqlc.arg(id), sqlc.arg(wrapped), sqlc.arg(master_fingerprint), sqlc.arg(is_primary), sqlc.arg(created_at));

-- name: ClearPrimaryVaultKey :exec
UPDATE vault_keys SET is_primary = FALSE WHERE is_primary = TRUE;

-- name: SetPrimaryVaultKey :execrows
UPDATE vault_keys SET is_primary = TRUE WHERE id = sqlc.arg(id);

-- name: CountCredentialsByKey :many
SELECT key_id, COUNT(*) AS n FROM integration_credentials GROUP BY key_id ORDER BY key_id;

-- name: ListCredentialsNotSealedWith :many
SELECT integration_id, field, ciphertext, key_id FROM integration_credentials
WHERE key_id <> sqlc.arg(key_id)
ORDER BY integration_id, field
LIMIT CAST(sqlc.arg(lim) AS BIGINT);

-- name: ResealCredential :execrows
UPDATE integration_credentials SET ciphertext = sqlc.arg(ciphertext), key_id = sqlc.arg(new_key_id)
WHERE integration_id = sqlc.arg(integration_id) AND field = sqlc.arg(field) AND key_id = sqlc.arg(old_key_id);
