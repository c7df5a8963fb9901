package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestEndpointCreatedAudit: the activity entry of a new webhook endpoint
// says where its secret came from, and has no secretFrom at all when it
// has none (the none scheme), rather than an empty one; never the secret.
func TestEndpointCreatedAudit(t *testing.T) {
	t.Parallel()
	const (
		given       = "given-secret-SUBMITTED-0001"
		integration = "whsec-INTEGRATION-HELD-0002"
	)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			for _, it := range []map[string]any{
				{"provider": "github", "name": "plain", "slug": "plain", "credentials": map[string]any{"token": "ghp_audit_plain"}},
				{"provider": "github", "name": "held", "slug": "held", "credentials": map[string]any{"token": "ghp_audit_held", "webhookSecret": integration}},
			} {
				if r := call(t, env, http.MethodPost, "/api/v1/integrations", env.AdminToken, it); r.Status != http.StatusCreated {
					t.Fatalf("create integration %v = %d %s", it["slug"], r.Status, r.Body)
				}
			}
			tests := []struct {
				name, integration string
				body              map[string]any
				want              map[string]any
			}{
				{name: "none scheme", integration: "plain", body: map[string]any{"scheme": "none"},
					want: map[string]any{"scheme": "none", "secretGenerated": false, "secretSet": false}},
				{name: "secret given", integration: "plain", body: map[string]any{"secret": given},
					want: map[string]any{"scheme": "github", "secretGenerated": false, "secretSet": true, "secretFrom": "given"}},
				{name: "secret generated", integration: "plain", body: map[string]any{"generateSecret": true},
					want: map[string]any{"scheme": "github", "secretGenerated": true, "secretSet": true, "secretFrom": "generated"}},
				{name: "secret the integration holds", integration: "held", body: map[string]any{},
					want: map[string]any{"scheme": "github", "secretGenerated": false, "secretSet": true, "secretFrom": "integration"}},
			}
			for _, tc := range tests {
				r := call(t, env, http.MethodPost, "/api/v1/integrations/"+tc.integration+"/webhooks", env.AdminToken, tc.body)
				if r.Status != http.StatusCreated {
					t.Fatalf("%s: create endpoint = %d %s", tc.name, r.Status, r.Body)
				}
				var ep struct{ ID, Secret string }
				decode(t, r, &ep)
				r = call(t, env, http.MethodGet, "/api/v1/activity?action=webhook.endpoint_created&limit=1", env.AdminToken, nil)
				var act struct {
					Items []struct {
						TargetID string
						Details  map[string]any
					}
				}
				decode(t, r, &act)
				if len(act.Items) != 1 || act.Items[0].TargetID != ep.ID {
					t.Fatalf("%s: newest webhook.endpoint_created entries = %+v, want one for %s", tc.name, act.Items, ep.ID)
				}
				if diff := cmp.Diff(tc.want, act.Items[0].Details); diff != "" {
					t.Errorf("%s: audit details (-want +got):\n%s", tc.name, diff)
				}
				secrets := []string{given, integration}
				if ep.Secret != "" {
					secrets = append(secrets, ep.Secret)
				}
				if l := leaks(r, secrets...); len(l) > 0 {
					t.Errorf("%s: the activity log holds the secret %q: %s", tc.name, l, r.Body)
				}
			}
		})
	}
}
