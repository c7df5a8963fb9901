package httpapi_test

import (
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestTextTheStoreCannotHold: a NUL or bytes that are not UTF-8, in a
// path, a query parameter or a body string, are a 404 or a 422 naming the
// place, on both engines. PostgreSQL refuses them as query arguments, which
// was a 500, on the unauthenticated ingress too. A query parameter that
// url.Query would drop (a malformed escape, a ';') is a 422 too: dropped,
// a cursor or filter silently meant none.
func TestTextTheStoreCannotHold(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			for _, c := range []struct {
				method, path string
				body         any
				anonymous    bool
				status       int
				loc          string // for a 422
			}{
				{"GET", "/api/v1/integrations/webhooks/%00/logs", nil, false, 404, ""},
				{"GET", "/api/v1/integrations/webhooks/whe_%C3%28/signals", nil, false, 404, ""},
				{"GET", "/api/v1/subscriptions/%C3%28", nil, false, 404, ""},
				{"POST", "/api/v1/subscriptions/%00/attempts/1/retry", nil, false, 404, ""},
				{"GET", "/api/v1/integrations/%00/webhooks", nil, false, 404, ""},
				{"POST", "/api/v1/hooks/%00", "{}", true, 404, ""},
				{"POST", "/api/v1/hooks/whe_%C3%28", "{}", true, 404, ""},
				{"POST", "/api/v1/integrations/hooks/%00", "{}", true, 404, ""},
				{"GET", "/api/v1/integrations/webhooks?integration=%00", nil, false, 422, "query.integration"},
				{"GET", "/api/v1/activity?integration=%C3%28", nil, false, 422, "query.integration"},
				{"GET", "/api/v1/events?after=6000%ZZ&limit=1", nil, false, 422, "query.after"},
				{"GET", "/api/v1/events?limit=1;after=5", nil, false, 422, "query"},
				{"GET", "/api/v1/subscriptions?%ZZ=1", nil, false, 422, "query"},
				{"POST", "/api/v1/subscriptions", `{"url":"https://hooks.example.com/x","integrationIds":["\u0000"]}`, false, 422, "body.integrationIds[0]"},
				{"POST", "/api/v1/subscriptions", `{"target":"chat","chatIntegration":"a\u0000b"}`, false, 422, "body.chatIntegration"},
				{"POST", "/api/v1/integrations", `{"name":"n","provider":"http","labels":{"k\u0000":"v"}}`, false, 422, "body.labels"},
			} {
				token := env.AdminToken
				if c.anonymous {
					token = ""
				}
				r := call(t, env, c.method, c.path, token, c.body)
				p, ok := readProblem(t, r)
				if r.Status != c.status || !ok {
					t.Errorf("%s %s = %d %s; want %d", c.method, c.path, r.Status, r.Body, c.status)
					continue
				}
				if c.loc != "" && !strings.Contains(strings.Join(p.locations(), ","), c.loc) {
					t.Errorf("%s %s: the 422 names %v; want %s", c.method, c.path, p.locations(), c.loc)
				}
			}
			r := call(t, env, "GET", "/api/v1/subscriptions", env.AdminToken, nil)
			if r.Status != 200 || strings.Contains(string(r.Body), `"id"`) {
				t.Errorf("subscriptions after the refused creates: %d %s; want none", r.Status, r.Body)
			}
		})
	}
}

// TestEmptyBodyIs422: a route that needs a body answers an empty one with
// a 422 naming "body", as webhooks.md promises for a replay, not huma's
// 400 without a location.
func TestEmptyBodyIs422(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, path := range []string{"/api/v1/integrations/webhooks/whe_none/replay", "/api/v1/subscriptions", "/api/v1/integrations"} {
		r := call(t, env, "POST", path, env.AdminToken, "")
		p, _ := readProblem(t, r)
		if r.Status != 422 || strings.Join(p.locations(), ",") != "body" {
			t.Errorf("POST %s with no body = %d %s; want 422 at body", path, r.Status, r.Body)
		}
	}
}
