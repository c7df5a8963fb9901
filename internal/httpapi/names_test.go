package httpapi_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestNamesCountCharacters: name limits are in characters, as their
// messages say, not bytes (é is two); and the name a subscription gets
// from a long URL is one the API takes back.
func TestNamesCountCharacters(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, "names-count-characters-secret", nil)
			e := func(n int) string { return strings.Repeat("é", n) }
			for _, tc := range []struct {
				name, method, path string
				body               map[string]any
				want               int
			}{
				{"subscription, 200", "POST", "/api/v1/subscriptions", map[string]any{"url": "https://example.com/a", "name": e(200)}, 201},
				{"subscription, 201", "POST", "/api/v1/subscriptions", map[string]any{"url": "https://example.com/b", "name": e(201)}, 422},
				{"endpoint, 200", "PATCH", "/api/v1/integrations/webhooks/" + ep, map[string]any{"name": e(200)}, 200},
				{"endpoint, 201", "PATCH", "/api/v1/integrations/webhooks/" + ep, map[string]any{"name": e(201)}, 422},
				{"token, 100", "POST", "/api/v1/tokens", map[string]any{"name": e(100)}, 201},
				{"token, 101", "POST", "/api/v1/tokens", map[string]any{"name": e(101)}, 422},
				{"user, 200", "POST", "/api/v1/users", map[string]any{"email": "u1@example.com", "role": "support_agent",
					"password": "a long enough password", "name": e(200)}, 201},
				{"user, 201", "POST", "/api/v1/users", map[string]any{"email": "u2@example.com", "role": "support_agent",
					"password": "a long enough password", "name": e(201)}, 422},
			} {
				if r := call(t, env, tc.method, tc.path, env.AdminToken, tc.body); r.Status != tc.want {
					t.Errorf("%s: %s %s = %d, want %d: %s", tc.name, tc.method, tc.path, r.Status, tc.want, r.Body)
				}
			}

			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/" + strings.Repeat("p", 400)})
			var sub struct{ ID, Name string }
			decode(t, r, &sub)
			if r.Status != 201 || utf8.RuneCountInString(sub.Name) > 200 || !strings.HasPrefix(sub.Name, "https://example.com/ppp") {
				t.Fatalf("subscription named by a long URL = %d, name %q; want 201 and a name of at most 200 characters", r.Status, sub.Name)
			}
			if r := call(t, env, "PATCH", "/api/v1/subscriptions/"+sub.ID, env.AdminToken, map[string]any{"name": sub.Name, "maxConcurrency": 6}); r.Status != 200 {
				t.Errorf("PATCH with the name it was given = %d %s, want 200", r.Status, r.Body)
			}
		})
	}
}
