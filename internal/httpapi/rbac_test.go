package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/storetest"
)

const (
	accessPublic        = "public"
	accessAuthenticated = "authenticated"
)

// wantAccess is the access each operation needs, by operationId. A route
// whose access changes, or a new route, must be changed here on purpose.
var wantAccess = map[string]string{
	"login":  accessPublic,
	"logout": accessAuthenticated,
	"me":     accessAuthenticated,

	"createToken": accessAuthenticated,
	"listTokens":  accessAuthenticated,
	"revokeToken": accessAuthenticated,

	"listUsers":  string(auth.PermUsersManage),
	"createUser": string(auth.PermUsersManage),
	"getUser":    string(auth.PermUsersManage),
	"updateUser": string(auth.PermUsersManage),
	"deleteUser": string(auth.PermUsersManage),

	"listProviders":      string(auth.PermIntegrationsRead),
	"listProvidersAlias": string(auth.PermIntegrationsRead),

	"createIntegration": string(auth.PermIntegrationsManage),
	"listIntegrations":  string(auth.PermIntegrationsRead),
	"getIntegration":    string(auth.PermIntegrationsRead),
	"updateIntegration": string(auth.PermIntegrationsManage),
	"deleteIntegration": string(auth.PermIntegrationsManage),
	"testIntegration":   string(auth.PermIntegrationsManage),

	"listActions":        string(auth.PermIntegrationsRead),
	"runAction":          string(auth.PermIntegrationsRead), // mutating actions also need integrations:manage
	"integrationMetrics": string(auth.PermIntegrationsRead),

	"createWebhookEndpoint":             string(auth.PermIntegrationsManage),
	"listIntegrationWebhookEndpoints":   string(auth.PermIntegrationsRead),
	"getIntegrationWebhookEndpoint":     string(auth.PermIntegrationsRead),
	"listWebhookEndpoints":              string(auth.PermIntegrationsRead),
	"updateIntegrationWebhookEndpoint":  string(auth.PermIntegrationsManage),
	"deleteIntegrationWebhookEndpoint":  string(auth.PermIntegrationsManage),
	"getWebhookEndpoint":                string(auth.PermIntegrationsRead),
	"updateWebhookEndpoint":             string(auth.PermIntegrationsManage),
	"deleteWebhookEndpoint":             string(auth.PermIntegrationsManage),
	"webhookLogs":                       string(auth.PermIntegrationsRead),
	"exportWebhookLogs":                 string(auth.PermIntegrationsRead),
	"replayWebhook":                     string(auth.PermWebhooksReplay),
	"testWebhook":                       string(auth.PermIntegrationsManage),
	"webhookSignals":                    string(auth.PermIntegrationsRead),
	"listEvents":                        string(auth.PermIntegrationsRead),
	"getWebhookDelivery":                string(auth.PermIntegrationsRead),
	"createSubscription":                string(auth.PermIntegrationsManage),
	"listSubscriptions":                 string(auth.PermIntegrationsRead),
	"getSubscription":                   string(auth.PermIntegrationsRead),
	"updateSubscription":                string(auth.PermIntegrationsManage),
	"deleteSubscription":                string(auth.PermIntegrationsManage),
	"listSubscriptionAttempts":          string(auth.PermIntegrationsRead),
	"retrySubscriptionAttempt":          string(auth.PermWebhooksReplay),
	"ingestWebhook":                     accessPublic,
	"ingestWebhookByIntegration":        accessPublic,
	"ingestWebhookByIntegrationWithPut": accessPublic,
	"ingestWebhookWithPut":              accessPublic,

	"proxyGet":    string(auth.PermIntegrationsProxy),
	"proxyPost":   string(auth.PermIntegrationsProxy),
	"proxyPut":    string(auth.PermIntegrationsProxy),
	"proxyPatch":  string(auth.PermIntegrationsProxy),
	"proxyDelete": string(auth.PermIntegrationsProxy),

	"listActivity":   string(auth.PermAuditRead),
	"exportActivity": string(auth.PermAuditRead),
}

// operation is one operation of the OpenAPI document.
type operation struct {
	id, method, path string
	// access is the operation's Metadata["access"]; "" if missing.
	access string
	body   bool
	op     *huma.Operation
}

