package github_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/provider"
	"ihub/internal/provider/github"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/providertest"
)

func fake(t *testing.T, opts githubfake.Options) *githubfake.Server {
	t.Helper()
	s := githubfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_github",
		BaseURL:       baseURL,
		Credentials:   providertest.Creds(github.FieldToken, token, github.FieldWebhookSecret, "whsec-github-webhook-secret"),
	}
}

// failOn answers rep for requests whose path ends with suffix.
func failOn(suffix string, rep *githubfake.Reply) func(*http.Request) *githubfake.Reply {
	return func(r *http.Request) *githubfake.Reply {
		if strings.HasSuffix(r.URL.Path, suffix) {
			return rep
		}
		return nil
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const token = githubfake.DefaultToken
	ok := fake(t, githubfake.Options{})
	ghes := fake(t, githubfake.Options{PathPrefix: "/api/v3", TLS: true})
	fineGrained := fake(t, githubfake.Options{Tokens: map[string]githubfake.Token{
		"github_pat_11FINEGRAINED0123456789": {User: githubfake.User{Login: "deploy-bot", ID: 42, Type: "User"}},
	}})
	primary := fake(t, githubfake.Options{RateLimited: githubfake.Primary})
	secondary := fake(t, githubfake.Options{RateLimited: githubfake.Secondary, RetryAfter: 90 * time.Second})
	tooMany := fake(t, githubfake.Options{RateLimited: githubfake.TooMany})
	exhausted := fake(t, githubfake.Options{RateLimit: 1})
	reposFail := fake(t, githubfake.Options{Fail: failOn("/user/repos", &githubfake.Reply{
		Status: http.StatusForbidden, Body: `{"message":"Resource not accessible by personal access token","status":"403"}`})})
	unicorn := fake(t, githubfake.Options{Fail: failOn("/user", githubfake.HTMLPage(http.StatusServiceUnavailable, "Unicorn! · GitHub"))})
	echo := fake(t, githubfake.Options{Fail: failOn("/user", &githubfake.Reply{
		Status: http.StatusUnauthorized, Body: `{"message":"Bad credentials: token ` + token + ` was revoked"}`})})
	serverError := fake(t, githubfake.Options{Fail: failOn("/user", &githubfake.Reply{
		Status: http.StatusInternalServerError, Body: `{"message":"Server Error"}`})})
	hang := fake(t, githubfake.Options{Fail: githubfake.Hang})

	providertest.Run(t, github.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: conn(ok.URL(), token),
			Want: providertest.Want{OK: true, Contains: "Connected to GitHub as octocat",
				Details: []string{"login", "name", "type", "scopes", "rateLimit", "rateLimitRemaining", "repositoryCount"}},
		},
		providertest.CheckerCase{
			Name:   "ok enterprise server under /api/v3",
			Conn:   conn(ghes.URL(), token),
			Client: ghes.Client(),
			Want:   providertest.Want{OK: true, Details: []string{"repositoryCount"}},
		},
		providertest.CheckerCase{
			Name: "ok fine-grained token",
			Conn: conn(fineGrained.URL(), "github_pat_11FINEGRAINED0123456789"),
			Want: providertest.Want{OK: true, Contains: "deploy-bot", Details: []string{"repositoryCount"}},
		},
		providertest.CheckerCase{
			Name: "repository listing forbidden keeps the test successful",
			Conn: conn(reposFail.URL(), token),
			Want: providertest.Want{OK: true, Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "bad credentials",
			Conn: conn(ok.URL(), "ghp_WrongToken0000000000000000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "401 Unauthorized — Bad credentials"},
		},
		providertest.CheckerCase{
			Name: "token echoed by the server is redacted",
			Conn: conn(echo.URL(), token),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "primary rate limit",
			Conn: conn(primary.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusForbidden, RetryAfter: true, Contains: "API rate limit exceeded"},
		},
		providertest.CheckerCase{
			Name: "secondary rate limit",
			Conn: conn(secondary.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusForbidden, RetryAfter: true, Contains: "secondary rate limit"},
		},
		providertest.CheckerCase{
			Name: "429 too many requests",
			Conn: conn(tooMany.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true},
		},
		providertest.CheckerCase{
			// /user uses the only request of the window; /user/repos is limited.
			Name: "limit exhausted between the two calls",
			Conn: conn(exhausted.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true},
		},
		providertest.CheckerCase{
			Name: "HTML unicorn page",
			Conn: conn(unicorn.URL(), token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusServiceUnavailable, Contains: "Unicorn! · GitHub"},
		},
		providertest.CheckerCase{
			Name: "server error",
			Conn: conn(serverError.URL(), token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusInternalServerError, Contains: "500 Internal Server Error — Server Error"},
		},
		providertest.CheckerCase{
			Name: "wrong base URL path",
			Conn: conn(ok.URL()+"/nope", token),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound},
		},
		providertest.CheckerCase{
			Name: "unreachable",
			Conn: conn(providertest.ClosedURL(t), token),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "connection refused"},
		},
		providertest.CheckerCase{
			Name:    "deadline",
			Conn:    conn(hang.URL(), token),
			Timeout: 150 * time.Millisecond,
			Want:    providertest.Want{Kind: provider.ErrTransport, Contains: "deadline exceeded"},
		},
		providertest.CheckerCase{
			Name:        "cancelled",
			Conn:        conn(hang.URL(), token),
			CancelAfter: 100 * time.Millisecond,
			Want:        providertest.Want{Kind: provider.ErrTransport},
		},
	)
}

