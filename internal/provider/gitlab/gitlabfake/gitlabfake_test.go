package gitlabfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/gitlab/gitlabfake"
	"ihub/internal/provider/providertest"
)

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, rawURL, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := gitlabfake.New(gitlabfake.Options{})
	t.Cleanup(s.Close)
	pat := []string{"PRIVATE-TOKEN", gitlabfake.DefaultToken}
	bearer := []string{"Authorization", "Bearer " + gitlabfake.DefaultToken}
	tests := []struct {
		name, method, path, body string
		header                   []string
		wantStatus               int
		wantBody                 string
		wantHeader               [2]string
	}{
		{name: "user with PRIVATE-TOKEN", method: "GET", path: "/user", header: pat, wantStatus: 200, wantBody: `"username":"jdoe"`},
		{name: "user with Bearer", method: "GET", path: "/user", header: bearer, wantStatus: 200, wantHeader: [2]string{"RateLimit-Limit", "2000"}},
		{name: "no token", method: "GET", path: "/user", wantStatus: 401, wantBody: `{"message":"401 Unauthorized"}`},
		{name: "version", method: "GET", path: "/version", header: pat, wantStatus: 200, wantBody: `"version":"17.5.2-ee"`},
		{name: "token self", method: "GET", path: "/personal_access_tokens/self", header: pat, wantStatus: 200, wantBody: `"scopes":["api","read_api"]`},
		{name: "projects page", method: "GET", path: "/projects?membership=true&per_page=2", header: pat, wantStatus: 200,
			wantBody: `"path_with_namespace":"acme/website"`, wantHeader: [2]string{"X-Next-Page", "2"}},
		{name: "projects total", method: "GET", path: "/projects?per_page=2", header: pat, wantStatus: 200, wantHeader: [2]string{"X-Total", "3"}},
		{name: "commits by encoded path", method: "GET", path: "/projects/acme%2Finfra%2Fterraform-modules/repository/commits", header: pat,
			wantStatus: 200, wantBody: `"title":"Update the deploy script"`},
		{name: "commits of an unknown project", method: "GET", path: "/projects/999/repository/commits", header: pat, wantStatus: 404,
			wantBody: `{"message":"404 Project Not Found"}`},
		{name: "hook missing url", method: "POST", path: "/projects/42/hooks", body: `{}`, header: append([]string{"Content-Type", "application/json"}, pat...),
			wantStatus: 400, wantBody: `{"error":"url is missing"}`},
		{name: "hook as form", method: "POST", path: "/projects/42/hooks", body: "url=https%3A%2F%2Fhub.example.com%2Fh&token=t0k&issues_events=true",
			header: append([]string{"Content-Type", "application/x-www-form-urlencoded"}, pat...), wantStatus: 201, wantBody: `"issues_events":true`},
		{name: "hook bad scheme", method: "POST", path: "/projects/42/hooks", body: `{"url":"ftp://x"}`, header: append([]string{"Content-Type", "application/json"}, pat...),
			wantStatus: 422, wantBody: `{"message":{"url":["is blocked: Only allowed schemes are http, https"]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, tt.method, s.URL()+tt.path, tt.body, tt.header...)
			if a.status != tt.wantStatus || !strings.Contains(a.body, tt.wantBody) {
				t.Errorf("%s %s = %d %s; want %d containing %s", tt.method, tt.path, a.status, a.body, tt.wantStatus, tt.wantBody)
			}
			if k := tt.wantHeader[0]; k != "" && a.header.Get(k) != tt.wantHeader[1] {
				t.Errorf("%s %s header %s = %q, want %q", tt.method, tt.path, k, a.header.Get(k), tt.wantHeader[1])
			}
			if strings.Contains(a.body, "t0k") {
				t.Errorf("%s %s echoed the hook token: %s", tt.method, tt.path, a.body)
			}
		})
	}
}

func TestScopesAndOAuth(t *testing.T) {
	t.Parallel()
	s := gitlabfake.New(gitlabfake.Options{Tokens: map[string]gitlabfake.Token{
		"read":  {User: gitlabfake.User{Username: "r"}, Scopes: []string{"read_api"}, Projects: []gitlabfake.Project{{ID: 1, Namespace: "g", Path: "p"}}},
		"oauth": {User: gitlabfake.User{Username: "o"}, Scopes: []string{"api"}, OAuth: true},
	}})
	t.Cleanup(s.Close)
	a := do(t, "POST", s.URL()+"/projects/1/hooks", `{"url":"https://x.example"}`, "PRIVATE-TOKEN", "read", "Content-Type", "application/json")
	if a.status != 403 || !strings.Contains(a.body, `"error":"insufficient_scope"`) {
		t.Errorf("POST with read_api = %d %s", a.status, a.body)
	}
	if a := do(t, "GET", s.URL()+"/user", "", "PRIVATE-TOKEN", "oauth"); a.status != 401 {
		t.Errorf("OAuth token as PRIVATE-TOKEN = %d, want 401", a.status)
	}
	if a := do(t, "GET", s.URL()+"/personal_access_tokens/self", "", "Authorization", "Bearer oauth"); a.status != 404 {
		t.Errorf("OAuth token self = %d, want 404", a.status)
	}
	if n := s.Calls("POST /projects/:id/hooks"); n != 1 {
		t.Errorf("Calls = %d, want 1", n)
	}
}
