package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"encoding/json"
	"fmt"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/internal/sqlitedb"
)

var _ auth.Store = (*DB)(nil)

func toUser(r sqlitedb.User) auth.User {
	return auth.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: auth.Role(r.Role), Disabled: r.Disabled,
		PasswordHash: r.PasswordHash, CreatedAt: fromMS(r.CreatedAt), UpdatedAt: fromMS(r.UpdatedAt), LastLoginAt: fromMSPtr(r.LastLoginAt)}
}

// CreateUser stores a new user; a used email is Conflict.
func (db *DB) CreateUser(ctx context.Context, u auth.User, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		err := q.InsertUser(ctx, sqlitedb.InsertUserParams{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
			PasswordHash: u.PasswordHash, Disabled: u.Disabled, CreatedAt: ms(u.CreatedAt)})
		if isUnique(err) {
			return &apperr.Error{Kind: apperr.Conflict, Message: "a user with this email already exists",
				Fields: []apperr.FieldError{{Field: "body.email", Message: "is already in use"}}}
		}
		if err != nil {
			return fmt.Errorf("store: create user: %w", err)
		}
		return insertActivity(ctx, q, e)
	})
}

// GetUser returns a user by id.
func (db *DB) GetUser(ctx context.Context, id string) (auth.User, error) {
	r, err := db.qr.GetUser(ctx, id)
	if err != nil {
		return auth.User{}, notFound(err, "no user %q", id)
	}
	return toUser(r), nil
}

// GetUserByEmail returns a user by (normalized) email.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (auth.User, error) {
	r, err := db.qr.GetUserByEmail(ctx, email)
	if err != nil {
		return auth.User{}, notFound(err, "no user with email %q", email)
	}
	return toUser(r), nil
}

// ListUsers lists users by id after afterID.
func (db *DB) ListUsers(ctx context.Context, afterID string, limit int) ([]auth.User, error) {
	rows, err := db.qr.ListUsers(ctx, sqlitedb.ListUsersParams{AfterID: afterID, Lim: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	out := make([]auth.User, len(rows))
	for i, r := range rows {
		out[i] = toUser(r)
	}
	return out, nil
}

// UpdateUser writes a user's mutable fields. Disabling a user or changing
// their password ends their sessions.
func (db *DB) UpdateUser(ctx context.Context, u auth.User, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, native any) error {
		if err := lockUsers(ctx, native); err != nil {
			return err
		}
		old, err := q.GetUser(ctx, u.ID)
		if err != nil {
			return notFound(err, "no user %q", u.ID)
		}
		n, err := q.UpdateUser(ctx, sqlitedb.UpdateUserParams{Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash,
			Disabled: u.Disabled, UpdatedAt: ms(u.UpdatedAt), ID: u.ID})
		if err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if n == 0 {
			return apperr.NotFoundf("no user %q", u.ID)
		}
		if u.Disabled || old.PasswordHash != u.PasswordHash {
			if err := q.DeleteUserSessions(ctx, u.ID); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
		}
		if err := keepASuperAdmin(ctx, q, old); err != nil {
			return err
		}
		return insertActivity(ctx, q, e)
	})
}

// lockUsers serializes transactions that change users' roles or existence
// on PostgreSQL, so that the last-super-admin check below cannot pass in
// two transactions at once. SQLite's single writer serializes them already.
func lockUsers(ctx context.Context, native any) error {
	if tx, ok := native.(pgx.Tx); ok {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", usersLock); err != nil {
			return fmt.Errorf("store: lock users: %w", err)
		}
	}
	return nil
}

// usersLock is the advisory lock key for user changes ("usrs").
const usersLock = 0x75737273

// keepASuperAdmin fails the transaction if it removed the last active
// super admin (old is the user before the change).
func keepASuperAdmin(ctx context.Context, q sqlitedb.Querier, old sqlitedb.User) error {
	if old.Role != string(auth.RoleSuperAdmin) || old.Disabled {
		return nil
	}
	n, err := q.CountActiveUsersWithRole(ctx, string(auth.RoleSuperAdmin))
	if err != nil {
		return fmt.Errorf("store: count super admins: %w", err)
	}
	if n == 0 {
		return apperr.E(apperr.Conflict, "this is the last active super admin")
	}
	return nil
}

// DeleteUser deletes a user with their sessions and tokens.
func (db *DB) DeleteUser(ctx context.Context, id string, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, native any) error {
		if err := lockUsers(ctx, native); err != nil {
			return err
		}
		old, err := q.GetUser(ctx, id)
		if err != nil {
			return notFound(err, "no user %q", id)
		}
		n, err := q.DeleteUser(ctx, id)
		if err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		if n == 0 {
			return apperr.NotFoundf("no user %q", id)
		}
		if err := keepASuperAdmin(ctx, q, old); err != nil {
			return err
		}
		return insertActivity(ctx, q, e)
	})
}

// CountActiveUsersWithRole counts enabled users with the role.
func (db *DB) CountActiveUsersWithRole(ctx context.Context, r auth.Role) (int, error) {
	n, err := db.qr.CountActiveUsersWithRole(ctx, string(r))
	if err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return int(n), nil
}

