package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/store/storetest"
)

func scopedToken(t *testing.T, env *apptest.Env, scopes ...auth.Permission) string {
	t.Helper()
	r := call(t, env, "POST", "/api/v1/tokens", env.AdminToken, map[string]any{"name": "scoped", "scopes": scopes})
	var tok struct {
		Token string `json:"token"`
	}
	decode(t, r, &tok)
	if r.Status != 201 || tok.Token == "" {
		t.Fatalf("create scoped token = %d %s", r.Status, r.Body)
	}
	return tok.Token
}

// A token that may manage integrations but not write credentials must not
// be able to send the stored credentials elsewhere.
func TestRedirectingCredentialsNeedsCredentialsWrite(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
		"isActive": false, "credentials": map[string]any{"token": "ghp_secret_value_1234"}})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	manager := scopedToken(t, env, auth.PermIntegrationsRead, auth.PermIntegrationsManage)
	for _, body := range []map[string]any{
		{"baseUrl": "https://evil.example"},
		{"username": "someone-else"},
		{"allowPrivateNetwork": true},
		{"tlsSkipVerify": true},
		{"settings": map[string]any{"webhookSecret": nil}},
	} {
		if r := call(t, env, "PATCH", "/api/v1/integrations/gh", manager, body); r.Status != 403 {
			t.Errorf("PATCH %v with integrations:manage only = %d, want 403", body, r.Status)
		}
	}
	if r := call(t, env, "PATCH", "/api/v1/integrations/gh", manager, map[string]any{"name": "renamed"}); r.Status != 200 {
		t.Errorf("PATCH name with integrations:manage = %d %s, want 200", r.Status, r.Body)
	}
}

// As for integrations: a token that may manage subscriptions but not write
// credentials can neither set NATS credentials, nor send the stored ones
// to another server, nor open the SSRF guard.
func TestSubscriptionCredentialsNeedCredentialsWrite(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "nats",
		"url": "nats://nats.example.com:4222", "subject": "ihub.events", "natsAuth": map[string]any{"token": "nats-secret-token"}})
	var held struct{ ID string }
	decode(t, r, &held)
	if r.Status != 201 {
		t.Fatalf("create with natsAuth as admin = %d %s", r.Status, r.Body)
	}
	r = call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://hooks.example.com/a"})
	var plain struct{ ID string }
	decode(t, r, &plain)
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	r = call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "http://10.0.0.1/hook", "allowPrivateNetwork": true})
	var private struct{ ID string }
	decode(t, r, &private)
	if r.Status != 201 {
		t.Fatalf("create with allowPrivateNetwork as admin = %d %s", r.Status, r.Body)
	}
	manager := scopedToken(t, env, auth.PermIntegrationsRead, auth.PermIntegrationsManage)
	for _, c := range []struct {
		method, path string
		body         map[string]any
		want         int
	}{
		{"POST", "/api/v1/subscriptions", map[string]any{"target": "nats", "url": "nats://nats.example.com:4222", "subject": "a",
			"natsAuth": map[string]any{"token": "t"}}, 403},
		{"POST", "/api/v1/subscriptions", map[string]any{"url": "http://10.0.0.1/hook", "allowPrivateNetwork": true}, 403},
		{"PATCH", "/api/v1/subscriptions/" + held.ID, map[string]any{"url": "nats://evil.example.com:4222"}, 403},
		{"PATCH", "/api/v1/subscriptions/" + held.ID, map[string]any{"allowPrivateNetwork": true}, 403},
		{"PATCH", "/api/v1/subscriptions/" + held.ID, map[string]any{"natsAuth": map[string]any{"user": "u", "password": "p"}}, 403},
		{"PATCH", "/api/v1/subscriptions/" + plain.ID, map[string]any{"allowPrivateNetwork": true}, 403},
		{"PATCH", "/api/v1/subscriptions/" + private.ID, map[string]any{"url": "http://10.0.0.2:5432/"}, 403},
		{"PATCH", "/api/v1/subscriptions/" + private.ID, map[string]any{"name": "renamed", "maxConcurrency": 2}, 200},
		// What sends no credentials anywhere new stays open to the manager.
		{"PATCH", "/api/v1/subscriptions/" + held.ID, map[string]any{"subject": "ihub.other", "name": "renamed"}, 200},
		{"PATCH", "/api/v1/subscriptions/" + plain.ID, map[string]any{"url": "https://hooks.example.com/b"}, 200},
		{"POST", "/api/v1/subscriptions", map[string]any{"target": "nats", "url": "nats://nats.example.com:4222", "subject": "b"}, 201},
		{"PATCH", "/api/v1/subscriptions/" + held.ID, map[string]any{"natsAuth": map[string]any{}}, 200}, // removes them
		{"PATCH", "/api/v1/subscriptions/" + held.ID, map[string]any{"url": "nats://elsewhere.example.com:4222"}, 200},
	} {
		r := call(t, env, c.method, c.path, manager, c.body)
		if r.Status != c.want {
			t.Errorf("%s %s %v with integrations:manage only = %d %s, want %d", c.method, c.path, c.body, r.Status, r.Body, c.want)
		}
		if r.Status == 403 && !strings.Contains(string(r.Body), "integrations:credentials:write") {
			t.Errorf("%s %v: the 403 does not name the permission: %s", c.method, c.body, r.Body)
		}
	}
}

