package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/storetest"
)

var cheap = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, e storetest.Engine) (*auth.Service, *clock) {
	t.Helper()
	db := storetest.Open(t, e)
	c := &clock{t: time.Now()}
	return auth.NewService(db, auth.Options{Argon2: cheap, Now: c.now, TokenCacheTTL: time.Second}), c
}

var cli = audit.Actor{Type: audit.ActorCLI, Name: "test"}

func mustUser(t *testing.T, s *auth.Service, email string, role auth.Role) auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), auth.NewUser{Email: email, Role: role, Password: "a long password"}, cli)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginAndThrottling(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			s, c := setup(t, e)
			ctx := context.Background()
			mustUser(t, s, "ann@example.com", auth.RoleITManager)
			from := audit.Actor{IP: "192.0.2.1", UserAgent: "test"}

			cookie, u, exp, err := s.Login(ctx, " Ann@Example.com ", "a long password", from)
			if err != nil || cookie == "" || u.Email != "ann@example.com" || !exp.After(c.t) {
				t.Fatalf("Login = %q %v %v %v; want a session", cookie, u.Email, exp, err)
			}
			p, err := s.SessionPrincipal(ctx, cookie)
			if err != nil || p.Role != auth.RoleITManager || !p.Can(auth.PermWebhooksReplay) || p.Can(auth.PermIntegrationsManage) {
				t.Fatalf("SessionPrincipal = %+v, %v; want an it_manager", p, err)
			}
			// Sessions expire when idle.
			c.t = c.t.Add(13 * time.Hour)
			if _, err := s.SessionPrincipal(ctx, cookie); !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("expired session: err = %v, want Unauthenticated", err)
			}

			// Five wrong passwords for one account, then even the right one is refused.
			for i := range 5 {
				if _, _, _, err := s.Login(ctx, "ann@example.com", "wrong password", from); !apperr.Is(err, apperr.Unauthenticated) {
					t.Fatalf("wrong password %d: err = %v, want Unauthenticated", i, err)
				}
			}
			_, _, _, err = s.Login(ctx, "ann@example.com", "a long password", from)
			if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.TooManyRequests || ae.RetryAfter <= 0 {
				t.Fatalf("after 5 failures: err = %v, want TooManyRequests with Retry-After", err)
			}
			// The guesser's address is throttled for this account; the real
			// user, elsewhere, is not locked out.
			if _, _, _, err := s.Login(ctx, "ann@example.com", "a long password", audit.Actor{IP: "198.51.100.77"}); err != nil {
				t.Errorf("the right password from another address after 5 failures elsewhere: %v", err)
			}
			// The window passes.
			c.t = c.t.Add(16 * time.Minute)
			if _, _, _, err := s.Login(ctx, "ann@example.com", "a long password", from); err != nil {
				t.Fatalf("after the window: %v", err)
			}

			// Twenty failures from one address block that address for any account.
			mustUser(t, s, "bob@example.com", auth.RoleITManager)
			for i := range 20 {
				if _, _, _, err := s.Login(ctx, "nobody"+string(rune('a'+i))+"@example.com", "x", audit.Actor{IP: "192.0.2.9"}); !apperr.Is(err, apperr.Unauthenticated) {
					t.Fatalf("unknown account %d: err = %v", i, err)
				}
			}
			if _, _, _, err := s.Login(ctx, "bob@example.com", "a long password", audit.Actor{IP: "192.0.2.9"}); !apperr.Is(err, apperr.TooManyRequests) {
				t.Errorf("from a throttled address: err = %v, want TooManyRequests", err)
			}
			if _, _, _, err := s.Login(ctx, "bob@example.com", "a long password", audit.Actor{IP: "192.0.2.10"}); err != nil {
				t.Errorf("from another address: %v", err)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			s, c := setup(t, e)
			ctx := context.Background()
			admin := mustUser(t, s, "admin@example.com", auth.RoleSuperAdmin)
			ops := mustUser(t, s, "ops@example.com", auth.RoleSystemAdmin)
			plain, _, err := s.CreateTokenForCLI(ctx, "admin@example.com", "root", nil)
			if err != nil {
				t.Fatal(err)
			}
			root, err := s.TokenPrincipal(ctx, plain)
			if err != nil || !root.Can(auth.PermUsersManage) || root.UserID != admin.ID {
				t.Fatalf("TokenPrincipal = %+v, %v", root, err)
			}

			// Scopes: a subset of the owner's role; unknown or excessive ones are refused.
			exp := c.t.Add(time.Hour)
			scoped, tok, err := s.CreateToken(ctx, root, auth.NewToken{Name: "read", Scopes: []auth.Permission{auth.PermIntegrationsRead}, ExpiresAt: &exp}, cli)
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.TokenPrincipal(ctx, scoped)
			if err != nil || !slices.Equal(p.Permissions(), []auth.Permission{auth.PermIntegrationsRead}) {
				t.Fatalf("scoped token permissions = %v, %v", p.Permissions(), err)
			}
			if _, _, err := s.CreateToken(ctx, p, auth.NewToken{Name: "escalate", Scopes: []auth.Permission{auth.PermUsersManage}}, cli); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("a token granting more than the calling token: err = %v, want Invalid", err)
			}
			if _, _, err := s.CreateToken(ctx, root, auth.NewToken{Name: "bogus", Scopes: []auth.Permission{"root:everything"}}, cli); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("unknown scope: err = %v, want Invalid", err)
			}
			// A token made by a token for another user, without scopes,
			// holds what the creator holds and the owner's role grants:
			// not the super admin's integrations:manage for an IT manager.
			itm := mustUser(t, s, "itm@example.com", auth.RoleITManager)
			_, forITM, err := s.CreateToken(ctx, root, auth.NewToken{UserID: itm.ID, Name: "for it"}, cli)
			if err != nil {
				t.Fatal(err)
			}
			want := auth.RoleITManager.Permissions()
			slices.Sort(want)
			if !slices.Equal(forITM.Scopes, want) {
				t.Errorf("scopes of a token for an IT manager = %v, want the role's %v", forITM.Scopes, want)
			}
			past := c.t.Add(-time.Minute)
			if _, _, err := s.CreateToken(ctx, root, auth.NewToken{Name: "old", ExpiresAt: &past}, cli); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("expiry in the past: err = %v, want Invalid", err)
			}

			// Expiry.
			c.t = c.t.Add(2 * time.Hour)
			if _, err := s.TokenPrincipal(ctx, scoped); !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("expired token: err = %v, want Unauthenticated", err)
			}

			// Revocation takes effect at once on this replica.
			if err := s.RevokeToken(ctx, root, tok.ID, cli); err != nil {
				t.Fatal(err)
			}
			if err := s.RevokeToken(ctx, root, tok.ID, cli); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("revoke twice: err = %v, want NotFound", err)
			}

			fresh, ft, err := s.CreateToken(ctx, root, auth.NewToken{Name: "fresh"}, cli)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.TokenPrincipal(ctx, fresh); err != nil { // now cached
				t.Fatal(err)
			}
			if err := s.RevokeToken(ctx, root, ft.ID, cli); err != nil {
				t.Fatal(err)
			}
			if _, err := s.TokenPrincipal(ctx, fresh); !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("revoked (cached) token: err = %v, want Unauthenticated", err)
			}

			// A demoted owner's tokens lose the permissions the new role lacks.
			opsTok, _, err := s.CreateTokenForCLI(ctx, "ops@example.com", "ops", nil)
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := s.TokenPrincipal(ctx, opsTok); !p.Can(auth.PermIntegrationsManage) {
				t.Fatal("system_admin token cannot manage integrations")
			}
			role := auth.RoleOperationsManager
			if _, err := s.UpdateUser(ctx, root, ops.ID, auth.UserPatch{Role: &role}, cli); err != nil {
				t.Fatal(err)
			}
			if p, _ := s.TokenPrincipal(ctx, opsTok); p.Can(auth.PermIntegrationsManage) || !p.Can(auth.PermIntegrationsRead) {
				t.Errorf("after demotion the token holds %v; want only integrations:read", p.Permissions())
			}
			// Disabled users' tokens stop working.
			yes := true
			if _, err := s.UpdateUser(ctx, root, ops.ID, auth.UserPatch{Disabled: &yes}, cli); err != nil {
				t.Fatal(err)
			}
			if _, err := s.TokenPrincipal(ctx, opsTok); !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("disabled user's token: err = %v, want Unauthenticated", err)
			}
			// No new token for a disabled user: it would be refused.
			if _, _, err := s.CreateTokenForCLI(ctx, "ops@example.com", "again", nil); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("CLI token for a disabled user: err = %v, want Conflict", err)
			}
			if _, _, err := s.CreateToken(ctx, root, auth.NewToken{UserID: ops.ID, Name: "again"}, cli); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("token for a disabled user: err = %v, want Conflict", err)
			}

			for _, bad := range []string{"", "Bearer", "ihub_pat_", "ihub_pat_nope", "ghp_notours", plain + "x"} {
				if _, err := s.TokenPrincipal(ctx, bad); !apperr.Is(err, apperr.Unauthenticated) {
					t.Errorf("TokenPrincipal(%q): err = %v, want Unauthenticated", bad, err)
				}
			}
		})
	}
}

