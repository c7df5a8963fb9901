package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ihub/internal/apperr"
	"ihub/internal/audit"
)

// NewToken describes a token to create.
type NewToken struct {
	// UserID owns the token; empty means the caller.
	UserID    string
	Name      string
	Scopes    []Permission
	ExpiresAt *time.Time
}

// CreateToken creates an API token and returns its plaintext, which is
// never stored or shown again. The scopes may not exceed what the owner's
// role grants, nor (when a token creates a token) the creator's own.
// Creating a token for another user needs users:manage.
func (s *Service) CreateToken(ctx context.Context, by Principal, in NewToken, from audit.Actor) (string, Token, error) {
	owner := by.UserID
	if in.UserID != "" && in.UserID != by.UserID {
		if !by.Can(PermUsersManage) {
			return "", Token{}, apperr.E(apperr.Forbidden, "creating a token for another user needs users:manage")
		}
		owner = in.UserID
	}
	u, err := s.st.GetUser(ctx, owner)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return "", Token{}, apperr.InvalidFields("unknown user", apperr.FieldError{Field: "body.userId", Message: "no such user"})
		}
		return "", Token{}, err
	}
	if owner != by.UserID && !by.covers(u.Role) {
		return "", Token{}, apperr.E(apperr.Forbidden, "you cannot create tokens for a %s: your own permissions do not cover that role", u.Role)
	}
	return s.createToken(ctx, u, by, in, from)
}

// CreateTokenForCLI creates a token for the user with the given email,
// holding all of the user's role permissions. It is for bootstrap from the
// server's command line.
func (s *Service) CreateTokenForCLI(ctx context.Context, email, name string, expires *time.Time) (string, Token, error) {
	norm, err := NormalizeEmail(email)
	if err != nil {
		return "", Token{}, err
	}
	u, err := s.st.GetUserByEmail(ctx, norm)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return "", Token{}, apperr.E(apperr.NotFound, "no user with email %s", norm)
		}
		return "", Token{}, err
	}
	cli := audit.Actor{Type: audit.ActorCLI, Name: "cli"}
	by := Principal{Kind: ViaSession, UserID: u.ID, Email: u.Email, Role: u.Role, perms: effective(u.Role, nil)}
	return s.createToken(ctx, u, by, NewToken{Name: name, ExpiresAt: expires}, cli)
}

func (s *Service) createToken(ctx context.Context, owner User, by Principal, in NewToken, from audit.Actor) (string, Token, error) {
	if owner.Disabled {
		return "", Token{}, apperr.E(apperr.Conflict, "%s is disabled: a token of theirs would be refused; enable the user first", owner.Email)
	}
	var fields []apperr.FieldError
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, unicode.IsControl) {
		fields = append(fields, apperr.FieldError{Field: "body.name", Message: "must be 1 to 100 characters, without control characters"})
	}
	now := s.now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		fields = append(fields, apperr.FieldError{Field: "body.expiresAt", Message: "must be in the future"})
	}
	seen := map[Permission]bool{}
	var scopes []Permission
	for i, sc := range in.Scopes {
		f := fmt.Sprintf("body.scopes[%d]", i)
		switch {
		case !ValidPermission(sc):
			fields = append(fields, apperr.FieldError{Field: f, Message: "is not a permission ihub knows"})
		case !owner.Role.grants(sc):
			fields = append(fields, apperr.FieldError{Field: f, Message: "exceeds the owner's role " + string(owner.Role)})
		case by.Kind == ViaToken && !by.Can(sc):
			fields = append(fields, apperr.FieldError{Field: f, Message: "exceeds the permissions of the calling token"})
		case !seen[sc]:
			seen[sc] = true
			scopes = append(scopes, sc)
		}
	}
	// A token created by a token without explicit scopes inherits the
	// creator's (narrower) permissions, not the owner's full role, and of
	// those only what the owner's role grants (a super admin's token
	// making one for an operations manager).
	if len(in.Scopes) == 0 && by.Kind == ViaToken {
		scopes = slices.DeleteFunc(by.Permissions(), func(p Permission) bool { return !owner.Role.grants(p) })
		if len(scopes) == 0 {
			fields = append(fields, apperr.FieldError{Field: "body.scopes", Message: "the calling token holds no permission the owner's role grants to pass on"})
		}
	}
	if len(fields) > 0 {
		return "", Token{}, apperr.InvalidFields("invalid token", fields...)
	}
	plain := TokenPrefix + randomString(32)
	t := Token{ID: NewID("tok_"), UserID: owner.ID, Name: name, Prefix: plain[:len(TokenPrefix)+6],
		Hash: hashToken(plain), Scopes: scopes, CreatedAt: now, ExpiresAt: in.ExpiresAt}
	e := audit.Entry{At: now, Actor: from, Action: audit.TokenCreated, TargetType: "token", TargetID: t.ID, TargetName: name, Success: true,
		Details: map[string]any{"owner": owner.Email, "scopes": scopes, "expiresAt": in.ExpiresAt}}
	if err := s.st.CreateToken(ctx, t, e); err != nil {
		return "", Token{}, err
	}
	return plain, t, nil
}

