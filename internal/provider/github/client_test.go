package github_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/github"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

const testToken = "ghp_ClientTestToken00000000000000000000"

func setup(t *testing.T, handler http.HandlerFunc) *github.Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := github.NewClient(srv.URL, srv.Client(), secret.NewValue(testToken))
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	return c
}

func reply(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	reset := strconv.FormatInt(now.Add(42*time.Second).Unix(), 10)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    provider.Error
	}{
		{
			name:    "bad credentials",
			handler: reply(401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`),
			want:    provider.Error{Kind: provider.ErrAuth, Status: 401, Message: "Bad credentials"},
		},
		{
			name:    "forbidden without rate limiting",
			handler: reply(403, `{"message":"Resource not accessible by personal access token"}`, "X-RateLimit-Remaining", "4999"),
			want:    provider.Error{Kind: provider.ErrAuth, Status: 403, Message: "Resource not accessible by personal access token"},
		},
		{
			name: "primary limit uses the reset time",
			handler: reply(403, `{"message":"API rate limit exceeded for user ID 1."}`,
				"X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "5000", "X-RateLimit-Reset", reset),
			want: provider.Error{Kind: provider.ErrRateLimited, Status: 403, Message: "API rate limit exceeded for user ID 1.", RetryAfter: 42 * time.Second},
		},
		{
			name:    "secondary limit with Retry-After",
			handler: reply(403, `{"message":"You have exceeded a secondary rate limit."}`, "Retry-After", "30"),
			want:    provider.Error{Kind: provider.ErrRateLimited, Status: 403, Message: "You have exceeded a secondary rate limit.", RetryAfter: 30 * time.Second},
		},
		{
			name:    "secondary limit without headers waits a minute",
			handler: reply(403, `{"message":"You have exceeded a secondary rate limit."}`),
			want:    provider.Error{Kind: provider.ErrRateLimited, Status: 403, Message: "You have exceeded a secondary rate limit.", RetryAfter: time.Minute},
		},
		{
			name:    "429 without headers",
			handler: reply(429, ``),
			want:    provider.Error{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: time.Minute},
		},
		{
			name:    "not found",
			handler: reply(404, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`),
			want:    provider.Error{Kind: provider.ErrNotFound, Status: 404},
		},
		{
			name: "validation failed",
			handler: reply(422, `{"message":"Validation Failed","errors":[{"resource":"Hook","code":"custom",`+
				`"message":"Hook already exists on this repository"},{"resource":"Hook","field":"url","code":"missing_field"}]}`),
			want: provider.Error{Kind: provider.ErrProvider, Status: 422, Code: "custom",
				Message: "Validation Failed: Hook already exists on this repository; url missing_field"},
		},
		{
			name:    "HTML error page",
			handler: reply(500, `<!DOCTYPE html><html><head><title>Server Error · GitHub</title></head><body>`+strings.Repeat("<p>x</p>", 5000)+`</body></html>`),
			want:    provider.Error{Kind: provider.ErrProvider, Status: 500, Message: "Server Error · GitHub"},
		},
		{
			name:    "non-JSON success",
			handler: reply(200, `<html><head><title>Sign in to GitHub</title></head></html>`),
			want: provider.Error{Kind: provider.ErrProvider, Message: "expected a JSON answer from the GitHub API; check that the " +
				"base URL is the API root (https://api.github.com or https://<host>/api/v3); it answered: Sign in to GitHub"},
		},
		{
			name:    "message echoing the token",
			handler: reply(401, `{"message":"token `+testToken+` revoked"}`),
			want:    provider.Error{Kind: provider.ErrAuth, Status: 401, Message: "token [REDACTED] revoked"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setup(t, tt.handler)
			c.Now = func() time.Time { return now }
			_, resp, err := c.User(t.Context())
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("User() error = %v (%T), want a *provider.Error", err, err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("User() error mismatch (-want +got):\n%s", diff)
			}
			if resp == nil {
				t.Errorf("User() response = nil, want the answer's metadata")
			}
		})
	}
}

