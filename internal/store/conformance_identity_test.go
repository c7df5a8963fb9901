package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
)

// userEntry is the audit entry of a write on user id.
func userEntry(action, id string) audit.Entry {
	e := entry(action, "")
	e.TargetType, e.TargetID, e.TargetName = "user", id, id
	return e
}

func newUser(n int, role auth.Role) auth.User {
	return auth.User{ID: fmt.Sprintf("usr_%04d", n), Email: fmt.Sprintf("user%d@example.com", n), Name: fmt.Sprintf("User %d", n),
		Role: role, PasswordHash: "$argon2id$hash" + fmt.Sprint(n), CreatedAt: t0, UpdatedAt: t0}
}

func mustCreateUser(t testing.TB, db *store.DB, u auth.User) {
	t.Helper()
	if err := db.CreateUser(t.Context(), u, userEntry(audit.UserCreated, u.ID)); err != nil {
		t.Fatalf("CreateUser(%s) = %v", u.Email, err)
	}
}

func newSession(hash, userID string) auth.Session {
	return auth.Session{TokenHash: hash, UserID: userID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), IP: "203.0.113.5", UserAgent: "Firefox"}
}

func mustCreateSession(t testing.TB, db *store.DB, s auth.Session) {
	t.Helper()
	if err := db.CreateSession(t.Context(), s, userEntry(audit.LoginSucceeded, s.UserID)); err != nil {
		t.Fatalf("CreateSession(%s) = %v", s.TokenHash, err)
	}
}

// sessionExists reports whether GetSession finds hash, failing on other errors.
func sessionExists(t testing.TB, db *store.DB, hash string) bool {
	t.Helper()
	_, err := db.GetSession(t.Context(), hash)
	if apperr.Is(err, apperr.NotFound) {
		return false
	}
	if err != nil {
		t.Fatalf("GetSession(%s) = %v", hash, err)
	}
	return true
}

func TestUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		odd := time.Date(2025, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("UTC-5", -5*3600))
		u := newUser(1, auth.RoleSuperAdmin)
		u.CreatedAt, u.UpdatedAt = odd, odd
		create := userEntry(audit.UserCreated, u.ID)
		if err := b.db.CreateUser(ctx, u, create); err != nil {
			t.Fatalf("CreateUser = %v", err)
		}
		checkLastActivity(t, b.db, create)
		want := u
		want.CreatedAt, want.UpdatedAt = msUTC(odd), msUTC(odd)
		for name, get := range map[string]func() (auth.User, error){
			"GetUser":        func() (auth.User, error) { return b.db.GetUser(ctx, u.ID) },
			"GetUserByEmail": func() (auth.User, error) { return b.db.GetUserByEmail(ctx, u.Email) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s = %v", name, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
			}
		}

		t.Run("unknown", func(t *testing.T) {
			_, err := b.db.GetUser(ctx, "usr_nosuch")
			wantKind(t, "GetUser(unknown)", err, apperr.NotFound)
			_, err = b.db.GetUserByEmail(ctx, "nobody@example.com")
			wantKind(t, "GetUserByEmail(unknown)", err, apperr.NotFound)
			// Emails are compared as stored: the caller normalizes them.
			_, err = b.db.GetUserByEmail(ctx, "USER1@example.com")
			wantKind(t, "GetUserByEmail(other case)", err, apperr.NotFound)
		})

		t.Run("duplicate email", func(t *testing.T) {
			n := len(allActivity(t, b.db))
			dup := newUser(2, auth.RoleSupportAgent)
			dup.Email = u.Email
			err := b.db.CreateUser(ctx, dup, userEntry(audit.UserCreated, dup.ID))
			wantKind(t, "CreateUser(duplicate email)", err, apperr.Conflict)
			if ae, ok := apperr.As(err); ok {
				want := []apperr.FieldError{{Field: "body.email", Message: "is already in use"}}
				if diff := cmp.Diff(want, ae.Fields); diff != "" {
					t.Errorf("CreateUser(duplicate email) fields mismatch (-want +got):\n%s", diff)
				}
			}
			if _, err := b.db.GetUser(ctx, dup.ID); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("GetUser(failed create) = %v, want NotFound", err)
			}
			if got := len(allActivity(t, b.db)); got != n {
				t.Errorf("activity entries after failed create = %d, want %d", got, n)
			}
		})

		t.Run("last login", func(t *testing.T) {
			at := t0.Add(90*time.Minute + 123456789)
			if err := b.db.SetUserLastLogin(ctx, u.ID, at); err != nil {
				t.Fatalf("SetUserLastLogin = %v", err)
			}
			got, err := b.db.GetUser(ctx, u.ID)
			if err != nil {
				t.Fatalf("GetUser = %v", err)
			}
			if got.LastLoginAt == nil || !got.LastLoginAt.Equal(msUTC(at)) {
				t.Errorf("LastLoginAt = %v, want %v", got.LastLoginAt, msUTC(at))
			}
		})
	})
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		var want []string
		for _, n := range []int{3, 1, 5, 2, 4} { // created out of id order
			u := newUser(n, auth.RoleSupportAgent)
			mustCreateUser(t, b.db, u)
		}
		for n := 1; n <= 5; n++ {
			want = append(want, newUser(n, "").ID)
		}
		for _, limit := range []int{1, 2, 5, 10} {
			t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
				t.Parallel()
				var got []string
				after := ""
				for page := 0; page < 10; page++ {
					us, err := b.db.ListUsers(t.Context(), after, limit)
					if err != nil {
						t.Fatalf("ListUsers(%q, %d) = %v", after, limit, err)
					}
					if len(us) > limit {
						t.Fatalf("ListUsers(%q, %d) returned %d users", after, limit, len(us))
					}
					for _, u := range us {
						got = append(got, u.ID)
					}
					if len(us) < limit {
						break
					}
					after = us[len(us)-1].ID
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("ListUsers pages mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		change       func(u *auth.User)
		endsSessions bool
	}{
		{"rename keeps sessions", func(u *auth.User) { u.Name = "Renamed" }, false},
		{"role change keeps sessions", func(u *auth.User) { u.Role = auth.RoleITManager }, false},
		{"password change ends sessions", func(u *auth.User) { u.PasswordHash = "$argon2id$new" }, true},
		{"disable ends sessions", func(u *auth.User) { u.Disabled = true }, true},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				// Each case has users and sessions of its own in the shared store.
				u, bystander := newUser(10*i+1, auth.RoleSuperAdmin), newUser(10*i+2, auth.RoleSuperAdmin)
				mustCreateUser(t, b.db, u)
				mustCreateUser(t, b.db, bystander)
				s1, s2, s3 := fmt.Sprintf("s%d-1", i), fmt.Sprintf("s%d-2", i), fmt.Sprintf("s%d-3", i)
				mustCreateSession(t, b.db, newSession(s1, u.ID))
				mustCreateSession(t, b.db, newSession(s2, u.ID))
				mustCreateSession(t, b.db, newSession(s3, bystander.ID))

				next := u
				tt.change(&next)
				next.UpdatedAt = t0.Add(time.Duration(i+1) * time.Minute)
				upd := userEntry(audit.UserUpdated, u.ID)
				if err := b.db.UpdateUser(ctx, next, upd); err != nil {
					t.Fatalf("UpdateUser = %v", err)
				}
				got, err := b.db.GetUser(ctx, u.ID)
				if err != nil {
					t.Fatalf("GetUser = %v", err)
				}
				want := next
				want.UpdatedAt = msUTC(next.UpdatedAt)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GetUser after update mismatch (-want +got):\n%s", diff)
				}
				for _, h := range []string{s1, s2} {
					if got := sessionExists(t, b.db, h); got == tt.endsSessions {
						t.Errorf("session %s exists = %v, want %v", h, got, !tt.endsSessions)
					}
				}
				if !sessionExists(t, b.db, s3) {
					t.Errorf("another user's session was ended")
				}
				// The email is not changed by UpdateUser.
				if _, err := b.db.GetUserByEmail(ctx, u.Email); err != nil {
					t.Errorf("GetUserByEmail after update = %v", err)
				}
				// The audit entry is in the log (other cases write theirs too).
				es, err := b.db.ListActivity(ctx, audit.Filter{Action: audit.UserUpdated, Limit: 100})
				if err != nil {
					t.Fatalf("ListActivity = %v", err)
				}
				found := false
				for _, en := range es {
					found = found || en.TargetID == u.ID
				}
				if !found {
					t.Errorf("no %s entry for %s in the log", audit.UserUpdated, u.ID)
				}
			})
		}
		t.Run("unknown user", func(t *testing.T) {
			t.Parallel()
			err := b.db.UpdateUser(t.Context(), newUser(999, auth.RoleSuperAdmin), userEntry(audit.UserUpdated, "usr_0999"))
			wantKind(t, "UpdateUser(unknown)", err, apperr.NotFound)
		})
	})
}

