package httpapi_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestWebhookChallenge: a delivery refused for want of credentials is
// answered with a challenge its sender can answer. A basic_auth endpoint
// asks for Basic credentials, so that a sender whose HTTP client sends the
// user name and password only when challenged (Python's
// HTTPBasicAuthHandler, Java's Authenticator, .NET's NetworkCredential, as
// for credentials in the URL, https://user:secret@…) retries with them and
// is accepted; it used to be asked for "Signature", which such clients
// cannot answer, so they never delivered.
func TestWebhookChallenge(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "api", "provider": "http",
				"baseUrl": "https://api.example.com", "isActive": false}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			for _, tc := range []struct {
				name     string
				endpoint map[string]any
				// auth is the header a sender answering the challenge adds.
				auth          func(secret string) []string
				wantChallenge string // the auth-scheme and realm of WWW-Authenticate
			}{
				{"basic auth", map[string]any{"name": "basic", "scheme": "basic_auth", "settings": map[string]any{"username": "awx"}},
					func(s string) []string {
						return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("awx:"+s))}
					}, `Basic realm="ihub webhooks"`},
				{"basic auth without a user name", map[string]any{"name": "basic-nouser", "scheme": "basic_auth"},
					func(s string) []string {
						return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+s))}
					}, `Basic realm="ihub webhooks"`},
				{"header token", map[string]any{"name": "token", "scheme": "header_token"},
					func(s string) []string { return []string{"X-Webhook-Token", s} }, `Signature realm="ihub webhooks"`},
			} {
				var ep struct{ ID, Secret string }
				tc.endpoint["generateSecret"] = true
				r := call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, tc.endpoint)
				if r.Status != 201 {
					t.Fatalf("%s: create endpoint = %d %s", tc.name, r.Status, r.Body)
				}
				decode(t, r, &ep)
				hook := "/api/v1/hooks/" + ep.ID
				// The first request carries no credentials, as a
				// challenge-driven client sends it.
				st, h, body := deliverFull(t, env, hook, `{"type":"job.done","event_id":"`+ep.ID+`"}`)
				if st != 401 {
					t.Fatalf("%s: delivery without credentials = %d %s, want 401", tc.name, st, body)
				}
				challenge := h.Get("WWW-Authenticate")
				got, _, _ := strings.Cut(challenge, ",")
				if diff := cmp.Diff(tc.wantChallenge, got); diff != "" {
					t.Errorf("%s: WWW-Authenticate = %q (-want +got):\n%s", tc.name, challenge, diff)
				}
				if scheme, _, _ := strings.Cut(challenge, " "); strings.EqualFold(scheme, "Basic") != strings.HasPrefix(tc.wantChallenge, "Basic ") {
					continue // a client would not answer: the diff above says so
				}
				if st, body := deliver(t, env, hook, `{"type":"job.done","event_id":"`+ep.ID+`"}`, tc.auth(ep.Secret)...); st != 202 {
					t.Errorf("%s: delivery answering the challenge = %d %s, want 202", tc.name, st, body)
				}
			}
		})
	}
}
