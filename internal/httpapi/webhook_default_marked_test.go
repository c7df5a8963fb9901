package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestWebhookDefaultAlwaysMarked checks that the endpoint the seed's URL
// form goes to is the one whose isDefault says so: the mark cannot be
// taken off without giving it to another endpoint, and deleting the
// default endpoint gives it to the integration's first remaining one.
func TestWebhookDefaultAlwaysMarked(t *testing.T) {
	t.Parallel()
	type outcome struct {
		Status    int
		Problem   []string // the failing fields of a refusal
		IsDefault []bool   // the integration's endpoints', oldest first
	}
	cases := []struct {
		name   string
		method string
		target int // which of the three endpoints (the second is the default)
		body   map[string]any
		want   outcome
	}{
		{"unmark the default", "PATCH", 1, map[string]any{"isDefault": false},
			outcome{Status: 422, Problem: []string{"body.isDefault"}, IsDefault: []bool{false, true, false}}},
		{"unmark another", "PATCH", 2, map[string]any{"isDefault": false},
			outcome{Status: 200, IsDefault: []bool{false, true, false}}},
		{"move the mark", "PATCH", 2, map[string]any{"isDefault": true},
			outcome{Status: 200, IsDefault: []bool{false, false, true}}},
		{"delete the default", "DELETE", 1, nil,
			outcome{Status: 204, IsDefault: []bool{true, false}}},
		{"delete another", "DELETE", 0, nil,
			outcome{Status: 204, IsDefault: []bool{true, false}}},
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					var it struct{ ID string }
					r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": fmt.Sprintf("marked %d", i),
						"provider": "github", "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}})
					if r.Status != 201 {
						t.Fatalf("create integration = %d %s", r.Status, r.Body)
					}
					decode(t, r, &it)
					var ids []string
					for n := range 3 {
						var ep struct{ ID string }
						r := call(t, env, "POST", "/api/v1/integrations/"+it.ID+"/webhooks", env.AdminToken,
							map[string]any{"secret": fmt.Sprintf("the secret of endpoint %d", n), "isDefault": n == 1})
						if r.Status != 201 {
							t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
						}
						decode(t, r, &ep)
						ids = append(ids, ep.ID)
					}
					var got outcome
					r = call(t, env, tc.method, "/api/v1/integrations/webhooks/"+ids[tc.target], env.AdminToken, tc.body)
					got.Status = r.Status
					if r.Status >= 400 {
						if p, ok := readProblem(t, r); ok {
							got.Problem = p.locations()
						}
					}
					var list struct {
						Endpoints []struct {
							ID        string
							IsDefault bool
						}
					}
					decode(t, call(t, env, "GET", "/api/v1/integrations/"+it.ID+"/webhooks", env.AdminToken, nil), &list)
					byID := map[string]bool{}
					for _, ep := range list.Endpoints {
						byID[ep.ID] = ep.IsDefault
					}
					for _, id := range ids {
						if d, ok := byID[id]; ok {
							got.IsDefault = append(got.IsDefault, d)
						}
					}
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("%s %v (-want +got):\n%s", tc.method, tc.body, diff)
					}
				})
			}
		})
	}
}
