-- name: InsertActivity :exec
INSERT INTO activity (at, actor_type, actor_id, actor_name, action, target_type, target_id, target_name,
                      integration_id, success, details, ip, user_agent)
VALUES (sqlc.arg(at), sqlc.arg(actor_type), sqlc.arg(actor_id), sqlc.arg(actor_name), sqlc.arg(action),
        sqlc.arg(target_type), sqlc.arg(target_id), sqlc.arg(target_name), sqlc.narg(integration_id),
        sqlc.arg(success), sqlc.arg(details), sqlc.arg(ip), sqlc.arg(user_agent));

-- name: ListActivity :many
SELECT * FROM activity
WHERE (CAST(sqlc.narg(integration_id) AS TEXT) IS NULL OR integration_id = CAST(sqlc.narg(integration_id) AS TEXT))
  AND (CAST(sqlc.narg(actor_id) AS TEXT) IS NULL OR actor_id = CAST(sqlc.narg(actor_id) AS TEXT))
  AND (CAST(sqlc.narg(action) AS TEXT) IS NULL OR action = CAST(sqlc.narg(action) AS TEXT))
  AND at >= sqlc.arg(since) AND at < sqlc.arg(until)
  AND id < sqlc.arg(before_id)
ORDER BY id DESC
LIMIT CAST(sqlc.arg(lim) AS BIGINT);

-- name: CountFailuresForTarget :one
SELECT COUNT(*) FROM activity
WHERE target_name = sqlc.arg(target_name) AND action = sqlc.arg(action) AND at >= sqlc.arg(since);

-- name: CountFailuresFromIP :one
SELECT COUNT(*) FROM activity WHERE ip = sqlc.arg(ip) AND action = sqlc.arg(action) AND at >= sqlc.arg(since);

-- name: DeleteActivityBefore :execrows
DELETE FROM activity WHERE at < sqlc.arg(before);

-- name: CountFailuresForTargetFromIP :one
SELECT COUNT(*) FROM activity
WHERE target_name = sqlc.arg(target_name) AND ip = sqlc.arg(ip) AND action = sqlc.arg(action) AND at >= sqlc.arg(since);
