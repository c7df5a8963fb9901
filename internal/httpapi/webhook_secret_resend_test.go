package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestWebhookEndpointSecretResent checks that a PATCH giving the secret the
// endpoint already has changes nothing: a script that applies the same
// configuration again must not end the grace period of the secret the
// provider may still be signing with, nor record a secret change.
func TestWebhookEndpointSecretResent(t *testing.T) {
	t.Parallel()
	const (
		first   = "the first secret, still in its grace period"
		current = "the current secret of the endpoint"
		other   = "a different secret altogether"
	)
	type outcome struct {
		Status         int
		VersionDelta   int64
		FirstSecret    int // what a delivery signed with the first secret gets
		UpdatedEntries int
		SecretChanged  bool
	}
	cases := []struct {
		name string
		body map[string]any
		want outcome
	}{
		{"current secret again", map[string]any{"secret": current},
			outcome{Status: 200, FirstSecret: 202}},
		{"current secret again with graceHours", map[string]any{"secret": current, "graceHours": 0},
			outcome{Status: 200, FirstSecret: 202}},
		{"current secret again with a rename", map[string]any{"secret": current, "name": "renamed"},
			outcome{Status: 200, VersionDelta: 1, FirstSecret: 202, UpdatedEntries: 1}},
		{"current secret again with generateSecret", map[string]any{"secret": current, "generateSecret": true},
			outcome{Status: 422, FirstSecret: 202}},
		{"a new secret", map[string]any{"secret": other},
			outcome{Status: 200, VersionDelta: 1, FirstSecret: 401, UpdatedEntries: 1, SecretChanged: true}},
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
				"credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					type endpoint struct {
						ID                      string
						Version                 int64
						PreviousSecretExpiresAt string
					}
					var ep endpoint
					r := call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken, map[string]any{"secret": first})
					if r.Status != 201 {
						t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
					}
					decode(t, r, &ep)
					r = call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{"secret": current})
					if r.Status != 200 {
						t.Fatalf("rotate = %d %s", r.Status, r.Body)
					}
					var before endpoint
					decode(t, r, &before)
					if before.PreviousSecretExpiresAt == "" {
						t.Fatalf("rotate = %s, want a grace period running for the first secret", r.Body)
					}

					r = call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, tc.body)
					var after endpoint
					decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, nil), &after)
					body := pushFor(fmt.Sprintf("resent-%d", i))
					st, _ := deliver(t, env, "/api/v1/hooks/"+ep.ID, body, "X-GitHub-Event", "push",
						"X-GitHub-Delivery", fmt.Sprintf("resent-%d", i), "X-Hub-Signature-256", ghSign(first, body))
					var act struct {
						Items []struct {
							Action   string
							TargetID string
							Details  map[string]any
						}
					}
					decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.endpoint_updated&limit=500", env.AdminToken, nil), &act)
					got := outcome{Status: r.Status, VersionDelta: after.Version - before.Version, FirstSecret: st}
					if tc.want.FirstSecret == 202 && after.PreviousSecretExpiresAt != before.PreviousSecretExpiresAt {
						t.Errorf("PATCH %v: previousSecretExpiresAt = %q, want %q kept", tc.body, after.PreviousSecretExpiresAt, before.PreviousSecretExpiresAt)
					}
					for _, it := range act.Items {
						if it.TargetID != ep.ID {
							continue
						}
						got.UpdatedEntries++
						if got.UpdatedEntries == 1 { // the newest
							got.SecretChanged, _ = it.Details["secretChanged"].(bool)
						}
					}
					got.UpdatedEntries-- // the rotation that set up the case
					if got.UpdatedEntries == 0 {
						got.SecretChanged = false // the newest entry is the rotation's
					}
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("PATCH %v (-want +got):\n%s", tc.body, diff)
					}
				})
			}
		})
	}
}
