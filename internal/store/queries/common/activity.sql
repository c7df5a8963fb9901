-- name: InsertActivity :exec
INSERT INTO activity (at, actor_type, actor_id, actor_name, action, target_type, target_id, target_name,
                      integration_id, success, details, ip, user_agent)
VALUES (sqlc.arg(at), sqlc.arg(actor_type), sqlc.arg(actor_id), sqlc.arg(actor_name), sqlc.arg(action),
        sqlc.arg(target_type), sqlc.arg(target_id), sqlc.arg(target_name), sqlc.narg(integration_id),
        sqlc.arg(success), sqlc.arg(details), sqlc.arg(ip), sqlc.arg(user_agent));

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
