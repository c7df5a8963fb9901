package gitlab_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/gitlab"
	"ihub/internal/provider/gitlab/gitlabfake"
	"ihub/internal/provider/providertest"
)

func fake(t *testing.T, opts gitlabfake.Options) *gitlabfake.Server {
	t.Helper()
	s := gitlabfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_gitlab",
		BaseURL:       baseURL,
		Credentials:   providertest.Creds(gitlab.FieldToken, token, gitlab.FieldWebhookSecret, "whsec-gitlab-webhook-secret"),
	}
}

func withHeader(c provider.Connection, header string) provider.Connection {
	c.Settings = map[string]any{gitlab.FieldTokenHeader: header}
	return c
}

// failOn answers rep for requests whose path ends with suffix.
func failOn(suffix string, rep *gitlabfake.Reply) func(*http.Request) *gitlabfake.Reply {
	return func(r *http.Request) *gitlabfake.Reply {
		if strings.HasSuffix(r.URL.Path, suffix) {
			return rep
		}
		return nil
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := gitlab.New()
	if got, want := p.Descriptor().ID, "gitlab"; got != want {
		t.Errorf("gitlab.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != gitlab.ID {
		t.Errorf("gitlab.ID = %q, want the descriptor's id %q", gitlab.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const token = gitlabfake.DefaultToken
	ok := fake(t, gitlabfake.Options{})
	selfHosted := fake(t, gitlabfake.Options{PathPrefix: "/gitlab/api/v4", Version: "16.11.10"})
	oauth := fake(t, gitlabfake.Options{Tokens: map[string]gitlabfake.Token{
		"oauth-access-token-0123456789": {User: gitlabfake.User{ID: 7, Username: "ci"}, OAuth: true, Scopes: []string{"api"}},
	}})
	readUser := fake(t, gitlabfake.Options{Tokens: map[string]gitlabfake.Token{
		"glpat-ReadUserOnly0123456789": {User: gitlabfake.User{ID: 8, Username: "viewer"}, Scopes: []string{"read_user"}},
	}})
	limited := fake(t, gitlabfake.Options{RateLimited: true})
	whoops := fake(t, gitlabfake.Options{Fail: failOn("/user", gitlabfake.HTMLPage(http.StatusBadGateway, "GitLab is not responding (502)"))})
	echo := fake(t, gitlabfake.Options{Fail: failOn("/user", gitlabfake.Message(http.StatusUnauthorized, "token "+token+" revoked"))})
	revoked := fake(t, gitlabfake.Options{Fail: failOn("/user", &gitlabfake.Reply{Status: http.StatusUnauthorized,
		Body: `{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}`})})
	hang := fake(t, gitlabfake.Options{Fail: gitlabfake.Hang})

	providertest.Run(t, gitlab.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: conn(ok.URL(), token),
			Want: providertest.Want{OK: true, Contains: "Connected to GitLab 17.5.2-ee as jdoe",
				Details: []string{"username", "name", "userId", "version", "scopes", "tokenName", "tokenExpiresAt", "rateLimit"}},
		},
		providertest.CheckerCase{
			Name: "ok with PRIVATE-TOKEN",
			Conn: withHeader(conn(ok.URL(), token), gitlab.HeaderPrivateToken),
			Want: providertest.Want{OK: true, Contains: "as jdoe"},
		},
		providertest.CheckerCase{
			Name: "ok self-managed under a path",
			Conn: conn(selfHosted.URL(), token),
			Want: providertest.Want{OK: true, Contains: "Connected to GitLab 16.11.10 as jdoe"},
		},
		providertest.CheckerCase{
			Name: "ok OAuth token without token details",
			Conn: conn(oauth.URL(), "oauth-access-token-0123456789"),
			Want: providertest.Want{OK: true, Contains: "as ci", Details: []string{"note", "version"}},
		},
		providertest.CheckerCase{
			Name: "ok read_user token",
			Conn: conn(readUser.URL(), "glpat-ReadUserOnly0123456789"),
			Want: providertest.Want{OK: true, Contains: "Connected to GitLab as viewer", Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "bad token",
			Conn: conn(ok.URL(), "glpat-WrongToken000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
		},
		providertest.CheckerCase{
			Name: "OAuth token sent as PRIVATE-TOKEN",
			Conn: withHeader(conn(oauth.URL(), "oauth-access-token-0123456789"), gitlab.HeaderPrivateToken),
			Want: providertest.Want{Kind: provider.ErrAuth},
		},
		providertest.CheckerCase{
			Name: "revoked OAuth token",
			Conn: conn(revoked.URL(), token),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Token was revoked"},
		},
		providertest.CheckerCase{
			Name: "token echoed by the server is redacted",
			Conn: conn(echo.URL(), token),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited",
			Conn: conn(limited.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true, Contains: "requested too many times"},
		},
		providertest.CheckerCase{
			Name: "HTML 502 page",
			Conn: conn(whoops.URL(), token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadGateway, Contains: "GitLab is not responding"},
		},
		providertest.CheckerCase{
			Name: "base URL without /api/v4",
			Conn: conn(strings.TrimSuffix(ok.URL(), "/api/v4"), token),
			Want: providertest.Want{Kind: provider.ErrNotFound},
		},
		providertest.CheckerCase{
			Name: "bad token header setting",
			Conn: withHeader(conn(ok.URL(), token), "cookie"),
			Want: providertest.Want{Kind: provider.ErrInvalid},
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
	f := fake(t, gitlabfake.Options{})
	res, err := gitlab.New().Test(t.Context(), providertest.HTTPClient(), conn(f.URL(), gitlabfake.DefaultToken))
	if err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	want := map[string]any{
		"username": "jdoe", "name": "J Doe", "userId": int64(1001), "state": "active", "admin": false, "bot": false,
		"version": "17.5.2-ee", "revision": "6f0a1b2c3d4", "tokenName": "ihub", "scopes": []string{"api", "read_api"},
		"tokenExpiresAt": "2027-06-30", "rateLimit": 2000, "rateLimitRemaining": 1999,
	}
	if diff := cmp.Diff(want, res.Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
	for _, route := range []string{"GET /user", "GET /version", "GET /personal_access_tokens/self"} {
		if n := f.Calls(route); n != 1 {
			t.Errorf("calls of %s = %d, want 1", route, n)
		}
	}
}
