package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/httpapi"
	"ihub/internal/provider/github"
	"ihub/internal/store/storetest"
)

// submittedToken is the credential value sent with bad integrations; no
// answer may repeat it.
const submittedToken = "ghp_SUBMITTED_bad_input_0001"

// badInputBundle is a running ihub with a few things in it to conflict with.
type badInputBundle struct {
	env *apptest.Env
	// opsToken is an operations_manager's token.
	opsToken string
	// takenEmail is a user's email.
	takenEmail string
}

func setupBadInput(t *testing.T, e storetest.Engine) *badInputBundle {
	t.Helper()
	env := apptest.New(t, e, apptest.Options{})
	b := &badInputBundle{env: env, opsToken: env.UserToken(auth.RoleOperationsManager), takenEmail: "taken@example.com"}
	if _, err := env.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: b.takenEmail, Role: auth.RoleSupportAgent, Password: "a long enough password"},
		audit.Actor{Type: audit.ActorCLI, Name: "test"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	for _, slug := range []string{"existing", "other"} {
		res := call(t, env, http.MethodPost, "/api/v1/integrations", env.AdminToken, map[string]any{
			"provider": github.ID, "name": "GitHub " + slug, "slug": slug, "credentials": map[string]any{github.FieldToken: "ghp_valid_" + slug},
		})
		if res.Status != http.StatusCreated {
			t.Fatalf("create integration %s: status %d, want 201: %s", slug, res.Status, res.Body)
		}
	}
	return b
}

// state is what a bad request must leave alone.
type state struct {
	Integrations []httpapi.IntegrationBody
	Activity     []int64
}

func (b *badInputBundle) state(t testing.TB) state {
	t.Helper()
	var ints struct{ Items []httpapi.IntegrationBody }
	res := call(t, b.env, http.MethodGet, "/api/v1/integrations?limit=200", b.env.AdminToken, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list integrations: status %d: %s", res.Status, res.Body)
	}
	decode(t, res, &ints)
	var act struct{ Items []struct{ ID int64 } }
	res = call(t, b.env, http.MethodGet, "/api/v1/activity?limit=500", b.env.AdminToken, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list activity: status %d: %s", res.Status, res.Body)
	}
	decode(t, res, &act)
	s := state{Integrations: ints.Items}
	for _, e := range act.Items {
		s.Activity = append(s.Activity, e.ID)
	}
	return s
}

// integ returns a valid create body changed by over: a nil value removes
// the key.
func integ(over map[string]any) map[string]any {
	m := map[string]any{"provider": github.ID, "name": "Bad input", "credentials": map[string]any{github.FieldToken: submittedToken}}
	maps.Copy(m, over)
	maps.DeleteFunc(m, func(_ string, v any) bool { return v == nil })
	return m
}

const (
	integrations = "/api/v1/integrations"
	existing     = "/api/v1/integrations/existing"
	other        = "/api/v1/integrations/other"
)

