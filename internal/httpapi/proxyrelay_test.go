package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/store/storetest"
)

// proxyGet sends GET path through env without following redirects and
// returns the status and the headers named.
func proxyGet(t *testing.T, env *apptest.Env, path string, names ...string) (int, map[string][]string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", env.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.AdminToken)
	noFollow := &http.Client{Transport: env.Server.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	got := map[string][]string{}
	for _, n := range names {
		if vs := resp.Header.Values(n); len(vs) > 0 {
			got[n] = vs
		}
	}
	return resp.StatusCode, got
}

// TestProxyHeaderURLs: URLs the provider sends back in Location,
// Content-Location and Link never carry the credential the proxy injected,
// and those inside the integration's base URL lead back through the proxy.
func TestProxyHeaderURLs(t *testing.T) {
	t.Parallel()
	const secret = "QUERYSECRETLOC6"
	var upstream string // scheme://host:port of the fake
	fake := generichttpfake.New(generichttpfake.Options{Auth: generichttpfake.AuthQuery, Token: secret,
		Fail: func(r *http.Request) *generichttpfake.Reply {
			q := r.URL.RawQuery // holds api_key=QUERYSECRETLOC6, added by the proxy
			h := http.Header{}
			status := http.StatusFound
			switch strings.TrimPrefix(r.URL.Path, "/ok/http/") {
			case "items":
				h.Set("Location", "/ok/http/items?"+q)
			case "absolute":
				h.Set("Location", upstream+"/ok/http/items/7?"+q+"&API_KEY="+secret+"#frag")
			case "relative":
				h.Set("Location", "items/8?api_key="+secret+"&b=2")
			case "base":
				h.Set("Location", "/ok/http?api_key="+secret)
			case "outside":
				h.Set("Location", "/elsewhere/x?api_key="+secret+"&keep=1")
			case "foreign":
				h.Set("Location", "https://other.example/cb?Api_Key="+secret+"&z=2")
			case "other-port":
				h.Set("Location", "http://127.0.0.1:1/ok/http/items?api_key="+secret)
			case "created":
				status = http.StatusCreated
				h.Set("Location", "/ok/http/items/9")
				h.Set("Content-Location", upstream+"/ok/http/items/9?api_key="+secret)
			case "links":
				status = http.StatusOK
				h.Add("Link", "<"+upstream+"/ok/http/items?page=2&api_key="+secret+`>; rel="next", </ok/http/items?page=9>; rel="last"`)
				h.Add("Link", `<https://docs.example/api?key=1&api_key=`+secret+`>; rel="help"`)
			case "echo":
				status = http.StatusOK
				h.Set("X-Debug", "called "+upstream+"/ok/http/echo?"+q)
			}
			return &generichttpfake.Reply{Status: status, Header: h}
		}})
	t.Cleanup(fake.Close)
	upstream = fake.URL()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "q", "provider": "http",
		"baseUrl": fake.URL() + "/ok/http", "settings": map[string]any{"authMode": "query"},
		"credentials": map[string]any{"token": secret}}); r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	const proxy = "/api/v1/integrations/q/proxy/"
	tests := []struct {
		name, path string
		status     int
		want       map[string][]string
	}{
		{"same host keeping the query", "items?y=1", 302,
			map[string][]string{"Location": {proxy + "items?y=1"}}},
		{"absolute with a case-insensitive duplicate", "absolute?y=1", 302,
			map[string][]string{"Location": {proxy + "items/7?y=1#frag"}}},
		{"relative to the request", "relative", 302,
			map[string][]string{"Location": {proxy + "items/8?b=2"}}},
		{"the base URL itself", "base", 302,
			map[string][]string{"Location": {proxy}}},
		{"same host outside the base", "outside", 302,
			map[string][]string{"Location": {upstream + "/elsewhere/x?keep=1"}}},
		{"another host", "foreign", 302,
			map[string][]string{"Location": {"https://other.example/cb?z=2"}}},
		{"another port", "other-port", 302,
			map[string][]string{"Location": {"http://127.0.0.1:1/ok/http/items"}}},
		{"created", "created", 201,
			map[string][]string{"Location": {proxy + "items/9"}, "Content-Location": {proxy + "items/9"}}},
		{"links", "links", 200, map[string][]string{"Link": {
			"<" + proxy + `items?page=2>; rel="next", <` + proxy + `items?page=9>; rel="last"`,
			`<https://docs.example/api?key=1>; rel="help"`,
		}}},
		{"echoed in another header", "echo", 200,
			map[string][]string{"X-Debug": {"called " + upstream + "/ok/http/echo?api_key=[REDACTED]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, got := proxyGet(t, env, proxy+tt.path, "Location", "Content-Location", "Link", "X-Debug")
			if status != tt.status {
				t.Errorf("GET %s = %d, want %d", tt.path, status, tt.status)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GET %s headers (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

// TestProxyGitHubLinks: GitHub's pagination links (absolute URLs of its API,
// here under an Enterprise-style /api/v3 prefix) lead back through the
// proxy.
func TestProxyGitHubLinks(t *testing.T) {
	t.Parallel()
	fake := githubfake.New(githubfake.Options{PathPrefix: "/api/v3"})
	t.Cleanup(fake.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
		"baseUrl": fake.URL(), "credentials": map[string]any{"token": githubfake.DefaultToken}}); r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	status, got := proxyGet(t, env, "/api/v1/integrations/gh/proxy/repos/octocat/Hello-World/commits?per_page=1&page=2", "Link")
	const p = "/api/v1/integrations/gh/proxy/repos/octocat/Hello-World/commits"
	want := map[string][]string{"Link": {"<" + p + `?page=3&per_page=1>; rel="next", <` + p + `?page=1&per_page=1>; rel="prev", <` +
		p + `?page=1&per_page=1>; rel="first"`}}
	if diff := cmp.Diff(want, got); status != 200 || diff != "" {
		t.Errorf("GET commits = %d, Link (-want +got):\n%s", status, diff)
	}
}
