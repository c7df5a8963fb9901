package integration_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestOneCharacterCredential: a password of one character is kept out of
// what a test reports where the provider quotes it back, and the rest of
// the provider's words stay readable (not every "x" becomes [REDACTED]).
func TestOneCharacterCredential(t *testing.T) {
	t.Parallel()
	const said = `access denied to box.example for password "x" (max 3 tries)`
	const want = `access denied to box.example for password "[REDACTED]" (max 3 tries)`
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"error":"access denied to box.example for password \"x\" (max 3 tries)"}`)
			}))
			t.Cleanup(srv.Close)
			env := apptest.New(t, e, apptest.Options{})
			r := env.Do("POST", "/api/v1/integrations", env.AdminToken, map[string]any{
				"name": "box", "provider": "http", "baseUrl": srv.URL, "isActive": false, "username": "u",
				"settings": map[string]any{"authMode": "basic"}, "credentials": map[string]any{"password": "x"}})
			if r.Status != 201 {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			var res struct {
				Success bool   `json:"success"`
				Message string `json:"message"`
			}
			r = env.Do("POST", "/api/v1/integrations/box/test", env.AdminToken, nil)
			r.JSON(t, &res)
			if res.Success || !strings.Contains(res.Message, want) {
				t.Errorf("test = %d %s; want a failure quoting %q", r.Status, r.Body, want)
			}
			got, err := env.App.Integrations.Get(t.Context(), "box")
			if err != nil {
				t.Fatal(err)
			}
			last := "(none)"
			if got.Health.LastError != nil {
				last = *got.Health.LastError
			}
			if !strings.Contains(last, want) {
				t.Errorf("lastError = %q, want it to quote %q", last, want)
			}
			r = env.Do("GET", "/api/v1/activity?action=integration.tested", env.AdminToken, nil)
			if strings.Contains(string(r.Body), `\"x\"`) || !strings.Contains(string(r.Body), strings.ReplaceAll(want, `"`, `\"`)) {
				t.Errorf("activity = %s; want the test's message as in the answer", r.Body)
			}
			for _, out := range []string{string(r.Body), env.Logs.String()} {
				if strings.Contains(out, said) || strings.Contains(out, `password \"x\"`) {
					t.Errorf("the echoed password reached an answer or the log: %s", out)
				}
			}
		})
	}
}
