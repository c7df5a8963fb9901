package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestEventTypeFilters: an endpoint's and a subscription's event type
// filters store a name given twice once, and a name too long is refused
// for its length.
func TestEventTypeFilters(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, "event-type-filters-secret-01", nil)
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/hook"})
			var sub struct{ ID string }
			decode(t, r, &sub)
			long := strings.Repeat("a", 95) + ".push.x"
			for _, tc := range []struct{ name, path, event string }{
				{"endpoint", "/api/v1/integrations/webhooks/" + ep, "push"},
				{"subscription", "/api/v1/subscriptions/" + sub.ID, "code.push"},
			} {
				r := call(t, env, "PATCH", tc.path, env.AdminToken, map[string]any{"eventTypes": []string{tc.event, "x.*", tc.event}})
				var got struct{ EventTypes []string }
				decode(t, r, &got)
				if r.Status != 200 || !slices.Equal(got.EventTypes, []string{tc.event, "x.*"}) {
					t.Errorf("%s: a repeated filter = %d, eventTypes %v; want 200 with it once", tc.name, r.Status, got.EventTypes)
				}
				r = call(t, env, "PATCH", tc.path, env.AdminToken, map[string]any{"eventTypes": []string{long}})
				var p problem
				decode(t, r, &p)
				if r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Location != "body.eventTypes[0]" ||
					p.Errors[0].Message != "must be at most 100 characters" {
					t.Errorf("%s: a 102-character filter = %d %+v; want 422 saying it is too long", tc.name, r.Status, p.Errors)
				}
			}
		})
	}
}