func TestCountActiveUsersWithRole(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		users := []struct {
			role     auth.Role
			disabled bool
		}{
			{auth.RoleSuperAdmin, false}, {auth.RoleSuperAdmin, false}, {auth.RoleSuperAdmin, true},
			{auth.RoleSupportAgent, false}, {auth.RoleITManager, true},
		}
		for i, u := range users {
			nu := newUser(i+1, u.role)
			nu.Disabled = u.disabled
			mustCreateUser(t, b.db, nu)
		}
		for _, tt := range []struct {
			role auth.Role
			want int
		}{
			{auth.RoleSuperAdmin, 2}, {auth.RoleSupportAgent, 1}, {auth.RoleITManager, 0}, {auth.RoleSystemAdmin, 0},
		} {
			got, err := b.db.CountActiveUsersWithRole(ctx, tt.role)
			if err != nil {
				t.Fatalf("CountActiveUsersWithRole(%s) = %v", tt.role, err)
			}
			if got != tt.want {
				t.Errorf("CountActiveUsersWithRole(%s) = %d, want %d", tt.role, got, tt.want)
			}
		}
	})
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		u, other := newUser(1, auth.RoleSuperAdmin), newUser(2, auth.RoleSuperAdmin)
		mustCreateUser(t, b.db, u)
		mustCreateUser(t, b.db, other)
		mustCreateSession(t, b.db, newSession("s1", u.ID))
		mustCreateSession(t, b.db, newSession("s2", other.ID))
		mustCreateToken(t, b.db, newToken(1, u.ID))
		mustCreateToken(t, b.db, newToken(2, other.ID))

		del := userEntry(audit.UserDeleted, u.ID)
		if err := b.db.DeleteUser(ctx, u.ID, del); err != nil {
			t.Fatalf("DeleteUser = %v", err)
		}
		checkLastActivity(t, b.db, del)
		if _, err := b.db.GetUser(ctx, u.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetUser(deleted) = %v, want NotFound", err)
		}
		if sessionExists(t, b.db, "s1") {
			t.Errorf("session of the deleted user survived")
		}
		if _, err := b.db.GetToken(ctx, newToken(1, "").ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetToken(token of deleted user) = %v, want NotFound", err)
		}
		if _, err := b.db.GetTokenByHash(ctx, newToken(1, "").Hash); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetTokenByHash(token of deleted user) = %v, want NotFound", err)
		}
		if !sessionExists(t, b.db, "s2") {
			t.Errorf("another user's session was deleted")
		}
		if _, err := b.db.GetToken(ctx, newToken(2, "").ID); err != nil {
			t.Errorf("GetToken(another user's token) = %v", err)
		}
		// The email is free again.
		mustCreateUser(t, b.db, newUser(3, auth.RoleSuperAdmin))
		reuse := newUser(4, auth.RoleSuperAdmin)
		reuse.Email = u.Email
		mustCreateUser(t, b.db, reuse)

		err := b.db.DeleteUser(ctx, u.ID, del)
		wantKind(t, "DeleteUser(deleted)", err, apperr.NotFound)
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		u := newUser(1, auth.RoleSuperAdmin)
		mustCreateUser(t, b.db, u)
		s := newSession("hash-1", u.ID)
		s.CreatedAt = t0.Add(123456789) // sub-millisecond part is dropped
		login := userEntry(audit.LoginSucceeded, u.ID)
		if err := b.db.CreateSession(ctx, s, login); err != nil {
			t.Fatalf("CreateSession = %v", err)
		}
		checkLastActivity(t, b.db, login)
		got, err := b.db.GetSession(ctx, s.TokenHash)
		if err != nil {
			t.Fatalf("GetSession = %v", err)
		}
		want := s
		want.CreatedAt, want.ExpiresAt = msUTC(s.CreatedAt), msUTC(s.ExpiresAt)
		want.LastSeenAt = want.CreatedAt // a new session was last seen when created
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetSession mismatch (-want +got):\n%s", diff)
		}

		seen, expires := t0.Add(10*time.Minute), t0.Add(70*time.Minute)
		if err := b.db.TouchSession(ctx, s.TokenHash, seen, expires); err != nil {
			t.Fatalf("TouchSession = %v", err)
		}
		got, err = b.db.GetSession(ctx, s.TokenHash)
		if err != nil {
			t.Fatalf("GetSession = %v", err)
		}
		want.LastSeenAt, want.ExpiresAt = seen, expires
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetSession after touch mismatch (-want +got):\n%s", diff)
		}

		_, err = b.db.GetSession(ctx, "hash-nosuch")
		wantKind(t, "GetSession(unknown)", err, apperr.NotFound)

		logout := userEntry(audit.Logout, u.ID)
		if err := b.db.DeleteSession(ctx, s.TokenHash, logout); err != nil {
			t.Fatalf("DeleteSession = %v", err)
		}
		checkLastActivity(t, b.db, logout)
		if sessionExists(t, b.db, s.TokenHash) {
			t.Errorf("session exists after DeleteSession")
		}

		t.Run("expiry", func(t *testing.T) {
			for i, exp := range []time.Duration{-2 * time.Hour, -time.Minute, 0, time.Minute, time.Hour} {
				s := newSession(fmt.Sprintf("exp-%d", i), u.ID)
				s.ExpiresAt = t0.Add(exp)
				mustCreateSession(t, b.db, s)
			}
			n, err := b.db.DeleteExpiredSessions(ctx, t0)
			if err != nil {
				t.Fatalf("DeleteExpiredSessions = %v", err)
			}
			if n != 2 {
				t.Errorf("DeleteExpiredSessions(t0) = %d, want 2 (expiring exactly now is not yet expired)", n)
			}
			for i, want := range []bool{false, false, true, true, true} {
				if got := sessionExists(t, b.db, fmt.Sprintf("exp-%d", i)); got != want {
					t.Errorf("session exp-%d exists = %v, want %v", i, got, want)
				}
			}
			if n, err := b.db.DeleteExpiredSessions(ctx, t0); err != nil || n != 0 {
				t.Errorf("DeleteExpiredSessions again = %d, %v; want 0, nil", n, err)
			}
		})
	})
}