func TestClientErrorText(t *testing.T) {
	t.Parallel()
	c := setup(t, reply(401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`))
	_, _, err := c.User(t.Context())
	if got, want := err.Error(), "401 Unauthorized — Bad credentials"; got != want {
		t.Errorf("User() error = %q, want %q", got, want)
	}
}

func TestClientRequestHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	var path string
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		got, path = r.Header.Clone(), r.URL.RequestURI()
		_, _ = w.Write([]byte(`{"login":"octocat"}`))
	})
	if _, _, err := c.User(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Authorization":        "Bearer " + testToken,
		"Accept":               "application/vnd.github+json",
		"X-Github-Api-Version": "2022-11-28",
		"User-Agent":           "ihub",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
		}
	}
	if path != "/user" {
		t.Errorf("request URI = %q, want /user", path)
	}
}

func TestListReposPagination(t *testing.T) {
	t.Parallel()
	repos := make([]githubfake.Repository, 57)
	for i := range repos {
		repos[i] = githubfake.Repository{Name: "r" + strconv.Itoa(100+i)}
	}
	f := fake(t, githubfake.Options{Tokens: map[string]githubfake.Token{
		testToken: {User: githubfake.User{Login: "octo", ID: 9}, Repos: repos},
	}})
	c, err := github.NewClient(f.URL(), providertest.HTTPClient(), secret.NewValue(testToken))
	if err != nil {
		t.Fatal(err)
	}
	type page struct{ Len, Next, Prev, First, Last int }
	tests := []struct {
		page, perPage int
		want          page
	}{
		{1, 10, page{Len: 10, Next: 2, Last: 6}},
		{3, 10, page{Len: 10, Next: 4, Prev: 2, First: 1, Last: 6}},
		{6, 10, page{Len: 7, Prev: 5, First: 1}},
		{1, 100, page{Len: 57}},
		{1, 1, page{Len: 1, Next: 2, Last: 57}},
		{0, 0, page{Len: 30, Next: 2, Last: 2}},
	}
	for _, tt := range tests {
		got, resp, err := c.ListRepos(t.Context(), &github.RepoListOptions{ListOptions: github.ListOptions{Page: tt.page, PerPage: tt.perPage}})
		if err != nil {
			t.Fatalf("ListRepos(page %d, per_page %d) error = %v", tt.page, tt.perPage, err)
		}
		gotPage := page{Len: len(got), Next: resp.NextPage, Prev: resp.PrevPage, First: resp.FirstPage, Last: resp.LastPage}
		if gotPage != tt.want {
			t.Errorf("ListRepos(page %d, per_page %d) = %+v, want %+v", tt.page, tt.perPage, gotPage, tt.want)
		}
	}
	got, _, err := c.ListRepos(t.Context(), &github.RepoListOptions{ListOptions: github.ListOptions{PerPage: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := &github.Repository{ID: 1000, Name: "r100", FullName: "octo/r100", DefaultBranch: "main",
		HTMLURL: "https://github.com/octo/r100", CloneURL: "https://github.com/octo/r100.git"}
	want.Owner.Login = "octo"
	if diff := cmp.Diff([]*github.Repository{want}, got); diff != "" {
		t.Errorf("ListRepos() mismatch (-want +got):\n%s", diff)
	}
}

func TestResponseMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		header     []string
		wantScopes []string
		wantRate   github.Rate
		wantLast   int
	}{
		{
			name:       "classic token",
			header:     []string{"X-OAuth-Scopes", "repo,  read:org ,admin:repo_hook", "X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "4990", "X-RateLimit-Used", "10", "X-RateLimit-Reset", "1800000000", "X-RateLimit-Resource", "core"},
			wantScopes: []string{"repo", "read:org", "admin:repo_hook"},
			wantRate:   github.Rate{Limit: 5000, Remaining: 4990, Used: 10, Reset: time.Unix(1800000000, 0), Resource: "core"},
		},
		{
			name:       "classic token without scopes",
			header:     []string{"X-OAuth-Scopes", ""},
			wantScopes: []string{},
		},
		{
			name: "fine-grained token",
		},
		{
			name:     "link with several rels and odd spacing",
			header:   []string{"Link", `<https://api.github.com/user/repos?per_page=1&page=2>; rel="next",  <https://api.github.com/user/repos?page=9&per_page=1>;rel="last", <bad>; rel="prev", garbage`},
			wantLast: 9,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i+1 < len(tt.header); i += 2 {
					w.Header().Set(tt.header[i], tt.header[i+1])
				}
				_, _ = w.Write([]byte(`{"login":"x"}`))
			})
			_, resp, err := c.User(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantScopes, resp.Scopes); diff != "" {
				t.Errorf("Scopes mismatch (-want +got):\n%s", diff)
			}
			if (tt.wantScopes == nil) != (resp.Scopes == nil) {
				t.Errorf("Scopes = %#v, want nil = %v", resp.Scopes, tt.wantScopes == nil)
			}
			if !resp.Rate.Reset.Equal(tt.wantRate.Reset) {
				t.Errorf("Rate.Reset = %v, want %v", resp.Rate.Reset, tt.wantRate.Reset)
			}
			gotRate, wantRate := resp.Rate, tt.wantRate
			gotRate.Reset, wantRate.Reset = time.Time{}, time.Time{}
			if gotRate != wantRate {
				t.Errorf("Rate = %+v, want %+v", gotRate, wantRate)
			}
			if resp.LastPage != tt.wantLast {
				t.Errorf("LastPage = %d, want %d", resp.LastPage, tt.wantLast)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	tok := secret.NewValue(testToken)
	if _, err := github.NewClient("", providertest.HTTPClient(), tok); err != nil {
		t.Errorf("NewClient(\"\") error = %v, want the default base URL", err)
	}
	for _, tt := range []struct {
		name  string
		base  string
		hc    *http.Client
		token secret.Value
	}{
		{"bad scheme", "git://github.com", providertest.HTTPClient(), tok},
		{"credentials in URL", "https://x:" + testToken + "@api.github.com", providertest.HTTPClient(), tok},
		{"no client", "", nil, tok},
		{"no token", "", providertest.HTTPClient(), secret.Value{}},
		{"token with newline", "", providertest.HTTPClient(), secret.NewValue("abc\nX-Evil: 1")},
	} {
		_, err := github.NewClient(tt.base, tt.hc, tt.token)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want invalid", tt.name, err)
		} else if strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: NewClient() error %q contains the token", tt.name, err)
		}
	}
	c, _ := github.NewClient("", providertest.HTTPClient(), tok)
	for _, p := range []string{"/user", "https://evil.example/user"} {
		if _, err := c.NewRequest(t.Context(), http.MethodGet, p, nil); err == nil {
			t.Errorf("NewRequest(%q) error = nil, want a relative-path error", p)
		}
	}
}

func TestEnterprisePrefix(t *testing.T) {
	t.Parallel()
	f := fake(t, githubfake.Options{PathPrefix: "/api/v3"})
	c, err := github.NewClient(f.URL(), providertest.HTTPClient(), secret.NewValue(githubfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := c.User(t.Context())
	if err != nil || u.Login != "octocat" {
		t.Fatalf("User() = %+v, %v; want octocat", u, err)
	}
	if !strings.HasSuffix(f.URL(), "/api/v3") || f.Calls("GET /user") != 1 {
		t.Errorf("URL() = %q, calls = %d; want the /api/v3 prefix and one call", f.URL(), f.Calls("GET /user"))
	}
}