// A token scoped to users:manage must not mint or take over accounts with
// more power than it has.
func TestUsersManageCannotEscalate(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	um := scopedToken(t, env, auth.PermUsersManage)
	pw := "a long enough password"
	if r := call(t, env, "POST", "/api/v1/users", um, map[string]any{"email": "boss@example.com", "role": "super_admin", "password": pw}); r.Status != 403 {
		t.Errorf("create a super_admin with a users:manage token = %d, want 403", r.Status)
	}
	if r := call(t, env, "POST", "/api/v1/users", um, map[string]any{"email": "agent@example.com", "role": "support_agent", "password": pw}); r.Status != 201 {
		t.Errorf("create a support_agent with a users:manage token = %d %s, want 201", r.Status, r.Body)
	}
	me := call(t, env, "GET", "/api/v1/auth/me", env.AdminToken, nil)
	var who struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	decode(t, me, &who)
	if r := call(t, env, "PATCH", "/api/v1/users/"+who.User.ID, um, map[string]any{"password": "taken over password"}); r.Status != 403 {
		t.Errorf("reset a super admin's password with a users:manage token = %d, want 403", r.Status)
	}
	other, err := env.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: "root2@example.com", Role: auth.RoleSuperAdmin, Password: pw}, audit.System)
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, env, "POST", "/api/v1/tokens", um, map[string]any{"name": "x", "userId": other.ID}); r.Status != 403 {
		t.Errorf("create a token for another super admin with a users:manage token = %d, want 403", r.Status)
	}
	if r := call(t, env, "DELETE", "/api/v1/users/"+other.ID, um, nil); r.Status != 403 {
		t.Errorf("delete a super admin with a users:manage token = %d, want 403", r.Status)
	}
}

func TestBadFiltersAndPreconditions(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "GET", "/api/v1/integrations?label==prod", env.AdminToken, nil); r.Status != 422 {
		t.Errorf("label with an empty key = %d, want 422", r.Status)
	}
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "q", "provider": "github",
		"baseUrl": "https://api.github.com/?access_token=ghp_inquery", "credentials": map[string]any{"token": "t0k3n"}})
	if p, _ := readProblem(t, r); r.Status != 422 || !strings.Contains(strings.Join(p.locations(), ","), "body.baseUrl") ||
		strings.Contains(string(r.Body), "ghp_inquery") {
		t.Errorf("base URL with a query = %d %s; want 422 naming body.baseUrl without echoing it", r.Status, r.Body)
	}
	r = call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "e", "provider": "github",
		"isActive": false, "credentials": map[string]any{"token": "t0k3n"}})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	// Each PATCH renames it: one that changes nothing would keep the version.
	for i, tt := range []struct {
		ifMatch string
		want    int
	}{
		{`W/"1"`, 422},      // a weak tag never matches: said so, not a 412
		{`"7", "1"`, 200},   // a list matches if any tag does
		{`"9"`, 412},        // stale (version is 2 after the previous PATCH)
		{`"2"`, 200},        // current
		{`nonsense`, 422},   // not an entity tag
		{`"3", W/"x"`, 422}, // malformed entry
	} {
		if r := call(t, env, "PATCH", "/api/v1/integrations/e", env.AdminToken, map[string]any{"name": fmt.Sprint("e", i)}, "If-Match", tt.ifMatch); r.Status != tt.want {
			t.Errorf("If-Match %s = %d %s, want %d", tt.ifMatch, r.Status, r.Body, tt.want)
		}
	}
}