func newToken(n int, userID string) auth.Token {
	return auth.Token{ID: fmt.Sprintf("tok_%04d", n), UserID: userID, Name: fmt.Sprintf("token %d", n),
		Prefix: fmt.Sprintf("ihub_%04d", n), Hash: fmt.Sprintf("sha256-%04d", n), CreatedAt: t0}
}

func mustCreateToken(t testing.TB, db *store.DB, tk auth.Token) {
	t.Helper()
	if err := db.CreateToken(t.Context(), tk, userEntry(audit.TokenCreated, tk.UserID)); err != nil {
		t.Fatalf("CreateToken(%s) = %v", tk.ID, err)
	}
}

func tokenIDs(ts []auth.Token) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}

func TestTokens(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		alice, bob := newUser(1, auth.RoleSuperAdmin), newUser(2, auth.RoleSupportAgent)
		mustCreateUser(t, b.db, alice)
		mustCreateUser(t, b.db, bob)

		expires := t0.Add(30*24*time.Hour + 999_999)
		full := newToken(1, alice.ID)
		full.Scopes = []auth.Permission{auth.PermIntegrationsRead, auth.PermAuditRead}
		full.ExpiresAt = &expires
		bare := newToken(2, alice.ID) // nil scopes, no expiry
		create := userEntry(audit.TokenCreated, alice.ID)
		create.Actor.TokenID = "tok_creator" // a token acting: its id goes in the details
		if err := b.db.CreateToken(ctx, full, create); err != nil {
			t.Fatalf("CreateToken = %v", err)
		}
		checkLastActivity(t, b.db, create)
		mustCreateToken(t, b.db, bare)
		for _, n := range []int{3, 4, 5} {
			mustCreateToken(t, b.db, newToken(n, bob.ID))
		}

		for _, tt := range []struct {
			in   auth.Token
			want auth.Token
		}{
			{full, func() auth.Token { w := full; w.ExpiresAt = ptr(msUTC(expires)); return w }()},
			{bare, bare},
		} {
			for name, get := range map[string]func() (auth.Token, error){
				"GetToken":       func() (auth.Token, error) { return b.db.GetToken(ctx, tt.in.ID) },
				"GetTokenByHash": func() (auth.Token, error) { return b.db.GetTokenByHash(ctx, tt.in.Hash) },
			} {
				got, err := get()
				if err != nil {
					t.Fatalf("%s(%s) = %v", name, tt.in.ID, err)
				}
				if diff := cmp.Diff(tt.want, got, integrationOpts); diff != "" {
					t.Errorf("%s(%s) mismatch (-want +got):\n%s", name, tt.in.ID, diff)
				}
			}
		}
		_, err := b.db.GetToken(ctx, "tok_nosuch")
		wantKind(t, "GetToken(unknown)", err, apperr.NotFound)
		_, err = b.db.GetTokenByHash(ctx, "nosuch")
		wantKind(t, "GetTokenByHash(unknown)", err, apperr.NotFound)

		t.Run("list", func(t *testing.T) {
			for _, tt := range []struct {
				name   string
				userID string
				after  string
				limit  int
				want   []string
			}{
				{"own", alice.ID, "", 10, []string{"tok_0001", "tok_0002"}},
				{"other's", bob.ID, "", 10, []string{"tok_0003", "tok_0004", "tok_0005"}},
				{"all", "", "", 10, []string{"tok_0001", "tok_0002", "tok_0003", "tok_0004", "tok_0005"}},
				{"all, first page", "", "", 2, []string{"tok_0001", "tok_0002"}},
				{"all, second page", "", "tok_0002", 2, []string{"tok_0003", "tok_0004"}},
				{"all, last page", "", "tok_0004", 2, []string{"tok_0005"}},
				{"own, after the last", alice.ID, "tok_0002", 2, nil},
				{"user without tokens", "usr_nosuch", "", 10, nil},
			} {
				got, err := b.db.ListTokens(ctx, tt.userID, tt.after, tt.limit)
				if err != nil {
					t.Fatalf("%s: ListTokens = %v", tt.name, err)
				}
				if diff := cmp.Diff(tt.want, tokenIDs(got), integrationOpts); diff != "" {
					t.Errorf("%s: ListTokens(%q, %q, %d) mismatch (-want +got):\n%s", tt.name, tt.userID, tt.after, tt.limit, diff)
				}
			}
		})

		t.Run("touch", func(t *testing.T) {
			at := t0.Add(5*time.Minute + 777_777)
			if err := b.db.TouchToken(ctx, bare.ID, at); err != nil {
				t.Fatalf("TouchToken = %v", err)
			}
			got, err := b.db.GetToken(ctx, bare.ID)
			if err != nil {
				t.Fatalf("GetToken = %v", err)
			}
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(msUTC(at)) {
				t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, msUTC(at))
			}
		})

		t.Run("revoke", func(t *testing.T) {
			at := t0.Add(time.Hour)
			rev := userEntry(audit.TokenRevoked, alice.ID)
			if err := b.db.RevokeToken(ctx, full.ID, at, rev); err != nil {
				t.Fatalf("RevokeToken = %v", err)
			}
			checkLastActivity(t, b.db, rev)
			got, err := b.db.GetTokenByHash(ctx, full.Hash)
			if err != nil {
				t.Fatalf("GetTokenByHash(revoked) = %v", err)
			}
			if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
				t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, at)
			}
			n := len(allActivity(t, b.db))
			err = b.db.RevokeToken(ctx, full.ID, at.Add(time.Hour), rev)
			wantKind(t, "RevokeToken(revoked)", err, apperr.NotFound)
			err = b.db.RevokeToken(ctx, "tok_nosuch", at, rev)
			wantKind(t, "RevokeToken(unknown)", err, apperr.NotFound)
			if got := len(allActivity(t, b.db)); got != n {
				t.Errorf("activity entries after failed revokes = %d, want %d", got, n)
			}
			again, err := b.db.GetToken(ctx, full.ID)
			if err != nil {
				t.Fatalf("GetToken = %v", err)
			}
			if again.RevokedAt == nil || !again.RevokedAt.Equal(at) {
				t.Errorf("RevokedAt after a second revoke = %v, want %v (unchanged)", again.RevokedAt, at)
			}
		})
	})
}
