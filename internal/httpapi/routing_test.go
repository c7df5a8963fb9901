package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestNoRoute: a path that has routes for other methods answers 405 with
// Allow, whichever fallback pattern would have taken it; a path with none
// answers 404. Both as problem+json.
func TestNoRoute(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, tc := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{"PUT", "/api/v1/subscriptions", 405, "GET, POST"},
		{"DELETE", "/api/v1/events", 405, "GET"},
		{"PATCH", "/api/v1/integrations", 405, "GET, POST"},
		// Under the seed's webhook-operations prefix and the integration
		// subtree: the other two fallbacks.
		{"GET", "/api/v1/integrations/webhooks/whe_x/replay", 405, "POST"},
		{"DELETE", "/api/v1/integrations/webhooks/whe_x/logs", 405, "GET"},
		{"PUT", "/api/v1/integrations/int_x/webhooks", 405, "GET, POST"},
		{"GET", "/api/v1/nothing", 404, ""},
		{"DELETE", "/api/v1/integrations/int_x/nothing", 404, ""},
		{"GET", "/api/v1/integrations/webhooks/whe_x/nothing", 404, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := call(t, env, tc.method, tc.path, env.AdminToken, nil)
			if res.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.want, res.Body)
			}
			if got := res.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if tc.want == http.StatusMethodNotAllowed && !strings.Contains(string(res.Body), tc.method+" is not allowed") {
				t.Errorf("detail does not name the method: %s", res.Body)
			}
		})
	}
}