func TestTestDetails(t *testing.T) {
	t.Parallel()
	repos := func(n int) []githubfake.Repository {
		out := make([]githubfake.Repository, n)
		for i := range out {
			out[i] = githubfake.Repository{Name: "repo-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)}
		}
		return out
	}
	tests := []struct {
		name  string
		token githubfake.Token
		want  map[string]any
	}{
		{
			name: "classic token with scopes and many repositories",
			token: githubfake.Token{
				User:   githubfake.User{Login: "octocat", ID: 1, Name: "The Octocat"},
				Scopes: []string{"repo", "admin:repo_hook", "read:org"},
				Repos:  repos(57),
			},
			want: map[string]any{
				"login": "octocat", "name": "The Octocat", "type": "User",
				"scopes":          []string{"repo", "admin:repo_hook", "read:org"},
				"repositoryCount": 57, "rateLimit": 5000, "rateLimitRemaining": 4998,
			},
		},
		{
			name:  "classic token without scopes",
			token: githubfake.Token{User: githubfake.User{Login: "nobody", ID: 2}, Scopes: []string{}, Repos: repos(1)},
			want: map[string]any{
				"login": "nobody", "name": "", "type": "User", "scopes": []string{},
				"repositoryCount": 1, "rateLimit": 5000, "rateLimitRemaining": 4998,
			},
		},
		{
			name:  "fine-grained token without repositories",
			token: githubfake.Token{User: githubfake.User{Login: "ci-bot", ID: 3, Type: "Bot"}},
			want: map[string]any{
				"login": "ci-bot", "name": "", "type": "Bot",
				"repositoryCount": 0, "rateLimit": 5000, "rateLimitRemaining": 4998,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const tok = "ghp_DetailsTestToken000000000000000000"
			f := fake(t, githubfake.Options{Tokens: map[string]githubfake.Token{tok: tt.token}})
			res, err := github.New().Test(t.Context(), providertest.HTTPClient(), conn(f.URL(), tok))
			if err != nil {
				t.Fatalf("Test() error = %v", err)
			}
			if _, ok := res.Details["rateLimitReset"]; !ok {
				t.Errorf("Test() details = %v, want rateLimitReset", res.Details)
			}
			if diff := cmp.Diff(tt.want, res.Details, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "rateLimitReset" })); diff != "" {
				t.Errorf("Test() details mismatch (-want +got):\n%s", diff)
			}
			for _, route := range []string{"GET /user", "GET /user/repos"} {
				if got := f.Calls(route); got != 1 {
					t.Errorf("calls of %s = %d, want 1", route, got)
				}
			}
		})
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	if got := github.New().Descriptor().ID; got != "github" {
		t.Errorf("github.New().Descriptor().ID = %q, want %q", got, "github")
	}
}