func TestLastSuperAdminIsProtected(t *testing.T) {
	t.Parallel()
	e := storetest.Engines(t)[0]
	s, _ := setup(t, e)
	ctx := context.Background()
	a := mustUser(t, s, "a@example.com", auth.RoleSuperAdmin)
	b := mustUser(t, s, "b@example.com", auth.RoleSystemAdmin)
	plain, _, err := s.CreateTokenForCLI(ctx, "b@example.com", "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	byB, err := s.TokenPrincipal(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	role := auth.RoleSupportAgent
	if _, err := s.UpdateUser(ctx, byB, a.ID, auth.UserPatch{Role: &role}, cli); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("demoting the last super admin: err = %v, want Conflict", err)
	}
	if err := s.DeleteUser(ctx, byB, a.ID, cli); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("deleting the last super admin: err = %v, want Conflict", err)
	}
	if err := s.DeleteUser(ctx, byB, b.ID, cli); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("deleting yourself: err = %v, want Conflict", err)
	}
	if _, err := s.CreateUser(ctx, auth.NewUser{Email: "A@example.com", Role: auth.RoleITManager, Password: "a long password"}, cli); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("duplicate email (other case): err = %v, want Conflict", err)
	}
	_, err = s.CreateUser(ctx, auth.NewUser{Email: "not an email", Role: "emperor", Password: "short"}, cli)
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 3 {
		t.Errorf("bad user: err = %v, want Invalid naming email, role and password", err)
	}
}