// operations lists every operation of env's API, sorted by method and path.
func operations(env *apptest.Env) []operation {
	var ops []operation
	for path, pi := range env.App.API.API().OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: pi.Get, http.MethodPut: pi.Put, http.MethodPost: pi.Post, http.MethodDelete: pi.Delete,
			http.MethodPatch: pi.Patch, http.MethodHead: pi.Head, http.MethodOptions: pi.Options, http.MethodTrace: pi.Trace,
		} {
			if op == nil {
				continue
			}
			access, _ := op.Metadata["access"].(string)
			ops = append(ops, operation{id: op.OperationID, method: method, path: path, access: access, body: op.RequestBody != nil, op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].path != ops[j].path {
			return ops[i].path < ops[j].path
		}
		return ops[i].method < ops[j].method
	})
	return ops
}

// fillPath replaces the path parameters with ids that do not exist.
func fillPath(t testing.TB, path string) string {
	t.Helper()
	r := path
	for _, p := range []struct{ prefix, id string }{
		{"/api/v1/integrations/{id}", "int_doesnotexist"},
		{"/api/v1/users/{id}", "usr_nope"},
		{"/api/v1/tokens/{id}", "tok_nope"},
		{"/api/v1/integrations/webhooks/{id}", "whe_nope"},
		{"/api/v1/hooks/{id}", "whe_nope"},
		{"/api/v1/subscriptions/{id}", "sub_nope"},
		{"/api/v1/integrations/hooks/{id}", "int_nope"},
		{"/api/v1/webhook-deliveries/{id}", "999999"},
	} {
		if strings.HasPrefix(r, p.prefix) {
			r = strings.Replace(r, "{id}", p.id, 1)
		}
	}
	r = strings.NewReplacer("{action}", "no_such_action", "{path}", "some/api/path", "{attemptId}", "999999", "{endpointId}", "whe_nope").Replace(r)
	if strings.ContainsAny(r, "{}") {
		t.Fatalf("fillPath(%q) = %q: a path parameter has no made-up value; add one", path, r)
	}
	return r
}

func TestAccessTable(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	got := map[string]string{}
	for _, o := range operations(env) {
		name := o.method + " " + o.path
		if o.id == "" {
			t.Errorf("%s has no operationId", name)
			continue
		}
		if _, dup := got[o.id]; dup {
			t.Errorf("operationId %q is used twice", o.id)
		}
		got[o.id] = o.access
		valid := o.access == accessPublic || o.access == accessAuthenticated || auth.ValidPermission(auth.Permission(o.access))
		if !valid {
			t.Errorf("%s (%s): Metadata[\"access\"] = %q, want public, authenticated or a permission", name, o.id, o.access)
			continue
		}
		if o.access == accessPublic {
			if len(o.op.Security) != 0 {
				t.Errorf("%s (%s) is public but its security = %v, want none", name, o.id, o.op.Security)
			}
			continue
		}
		if len(o.op.Security) == 0 {
			t.Errorf("%s (%s) needs %s but declares no security", name, o.id, o.access)
		}
		if o.op.Responses["401"] == nil {
			t.Errorf("%s (%s) needs %s but documents no 401", name, o.id, o.access)
		}
		if o.access != accessAuthenticated && o.op.Responses["403"] == nil {
			t.Errorf("%s (%s) needs %s but documents no 403", name, o.id, o.access)
		}
	}
	if diff := cmp.Diff(wantAccess, got); diff != "" {
		t.Errorf("access by operationId mismatch (-want +got):\n%s", diff)
	}
}

// caller is one way of calling the API in the RBAC walk.
type caller struct {
	name    string
	token   string
	headers []string
	// authenticated says whether the credentials are valid; perms are then
	// what they hold.
	authenticated bool
	perms         []auth.Permission
}

func (c caller) can(access string) bool {
	return access == accessPublic || (c.authenticated && (access == accessAuthenticated || slices.Contains(c.perms, auth.Permission(access))))
}

