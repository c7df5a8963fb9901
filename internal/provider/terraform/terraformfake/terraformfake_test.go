package terraformfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/terraform/terraformfake"
)

func do(t *testing.T, method, rawURL, body, token, ctype string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := providertest.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := terraformfake.New(terraformfake.Options{})
	t.Cleanup(s.Close)
	const tok, api = terraformfake.DefaultToken, "application/vnd.api+json"
	run := func(ws string) string {
		return `{"data":{"type":"runs","attributes":{"message":"m"},"relationships":{"workspace":{"data":{"type":"workspaces","id":"` + ws + `"}}}}}`
	}
	tests := []struct {
		name, method, path, body, token, ctype string
		wantStatus                             int
		wantBody                               string
	}{
		{"account", "GET", "/account/details", "", tok, "", 200, `"username":"admin"`},
		{"org token is a service user", "GET", "/account/details", "", terraformfake.DefaultOrgToken, "", 200, `"is-service-account":true`},
		{"no token", "GET", "/account/details", "", "", "", 401, `{"errors":[{"status":"401","title":"unauthorized"}]}`},
		{"workspaces page", "GET", "/organizations/acme/workspaces?page%5Bsize%5D=2", "", tok, "", 200, `"next-page":2`},
		{"workspaces search", "GET", "/organizations/acme/workspaces?search%5Bname%5D=network", "", tok, "", 200, `"total-count":1`},
		{"invisible org is 404", "GET", "/organizations/other/workspaces", "", tok, "", 404, `"title":"not found"`},
		{"workspace by name", "GET", "/organizations/acme/workspaces/app-prod", "", tok, "", 200, `"id":"ws-Db8Lr2nKw6Gj5zCu"`},
		{"run", "POST", "/runs", run("ws-Ap3Tq7vMx1Hc4yBe"), tok, api, 201, `"status":"pending"`},
		{"run wrong media type", "POST", "/runs", run("ws-Ap3Tq7vMx1Hc4yBe"), tok, "application/json", 415, "unsupported media type"},
		{"run locked", "POST", "/runs", run("ws-Nw5KZ8dLq2Fp9xRs"), tok, api, 409, "Workspace is locked"},
		{"run with org token", "POST", "/runs", run("ws-Ap3Tq7vMx1Hc4yBe"), terraformfake.DefaultOrgToken, api, 404, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, h, body := do(t, tt.method, s.URL()+tt.path, tt.body, tt.token, tt.ctype)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s = %d %s; want %d containing %s", tt.method, tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
			if status != 401 && h.Get("X-RateLimit-Limit") != "30" {
				t.Errorf("%s %s has no x-ratelimit-limit", tt.method, tt.path)
			}
		})
	}
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	s := terraformfake.New(terraformfake.Options{RateLimited: true})
	t.Cleanup(s.Close)
	status, h, body := do(t, "GET", s.URL()+"/account/details", "", terraformfake.DefaultToken, "")
	if status != 429 || !strings.Contains(body, `"status":429`) || h.Get("X-RateLimit-Reset") == "" {
		t.Errorf("rate limited = %d %v %s", status, h, body)
	}
}
