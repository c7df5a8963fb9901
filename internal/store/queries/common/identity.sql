-- name: InsertUser :exec
INSERT INTO users (id, email, name, role, password_hash, disabled, created_at, updated_at)
VALUES (sqlc.arg(id), sqlc.arg(email), sqlc.arg(name), sqlc.arg(role), sqlc.arg(password_hash), sqlc.arg(disabled),
        sqlc.arg(created_at), sqlc.arg(created_at));

-- name: GetUser :one
SELECT * FROM users WHERE id = sqlc.arg(id);

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = sqlc.arg(email);

-- name: ListUsers :many
SELECT * FROM users WHERE id > sqlc.arg(after_id) ORDER BY id LIMIT CAST(sqlc.arg(lim) AS BIGINT);

-- name: UpdateUser :execrows
UPDATE users SET name = sqlc.arg(name), role = sqlc.arg(role), password_hash = sqlc.arg(password_hash),
    disabled = sqlc.arg(disabled), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: SetUserLastLogin :exec
UPDATE users SET last_login_at = sqlc.arg(at) WHERE id = sqlc.arg(id);

-- name: DeleteUser :execrows
DELETE FROM users WHERE id = sqlc.arg(id);

-- name: CountActiveUsersWithRole :one
SELECT COUNT(*) FROM users WHERE role = sqlc.arg(role) AND disabled = FALSE;

-- name: InsertSession :exec
INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
VALUES (sqlc.arg(token_hash), sqlc.arg(user_id), sqlc.arg(created_at), sqlc.arg(expires_at), sqlc.arg(created_at),
        sqlc.arg(ip), sqlc.arg(user_agent));

-- name: GetSession :one
SELECT * FROM sessions WHERE token_hash = sqlc.arg(token_hash);

-- name: TouchSession :exec
UPDATE sessions SET last_seen_at = sqlc.arg(last_seen_at), expires_at = sqlc.arg(expires_at)
WHERE token_hash = sqlc.arg(token_hash);

-- name: DeleteSession :exec
DELETE FROM sessions WHERE token_hash = sqlc.arg(token_hash);

-- name: DeleteUserSessions :exec
DELETE FROM sessions WHERE user_id = sqlc.arg(user_id);

-- name: DeleteExpiredSessions :execrows
DELETE FROM sessions WHERE expires_at < sqlc.arg(now);

-- name: InsertToken :exec
INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, scopes, created_at, expires_at)
VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(name), sqlc.arg(prefix), sqlc.arg(token_hash), sqlc.arg(scopes),
        sqlc.arg(created_at), sqlc.narg(expires_at));

-- name: GetToken :one
SELECT * FROM api_tokens WHERE id = sqlc.arg(id);

-- name: GetTokenByHash :one
SELECT * FROM api_tokens WHERE token_hash = sqlc.arg(token_hash);

-- name: ListTokens :many
SELECT * FROM api_tokens
WHERE (CAST(sqlc.narg(user_id) AS TEXT) IS NULL OR user_id = CAST(sqlc.narg(user_id) AS TEXT)) AND id > sqlc.arg(after_id)
ORDER BY id LIMIT CAST(sqlc.arg(lim) AS BIGINT);

-- name: RevokeToken :execrows
UPDATE api_tokens SET revoked_at = sqlc.arg(revoked_at) WHERE id = sqlc.arg(id) AND revoked_at IS NULL;

-- name: TouchToken :exec
UPDATE api_tokens SET last_used_at = sqlc.arg(last_used_at) WHERE id = sqlc.arg(id);
