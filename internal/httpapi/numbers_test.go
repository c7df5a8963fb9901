package httpapi_test

import (
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestWholeNumbersInBodies: an integer field takes a whole number however
// it is written (4.0, 1e1), as JSON Schema has it; a number the field
// cannot hold is a 422 naming the field, and range messages write their
// bounds out.
func TestWholeNumbersInBodies(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, "numbers-secret-0123456789", nil)

			for _, tc := range []struct {
				name, method, path, body string
				field                    string // the response's field holding the number
				want                     float64
			}{
				{"concurrency as a decimal", "POST", "/api/v1/subscriptions", `{"url":"https://example.com/a","maxConcurrency":4.0}`, "maxConcurrency", 4},
				{"concurrency with an exponent", "POST", "/api/v1/subscriptions", `{"url":"https://example.com/b","maxConcurrency":1e1}`, "maxConcurrency", 10},
				{"tolerance as a decimal", "PATCH", "/api/v1/integrations/webhooks/" + ep, `{"toleranceSeconds":600.0}`, "toleranceSeconds", 600},
				{"interval with an exponent", "POST", "/api/v1/integrations", `{"name":"n","provider":"http","baseUrl":"https://n.invalid","healthCheckIntervalMinutes":3E1}`,
					"healthCheckIntervalMinutes", 30},
			} {
				r := call(t, env, tc.method, tc.path, env.AdminToken, tc.body)
				var got map[string]any
				decode(t, r, &got)
				if r.Status >= 300 || got[tc.field] != tc.want {
					t.Errorf("%s: %s %s = %d, %s = %v; want a 2xx with %v: %s", tc.name, tc.method, tc.path, r.Status, tc.field, got[tc.field], tc.want, r.Body)
				}
			}

			for _, tc := range []struct {
				name, method, path, body string
				location, message        string
			}{
				{"a fraction", "POST", "/api/v1/subscriptions", `{"url":"https://example.com/c","maxConcurrency":4.5}`, "body.maxConcurrency", "integer"},
				{"beyond float64", "POST", "/api/v1/subscriptions", `{"url":"https://example.com/d","maxConcurrency":1e400}`, "body.maxConcurrency", "is out of range"},
				{"beyond float64, negative", "PATCH", "/api/v1/integrations/webhooks/" + ep, `{"toleranceSeconds":-1e999}`, "body.toleranceSeconds", "is out of range"},
				{"beyond the maximum", "POST", "/api/v1/integrations/webhooks/" + ep + "/replay", `{"deliveryId":9007199254740992}`,
					"body.deliveryId", "expected number <= 9007199254740991"},
				{"beyond the maximum, as a decimal", "POST", "/api/v1/integrations/webhooks/" + ep + "/replay", `{"deliveryId":1e16}`,
					"body.deliveryId", "expected number <= 9007199254740991"},
			} {
				r := call(t, env, tc.method, tc.path, env.AdminToken, tc.body)
				p, ok := readProblem(t, r)
				if !ok || r.Status != 422 {
					t.Errorf("%s: %s %s = %d %s, want 422", tc.name, tc.method, tc.path, r.Status, r.Body)
					continue
				}
				var msgs []string
				for _, fe := range p.Errors {
					if fe.Location == tc.location {
						msgs = append(msgs, fe.Message)
					}
				}
				if len(msgs) != 1 || !strings.Contains(msgs[0], tc.message) {
					t.Errorf("%s: errors = %+v, want one at %s saying %q", tc.name, p.Errors, tc.location, tc.message)
				}
			}
		})
	}
}
