package zohosign_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho/zohofake"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohosign"
)

const clientSecret = "c0ffee-client-secret-0123456789abcdef"

func fake(t *testing.T, opts zohofake.Options) *zohofake.Server {
	t.Helper()
	s := zohofake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_zoho_sign",
		BaseURL:       baseURL,
		Settings:      map[string]any{"clientId": "1000.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "dataCenter": "in"},
		Credentials:   providertest.Creds("clientSecret", clientSecret, "accessToken", token, "webhookSecret", "sign-webhook-secret-value"),
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
	p := zohosign.New()
	if got, want := p.Descriptor().ID, "zoho_sign"; got != want {
		t.Errorf("zohosign.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohosign.ID {
		t.Errorf("zohosign.ID = %q, want the descriptor's id %q", zohosign.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/requests"
	tok := zohofake.DefaultToken
	ok := fake(t, zohofake.Options{})
	empty := fake(t, zohofake.Options{SignRequests: []zohofake.SignRequest{}})
	inBody := fake(t, zohofake.Options{Fail: failOn(path, zohofake.FinanceError(200, 8002, "Something went wrong"))})
	limited := fake(t, zohofake.Options{Fail: failOn(path, zohofake.TooManyRequests(5*time.Second))})
	loginPage := fake(t, zohofake.Options{Fail: failOn(path, zohofake.HTMLPage(200, "Zoho Accounts", "Sign in"))})
	hang := fake(t, zohofake.Options{Fail: zohofake.Hang})

	providertest.Run(t, zohosign.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), tok),
			Want: providertest.Want{OK: true, Contains: "Connected to Zoho Sign (2 signature requests)", Details: []string{"requestCount", "apiHost"}}},
		providertest.CheckerCase{Name: "ok without requests", Conn: conn(empty.URL(), tok),
			Want: providertest.Want{OK: true, Contains: "(0 signature requests)"}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(ok.URL(), "1000.wrongtoken0123456789abcdef"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 401, Contains: "Invalid Oauth token"}},
		providertest.CheckerCase{Name: "non-zero code with HTTP 200", Conn: conn(inBody.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Something went wrong (8002)"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "HTML with 200", Conn: conn(loginPage.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Zoho Accounts"}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), tok),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), tok), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), tok), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestRequests(t *testing.T) {
	t.Parallel()
	f := fake(t, zohofake.Options{})
	c, err := zohosign.NewClient(providertest.HTTPClient(), conn(f.URL(), zohofake.DefaultToken))
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	reqs, pc, err := c.Requests(t.Context(), 1, 2)
	if err != nil {
		t.Fatalf("Requests() error = %v", err)
	}
	want := []zohosign.Request{{RequestID: "2000000114027", RequestName: "Hosting agreement - Karoo Farms", RequestStatus: "inprogress"}}
	if diff := cmp.Diff(want, reqs); diff != "" {
		t.Errorf("Requests() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&zohosign.PageContext{RowCount: 1, StartIndex: 2, TotalCount: 2}, pc); diff != "" {
		t.Errorf("page context mismatch (-want +got):\n%s", diff)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := zohosign.New()
	c := conn("", zohofake.DefaultToken)
	for dc, want := range map[string]string{"us": "https://sign.zoho.com", "in": "https://sign.zoho.in", "au": "https://sign.zoho.com.au"} {
		c.Settings = map[string]any{"dataCenter": dc}
		u, err := p.ProxyBase(c)
		if err != nil || u.String() != want {
			t.Errorf("ProxyBase(%s) = %v, %v; want %s", dc, u, err, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://sign.zoho.com/api/v1/requests", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	if got, want := req.Header.Get("Authorization"), "Zoho-oauthtoken "+zohofake.DefaultToken; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	c.Credentials = nil
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, c); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without credentials = %v, want kind invalid", err)
	}
}