func (r Role) grants(p Permission) bool {
	for _, x := range rolePerms[r] {
		if x == p {
			return true
		}
	}
	return false
}

// ListTokens lists tokens: the caller's own, or everybody's (all=true, which
// needs users:manage).
func (s *Service) ListTokens(ctx context.Context, by Principal, all bool, afterID string, limit int) ([]Token, error) {
	user := by.UserID
	if all {
		if !by.Can(PermUsersManage) {
			return nil, apperr.E(apperr.Forbidden, "listing every user's tokens needs users:manage")
		}
		user = ""
	}
	return s.st.ListTokens(ctx, user, afterID, limit)
}

// RevokeToken revokes a token. Users may revoke their own; users:manage may
// revoke anyone's. Revoking twice is NotFound the second time.
func (s *Service) RevokeToken(ctx context.Context, by Principal, id string, from audit.Actor) error {
	t, err := s.st.GetToken(ctx, id)
	if err != nil {
		return err
	}
	if t.UserID != by.UserID && !by.Can(PermUsersManage) {
		return apperr.NotFoundf("no token %s", id)
	}
	if t.RevokedAt != nil {
		return apperr.NotFoundf("token %s is already revoked", id)
	}
	e := audit.Entry{At: s.now(), Actor: from, Action: audit.TokenRevoked, TargetType: "token", TargetID: t.ID, TargetName: t.Name, Success: true}
	if err := s.st.RevokeToken(ctx, id, s.now(), e); err != nil {
		return err
	}
	s.forget()
	return nil
}

// NewUser describes a user to create.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// CreateUserAs creates a user on behalf of by, who must hold every
// permission of the new user's role.
func (s *Service) CreateUserAs(ctx context.Context, by Principal, in NewUser, from audit.Actor) (User, error) {
	if in.Role.Valid() && !by.covers(in.Role) {
		return User{}, apperr.E(apperr.Forbidden, "you cannot create a %s: your own permissions do not cover that role", in.Role)
	}
	return s.CreateUser(ctx, in, from)
}

