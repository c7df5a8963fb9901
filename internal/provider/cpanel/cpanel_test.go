package cpanel_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/cpanel"
	"ihub/internal/provider/cpanel/cpanelfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts cpanelfake.Options) *cpanelfake.Server {
	t.Helper()
	s := cpanelfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, user, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_cpanel",
		BaseURL:       baseURL,
		Username:      user,
		Credentials:   providertest.Creds(cpanel.FieldAPIToken, token),
	}
}

func passwordConn(baseURL, user, password string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_cpanel",
		BaseURL:       baseURL,
		Username:      user,
		Credentials:   providertest.Creds(cpanel.FieldPassword, password),
	}
}

func failOn(fn string, rep *cpanelfake.Reply) func(*http.Request) *cpanelfake.Reply {
	return func(r *http.Request) *cpanelfake.Reply {
		if strings.HasSuffix(r.URL.Path, "/"+fn) {
			return rep
		}
		return nil
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	if got := cpanel.New().Descriptor().ID; got != "cpanel" || cpanel.ID != "cpanel" {
		t.Errorf("cpanel.New().Descriptor().ID = %q, want %q", got, "cpanel")
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const user, token = cpanelfake.DefaultUser, cpanelfake.DefaultToken
	ok := fake(t, cpanelfake.Options{})
	flat := fake(t, cpanelfake.Options{Flat: true})
	tlsFake := fake(t, cpanelfake.Options{TLS: true})
	failed := fake(t, cpanelfake.Options{Fail: failOn("list_domains", cpanelfake.Failure("DomainInfo", "list_domains", "The feature “domains” is disabled."))})
	denied := fake(t, cpanelfake.Options{Fail: failOn("list_domains", cpanelfake.Failure("DomainInfo", "list_domains", "Access denied"))})
	limited := fake(t, cpanelfake.Options{Fail: failOn("list_domains", cpanelfake.TooManyRequests(20*time.Second))})
	loginPage := fake(t, cpanelfake.Options{Fail: failOn("list_domains", cpanelfake.HTMLPage(http.StatusOK, "cPanel Login", "Log in"))})
	htmlForbidden := fake(t, cpanelfake.Options{Fail: failOn("list_domains", cpanelfake.HTMLPage(http.StatusForbidden, "Forbidden", "You don't have permission."))})
	hang := fake(t, cpanelfake.Options{Fail: cpanelfake.Hang})

	providertest.Run(t, cpanel.New(),
		providertest.CheckerCase{Name: "ok with token", Conn: conn(ok.URL(), user, token),
			Want: providertest.Want{OK: true, Contains: "Connected to cPanel as example (example.com)",
				Details: []string{"user", "authMethod", "mainDomain", "domainCount"}}},
		providertest.CheckerCase{Name: "ok with password", Conn: passwordConn(ok.URL(), user, cpanelfake.DefaultPassword),
			Want: providertest.Want{OK: true, Contains: "as example"}},
		providertest.CheckerCase{Name: "ok with the flat answer shape", Conn: conn(flat.URL(), user, token),
			Want: providertest.Want{OK: true, Contains: "(example.com)"}},
		providertest.CheckerCase{Name: "ok over TLS", Conn: passwordConn(tlsFake.URL(), user, cpanelfake.DefaultPassword),
			Client: tlsFake.Client(), Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(ok.URL(), user, "WRONGTOKEN0123456789ABCDEFGHIJKL"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "401 Unauthorized — Access denied"}},
		providertest.CheckerCase{Name: "wrong password", Conn: passwordConn(ok.URL(), user, "wrong-password-123"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
		providertest.CheckerCase{Name: "wrong user", Conn: conn(ok.URL(), "someone", token),
			Want: providertest.Want{Kind: provider.ErrAuth}},
		providertest.CheckerCase{Name: "HTML 403", Conn: conn(htmlForbidden.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "Forbidden"}},
		providertest.CheckerCase{Name: "status 0 is a provider error", Conn: conn(failed.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "The feature “domains” is disabled."}},
		providertest.CheckerCase{Name: "status 0 access denied is auth", Conn: conn(denied.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Access denied"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "login page with 200", Conn: conn(loginPage.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "cPanel Login"}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), user, token),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"}},
		providertest.CheckerCase{Name: "no credentials", Conn: conn(ok.URL(), user, ""),
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), user, token), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), user, token), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestTestDetails(t *testing.T) {
	t.Parallel()
	f := fake(t, cpanelfake.Options{})
	res, err := cpanel.New().Test(t.Context(), providertest.HTTPClient(), passwordConn(f.URL(), cpanelfake.DefaultUser, cpanelfake.DefaultPassword))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"user": "example", "authMethod": "password", "mainDomain": "example.com", "domainCount": 5}
	if diff := cmp.Diff(want, res.Details); diff != "" {
		t.Errorf("Test() details mismatch (-want +got):\n%s", diff)
	}
	if f.AuthCalls("basic") != 1 || f.AuthCalls("token") != 0 {
		t.Errorf("auth calls basic=%d token=%d, want 1 and 0", f.AuthCalls("basic"), f.AuthCalls("token"))
	}
}

func TestTokenWinsOverPassword(t *testing.T) {
	t.Parallel()
	f := fake(t, cpanelfake.Options{})
	c := conn(f.URL(), cpanelfake.DefaultUser, cpanelfake.DefaultToken)
	c.Credentials[cpanel.FieldPassword] = secret.NewValue("not-the-password")
	if _, err := cpanel.New().Test(t.Context(), providertest.HTTPClient(), c); err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	if f.AuthCalls("token") != 1 || f.AuthCalls("basic") != 0 {
		t.Errorf("auth calls token=%d basic=%d, want 1 and 0", f.AuthCalls("token"), f.AuthCalls("basic"))
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, cpanelfake.Options{})
	unlimited := fake(t, cpanelfake.Options{Quota: &cpanelfake.Quota{BytesUsed: 10}, Domains: &cpanelfake.Domains{Main: "solo.example"}})
	quotaFailed := fake(t, cpanelfake.Options{Fail: failOn("get_local_quota_info", cpanelfake.Failure("Quota", "get_local_quota_info", "Quotas are disabled on this server."))})
	wrongToken := conn(f.URL(), cpanelfake.DefaultUser, "WRONGTOKEN0123456789ABCDEFGHIJKL")
	wrongPath := conn(f.URL()+"/cpsess0000000000", cpanelfake.DefaultUser, cpanelfake.DefaultToken)
	pw := passwordConn(f.URL(), cpanelfake.DefaultUser, cpanelfake.DefaultPassword)
	unl := conn(unlimited.URL(), cpanelfake.DefaultUser, cpanelfake.DefaultToken)
	qf := conn(quotaFailed.URL(), cpanelfake.DefaultUser, cpanelfake.DefaultToken)
	providertest.Actions{
		Provider: cpanel.New(),
		Conn: func(base string) provider.Connection {
			return conn(base, cpanelfake.DefaultUser, cpanelfake.DefaultToken)
		},
		FakeURL: f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "list domains", Action: "list_domains", Want: providertest.Want{OK: true}, Output: func(t *testing.T, out any) {
				want := cpanel.ListDomainsOutput{Domains: cpanel.Domains{MainDomain: "example.com",
					AddonDomains: []string{"example.net", "shop.example"}, ParkedDomains: []string{"example.org"},
					SubDomains: []string{"blog.example.com"}}}
				if diff := cmp.Diff(want, out); diff != "" {
					t.Errorf("output mismatch (-want +got):\n%s", diff)
				}
			}},
			{Name: "list domains with password", Action: "list_domains", Conn: &pw, Want: providertest.Want{OK: true, Contains: "example.com"}},
			{Name: "list domains only main", Action: "list_domains", Conn: &unl,
				Want: providertest.Want{OK: true, Contains: `"addon_domains":[]`}},
			{Name: "list domains wrong token", Action: "list_domains", Conn: &wrongToken,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
			{Name: "list domains wrong base path", Action: "list_domains", Conn: &wrongPath,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound}},
			{Name: "quota", Action: "quota", Want: providertest.Want{OK: true}, Output: func(t *testing.T, out any) {
				limit := int64(1073741824)
				want := cpanel.QuotaOutput{Quota: cpanel.Quota{BytesUsed: 268435456, ByteLimit: &limit, InodesUsed: 5120}}
				if diff := cmp.Diff(want, out); diff != "" {
					t.Errorf("output mismatch (-want +got):\n%s", diff)
				}
			}},
			{Name: "quota unlimited", Action: "quota", Conn: &unl,
				Want: providertest.Want{OK: true, Contains: `"byte_limit":null`}},
			{Name: "quota failure in a 200 body", Action: "quota", Conn: &qf,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Quotas are disabled on this server."}},
		},
	}.Run(t)
}

func TestExecute(t *testing.T) {
	t.Parallel()
	f := fake(t, cpanelfake.Options{})
	c, err := cpanel.NewClient(f.URL(), providertest.HTTPClient(), cpanelfake.DefaultUser, secret.NewValue(cpanelfake.DefaultToken), secret.Value{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Execute(t.Context(), "Nope", "nothing", nil, nil)
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrProvider || !strings.Contains(perr.Message, "Unknown function") {
		t.Fatalf("Execute(Nope::nothing) error = %v, want a provider error", err)
	}
	if res == nil || res.Status != 0 || len(res.Errors) != 1 {
		t.Errorf("Execute() result = %+v, want status 0 with one error", res)
	}
	for _, name := range [][2]string{{"", "x"}, {"../x", "y"}, {"DomainInfo", "list_domains?x=1"}} {
		if _, err := c.Execute(t.Context(), name[0], name[1], nil, nil); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("Execute(%q, %q) error = %v, want invalid", name[0], name[1], err)
		}
	}
	if n := f.Calls("Nope/nothing"); n != 1 || f.Requests() != 1 {
		t.Errorf("calls = %d, requests = %d; want 1 and 1", n, f.Requests())
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	const token, password = "TOKEN0123456789ABCDEFGHIJKLMNOPQ", "pa55word-secret"
	tests := []struct {
		name   string
		status int
		body   string
		want   provider.Error
	}{
		{"status 0 errors joined", 200, `{"result":{"status":0,"errors":["first","second"]}}`,
			provider.Error{Kind: provider.ErrProvider, Message: "first; second"}},
		{"status 0 without errors", 200, `{"result":{"status":0,"errors":null}}`,
			provider.Error{Kind: provider.ErrProvider, Message: "cPanel reported a failure for DomainInfo::list_domains without an error message"}},
		{"flat status 0", 200, `{"status":0,"errors":["flat failure"]}`,
			provider.Error{Kind: provider.ErrProvider, Message: "flat failure"}},
		{"cpanelresult with 200", 200, `{"cpanelresult":{"error":"Access denied"}}`,
			provider.Error{Kind: provider.ErrAuth, Message: "Access denied"}},
		{"JSON without result", 200, `{"hello":"world"}`,
			provider.Error{Kind: provider.ErrProvider, Message: "cPanel answered DomainInfo::list_domains without a UAPI result; check that the base URL is the cPanel address (normally port 2083)"}},
		{"error echoing the token", 200, `{"result":{"status":0,"errors":["bad token ` + token + `"]}}`,
			provider.Error{Kind: provider.ErrProvider, Message: "bad token [REDACTED]"}},
		{"500 with UAPI errors", 500, `{"result":{"status":0,"errors":["internal"]}}`,
			provider.Error{Kind: provider.ErrProvider, Status: 500, Message: "internal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c, err := cpanel.NewClient(srv.URL, providertest.HTTPClient(), "acct", secret.NewValue(token), secret.NewValue(password))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListDomains(t.Context())
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("ListDomains() error = %v, want a *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClientInvalid(t *testing.T) {
	t.Parallel()
	tok := secret.NewValue("TOKEN0123456789ABCDEFGHIJKLMNOPQ")
	hc := providertest.HTTPClient()
	tests := []struct {
		name, base, user string
		hc               *http.Client
		token, password  secret.Value
	}{
		{"no base URL", "", "acct", hc, tok, secret.Value{}},
		{"no client", "https://h:2083", "acct", nil, tok, secret.Value{}},
		{"no user", "https://h:2083", "", hc, tok, secret.Value{}},
		{"user with colon", "https://h:2083", "a:b", hc, tok, secret.Value{}},
		{"no credentials", "https://h:2083", "acct", hc, secret.Value{}, secret.Value{}},
		{"token with newline", "https://h:2083", "acct", hc, secret.NewValue("abc\r\nX: y"), secret.Value{}},
		{"password with newline", "https://h:2083", "acct", hc, secret.Value{}, secret.NewValue("abc\ndef")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := cpanel.NewClient(tt.base, tt.hc, tt.user, tt.token, tt.password)
			var perr *provider.Error
			if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
				t.Fatalf("NewClient() error = %v, want invalid", err)
			}
		})
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	f := fake(t, cpanelfake.Options{})
	p := cpanel.New()
	for name, c := range map[string]provider.Connection{
		"token":    conn(f.URL()+"/", cpanelfake.DefaultUser, cpanelfake.DefaultToken),
		"password": passwordConn(f.URL(), cpanelfake.DefaultUser, cpanelfake.DefaultPassword),
	} {
		base, err := p.ProxyBase(c)
		if err != nil || base.String() != f.URL() {
			t.Fatalf("%s: ProxyBase() = %v, %v; want %s", name, base, err, f.URL())
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base.JoinPath("execute", "DomainInfo", "list_domains").String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Authorize(t.Context(), req, c); err != nil {
			t.Fatalf("%s: Authorize() error = %v", name, err)
		}
		resp, err := providertest.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: proxied request status = %d, want 200", name, resp.StatusCode)
		}
	}
	if f.AuthCalls("token") != 1 || f.AuthCalls("basic") != 1 {
		t.Errorf("auth calls token=%d basic=%d, want 1 each", f.AuthCalls("token"), f.AuthCalls("basic"))
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, conn(f.URL(), cpanelfake.DefaultUser, "")); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without credentials error = %v, want invalid", err)
	}
}