// badCase is a request TestBadInput expects refused, leaving everything
// as it was.
type badCase struct {
	name         string
	method, path string
	// as says who calls: "" is the super admin, "anon" nobody, "ops"
	// an operations manager.
	as      string
	body    any
	headers []string
	want    int
	// locations must each be named by errors[].location.
	locations []string
	// secrets must not appear in the answer (the submitted token is
	// always checked).
	secrets []string
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []badCase{
		// Integration create: the body as a whole.
		{name: "malformed JSON", method: "POST", path: integrations, body: `{"provider":"github","name":`, want: 400, locations: []string{"body"}},
		{name: "truncated credentials", method: "POST", path: integrations, body: `{"provider":"github","name":"x","credentials":{"token":"` + submittedToken, want: 400, locations: []string{"body"}},
		{name: "top-level array", method: "POST", path: integrations, body: `[{"provider":"github","name":"x"}]`, want: 422, locations: []string{"body"}},
		{name: "top-level string", method: "POST", path: integrations, body: `"github"`, want: 422, locations: []string{"body"}},
		{name: "top-level null", method: "POST", path: integrations, body: `null`, want: 422, locations: []string{"body"}},
		{name: "empty body", method: "POST", path: integrations, body: ``, want: 422, locations: []string{"body"}},
		{name: "whitespace body", method: "POST", path: integrations, body: "  \n", want: 422, locations: []string{"body"}},
		{name: "patch whitespace body", method: "PATCH", path: existing, body: "\t\r\n", want: 422, locations: []string{"body"}},
		{name: "oversized whitespace body", method: "POST", path: integrations, body: strings.Repeat(" ", 257<<10), want: 413},
		{name: "body oversized by its leading whitespace", method: "POST", path: integrations,
			body: strings.Repeat("\n", 200<<10) + mustJSON(t, integ(map[string]any{"labels": map[string]string{"big": strings.Repeat("x", 100<<10)}})), want: 413},
		{name: "not JSON content type", method: "POST", path: integrations, body: integ(nil), headers: []string{"Content-Type", "text/plain"}, want: 415},
		{name: "oversized body", method: "POST", path: integrations, body: integ(map[string]any{"labels": map[string]string{"big": strings.Repeat("x", 257<<10)}}), want: 413},

		// Integration create: single fields.
		{name: "unknown provider", method: "POST", path: integrations, body: integ(map[string]any{"provider": "nope"}), want: 422, locations: []string{"body.provider"}},
		{name: "missing provider", method: "POST", path: integrations, body: integ(map[string]any{"provider": nil}), want: 422, locations: []string{"body.provider"}},
		{name: "missing name", method: "POST", path: integrations, body: integ(map[string]any{"name": nil}), want: 422, locations: []string{"body.name"}},
		{name: "blank name", method: "POST", path: integrations, body: integ(map[string]any{"name": "   "}), want: 422, locations: []string{"body.name"}},
		{name: "name is a number", method: "POST", path: integrations, body: integ(map[string]any{"name": 5}), want: 422, locations: []string{"body.name"}},
		{name: "isActive is a string", method: "POST", path: integrations, body: integ(map[string]any{"isActive": "yes"}), want: 422, locations: []string{"body.isActive"}},
		{name: "settings is an array", method: "POST", path: integrations, body: integ(map[string]any{"settings": []any{}}), want: 422, locations: []string{"body.settings"}},
		{name: "unknown setting", method: "POST", path: integrations, body: integ(map[string]any{"settings": map[string]any{"nope": 1}}), want: 422, locations: []string{"body.settings.nope"}},
		{name: "credential in settings", method: "POST", path: integrations, body: integ(map[string]any{"settings": map[string]any{github.FieldToken: submittedToken}}), want: 422, locations: []string{"body.settings.token"}},
		{name: "credentials is a string", method: "POST", path: integrations, body: integ(map[string]any{"credentials": submittedToken}), want: 422, locations: []string{"body.credentials"}},
		{name: "unknown credential is a number", method: "POST", path: integrations, body: integ(map[string]any{"credentials": map[string]any{"apiToken": 12}}), want: 422,
			locations: []string{"body.credentials.apiToken"}, secrets: []string{"12"}},
		{name: "credential is a number", method: "POST", path: integrations, body: integ(map[string]any{"credentials": map[string]any{github.FieldToken: 12}}), want: 422,
			locations: []string{"body.credentials.token"}, secrets: []string{"12"}},
		{name: "credential is an object", method: "POST", path: integrations, body: integ(map[string]any{"credentials": map[string]any{github.FieldToken: map[string]any{"v": submittedToken}}}), want: 422,
			locations: []string{"body.credentials.token"}},
		{name: "interval beyond float64", method: "POST", path: integrations, body: `{"provider":"github","name":"x","healthCheckIntervalMinutes":1e400}`, want: 422,
			locations: []string{"body.healthCheckIntervalMinutes"}},
		{name: "interval a fraction", method: "POST", path: integrations, body: `{"provider":"github","name":"x","healthCheckIntervalMinutes":1.5}`, want: 422,
			locations: []string{"body.healthCheckIntervalMinutes"}},
		{name: "credential with another bad field", method: "POST", path: integrations,
			body: integ(map[string]any{"credentials": map[string]any{github.FieldToken: submittedToken, github.FieldWebhookSecret: "whsec_SUBMITTED_0002"}, "name": ""}),
			want: 422, locations: []string{"body.name"}, secrets: []string{"whsec_SUBMITTED_0002"}},
		{name: "unknown field", method: "POST", path: integrations, body: integ(map[string]any{"bogus": "x"}), want: 422, locations: []string{"body.bogus"}},
		{name: "bad slug", method: "POST", path: integrations, body: integ(map[string]any{"slug": "Not A Slug"}), want: 422, locations: []string{"body.slug"}},
		{name: "slug looks like an id", method: "POST", path: integrations, body: integ(map[string]any{"slug": "int_abc"}), want: 422, locations: []string{"body.slug"}},
		{name: "interval zero", method: "POST", path: integrations, body: integ(map[string]any{"healthCheckIntervalMinutes": 0}), want: 422, locations: []string{"body.healthCheckIntervalMinutes"}},
		{name: "bad label key", method: "POST", path: integrations, body: integ(map[string]any{"labels": map[string]string{"bad key": "v"}}), want: 422, locations: []string{"body.labels.bad key"}},
		{name: "duplicate slug", method: "POST", path: integrations, body: integ(map[string]any{"slug": "existing"}), want: 409, locations: []string{"body.slug"}},

		// Integration create: base URLs.
		{name: "base URL ftp", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "ftp://x"}), want: 422, locations: []string{"body.baseUrl"}},
		{name: "base URL without host", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "http://"}), want: 422, locations: []string{"body.baseUrl"}},
		{name: "base URL with credentials", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "http://user:pw@host"}), want: 422,
			locations: []string{"body.baseUrl"}, secrets: []string{"pw", "user:"}},
		{name: "base URL with long credentials", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "https://admin:hunter2-SUBMITTED@example.com/api"}), want: 422,
			locations: []string{"body.baseUrl"}, secrets: []string{"hunter2-SUBMITTED"}},
		{name: "base URL port out of range", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "http://host:99999"}), want: 422, locations: []string{"body.baseUrl"}},
		{name: "base URL not a URL", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "not a url"}), want: 422, locations: []string{"body.baseUrl"}},
		{name: "base URL with fragment", method: "POST", path: integrations, body: integ(map[string]any{"baseUrl": "https://host/#x"}), want: 422, locations: []string{"body.baseUrl"}},

		// Query parameters.
		{name: "limit zero", method: "GET", path: integrations + "?limit=0", want: 422, locations: []string{"query.limit"}},
		{name: "limit not a number", method: "GET", path: integrations + "?limit=abc", want: 422, locations: []string{"query.limit"}},
		{name: "limit too large", method: "GET", path: integrations + "?limit=201", want: 422, locations: []string{"query.limit"}},
		{name: "unknown health status", method: "GET", path: integrations + "?healthStatus=bogus", want: 422, locations: []string{"query.healthStatus"}},
		{name: "unknown category", method: "GET", path: integrations + "?category=bogus", want: 422, locations: []string{"query.category"}},
		{name: "isActive not a boolean", method: "GET", path: integrations + "?isActive=maybe", want: 422, locations: []string{"query.isActive"}},
		{name: "cursor not base64", method: "GET", path: integrations + "?cursor=!!!", want: 422, locations: []string{"query.cursor"}},
		{name: "cursor not an integration", method: "GET", path: integrations + "?cursor=dXNyX25vcGU", want: 422, locations: []string{"query.cursor"}},
		{name: "unknown provider filter", method: "GET", path: integrations + "?provider=nope", want: 422, locations: []string{"query.provider"}},
		{name: "activity limit zero", method: "GET", path: "/api/v1/activity?limit=0", want: 422, locations: []string{"query.limit"}},
		{name: "activity cursor", method: "GET", path: "/api/v1/activity?cursor=abc", want: 422, locations: []string{"query.cursor"}},
		{name: "activity since", method: "GET", path: "/api/v1/activity?since=yesterday", want: 422, locations: []string{"query.since"}},
		{name: "activity until before since", method: "GET", path: "/api/v1/activity?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", want: 422, locations: []string{"query.until"}},
		{name: "CSV limit zero", method: "GET", path: "/api/v1/activity.csv?limit=0", want: 422, locations: []string{"query.limit"}},
		{name: "CSV since", method: "GET", path: "/api/v1/activity.csv?since=yesterday", want: 422, locations: []string{"query.since"}},
		{name: "CSV cursor", method: "GET", path: "/api/v1/activity.csv?cursor=abc", want: 422, locations: []string{"query.cursor"}},
		{name: "users limit zero", method: "GET", path: "/api/v1/users?limit=0", want: 422, locations: []string{"query.limit"}},
		{name: "tokens limit not a number", method: "GET", path: "/api/v1/tokens?limit=abc", want: 422, locations: []string{"query.limit"}},

		// Integration update.
		{name: "stale If-Match", method: "PATCH", path: existing, body: map[string]any{"name": "changed"}, headers: []string{"If-Match", `"99"`}, want: 412},
		{name: "weak If-Match", method: "PATCH", path: existing, body: map[string]any{"name": "changed"}, headers: []string{"If-Match", `W/"2"`}, want: 422, locations: []string{"header.If-Match"}},
		{name: "weak If-Match of the current version", method: "PATCH", path: existing, body: map[string]any{"name": "changed"}, headers: []string{"If-Match", `W/"1"`}, want: 422, locations: []string{"header.If-Match"}},
		{name: "stale If-Match with a weak one", method: "PATCH", path: existing, body: map[string]any{"name": "changed"}, headers: []string{"If-Match", `"99", W/"1"`}, want: 412},
		{name: "malformed If-Match", method: "PATCH", path: existing, body: map[string]any{"name": "changed"}, headers: []string{"If-Match", "garbage"}, want: 422, locations: []string{"header.If-Match"}},
		{name: "patch provider", method: "PATCH", path: existing, body: map[string]any{"provider": "slack"}, want: 422, locations: []string{"body.provider"}},
		{name: "patch duplicate slug", method: "PATCH", path: other, body: map[string]any{"slug": "existing"}, want: 409, locations: []string{"body.slug"}},
		{name: "patch malformed JSON", method: "PATCH", path: existing, body: `{"name":`, want: 400, locations: []string{"body"}},
		{name: "patch name is a number", method: "PATCH", path: existing, body: map[string]any{"name": 5}, want: 422, locations: []string{"body.name"}},
		{name: "patch blank name", method: "PATCH", path: existing, body: map[string]any{"name": ""}, want: 422, locations: []string{"body.name"}},
		{name: "patch credential is a number", method: "PATCH", path: existing, body: map[string]any{"credentials": map[string]any{github.FieldToken: 12}}, want: 422,
			locations: []string{"body.credentials.token"}, secrets: []string{"12"}},
		{name: "patch deletes a required credential", method: "PATCH", path: existing, body: map[string]any{"credentials": map[string]any{github.FieldToken: nil}}, want: 422,
			locations: []string{"body.credentials.token"}},
		{name: "patch credential with bad base URL", method: "PATCH", path: existing,
			body: map[string]any{"credentials": map[string]any{github.FieldToken: submittedToken}, "baseUrl": "http://user:pw@host"}, want: 422,
			locations: []string{"body.baseUrl"}, secrets: []string{"pw", "user:"}},
		{name: "patch unknown field", method: "PATCH", path: existing, body: map[string]any{"bogus": true}, want: 422, locations: []string{"body.bogus"}},

		// Sign-in.
		{name: "login malformed JSON", method: "POST", path: "/api/v1/auth/login", as: "anon", body: `{"email":"a@example.com","password":"x`, want: 400, locations: []string{"body"}},
		{name: "login array", method: "POST", path: "/api/v1/auth/login", as: "anon", body: `[]`, want: 422, locations: []string{"body"}},
		{name: "login email is a number", method: "POST", path: "/api/v1/auth/login", as: "anon", body: map[string]any{"email": 5, "password": "secret-password-0003"}, want: 422,
			locations: []string{"body.email"}, secrets: []string{"secret-password-0003"}},
		{name: "login without password", method: "POST", path: "/api/v1/auth/login", as: "anon", body: map[string]any{"email": "a@example.com"}, want: 422, locations: []string{"body.password"}},
		{name: "login unknown field", method: "POST", path: "/api/v1/auth/login", as: "anon", body: map[string]any{"email": "a@example.com", "password": "secret-password-0003", "remember": true}, want: 422,
			locations: []string{"body.remember"}, secrets: []string{"secret-password-0003"}},

		// Users.
		{name: "user malformed JSON", method: "POST", path: "/api/v1/users", body: `{"email":`, want: 400, locations: []string{"body"}},
		{name: "user bad email", method: "POST", path: "/api/v1/users", body: map[string]any{"email": "not-an-email", "role": "support_agent", "password": "secret-password-0004"}, want: 422,
			locations: []string{"body.email"}, secrets: []string{"secret-password-0004"}},
		{name: "user without email", method: "POST", path: "/api/v1/users", body: map[string]any{"role": "support_agent", "password": "secret-password-0004"}, want: 422, locations: []string{"body.email"}},
		{name: "user unknown role", method: "POST", path: "/api/v1/users", body: map[string]any{"email": "new@example.com", "role": "king", "password": "secret-password-0004"}, want: 422, locations: []string{"body.role"}},
		{name: "user short password", method: "POST", path: "/api/v1/users", body: map[string]any{"email": "new@example.com", "role": "support_agent", "password": "short-pw"}, want: 422,
			locations: []string{"body.password"}, secrets: []string{"short-pw"}},
		{name: "user unknown field", method: "POST", path: "/api/v1/users", body: map[string]any{"email": "new@example.com", "role": "support_agent", "password": "secret-password-0004", "isAdmin": true}, want: 422, locations: []string{"body.isAdmin"}},
		{name: "user duplicate email", method: "POST", path: "/api/v1/users", body: map[string]any{"email": "Taken@Example.com", "role": "support_agent", "password": "secret-password-0004"}, want: 409,
			locations: []string{"body.email"}, secrets: []string{"secret-password-0004"}},
		{name: "user patch unknown role", method: "PATCH", path: "/api/v1/users/usr_nope", body: map[string]any{"role": "king"}, want: 422, locations: []string{"body.role"}},

		// Tokens.
		{name: "token malformed JSON", method: "POST", path: "/api/v1/tokens", body: `{"name":"x",`, want: 400, locations: []string{"body"}},
		{name: "token without name", method: "POST", path: "/api/v1/tokens", body: map[string]any{}, want: 422, locations: []string{"body.name"}},
		{name: "token blank name", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "   "}, want: 422, locations: []string{"body.name"}},
		{name: "token unknown scope", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "scopes": []string{"integrations:read", "root"}}, want: 422, locations: []string{"body.scopes[1]"}},
		{name: "token scopes is a string", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "scopes": "integrations:read"}, want: 422, locations: []string{"body.scopes"}},
		{name: "token scope exceeds the owner's role", method: "POST", path: "/api/v1/tokens", as: "ops", body: map[string]any{"name": "x", "scopes": []string{"users:manage"}}, want: 422, locations: []string{"body.scopes[0]"}},
		{name: "token expired", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "expiresAt": "2001-01-01T00:00:00Z"}, want: 422, locations: []string{"body.expiresAt"}},
		{name: "token expiry not a time", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "expiresAt": "tomorrow"}, want: 422, locations: []string{"body.expiresAt"}},
		{name: "repeated query parameter", method: "GET", path: "/api/v1/integrations?limit=5&limit=6", want: 422, locations: []string{"query.limit"}},
		{name: "repeated filter", method: "GET", path: "/api/v1/activity?limit=5&action=a&action=b", want: 422, locations: []string{"query.action"}},
		{name: "logs before 0", method: "GET", path: "/api/v1/integrations/webhooks/whe_nope/logs?before=0", want: 422, locations: []string{"query.before"}},
		{name: "logs CSV before 0", method: "GET", path: "/api/v1/integrations/webhooks/whe_nope/logs.csv?before=0", want: 422, locations: []string{"query.before"}},
		{name: "attempts before 0", method: "GET", path: "/api/v1/subscriptions/sub_nope/attempts?before=0", want: 422, locations: []string{"query.before"}},
		{name: "unknown query parameter", method: "GET", path: "/api/v1/events?after=0&type=code.push", want: 422, locations: []string{"query.type"}},
		{name: "unknown query parameter beside a filter", method: "GET", path: "/api/v1/events?types=code.push&type=code.push", want: 422, locations: []string{"query.type"}},
		{name: "events of a type that is not one", method: "GET", path: "/api/v1/events?types=code%20push", want: 422, locations: []string{"query.types"}},
		{name: "events of a bad type among good ones", method: "GET", path: "/api/v1/events?types=code.*,code..push&types=chat.message", want: 422, locations: []string{"query.types"}},
		{name: "events of every type as *", method: "GET", path: "/api/v1/events?types=*", want: 422, locations: []string{"query.types"}},
		{name: "events of no type", method: "GET", path: "/api/v1/events?types=", want: 422, locations: []string{"query.types"}},
		{name: "events of an empty type", method: "GET", path: "/api/v1/events?types=code.push,", want: 422, locations: []string{"query.types"}},
		{name: "events of a family without its name", method: "GET", path: "/api/v1/events?types=.*", want: 422, locations: []string{"query.types"}},
		{name: "events of a type without a family", method: "GET", path: "/api/v1/events?types=push", want: 422, locations: []string{"query.types"}},
		{name: "events of too long a type", method: "GET", path: "/api/v1/events?types=code." + strings.Repeat("x", 100), want: 422, locations: []string{"query.types"}},
		{name: "events of too many types", method: "GET", path: "/api/v1/events?types=" + strings.Repeat("code.push,", 100) + "code.push", want: 422, locations: []string{"query.types"}},
		{name: "events of an unknown integration", method: "GET", path: "/api/v1/events?integrationId=nope", want: 422, locations: []string{"query.integrationId"}},
		{name: "events of an unknown integration beside a known one", method: "GET", path: "/api/v1/events?integrationId=existing,int_nope", want: 422, locations: []string{"query.integrationId"}},
		{name: "events of no integration", method: "GET", path: "/api/v1/events?integrationId=", want: 422, locations: []string{"query.integrationId"}},
		{name: "events of no integration, then one", method: "GET", path: "/api/v1/events?integrationId=&integrationId=existing", want: 422, locations: []string{"query.integrationId"}},
		{name: "events of no type, then one", method: "GET", path: "/api/v1/events?types=&types=code.push", want: 422, locations: []string{"query.types"}},
		{name: "events of a type after a cursor past the newest", method: "GET", path: "/api/v1/events?types=code.*&after=5", want: 422, locations: []string{"query.after"}},
		{name: "events of a bad type and an unknown integration", method: "GET", path: "/api/v1/events?types=x&integrationId=existing&integrationId=nope", want: 422,
			locations: []string{"query.types", "query.integrationId"}},
		{name: "misspelt query parameter", method: "GET", path: "/api/v1/integrations?limt=5", want: 422, locations: []string{"query.limt"}},
		{name: "token for an unknown user", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "userId": "usr_nope"}, want: 422, locations: []string{"body.userId"}},
	}
	tests = append(tests, reviewCases()...)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			b := setupBadInput(t, e)
			before := b.state(t)
			if len(before.Integrations) != 2 {
				t.Fatalf("setup: %d integrations, want 2", len(before.Integrations))
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					token := b.env.AdminToken
					switch tc.as {
					case "anon":
						token = ""
					case "ops":
						token = b.opsToken
					}
					res := call(t, b.env, tc.method, tc.path, token, tc.body, tc.headers...)
					if res.Status != tc.want {
						t.Errorf("%s %s = %d, want %d: %s", tc.method, tc.path, res.Status, tc.want, res.Body)
					}
					if p, ok := readProblem(t, res); ok {
						for _, loc := range tc.locations {
							if !slices.Contains(p.locations(), loc) {
								t.Errorf("errors[].location = %q, want it to name %q", p.locations(), loc)
							}
						}
						// One thing wrong with a field is one error: a wrong
						// value is not also reported as missing.
						if locs := p.locations(); len(slices.Compact(slices.Sorted(slices.Values(locs)))) != len(locs) {
							t.Errorf("errors = %+v, want each location once", p.Errors)
						}
					}
					if l := leaks(res, append([]string{submittedToken}, tc.secrets...)...); len(l) > 0 {
						t.Errorf("answer contains the submitted %q: %s", l, res.Body)
					}
					if diff := cmp.Diff(before, b.state(t)); diff != "" {
						t.Errorf("%s %s changed state (-before +after):\n%s", tc.method, tc.path, diff)
					}
				})
			}
		})
	}
}