// CreateUser creates a user. The email must be unused. It checks no caller
// (it is for the server's command line); the API uses CreateUserAs.
func (s *Service) CreateUser(ctx context.Context, in NewUser, from audit.Actor) (User, error) {
	var fields []apperr.FieldError
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		fields = append(fields, apperr.FieldError{Field: "body.email", Message: "must be an email address"})
	}
	if !in.Role.Valid() {
		fields = append(fields, apperr.FieldError{Field: "body.role", Message: "must be one of " + roleList()})
	}
	if err := checkPassword("body.password", in.Password); err != nil {
		fields = append(fields, apperr.FieldError{Field: "body.password", Message: "must be at least 10 characters and at most 1024 bytes"})
	}
	name := strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(name) > 200 || strings.ContainsFunc(name, unicode.IsControl) {
		fields = append(fields, apperr.FieldError{Field: "body.name", Message: "must be at most 200 characters, without control characters"})
	}
	if len(fields) > 0 {
		return User{}, apperr.InvalidFields("invalid user", fields...)
	}
	hash, err := s.HashPassword(in.Password)
	if err != nil {
		return User{}, fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now()
	u := User{ID: NewID("usr_"), Email: email, Name: name, Role: in.Role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	e := audit.Entry{At: now, Actor: from, Action: audit.UserCreated, TargetType: "user", TargetID: u.ID, TargetName: email, Success: true,
		Details: map[string]any{"role": in.Role}}
	if err := s.st.CreateUser(ctx, u, e); err != nil {
		return User{}, err
	}
	return u, nil
}

func roleList() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// UserPatch is a partial update; nil fields are left alone.
type UserPatch struct {
	Name     *string
	Role     *Role
	Disabled *bool
	Password *string
}

// UpdateUser applies a patch. The last active super admin cannot be
// demoted or disabled, and nobody can demote or disable themselves.
func (s *Service) UpdateUser(ctx context.Context, by Principal, id string, p UserPatch, from audit.Actor) (User, error) {
	u, err := s.st.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !by.covers(u.Role) || (p.Role != nil && p.Role.Valid() && !by.covers(*p.Role)) {
		return User{}, apperr.E(apperr.Forbidden, "your own permissions do not cover that user's role")
	}
	var fields []apperr.FieldError
	var changed []string
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if utf8.RuneCountInString(n) > 200 || strings.ContainsFunc(n, unicode.IsControl) {
			fields = append(fields, apperr.FieldError{Field: "body.name", Message: "must be at most 200 characters, without control characters"})
		}
		if n != u.Name {
			u.Name, changed = n, append(changed, "name")
		}
	}
	if p.Role != nil {
		if !p.Role.Valid() {
			fields = append(fields, apperr.FieldError{Field: "body.role", Message: "must be one of " + roleList()})
		}
		if *p.Role != u.Role {
			changed = append(changed, "role")
		}
	}
	if p.Password != nil {
		if err := checkPassword("body.password", *p.Password); err != nil {
			fields = append(fields, apperr.FieldError{Field: "body.password", Message: "must be at least 10 characters and at most 1024 bytes"})
		} else {
			hash, err := s.HashPassword(*p.Password)
			if err != nil {
				return User{}, fmt.Errorf("auth: hash password: %w", err)
			}
			u.PasswordHash, changed = hash, append(changed, "password")
		}
	}
	if len(fields) > 0 {
		return User{}, apperr.InvalidFields("invalid user", fields...)
	}
	demote := p.Role != nil && *p.Role != u.Role
	disable := p.Disabled != nil && *p.Disabled && !u.Disabled
	if (demote || disable) && id == by.UserID {
		return User{}, apperr.E(apperr.Conflict, "you cannot demote or disable yourself")
	}
	// The store refuses, in the same transaction, a change that leaves no
	// active super admin.
	if p.Role != nil {
		u.Role = *p.Role
	}
	if p.Disabled != nil && *p.Disabled != u.Disabled {
		u.Disabled, changed = *p.Disabled, append(changed, "disabled")
	}
	if len(changed) == 0 {
		// A patch that changes nothing writes nothing: no activity entry,
		// the same updatedAt. A password given is always a change (it ends
		// the user's sessions), even if it is the one they had.
		return u, nil
	}
	u.UpdatedAt = s.now()
	e := audit.Entry{At: u.UpdatedAt, Actor: from, Action: audit.UserUpdated, TargetType: "user", TargetID: u.ID, TargetName: u.Email, Success: true,
		Details: map[string]any{"changed": changed, "role": u.Role, "disabled": u.Disabled}}
	if err := s.st.UpdateUser(ctx, u, e); err != nil {
		return User{}, err
	}
	s.forget()
	return u, nil
}

// DeleteUser deletes a user with their sessions and tokens. The last active
// super admin and the caller cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, by Principal, id string, from audit.Actor) error {
	u, err := s.st.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if id == by.UserID {
		return apperr.E(apperr.Conflict, "you cannot delete yourself")
	}
	if !by.covers(u.Role) {
		return apperr.E(apperr.Forbidden, "your own permissions do not cover that user's role")
	}
	e := audit.Entry{At: s.now(), Actor: from, Action: audit.UserDeleted, TargetType: "user", TargetID: u.ID, TargetName: u.Email, Success: true}
	if err := s.st.DeleteUser(ctx, id, e); err != nil {
		return err
	}
	s.forget()
	return nil
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) { return s.st.GetUser(ctx, id) }

// UserByEmail returns the user with this email (compared normalized).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	norm, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	return s.st.GetUserByEmail(ctx, norm)
}

// ListUsers lists users by id.
func (s *Service) ListUsers(ctx context.Context, afterID string, limit int) ([]User, error) {
	return s.st.ListUsers(ctx, afterID, limit)
}