// SetUserLastLogin records a successful sign-in time.
func (db *DB) SetUserLastLogin(ctx context.Context, id string, at time.Time) error {
	if err := db.qw.SetUserLastLogin(ctx, sqlitedb.SetUserLastLoginParams{At: msPtr(&at), ID: id}); err != nil {
		return fmt.Errorf("store: last login: %w", err)
	}
	return nil
}

// CreateSession stores a session and the sign-in's audit entry.
func (db *DB) CreateSession(ctx context.Context, s auth.Session, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		if err := q.InsertSession(ctx, sqlitedb.InsertSessionParams{TokenHash: s.TokenHash, UserID: s.UserID,
			CreatedAt: ms(s.CreatedAt), ExpiresAt: ms(s.ExpiresAt), Ip: cleanText(s.IP), UserAgent: cleanText(s.UserAgent)}); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return insertActivity(ctx, q, e)
	})
}

// GetSession returns a session by the hash of its cookie.
func (db *DB) GetSession(ctx context.Context, hash string) (auth.Session, error) {
	r, err := db.qr.GetSession(ctx, hash)
	if err != nil {
		return auth.Session{}, notFound(err, "no such session")
	}
	return auth.Session{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: fromMS(r.CreatedAt), ExpiresAt: fromMS(r.ExpiresAt),
		LastSeenAt: fromMS(r.LastSeenAt), IP: r.Ip, UserAgent: r.UserAgent}, nil
}

// TouchSession slides a session's expiry.
func (db *DB) TouchSession(ctx context.Context, hash string, seen, expires time.Time) error {
	if err := db.qw.TouchSession(ctx, sqlitedb.TouchSessionParams{LastSeenAt: ms(seen), ExpiresAt: ms(expires), TokenHash: hash}); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session and records e.
func (db *DB) DeleteSession(ctx context.Context, hash string, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		if err := q.DeleteSession(ctx, hash); err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		return insertActivity(ctx, q, e)
	})
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	n, err := db.qw.DeleteExpiredSessions(ctx, ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: expire sessions: %w", err)
	}
	return n, nil
}

func toToken(r sqlitedb.ApiToken) (auth.Token, error) {
	t := auth.Token{ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, Hash: r.TokenHash, CreatedAt: fromMS(r.CreatedAt),
		ExpiresAt: fromMSPtr(r.ExpiresAt), LastUsedAt: fromMSPtr(r.LastUsedAt), RevokedAt: fromMSPtr(r.RevokedAt)}
	if err := json.Unmarshal(r.Scopes, &t.Scopes); err != nil {
		return t, fmt.Errorf("store: token %s scopes: %w", r.ID, err)
	}
	return t, nil
}

// CreateToken stores a token (its hash) and records e.
func (db *DB) CreateToken(ctx context.Context, t auth.Token, e audit.Entry) error {
	scopes := t.Scopes
	if scopes == nil {
		scopes = []auth.Permission{}
	}
	b, err := json.Marshal(scopes)
	if err != nil {
		return fmt.Errorf("store: encode scopes: %w", err)
	}
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		if err := q.InsertToken(ctx, sqlitedb.InsertTokenParams{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix,
			TokenHash: t.Hash, Scopes: b, CreatedAt: ms(t.CreatedAt), ExpiresAt: msPtr(t.ExpiresAt)}); err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		return insertActivity(ctx, q, e)
	})
}

// GetToken returns a token by id.
func (db *DB) GetToken(ctx context.Context, id string) (auth.Token, error) {
	r, err := db.qr.GetToken(ctx, id)
	if err != nil {
		return auth.Token{}, notFound(err, "no token %q", id)
	}
	return toToken(r)
}

// GetTokenByHash returns a token by the SHA-256 of its plaintext.
func (db *DB) GetTokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	r, err := db.qr.GetTokenByHash(ctx, hash)
	if err != nil {
		return auth.Token{}, notFound(err, "no such token")
	}
	return toToken(r)
}

// ListTokens lists tokens of one user, or of everyone when userID is "".
func (db *DB) ListTokens(ctx context.Context, userID, afterID string, limit int) ([]auth.Token, error) {
	rows, err := db.qr.ListTokens(ctx, sqlitedb.ListTokensParams{UserID: nullable(userID), AfterID: afterID, Lim: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	out := make([]auth.Token, 0, len(rows))
	for _, r := range rows {
		t, err := toToken(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// RevokeToken marks a token revoked and records e.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		n, err := q.RevokeToken(ctx, sqlitedb.RevokeTokenParams{RevokedAt: msPtr(&at), ID: id})
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		if n == 0 {
			return apperr.NotFoundf("no active token %q", id)
		}
		return insertActivity(ctx, q, e)
	})
}

// TouchToken records a token's last use.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := db.qw.TouchToken(ctx, sqlitedb.TouchTokenParams{LastUsedAt: msPtr(&at), ID: id}); err != nil {
		return fmt.Errorf("store: touch token: %w", err)
	}
	return nil
}