func TestUnknownMethodsDoNotGrowMetrics(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, m := range []string{"XMETHOD1", "XMETHOD2"} {
		call(t, env, m, "/", "", nil)
	}
	r := call(t, env, "GET", "/metrics", "", nil)
	if strings.Contains(string(r.Body), "XMETHOD") || !strings.Contains(string(r.Body), `method="OTHER"`) {
		t.Errorf("metrics after unknown methods: want them counted as OTHER, not as their own series")
	}
}

// Parallel guesses for one account are counted one by one: no more than
// the limit get a password check.
func TestParallelSignInGuessesAreThrottled(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	ctx := context.Background()
	if _, err := env.App.Auth.CreateUser(ctx, auth.NewUser{Email: "v@example.com", Role: auth.RoleSupportAgent, Password: "the right password"}, audit.System); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			call(t, env, "POST", "/api/v1/auth/login", "", map[string]string{"email": "v@example.com", "password": "guess " + string(rune('a'+i))})
		})
	}
	wg.Wait()
	failures, err := env.App.DB.ListActivity(ctx, audit.Filter{Action: audit.LoginFailed, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) != 5 {
		t.Errorf("30 parallel guesses made %d password checks, want 5 (the limit)", len(failures))
	}
}

// A provider that echoes the token in a successful answer must not get it
// into the test result or the activity log.
func TestEchoedCredentialIsRedactedFromSuccess(t *testing.T) {
	t.Parallel()
	const token = "ECHOEDTOKEN0123456789"
	fake := whmfake.New(whmfake.Options{Tokens: map[string]string{"root": token}, Version: "11.118.0.5 " + token})
	t.Cleanup(fake.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "w", "provider": "whm",
		"baseUrl": fake.URL(), "username": "root", "isActive": false, "credentials": map[string]any{"apiToken": token}})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	r = call(t, env, "POST", "/api/v1/integrations/w/test", env.AdminToken, nil)
	a := call(t, env, "GET", "/api/v1/activity", env.AdminToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"success":true`) {
		t.Fatalf("test = %d %s", r.Status, r.Body)
	}
	for _, b := range [][]byte{r.Body, a.Body} {
		if strings.Contains(string(b), token) {
			t.Errorf("an answer contains the echoed token: %s", b)
		}
	}
}

// An empty scope list is refused: read as "all of the owner's" (what an
// absent one means), a script whose computed scopes came out empty got an
// administrator's token.
func TestEmptyScopesRefused(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	before := call(t, env, "GET", "/api/v1/tokens", env.AdminToken, nil)
	r := call(t, env, "POST", "/api/v1/tokens", env.AdminToken, map[string]any{"name": "x", "scopes": []string{}})
	if p, _ := readProblem(t, r); r.Status != 422 || !strings.Contains(strings.Join(p.locations(), ","), "body.scopes") {
		t.Errorf("a token with scopes [] = %d %s; want 422 naming body.scopes", r.Status, r.Body)
	}
	if after := call(t, env, "GET", "/api/v1/tokens", env.AdminToken, nil); string(after.Body) != string(before.Body) {
		t.Errorf("tokens changed by a refused create:\nbefore %s\nafter  %s", before.Body, after.Body)
	}
	if r := call(t, env, "POST", "/api/v1/tokens", env.AdminToken, map[string]any{"name": "all"}); r.Status != 201 {
		t.Errorf("a token without scopes = %d %s; want 201", r.Status, r.Body)
	}
}
