package httpapi_test

import (
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

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

// TestNameRefusedAlike: a bad name of a webhook endpoint or a
// subscription is refused with the same answer on create and on PATCH,
// whatever is wrong with it, and with the other faults of the request.
func TestNameRefusedAlike(t *testing.T) {
	t.Parallel()
	const rule = "must be 1 to 200 characters on one line, without control characters"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, "name-refused-alike-secret", nil)
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/names"})
			if r.Status != 201 {
				t.Fatalf("create subscription = %d %s", r.Status, r.Body)
			}
			var sub struct{ ID string }
			decode(t, r, &sub)
			type request struct {
				method, path string
				base         map[string]any // the rest of the body
			}
			for _, kind := range []struct {
				name, detail  string
				create, patch request
			}{
				{"endpoint", "the webhook endpoint is not valid",
					request{"POST", "/api/v1/integrations/shop/webhooks", map[string]any{"scheme": "none"}},
					request{"PATCH", "/api/v1/integrations/webhooks/" + ep, nil}},
				{"subscription", "the subscription is not valid",
					request{"POST", "/api/v1/subscriptions", map[string]any{"url": "https://example.com/other"}},
					request{"PATCH", "/api/v1/subscriptions/" + sub.ID, nil}},
			} {
				for _, tc := range []struct {
					name  string
					value string
					more  map[string]any // another fault, reported beside the name
					want  []fieldProblem
				}{
					{name: "empty", value: "", want: []fieldProblem{{"body.name", rule}}},
					{name: "blank", value: "   ", want: []fieldProblem{{"body.name", rule}}},
					{name: "tab", value: "a\tb", want: []fieldProblem{{"body.name", rule}}},
					{name: "line break", value: "a\nb", want: []fieldProblem{{"body.name", rule}}},
					{name: "escape", value: "a\x1b[31mb", want: []fieldProblem{{"body.name", rule}}},
					{name: "C1 control", value: "a\u0085b", want: []fieldProblem{{"body.name", rule}}},
					{name: "tab and a bad event type", value: "a\tb", more: map[string]any{"eventTypes": []string{"*"}},
						want: []fieldProblem{{"body.name", rule}, {"body.eventTypes[0]", ""}}},
				} {
					for _, req := range []request{kind.create, kind.patch} {
						body := map[string]any{"name": tc.value}
						maps.Copy(body, req.base)
						maps.Copy(body, tc.more)
						r := call(t, env, req.method, req.path, env.AdminToken, body)
						p, _ := readProblem(t, r)
						got := bodyAnswer{Status: r.Status, Detail: p.Detail, Errors: p.Errors}
						want := bodyAnswer{Status: 422, Detail: kind.detail, Errors: tc.want}
						ignoreOthers := cmp.Comparer(func(a, b fieldProblem) bool {
							return a.Location == b.Location && (a.Message == b.Message || a.Location != "body.name")
						})
						if diff := cmp.Diff(want, got, ignoreOthers); diff != "" {
							t.Errorf("%s %s, %s: %s %s (-want +got):\n%s", kind.name, tc.name, req.method, req.path, mustJSON(t, body), diff)
						}
					}
				}
			}
		})
	}
}
