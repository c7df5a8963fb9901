package githubfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/providertest"
)

type answer struct {
	status int
	header http.Header
	body   string
	msg    string
}

func get(t *testing.T, rawURL string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "test")
	for i := 0; i+1 < len(header); i += 2 {
		// An empty value is sent as "no header" (for User-Agent, net/http
		// then omits its default).
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
	var doc struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &doc) // not every answer is JSON
	return answer{resp.StatusCode, resp.Header, string(b), doc.Message}
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := githubfake.New(githubfake.Options{})
	t.Cleanup(s.Close)
	auth := "Bearer " + githubfake.DefaultToken
	tests := []struct {
		name       string
		path       string
		header     []string
		wantStatus int
		wantMsg    string
		wantBody   string
	}{
		{name: "user", path: "/user", header: []string{"Authorization", auth}, wantStatus: 200, wantBody: `"login":"octocat"`},
		{name: "token scheme", path: "/user", header: []string{"Authorization", "token " + githubfake.DefaultToken}, wantStatus: 200},
		{name: "no auth", path: "/user", wantStatus: 401, wantMsg: "Requires authentication"},
		{name: "bad token", path: "/user", header: []string{"Authorization", "Bearer nope"}, wantStatus: 401, wantMsg: "Bad credentials"},
		{name: "no user agent", path: "/user", header: []string{"Authorization", auth, "User-Agent", ""}, wantStatus: 403, wantBody: "User-Agent header"},
		{name: "unsupported API version", path: "/user", header: []string{"Authorization", auth, "X-GitHub-Api-Version", "2001-01-01"}, wantStatus: 400, wantMsg: "API version 2001-01-01 is not supported."},
		{name: "unknown path", path: "/nope", header: []string{"Authorization", auth}, wantStatus: 404, wantMsg: "Not Found"},
		{name: "rate_limit", path: "/rate_limit", header: []string{"Authorization", auth}, wantStatus: 200, wantBody: `"resource":"core"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := get(t, s.URL()+tt.path, tt.header...)
			if a.status != tt.wantStatus {
				t.Errorf("GET %s status = %d, want %d (%s)", tt.path, a.status, tt.wantStatus, a.body)
			}
			if tt.wantMsg != "" && a.msg != tt.wantMsg {
				t.Errorf("GET %s message = %q, want %q", tt.path, a.msg, tt.wantMsg)
			}
			if !strings.Contains(a.body, tt.wantBody) {
				t.Errorf("GET %s body = %s, want it to contain %s", tt.path, a.body, tt.wantBody)
			}
			if a.header.Get("X-RateLimit-Limit") == "" && tt.wantStatus != 403 && tt.wantStatus != 400 {
				t.Errorf("GET %s has no X-RateLimit-Limit header", tt.path)
			}
		})
	}
}

func TestScopesHeader(t *testing.T) {
	t.Parallel()
	s := githubfake.New(githubfake.Options{Tokens: map[string]githubfake.Token{
		"classic": {User: githubfake.User{Login: "a"}, Scopes: []string{"repo", "read:org"}},
		"fine":    {User: githubfake.User{Login: "b"}},
	}})
	t.Cleanup(s.Close)
	if got := get(t, s.URL()+"/user", "Authorization", "Bearer classic").header.Get("X-OAuth-Scopes"); got != "repo, read:org" {
		t.Errorf("classic X-OAuth-Scopes = %q, want %q", got, "repo, read:org")
	}
	if _, ok := get(t, s.URL()+"/user", "Authorization", "Bearer fine").header["X-Oauth-Scopes"]; ok {
		t.Errorf("fine-grained token got an X-OAuth-Scopes header, want none")
	}
}

func TestLinkHeader(t *testing.T) {
	t.Parallel()
	s := githubfake.New(githubfake.Options{Tokens: map[string]githubfake.Token{
		"t": {User: githubfake.User{Login: "o"}, Repos: make([]githubfake.Repository, 5)},
	}})
	t.Cleanup(s.Close)
	a := get(t, s.URL()+"/user/repos?per_page=2&page=2", "Authorization", "Bearer t")
	want := "<" + s.URL() + `/user/repos?page=1&per_page=2>; rel="prev", ` +
		"<" + s.URL() + `/user/repos?page=3&per_page=2>; rel="next", ` +
		"<" + s.URL() + `/user/repos?page=3&per_page=2>; rel="last", ` +
		"<" + s.URL() + `/user/repos?page=1&per_page=2>; rel="first"`
	if got := a.header.Get("Link"); got != want {
		t.Errorf("Link = %s\nwant   %s", got, want)
	}
	if a := get(t, s.URL()+"/user/repos?per_page=5", "Authorization", "Bearer t"); a.header.Get("Link") != "" {
		t.Errorf("single page Link = %q, want none", a.header.Get("Link"))
	}
}

func TestRateLimiting(t *testing.T) {
	t.Parallel()
	s := githubfake.New(githubfake.Options{RateLimit: 2})
	t.Cleanup(s.Close)
	auth := "Bearer " + githubfake.DefaultToken
	for i, wantRemaining := range []string{"1", "0"} {
		a := get(t, s.URL()+"/user", "Authorization", auth)
		if a.status != 200 || a.header.Get("X-RateLimit-Remaining") != wantRemaining {
			t.Errorf("request %d = %d remaining %q, want 200 remaining %s", i+1, a.status, a.header.Get("X-RateLimit-Remaining"), wantRemaining)
		}
	}
	a := get(t, s.URL()+"/user", "Authorization", auth)
	if a.status != 403 || a.header.Get("X-RateLimit-Remaining") != "0" || !strings.HasPrefix(a.msg, "API rate limit exceeded") {
		t.Errorf("request over the limit = %d %q remaining %q, want 403 rate limit exceeded with remaining 0", a.status, a.msg, a.header.Get("X-RateLimit-Remaining"))
	}

	s2 := githubfake.New(githubfake.Options{})
	t.Cleanup(s2.Close)
	s2.SetRateLimited(githubfake.TooMany)
	a = get(t, s2.URL()+"/user", "Authorization", auth)
	if a.status != 429 || a.header.Get("Retry-After") != "60" {
		t.Errorf("TooMany = %d Retry-After %q, want 429 with Retry-After 60", a.status, a.header.Get("Retry-After"))
	}
	s2.SetRateLimited(githubfake.Secondary)
	if a = get(t, s2.URL()+"/user", "Authorization", auth); a.status != 403 || a.header.Get("Retry-After") != "60" {
		t.Errorf("Secondary = %d Retry-After %q, want 403 with Retry-After 60", a.status, a.header.Get("Retry-After"))
	}
	s2.SetRateLimited(githubfake.NotLimited)
	if a = get(t, s2.URL()+"/user", "Authorization", auth); a.status != 200 {
		t.Errorf("NotLimited = %d, want 200", a.status)
	}
	if got := s2.Requests(); got != 3 {
		t.Errorf("Requests() = %d, want 3", got)
	}
}
