package zohobilling_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho/zohofake"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohobilling"
)

const clientSecret = "c0ffee-client-secret-0123456789abcdef"

func fake(t *testing.T, opts zohofake.Options) *zohofake.Server {
	t.Helper()
	s := zohofake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token, orgID string) provider.Connection {
	settings := map[string]any{"clientId": "1000.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "dataCenter": "eu"}
	if orgID != "" {
		settings["organizationId"] = orgID
	}
	return provider.Connection{
		IntegrationID: "int_zoho_billing",
		BaseURL:       baseURL,
		Settings:      settings,
		Credentials:   providertest.Creds("clientSecret", clientSecret, "accessToken", token),
	}
}

func failOn(path string, rep *zohofake.Reply) func(*http.Request) *zohofake.Reply {
	return func(r *http.Request) *zohofake.Reply {
		if r.URL.Path == path {
			return rep
		}
		return nil
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := zohobilling.New()
	if got, want := p.Descriptor().ID, "zoho_billing"; got != want {
		t.Errorf("zohobilling.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohobilling.ID {
		t.Errorf("zohobilling.ID = %q, want the descriptor's id %q", zohobilling.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const path = "/billing/v1/organizations"
	tok := zohofake.DefaultToken
	ok := fake(t, zohofake.Options{})
	two := fake(t, zohofake.Options{BillingOrgs: []zohofake.Organization{{ID: "111", Name: "First"}, {ID: "222", Name: "Second"}}})
	inBody := fake(t, zohofake.Options{Fail: failOn(path, zohofake.FinanceError(200, 1, "Internal error occurred"))})
	denied := fake(t, zohofake.Options{Fail: failOn(path, zohofake.FinanceError(401, 57, "You are not authorized to perform this operation"))})
	limited := fake(t, zohofake.Options{Fail: failOn(path, zohofake.TooManyRequests(10*time.Second))})
	badGateway := fake(t, zohofake.Options{Fail: failOn(path, zohofake.HTMLPage(502, "502 Bad Gateway", "nginx"))})
	hang := fake(t, zohofake.Options{Fail: zohofake.Hang})

	providertest.Run(t, zohobilling.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), tok, ""),
			Want: providertest.Want{OK: true, Contains: "Connected to Zoho Billing organization Example Hosting Billing",
				Details: []string{"organizations", "organizationId", "apiHost"}}},
		providertest.CheckerCase{Name: "ok with the organization set", Conn: conn(two.URL(), tok, "222"),
			Want: providertest.Want{OK: true, Contains: "organization Second"}},
		providertest.CheckerCase{Name: "organization not in the account", Conn: conn(two.URL(), tok, "333"),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "111, 222"}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(ok.URL(), "1000.wrongtoken0123456789abcdef", ""),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 401, Contains: "Invalid oauth token"}},
		providertest.CheckerCase{Name: "code 57 not authorized", Conn: conn(denied.URL(), tok, ""),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "not authorized"}},
		providertest.CheckerCase{Name: "non-zero code with HTTP 200", Conn: conn(inBody.URL(), tok, ""),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Internal error occurred (1)"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), tok, ""),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "HTML 502", Conn: conn(badGateway.URL(), tok, ""),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: 502}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), tok, ""),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), tok, ""), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), tok, ""), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestOrganizationHeader(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		got []string
	)
	f := fake(t, zohofake.Options{Fail: func(r *http.Request) *zohofake.Reply {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Header.Get(zohobilling.OrganizationHeader))
		return nil
	}})
	c, err := zohobilling.NewClient(providertest.HTTPClient(), conn(f.URL(), zohofake.DefaultToken, "10234695"))
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	orgs, err := c.Organizations(t.Context())
	if err != nil {
		t.Fatalf("Organizations() error = %v", err)
	}
	want := []zohobilling.Organization{{OrganizationID: "10234695", Name: "Example Hosting Billing", CurrencyCode: "ZAR", IsDefaultOrg: true}}
	if diff := cmp.Diff(want, orgs); diff != "" {
		t.Errorf("Organizations() mismatch (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"10234695"}, got); diff != "" {
		t.Errorf("organization header mismatch (-want +got):\n%s", diff)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := zohobilling.New()
	c := conn("", zohofake.DefaultToken, "10234695")
	u, err := p.ProxyBase(c)
	if err != nil || u.String() != "https://www.zohoapis.eu" {
		t.Errorf("ProxyBase() = %v, %v; want https://www.zohoapis.eu", u, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://www.zohoapis.eu/billing/v1/customers", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	if got, want := req.Header.Get("Authorization"), "Zoho-oauthtoken "+zohofake.DefaultToken; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if got := req.Header.Get(zohobilling.OrganizationHeader); got != "10234695" {
		t.Errorf("%s = %q, want 10234695", zohobilling.OrganizationHeader, got)
	}
	c.Credentials = nil
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, c); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without credentials = %v, want kind invalid", err)
	}
}
