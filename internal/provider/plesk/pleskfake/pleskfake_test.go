package pleskfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider/plesk/pleskfake"
	"ihub/internal/provider/providertest"
)

func call(t *testing.T, rawURL string, set func(*http.Request)) (int, any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	set(req)
	resp, err := providertest.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return resp.StatusCode, string(b)
	}
	return resp.StatusCode, v
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := pleskfake.New(pleskfake.Options{Clients: []pleskfake.Client{}, Version: "18.0.70"})
	t.Cleanup(s.Close)
	key := func(r *http.Request) { r.Header.Set("X-API-Key", pleskfake.DefaultAPIKey) }
	basic := func(r *http.Request) { r.SetBasicAuth(pleskfake.DefaultLogin, pleskfake.DefaultPassword) }
	unauthorized := map[string]any{"code": 0.0, "message": "Authentication failed"}
	tests := []struct {
		name, path string
		auth       func(*http.Request)
		wantStatus int
		want       any
	}{
		{"clients with key", "/api/v2/clients", key, 200, []any{}},
		{"clients with basic", "/api/v2/clients", basic, 200, []any{}},
		{"wrong key", "/api/v2/clients", func(r *http.Request) { r.Header.Set("X-API-Key", "nope") }, 401, unauthorized},
		{"wrong password", "/api/v2/clients", func(r *http.Request) { r.SetBasicAuth("admin", "nope") }, 401, unauthorized},
		{"unknown endpoint", "/api/v2/nothing", key, 404, map[string]any{"code": 0.0, "message": "Not Found"}},
		{"domain by name", "/api/v2/domains?name=EXAMPLE.ORG", key, 200, []any{map[string]any{
			"id": 3.0, "name": "example.org", "ascii_name": "example.org", "hosting_type": "none", "base_domain_id": 0.0,
			"www_root": "", "guid": "d0d0e45f-ceea-467f-a8f2-0a1b2c3d4e03", "created": "2025-06-30", "aliases": []any{}}}},
	}
	t.Run("calls", func(t *testing.T) { // returns once its parallel subtests are done
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				status, got := call(t, s.URL()+tt.path, tt.auth)
				if status != tt.wantStatus {
					t.Errorf("status = %d, want %d", status, tt.wantStatus)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})
	status, got := call(t, s.URL()+"/api/v2/server", key)
	if m, ok := got.(map[string]any); status != 200 || !ok || m["panel_version"] != "18.0.70" {
		t.Errorf("server = %d %v, want 200 with panel_version 18.0.70", status, got)
	}
	if s.Calls("GET /api/v2/clients") != 2 {
		t.Errorf("Calls(GET /api/v2/clients) = %d, want 2 (rejected requests are not calls)", s.Calls("GET /api/v2/clients"))
	}
}
