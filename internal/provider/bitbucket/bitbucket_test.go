package bitbucket_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/outbound/outboundtest"
	"ihub/internal/provider"
	"ihub/internal/provider/bitbucket"
	"ihub/internal/provider/bitbucket/bitbucketfake"
	"ihub/internal/provider/providertest"
)

func fake(t *testing.T, opts bitbucketfake.Options) *bitbucketfake.Server {
	t.Helper()
	s := bitbucketfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

// conn is a connection with an Atlassian API token (Basic auth).
func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_bitbucket",
		BaseURL:       baseURL,
		Username:      bitbucketfake.DefaultEmail,
		Settings:      map[string]any{bitbucket.FieldWorkspace: bitbucketfake.DefaultWorkspace},
		Credentials:   providertest.Creds(bitbucket.FieldAPIToken, token, bitbucket.FieldWebhookSecret, "whsec-bitbucket-webhook-secret"),
	}
}

// bearer is a connection with a workspace access token.
func bearer(baseURL, token string) provider.Connection {
	c := conn(baseURL, token)
	c.Username = ""
	return c
}

func noWorkspace(c provider.Connection) provider.Connection {
	c.Settings = nil
	return c
}

func failOn(suffix string, rep *bitbucketfake.Reply) func(*http.Request) *bitbucketfake.Reply {
	return func(r *http.Request) *bitbucketfake.Reply {
		if strings.HasSuffix(r.URL.Path, suffix) {
			return rep
		}
		return nil
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := bitbucket.New()
	if got, want := p.Descriptor().ID, "bitbucket"; got != want {
		t.Errorf("bitbucket.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != bitbucket.ID {
		t.Errorf("bitbucket.ID = %q, want the descriptor's id %q", bitbucket.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const token = bitbucketfake.DefaultToken
	ok := fake(t, bitbucketfake.Options{})
	limited := fake(t, bitbucketfake.Options{RateLimited: true, RetryAfter: 20 * time.Second})
	limitedNoHeader := fake(t, bitbucketfake.Options{RateLimited: true})
	reposDenied := fake(t, bitbucketfake.Options{Fail: failOn("/repositories/acme", bitbucketfake.Error(http.StatusForbidden,
		"Access denied. You must have write or admin access.", ""))})
	down := fake(t, bitbucketfake.Options{Fail: failOn("/user", bitbucketfake.HTMLPage(http.StatusServiceUnavailable, "Bitbucket is down for maintenance"))})
	echo := fake(t, bitbucketfake.Options{Fail: failOn("/user", bitbucketfake.Error(http.StatusUnauthorized, "token "+token+" is revoked", ""))})
	hang := fake(t, bitbucketfake.Options{Fail: bitbucketfake.Hang})

	providertest.Run(t, bitbucket.New(),
		providertest.CheckerCase{
			Name: "ok API token",
			Conn: conn(ok.URL(), token),
			Want: providertest.Want{OK: true, Contains: "Connected to Bitbucket as jdoe (workspace acme, 3 repositories)",
				Details: []string{"nickname", "displayName", "accountId", "uuid", "authentication", "workspace", "repositoryCount"}},
		},
		providertest.CheckerCase{
			Name: "ok without a workspace",
			Conn: noWorkspace(conn(ok.URL(), token)),
			Want: providertest.Want{OK: true, Contains: "Connected to Bitbucket as jdoe"},
		},
		providertest.CheckerCase{
			Name: "ok workspace access token",
			Conn: bearer(ok.URL(), bitbucketfake.DefaultAccessToken),
			Want: providertest.Want{OK: true, Contains: "Connected to Bitbucket workspace acme with an access token",
				Details: []string{"repositoryCount", "note"}},
		},
		providertest.CheckerCase{
			Name: "repository listing denied keeps the test successful",
			Conn: conn(reposDenied.URL(), token),
			Want: providertest.Want{OK: true, Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "bad token",
			Conn: conn(ok.URL(), "ATATT3xFfGF0WrongToken000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
		},
		providertest.CheckerCase{
			Name: "API token sent as Bearer",
			Conn: bearer(ok.URL(), token),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
		},
		providertest.CheckerCase{
			Name: "access token without a workspace",
			Conn: noWorkspace(bearer(ok.URL(), bitbucketfake.DefaultAccessToken)),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "only accessible"},
		},
		providertest.CheckerCase{
			Name: "token echoed by the server is redacted",
			Conn: conn(echo.URL(), token),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited",
			Conn: conn(limited.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true, Contains: "Rate limit"},
		},
		providertest.CheckerCase{
			Name: "rate limited without Retry-After",
			Conn: conn(limitedNoHeader.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true},
		},
		providertest.CheckerCase{
			Name: "maintenance page",
			Conn: conn(down.URL(), token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusServiceUnavailable, Contains: "down for maintenance"},
		},
		providertest.CheckerCase{
			Name: "bad workspace setting",
			Conn: func() provider.Connection {
				c := conn(ok.URL(), token)
				c.Settings = map[string]any{bitbucket.FieldWorkspace: "../etc"}
				return c
			}(),
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
	f := fake(t, bitbucketfake.Options{})
	res, err := bitbucket.New().Test(t.Context(), providertest.HTTPClient(), conn(f.URL(), bitbucketfake.DefaultToken))
	if err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	want := map[string]any{
		"authentication": "basic", "nickname": "jdoe", "displayName": "J Doe",
		"accountId": "557058:6b4f0e2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b", "uuid": "{8a6c3b0e-1f2d-4c5b-9e7a-0d1c2b3a4f5e}",
		"workspace": "acme", "repositoryCount": 3,
	}
	if diff := cmp.Diff(want, res.Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
	for _, route := range []string{"GET /user", "GET /repositories/{workspace}"} {
		if n := f.Calls(route); n != 1 {
			t.Errorf("calls of %s = %d, want 1", route, n)
		}
	}
}

// TestConnectionTestMetrics: a workspace access token's refusal by /user,
// which the connection test expects (the repository listing proves the
// token), is recorded as a success in API metrics; a token refused by
// both calls records two errors.
func TestConnectionTestMetrics(t *testing.T) {
	t.Parallel()
	ok := fake(t, bitbucketfake.Options{})
	type call struct {
		Endpoint  string
		Status    int
		ErrorKind string
	}
	user, repos := "GET /user", "GET /repositories/{workspace}"
	tests := []struct {
		name    string
		conn    provider.Connection
		wantErr bool
		want    []call
	}{
		{"API token", conn(ok.URL(), bitbucketfake.DefaultToken), false, []call{{user, 200, ""}, {repos, 200, ""}}},
		{"workspace access token", bearer(ok.URL(), bitbucketfake.DefaultAccessToken), false,
			[]call{{user, 401, ""}, {repos, 200, ""}}},
		{"API token sent as Bearer", bearer(ok.URL(), bitbucketfake.DefaultToken), true,
			[]call{{user, 401, "auth"}, {repos, 401, "auth"}}},
		{"access token without a workspace", noWorkspace(bearer(ok.URL(), bitbucketfake.DefaultAccessToken)), true,
			[]call{{user, 401, "auth"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls, err := outboundtest.ConnectionTest(t, bitbucket.New(), bitbucket.ID, providertest.HTTPClient(), tt.conn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Test() error = %v, want error %v", err, tt.wantErr)
			}
			var got []call
			for _, c := range calls {
				got = append(got, call(c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("recorded calls (-want +got):\n%s", diff)
			}
		})
	}
}