// TestConcurrentDemotionsKeepASuperAdmin: two super admins demoting each
// other at the same moment must not leave none.
func TestConcurrentDemotionsKeepASuperAdmin(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			s, _ := setup(t, e)
			ctx := context.Background()
			a := mustUser(t, s, "a@example.com", auth.RoleSuperAdmin)
			b := mustUser(t, s, "b@example.com", auth.RoleSuperAdmin)
			pa, _, err := s.CreateTokenForCLI(ctx, "a@example.com", "a", nil)
			if err != nil {
				t.Fatal(err)
			}
			pb, _, err := s.CreateTokenForCLI(ctx, "b@example.com", "b", nil)
			if err != nil {
				t.Fatal(err)
			}
			byA, _ := s.TokenPrincipal(ctx, pa)
			byB, _ := s.TokenPrincipal(ctx, pb)
			role := auth.RoleSupportAgent
			errs := make(chan error, 2)
			go func() { _, err := s.UpdateUser(ctx, byA, b.ID, auth.UserPatch{Role: &role}, cli); errs <- err }()
			go func() { _, err := s.UpdateUser(ctx, byB, a.ID, auth.UserPatch{Role: &role}, cli); errs <- err }()
			e1, e2 := <-errs, <-errs
			if e1 == nil && e2 == nil {
				t.Fatal("both demotions succeeded: no super admin left")
			}
			for _, err := range []error{e1, e2} {
				if err != nil && !apperr.Is(err, apperr.Conflict) {
					t.Errorf("demotion failed with %v, want Conflict", err)
				}
			}
		})
	}
}
