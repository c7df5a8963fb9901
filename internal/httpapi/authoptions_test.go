package httpapi_test

import (
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestAuthOptions: a provider with two ways to authenticate (WHMCS: API
// identifier and secret, or admin user name and password) takes either,
// refuses an integration with neither complete, on create and on patch,
// and a refused request changes nothing.
func TestAuthOptions(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			const secretValue = "whmcs-secret-value-0123456789"
			create := func(slug string, extra map[string]any) apptest.Response {
				body := map[string]any{"provider": "whmcs", "name": "billing " + slug, "slug": slug, "baseUrl": "https://billing.example.com"}
				for k, v := range extra {
					body[k] = v
				}
				return call(t, env, "POST", "/api/v1/integrations", env.AdminToken, body)
			}
			cred := func(kv ...string) map[string]any {
				m := map[string]any{}
				for i := 0; i < len(kv); i += 2 {
					m[kv[i]] = kv[i+1]
				}
				return m
			}
			for _, tc := range []struct {
				name   string
				slug   string
				extra  map[string]any
				status int
			}{
				{"no credentials", "none", nil, 422},
				{"identifier without secret", "half", map[string]any{"credentials": cred("identifier", secretValue)}, 422},
				{"password without user name", "nouser", map[string]any{"credentials": cred("password", secretValue)}, 422},
				{"only the webhook secret", "hookonly", map[string]any{"credentials": cred("webhookSecret", secretValue)}, 422},
				{"identifier and secret", "api", map[string]any{"credentials": cred("identifier", "id-1", "secret", secretValue)}, 201},
				{"user name and password", "legacy", map[string]any{"username": "admin", "credentials": cred("password", secretValue)}, 201},
			} {
				r := create(tc.slug, tc.extra)
				if r.Status != tc.status {
					t.Fatalf("%s: create = %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
				}
				if strings.Contains(string(r.Body), secretValue) {
					t.Errorf("%s: the answer holds the secret: %s", tc.name, r.Body)
				}
				if tc.status == 422 {
					var p problem
					decode(t, r, &p)
					if got := p.locations(); len(got) != 1 || got[0] != "body.credentials" ||
						!strings.Contains(p.Errors[0].Message, "credentials.identifier with credentials.secret, or username with credentials.password") {
						t.Errorf("%s: errors %+v, want one at body.credentials naming both ways", tc.name, p.Errors)
					}
					if g := call(t, env, "GET", "/api/v1/integrations/"+tc.slug, env.AdminToken, nil); g.Status != 404 {
						t.Errorf("%s: GET after the refused create = %d, want 404", tc.name, g.Status)
					}
				}
			}

			for _, tc := range []struct {
				name, path string
				body       map[string]any
				status     int
			}{
				{"delete the secret", "/api/v1/integrations/api", map[string]any{"credentials": map[string]any{"secret": nil}}, 422},
				{"clear the user name", "/api/v1/integrations/legacy", map[string]any{"username": ""}, 422},
				{"switch to the legacy login", "/api/v1/integrations/api",
					map[string]any{"username": "admin", "credentials": map[string]any{"identifier": nil, "secret": "", "password": secretValue}}, 200},
				{"add an API credential to the legacy login", "/api/v1/integrations/legacy", map[string]any{"credentials": cred("identifier", "id-2", "secret", secretValue)}, 200},
				{"then drop the legacy login", "/api/v1/integrations/legacy", map[string]any{"username": "", "credentials": map[string]any{"password": nil}}, 200},
			} {
				before := call(t, env, "GET", tc.path, env.AdminToken, nil)
				r := call(t, env, "PATCH", tc.path, env.AdminToken, tc.body)
				if r.Status != tc.status {
					t.Fatalf("%s: PATCH = %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
				}
				if tc.status == 422 {
					if after := call(t, env, "GET", tc.path, env.AdminToken, nil); string(after.Body) != string(before.Body) {
						t.Errorf("%s: a refused patch changed the integration:\n%s\nto\n%s", tc.name, before.Body, after.Body)
					}
				}
			}
		})
	}
}
