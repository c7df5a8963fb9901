package terraform_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/terraform"
	"ihub/internal/provider/terraform/terraformfake"
)

func fake(t *testing.T, opts terraformfake.Options) *terraformfake.Server {
	t.Helper()
	s := terraformfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_terraform",
		BaseURL:       baseURL,
		Settings:      map[string]any{terraform.FieldOrganization: terraformfake.DefaultOrganization},
		Credentials:   providertest.Creds(terraform.FieldToken, token, terraform.FieldWebhookSecret, "whsec-terraform-notification-token"),
	}
}

func withOrg(c provider.Connection, org string) provider.Connection {
	c.Settings = map[string]any{terraform.FieldOrganization: org}
	return c
}

func failOn(suffix string, rep *terraformfake.Reply) func(*http.Request) *terraformfake.Reply {
	return func(r *http.Request) *terraformfake.Reply {
		if strings.HasSuffix(r.URL.Path, suffix) {
			return rep
		}
		return nil
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := terraform.New()
	if got, want := p.Descriptor().ID, "terraform"; got != want {
		t.Errorf("terraform.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != terraform.ID {
		t.Errorf("terraform.ID = %q, want the descriptor's id %q", terraform.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const token = terraformfake.DefaultToken
	ok := fake(t, terraformfake.Options{})
	limited := fake(t, terraformfake.Options{RateLimited: true})
	lb := fake(t, terraformfake.Options{Fail: failOn("/account/details", terraformfake.HTMLPage(http.StatusBadGateway, "502 Bad Gateway"))})
	echo := fake(t, terraformfake.Options{Fail: failOn("/account/details", terraformfake.Errors(http.StatusUnauthorized, "unauthorized", "token "+token+" expired"))})
	hang := fake(t, terraformfake.Options{Fail: terraformfake.Hang})

	providertest.Run(t, terraform.New(),
		providertest.CheckerCase{
			Name: "ok user token",
			Conn: conn(ok.URL(), token),
			Want: providertest.Want{OK: true, Contains: "Connected to Terraform Enterprise at 127.0.0.1",
				Details: []string{"username", "userId", "email", "serviceAccount", "twoFactor", "rateLimit", "organization", "workspaceCount"}},
		},
		providertest.CheckerCase{
			Name: "ok organization token",
			Conn: conn(ok.URL(), terraformfake.DefaultOrgToken),
			Want: providertest.Want{OK: true, Contains: "as api-org-acme-Nq8Zb (team or organization token)"},
		},
		providertest.CheckerCase{
			Name: "ok without an organization",
			Conn: withOrg(conn(ok.URL(), token), ""),
			Want: providertest.Want{OK: true, Contains: "as admin"},
		},
		providertest.CheckerCase{
			Name: "invisible organization keeps the test successful",
			Conn: withOrg(conn(ok.URL(), token), "other-org"),
			Want: providertest.Want{OK: true, Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "bad token",
			Conn: conn(ok.URL(), "WrongToken000000.atlasv1.000000000000000000000000000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
		},
		providertest.CheckerCase{
			Name: "token echoed by the server is redacted",
			Conn: conn(echo.URL(), token),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited",
			Conn: conn(limited.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true,
				Contains: "Too many requests: You have exceeded the API's rate limit."},
		},
		providertest.CheckerCase{
			Name: "load balancer page",
			Conn: conn(lb.URL(), token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadGateway},
		},
		providertest.CheckerCase{
			Name: "base URL without /api/v2",
			Conn: conn(strings.TrimSuffix(ok.URL(), "/api/v2"), token),
			Want: providertest.Want{Kind: provider.ErrNotFound},
		},
		providertest.CheckerCase{
			Name: "bad organization setting",
			Conn: withOrg(conn(ok.URL(), token), "a/b"),
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
	f := fake(t, terraformfake.Options{})
	res, err := terraform.New().Test(t.Context(), providertest.HTTPClient(), conn(f.URL(), terraformfake.DefaultToken))
	if err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	want := map[string]any{
		"username": "admin", "userId": "user-V3R563qtJNcExAkN", "email": "admin@example.com", "serviceAccount": false,
		"twoFactor": false, "rateLimit": 30, "organization": "acme", "workspaceCount": 3,
	}
	if diff := cmp.Diff(want, res.Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
	for _, route := range []string{"GET /account/details", "GET /organizations/{org}/workspaces"} {
		if n := f.Calls(route); n != 1 {
			t.Errorf("calls of %s = %d, want 1", route, n)
		}
	}
}
