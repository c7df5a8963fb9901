package zohocrm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho/zohofake"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohocrm"
	"ihub/internal/secret"
)

const (
	clientSecret = "c0ffee-client-secret-0123456789abcdef"
	refreshToken = "1000.r3fr3sh0123456789abcdef.0123456789abcdef"
)

func fake(t *testing.T, opts zohofake.Options) *zohofake.Server {
	t.Helper()
	s := zohofake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_zoho_crm",
		BaseURL:       baseURL,
		Settings:      map[string]any{"clientId": "1000.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "dataCenter": "us"},
		Credentials:   providertest.Creds("clientSecret", clientSecret, "accessToken", token),
	}
}

// tokenSource is a provider.TokenSource for tests.
type tokenSource struct {
	tok string
	err error
}

func (s tokenSource) Token(context.Context) (secret.Value, error) {
	return secret.NewValue(s.tok), s.err
}

func oauthConn(baseURL string, src provider.TokenSource) provider.Connection {
	c := conn(baseURL, "")
	c.Credentials = providertest.Creds("clientSecret", clientSecret)
	c.OAuth = src
	return c
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
	p := zohocrm.New()
	if got, want := p.Descriptor().ID, "zoho_crm"; got != want {
		t.Errorf("zohocrm.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohocrm.ID {
		t.Errorf("zohocrm.ID = %q, want the descriptor's id %q", zohocrm.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	tok := zohofake.DefaultToken
	ok := fake(t, zohofake.Options{})
	scope := fake(t, zohofake.Options{Fail: failOn("/crm/v7/org", zohofake.CRMError(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL"))})
	limited := fake(t, zohofake.Options{Fail: failOn("/crm/v7/org", zohofake.TooManyRequests(30*time.Second))})
	limitedNoHeader := fake(t, zohofake.Options{Fail: failOn("/crm/v7/org", zohofake.TooManyRequests(0))})
	badGateway := fake(t, zohofake.Options{Fail: failOn("/crm/v7/org", zohofake.HTMLPage(502, "502 Bad Gateway", "nginx"))})
	loginPage := fake(t, zohofake.Options{Fail: failOn("/crm/v7/org", zohofake.HTMLPage(200, "Zoho Accounts", "Sign in"))})
	echo := fake(t, zohofake.Options{Fail: failOn("/crm/v7/org", zohofake.CRMError(500, "INTERNAL_ERROR", "failed for token "+tok))})
	hang := fake(t, zohofake.Options{Fail: zohofake.Hang})
	noUsers := fake(t, zohofake.Options{Fail: failOn("/crm/v7/users", zohofake.CRMError(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL"))})
	refreshLeak := oauthConn(ok.URL(), tokenSource{err: errors.New("refresh with " + refreshToken + " failed: invalid_code")})
	refreshLeak.Credentials = providertest.Creds("clientSecret", clientSecret, "refreshToken", refreshToken)
	badDC := conn("", tok)
	badDC.Settings["dataCenter"] = "mars"

	providertest.Run(t, zohocrm.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), tok),
			Want: providertest.Want{OK: true, Contains: "Connected to Zoho CRM organization Example Hosting (Pty) Ltd as Nomsa Mokoena",
				Details: []string{"orgId", "companyName", "primaryEmail", "apiHost", "timeZone", "user", "userEmail", "role", "profile"}}},
		providertest.CheckerCase{Name: "user not readable keeps the test successful", Conn: conn(noUsers.URL(), tok),
			Want: providertest.Want{OK: true, Details: []string{"orgId", "note"}}},
		providertest.CheckerCase{Name: "token source error quoting a credential is redacted", Conn: refreshLeak,
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"}},
		providertest.CheckerCase{Name: "ok with an OAuth token source", Conn: oauthConn(ok.URL(), tokenSource{tok: tok}),
			Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(ok.URL(), "1000.wrongtoken0123456789abcdef"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 401, Contains: "invalid oauth token (INVALID_TOKEN)"}},
		providertest.CheckerCase{Name: "token source fails", Conn: oauthConn(ok.URL(), tokenSource{err: errors.New("refresh token revoked")}),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "refresh token revoked"}},
		providertest.CheckerCase{Name: "scope mismatch", Conn: conn(scope.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "OAUTH_SCOPE_MISMATCH"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: true}},
		providertest.CheckerCase{Name: "rate limited without Retry-After", Conn: conn(limitedNoHeader.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "HTML 502", Conn: conn(badGateway.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: 502}},
		providertest.CheckerCase{Name: "HTML with 200", Conn: conn(loginPage.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Zoho Accounts"}},
		providertest.CheckerCase{Name: "echoed token is redacted", Conn: conn(echo.URL(), tok),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "[REDACTED]"}},
		providertest.CheckerCase{Name: "unknown data centre", Conn: badDC,
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "data centre"}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), tok),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), tok), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), tok), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	tok := zohofake.DefaultToken
	f := fake(t, zohofake.Options{})
	wrong := conn(f.URL(), "1000.wrongtoken0123456789abcdef")
	providertest.Actions{
		Provider: zohocrm.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, tok) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "list modules", Action: "list_modules", Want: providertest.Want{OK: true, Contains: `"api_name":"Leads"`}},
			{Name: "list API modules", Action: "list_modules", Input: `{"apiSupportedOnly":true}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					for _, m := range out.(zohocrm.ListModulesOutput).Modules {
						if !m.APISupported {
							t.Errorf("list_modules(apiSupportedOnly) listed %s", m.APIName)
						}
					}
				}},
			{Name: "list leads", Action: "list_records", Input: `{"module":"Leads"}`,
				Want: providertest.Want{OK: true, Contains: "Thandi"}},
			{Name: "list leads page 2 sorted", Action: "list_records",
				Input: `{"module":"Leads","fields":["Last_Name"],"page":2,"perPage":2,"sortBy":"id","sortOrder":"desc"}`,
				Want:  providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					got := out.(zohocrm.ListRecordsOutput)
					want := zohocrm.ListRecordsOutput{
						Records: []zohocrm.Record{{"id": "4150868000000300001", "Last_Name": "Nkosi"}},
						Info:    zohocrm.Info{PerPage: 2, Count: 1, Page: 2},
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("list_records mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "empty module is 204", Action: "list_records", Input: `{"module":"Deals"}`,
				Want: providertest.Want{OK: true, Contains: `"records":[]`}},
			{Name: "unknown module", Action: "list_records", Input: `{"module":"Spaceships"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "INVALID_MODULE"}},
			{Name: "bad module name", Action: "list_records", Input: `{"module":"../org"}`,
				Want: providertest.Want{Input: true, Field: "module"}},
			{Name: "bad first field name", Action: "list_records", Input: `{"module":"Leads","fields":["Last Name"]}`,
				Want: providertest.Want{Input: true, Field: "fields[0]"}},
			{Name: "bad third field name", Action: "list_records", Input: `{"module":"Leads","fields":["Email","id","Owner,Secret"]}`,
				Want: providertest.Want{Input: true, Field: "fields[2]"}},
			{Name: "wrong token", Action: "list_modules", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: 401}},
		},
	}.Run(t)
}

func TestRecordsSendsFields(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		got []string
	)
	f := fake(t, zohofake.Options{Fail: func(r *http.Request) *zohofake.Reply {
		if strings.HasPrefix(r.URL.Path, "/crm/v7/Contacts") {
			mu.Lock()
			got = append(got, r.URL.Query().Get("fields"), r.Header.Get("Authorization"))
			mu.Unlock()
		}
		return nil
	}})
	c, err := zohocrm.NewClient(providertest.HTTPClient(), conn(f.URL(), zohofake.DefaultToken))
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	recs, info, err := c.Records(t.Context(), "Contacts", nil)
	if err != nil {
		t.Fatalf("Records() error = %v", err)
	}
	want := []string{"First_Name,Last_Name,Email,id,Created_Time,Modified_Time", "Zoho-oauthtoken " + zohofake.DefaultToken}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	if len(recs) != 1 || recs[0]["Last_Name"] != "Dlamini" || info.Count != 1 || info.MoreRecords {
		t.Errorf("Records() = %v, %+v; want Sipho Dlamini alone", recs, info)
	}
}

func TestNewClientNeedsAToken(t *testing.T) {
	t.Parallel()
	_, err := zohocrm.NewClient(providertest.HTTPClient(), conn("", ""))
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Fatalf("NewClient() without a token error = %v, want kind invalid", err)
	}
	_, err = zohocrm.NewClient(providertest.HTTPClient(), conn("", "abc\r\ndef"))
	if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Fatalf("NewClient() with CR/LF in the token error = %v, want kind invalid", err)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := zohocrm.New()
	c := conn("", zohofake.DefaultToken)
	for dc, want := range map[string]string{"us": "https://www.zohoapis.com", "eu": "https://www.zohoapis.eu", "ca": "https://www.zohoapis.ca"} {
		c.Settings = map[string]any{"dataCenter": dc}
		u, err := p.ProxyBase(c)
		if err != nil || u.String() != want {
			t.Errorf("ProxyBase(%s) = %v, %v; want %s", dc, u, err, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://www.zohoapis.com/crm/v7/Leads", nil)
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