// callers returns every role's token and the ways of calling without valid
// credentials.
func callers(t *testing.T, env *apptest.Env) []caller {
	t.Helper()
	var cs []caller
	for _, r := range auth.Roles {
		cs = append(cs, caller{name: string(r), token: env.UserToken(r), authenticated: true, perms: r.Permissions()})
	}

	// A super admin's token scoped down to reading integrations holds only that.
	res := call(t, env, http.MethodPost, "/api/v1/tokens", env.AdminToken,
		map[string]any{"name": "read-only", "scopes": []auth.Permission{auth.PermIntegrationsRead}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create scoped token: status %d, want 201: %s", res.Status, res.Body)
	}
	var scoped struct{ Token string }
	decode(t, res, &scoped)
	cs = append(cs, caller{name: "scoped_token", token: scoped.Token, authenticated: true, perms: []auth.Permission{auth.PermIntegrationsRead}})

	revoked := env.UserToken(auth.RoleSuperAdmin)
	var me struct{ TokenID string }
	decode(t, call(t, env, http.MethodGet, "/api/v1/auth/me", revoked, nil), &me)
	if res := call(t, env, http.MethodDelete, "/api/v1/tokens/"+me.TokenID, revoked, nil); res.Status != http.StatusNoContent {
		t.Fatalf("revoke token: status %d, want 204: %s", res.Status, res.Body)
	}

	// A disabled user's token stops working.
	disabled := env.UserToken(auth.RoleSystemAdmin)
	var owner struct{ User struct{ ID string } }
	decode(t, call(t, env, http.MethodGet, "/api/v1/auth/me", disabled, nil), &owner)
	if res := call(t, env, http.MethodPatch, "/api/v1/users/"+owner.User.ID, env.AdminToken, map[string]any{"disabled": true}); res.Status != http.StatusOK {
		t.Fatalf("disable user: status %d, want 200: %s", res.Status, res.Body)
	}

	return append(cs,
		caller{name: "disabled_user_token", token: disabled},
		caller{name: "no_credentials"},
		caller{name: "invalid_token", token: "ihub_pat_" + strings.Repeat("A", 43)},
		caller{name: "not_an_ihub_token", token: "not-a-token"},
		caller{name: "basic_auth", headers: []string{"Authorization", "Basic dXNlcjpwYXNzd29yZA=="}},
		caller{name: "revoked_token", token: revoked},
		caller{name: "unknown_session", headers: []string{"Cookie", "ihub_session=c2Vzc2lvbi10aGF0LW5ldmVyLXdhcw"}},
	)
}

func TestRBAC(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ops := operations(env)
			if len(ops) < len(wantAccess) {
				t.Fatalf("the OpenAPI document has %d operations, want at least %d", len(ops), len(wantAccess))
			}
			for _, o := range ops {
				if o.access == "" {
					t.Errorf("%s %s (%s) has no access metadata", o.method, o.path, o.id)
				}
			}
			cs := callers(t, env)
			for _, o := range ops {
				for _, c := range cs {
					t.Run(o.id+"/"+c.name, func(t *testing.T) {
						t.Parallel()
						var body any
						if o.body {
							body = "{}"
						}
						res := call(t, env, o.method, fillPath(t, o.path), c.token, body, c.headers...)
						switch {
						case c.can(o.access):
							if res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
								t.Errorf("%s %s as %s = %d, want neither 401 nor 403 (access %s): %s", o.method, o.path, c.name, res.Status, o.access, res.Body)
							}
						case !c.authenticated:
							if res.Status != http.StatusUnauthorized {
								t.Errorf("%s %s as %s = %d, want 401: %s", o.method, o.path, c.name, res.Status, res.Body)
								return
							}
							if p, ok := readProblem(t, res); ok && p.Type != "urn:ihub:problem:unauthenticated" {
								t.Errorf("problem type = %q, want urn:ihub:problem:unauthenticated", p.Type)
							}
							if got := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") {
								t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
							}
						default:
							if res.Status != http.StatusForbidden {
								t.Errorf("%s %s as %s = %d, want 403 (access %s): %s", o.method, o.path, c.name, res.Status, o.access, res.Body)
								return
							}
							if p, ok := readProblem(t, res); ok && (p.Type != "urn:ihub:problem:forbidden" || !strings.Contains(p.Detail, o.access)) {
								t.Errorf("problem = %q %q, want urn:ihub:problem:forbidden naming %s", p.Type, p.Detail, o.access)
							}
						}
						if res.Status >= 500 {
							t.Errorf("%s %s as %s = %d, want no server error: %s", o.method, o.path, c.name, res.Status, res.Body)
						}
					})
				}
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			const email, password = "console-user@example.com", "correct horse battery staple"
			if _, err := env.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: email, Role: auth.RoleITManager, Password: password},
				audit.Actor{Type: audit.ActorCLI, Name: "test"}); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}

			res := call(t, env, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": "wrong password!"})
			if res.Status != http.StatusUnauthorized {
				t.Errorf("login with a wrong password = %d, want 401: %s", res.Status, res.Body)
			}
			readProblem(t, res)
			if c, ok := sessionCookie(res); ok {
				t.Errorf("login with a wrong password set a cookie: %v", c)
			}

			res = call(t, env, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": "Console-User@example.com ", "password": password})
			if res.Status != http.StatusOK {
				t.Fatalf("login = %d, want 200: %s", res.Status, res.Body)
			}
			c, ok := sessionCookie(res)
			if !ok || c.Value == "" {
				t.Fatalf("login set no ihub_session cookie; Set-Cookie = %q", res.Header.Values("Set-Cookie"))
			}
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 0 {
				t.Errorf("session cookie = %v, want HttpOnly, Secure (loopback), SameSite=Lax, Path=/, no Max-Age (browser session)", c)
			}
			cookie := "ihub_session=" + c.Value

			var me struct {
				User struct{ Email string }
				Via  string
			}
			res = call(t, env, http.MethodGet, "/api/v1/auth/me", "", nil, "Cookie", cookie)
			if res.Status != http.StatusOK {
				t.Fatalf("GET /auth/me with the cookie = %d, want 200: %s", res.Status, res.Body)
			}
			decode(t, res, &me)
			if me.User.Email != email || me.Via != "session" {
				t.Errorf("GET /auth/me = %+v, want %s via session", me, email)
			}
			// The session carries the user's role: it_manager reads
			// integrations but may not manage users.
			if res := call(t, env, http.MethodGet, "/api/v1/integrations", "", nil, "Cookie", cookie); res.Status != http.StatusOK {
				t.Errorf("GET /integrations with the cookie = %d, want 200: %s", res.Status, res.Body)
			}
			if res := call(t, env, http.MethodGet, "/api/v1/users", "", nil, "Cookie", cookie); res.Status != http.StatusForbidden {
				t.Errorf("GET /users with an it_manager's cookie = %d, want 403: %s", res.Status, res.Body)
			}

			// Same-origin writes with the cookie work, with or without fetch
			// metadata.
			for _, h := range [][]string{
				{"Cookie", cookie},
				{"Cookie", cookie, "Sec-Fetch-Site", "same-origin", "Origin", env.Server.URL},
			} {
				res = call(t, env, http.MethodPost, "/api/v1/tokens", "", map[string]string{"name": "from-console"}, h...)
				if res.Status != http.StatusCreated {
					t.Errorf("POST /tokens with the cookie and %q = %d, want 201: %s", h[2:], res.Status, res.Body)
				}
			}
			tokens := func() int {
				t.Helper()
				var l struct{ Items []struct{ Name string } }
				decode(t, call(t, env, http.MethodGet, "/api/v1/tokens", "", nil, "Cookie", cookie), &l)
				return len(l.Items)
			}
			before := tokens()

			// Cross-origin writes are refused before they reach the handler,
			// logout included.
			cross := []string{"Cookie", cookie, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
			for _, path := range []string{"/api/v1/tokens", "/api/v1/auth/logout"} {
				res = call(t, env, http.MethodPost, path, "", map[string]string{"name": "from-evil"}, cross...)
				if res.Status != http.StatusForbidden {
					t.Errorf("cross-origin POST %s = %d, want 403: %s", path, res.Status, res.Body)
				}
				readProblem(t, res)
			}
			if got := tokens(); got != before {
				t.Errorf("after the cross-origin POST the user has %d tokens, want %d", got, before)
			}

			res = call(t, env, http.MethodPost, "/api/v1/auth/logout", "", nil, "Cookie", cookie)
			if res.Status != http.StatusNoContent {
				t.Fatalf("logout = %d, want 204: %s", res.Status, res.Body)
			}
			if c, ok := sessionCookie(res); !ok || c.Value != "" || c.MaxAge >= 0 {
				t.Errorf("logout cookie = %v, want ihub_session cleared (empty, Max-Age=0)", c)
			}
			for _, r := range []struct{ method, path string }{
				{http.MethodGet, "/api/v1/auth/me"},
				{http.MethodPost, "/api/v1/tokens"},
				{http.MethodPost, "/api/v1/auth/logout"},
			} {
				var body any
				if r.method == http.MethodPost {
					body = map[string]string{"name": "after-logout"}
				}
				res = call(t, env, r.method, r.path, "", body, "Cookie", cookie)
				if res.Status != http.StatusUnauthorized {
					t.Errorf("%s %s with the old cookie = %d, want 401: %s", r.method, r.path, res.Status, res.Body)
					continue
				}
				readProblem(t, res)
				if got := res.Header.Get("WWW-Authenticate"); got == "" {
					t.Errorf("%s %s with the old cookie: no WWW-Authenticate", r.method, r.path)
				}
			}

			// Logout ends console sessions only; a token is revoked instead.
			if res := call(t, env, http.MethodPost, "/api/v1/auth/logout", env.AdminToken, nil); res.Status != http.StatusConflict {
				t.Errorf("logout with an API token = %d, want 409: %s", res.Status, res.Body)
			}
		})
	}
}
