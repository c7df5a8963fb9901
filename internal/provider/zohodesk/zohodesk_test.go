package zohodesk_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho/zohofake"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohodesk"
)

const clientSecret = "c0ffee-client-secret-0123456789abcdef"

func fake(t *testing.T, opts zohofake.Options) *zohofake.Server {
	t.Helper()
	s := zohofake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token, orgID string) provider.Connection {
	settings := map[string]any{"clientId": "1000.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "dataCenter": "us"}
	if orgID != "" {
		settings["orgId"] = orgID
	}
	return provider.Connection{
		IntegrationID: "int_zoho_desk",
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
	p := zohodesk.New()
	if got, want := p.Descriptor().ID, "zoho_desk"; got != want {
		t.Errorf("zohodesk.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohodesk.ID {
		t.Errorf("zohodesk.ID = %q, want the descriptor's id %q", zohodesk.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/organizations"
	tok := zohofake.DefaultToken
	ok := fake(t, zohofake.Options{})
	two := fake(t, zohofake.Options{DeskOrgs: []zohofake.Organization{{ID: "111", Name: "First"}, {ID: "222", Name: "Second"}}})
	numericID := fake(t, zohofake.Options{Fail: failOn(path, &zohofake.Reply{Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   `{"data":[{"id":648638721,"companyName":"Numeric Ltd","isDefault":true}]}`})})
	noPerm := fake(t, zohofake.Options{Fail: failOn(path, zohofake.DeskError(403, "FORBIDDEN", "You do not have sufficient permission to perform this operation."))})
	limited := fake(t, zohofake.Options{Fail: failOn(path, zohofake.TooManyRequests(5*time.Second))})
	hang := fake(t, zohofake.Options{Fail: zohofake.Hang})

	providertest.Run(t, zohodesk.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), tok, ""),
			Want: providertest.Want{OK: true, Contains: "Connected to Zoho Desk organization Example Hosting Support",
				Details: []string{"organizations", "orgId", "apiHost"}}},
		providertest.CheckerCase{Name: "ok with the organization set", Conn: conn(two.URL(), tok, "222"),
			Want: providertest.Want{OK: true, Contains: "organization Second"}},
		providertest.CheckerCase{Name: "several organizations, none set", Conn: conn(two.URL(), tok, ""),
			Want: providertest.Want{OK: true, Contains: "organization First", Details: []string{"note"}}},
		providertest.CheckerCase{Name: "numeric organization id", Conn: conn(numericID.URL(), tok, "648638721"),
			Want: providertest.Want{OK: true, Contains: "Numeric Ltd"}},
		providertest.CheckerCase{Name: "organization not in the account", Conn: conn(two.URL(), tok, "333"),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "111, 222"}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(ok.URL(), "1000.wrongtoken0123456789abcdef", ""),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 401, Contains: "The OAuth Token you provided is invalid. (INVALID_OAUTH)"}},
		providertest.CheckerCase{Name: "forbidden", Conn: conn(noPerm.URL(), tok, ""),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 403, Contains: "sufficient permission"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), tok, ""),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), tok, ""),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), tok, ""), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), tok, ""), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := zohodesk.New()
	c := conn("", zohofake.DefaultToken, "648638721")
	c.Settings["dataCenter"] = "eu"
	u, err := p.ProxyBase(c)
	if err != nil || u.String() != "https://desk.zoho.eu" {
		t.Errorf("ProxyBase() = %v, %v; want https://desk.zoho.eu", u, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://desk.zoho.eu/api/v1/tickets", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	if got, want := req.Header.Get("Authorization"), "Zoho-oauthtoken "+zohofake.DefaultToken; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if got := req.Header.Get("orgId"); got != "648638721" {
		t.Errorf("orgId = %q, want 648638721", got)
	}
	c.Credentials = nil
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, c); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without credentials = %v, want kind invalid", err)
	}
}
