-- PostgreSQL-only queries: set-based forms of per-row common queries, for
-- batches where a round trip per row would dominate.

-- name: ResealCredentials :execrows
UPDATE integration_credentials AS c
SET ciphertext = u.ciphertext, key_id = sqlc.arg(new_key_id)::text
FROM (
    SELECT unnest(sqlc.arg(integration_ids)::text[]) AS integration_id,
           unnest(sqlc.arg(fields)::text[]) AS field,
           unnest(sqlc.arg(ciphertexts)::bytea[]) AS ciphertext,
           unnest(sqlc.arg(old_key_ids)::text[]) AS old_key_id
) AS u
WHERE c.integration_id = u.integration_id AND c.field = u.field AND c.key_id = u.old_key_id;
