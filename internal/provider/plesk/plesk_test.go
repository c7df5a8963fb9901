package plesk_test

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
	"ihub/internal/provider/plesk"
	"ihub/internal/provider/plesk/pleskfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts pleskfake.Options) *pleskfake.Server {
	t.Helper()
	s := pleskfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func keyConn(baseURL, key string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_plesk",
		BaseURL:       baseURL,
		Credentials:   providertest.Creds(plesk.FieldAPIKey, key),
	}
}

func basicConn(baseURL, login, password string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_plesk",
		BaseURL:       baseURL,
		Username:      login,
		Credentials:   providertest.Creds(plesk.FieldPassword, password),
	}
}

func failOn(path string, rep *pleskfake.Reply) func(*http.Request) *pleskfake.Reply {
	return func(r *http.Request) *pleskfake.Reply {
		if strings.HasSuffix(r.URL.Path, path) {
			return rep
		}
		return nil
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	if got := plesk.New().Descriptor().ID; got != "plesk" || plesk.ID != "plesk" {
		t.Errorf("plesk.New().Descriptor().ID = %q, want %q", got, "plesk")
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	key := pleskfake.DefaultAPIKey
	ok := fake(t, pleskfake.Options{})
	tlsFake := fake(t, pleskfake.Options{TLS: true})
	serverErr := fake(t, pleskfake.Options{Fail: failOn("/server", pleskfake.Error(http.StatusInternalServerError, 1013, "Internal error: license expired"))})
	forbidden := fake(t, pleskfake.Options{Fail: failOn("/server", pleskfake.Error(http.StatusForbidden, 0, "Access to the REST API is forbidden from this IP address"))})
	limited := fake(t, pleskfake.Options{Fail: failOn("/server", pleskfake.TooManyRequests(15*time.Second))})
	loginPage := fake(t, pleskfake.Options{Fail: failOn("/server", pleskfake.HTMLPage(http.StatusOK, "Plesk Obsidian", "Log in"))})
	echoes := fake(t, pleskfake.Options{Fail: failOn("/server", pleskfake.Error(http.StatusBadRequest, 0, "bad key "+key))})
	hang := fake(t, pleskfake.Options{Fail: pleskfake.Hang})

	providertest.Run(t, plesk.New(),
		providertest.CheckerCase{Name: "ok with API key", Conn: keyConn(ok.URL(), key),
			Want: providertest.Want{OK: true, Contains: "Connected to Plesk 18.0.62 on plesk.example.test with an API key",
				Details: []string{"version", "hostname", "platform", "authMethod", "updateVersion"}}},
		providertest.CheckerCase{Name: "ok with password", Conn: basicConn(ok.URL(), "admin", pleskfake.DefaultPassword),
			Want: providertest.Want{OK: true, Contains: "Connected to Plesk 18.0.62 on plesk.example.test as admin"}},
		providertest.CheckerCase{Name: "ok over TLS", Conn: keyConn(tlsFake.URL(), key), Client: tlsFake.Client(),
			Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "wrong key", Conn: keyConn(ok.URL(), "00000000-bad0-key0-0000-000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "401 Unauthorized — Authentication failed"}},
		providertest.CheckerCase{Name: "wrong password", Conn: basicConn(ok.URL(), "admin", "not-the-password"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
		providertest.CheckerCase{Name: "key from another IP", Conn: keyConn(forbidden.URL(), key),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "forbidden from this IP"}},
		providertest.CheckerCase{Name: "server error with code", Conn: keyConn(serverErr.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusInternalServerError, Contains: "license expired"}},
		providertest.CheckerCase{Name: "key echoed is redacted", Conn: keyConn(echoes.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "[REDACTED]"}},
		providertest.CheckerCase{Name: "rate limited", Conn: keyConn(limited.URL(), key),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "login page with 200", Conn: keyConn(loginPage.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Plesk Obsidian"}},
		providertest.CheckerCase{Name: "no credentials", Conn: keyConn(ok.URL(), ""),
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "password without login", Conn: basicConn(ok.URL(), "", pleskfake.DefaultPassword),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "login"}},
		providertest.CheckerCase{Name: "unreachable", Conn: keyConn(providertest.ClosedURL(t), key),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"}},
		providertest.CheckerCase{Name: "deadline", Conn: keyConn(hang.URL(), key), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: keyConn(hang.URL(), key), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestKeyWinsOverPassword(t *testing.T) {
	t.Parallel()
	f := fake(t, pleskfake.Options{})
	c := keyConn(f.URL(), pleskfake.DefaultAPIKey)
	c.Username = "admin"
	c.Credentials[plesk.FieldPassword] = secret.NewValue("wrong-password-here")
	if _, err := plesk.New().Test(t.Context(), providertest.HTTPClient(), c); err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	if f.AuthCalls("api_key") != 1 || f.AuthCalls("basic") != 0 {
		t.Errorf("auth calls api_key=%d basic=%d, want 1 and 0", f.AuthCalls("api_key"), f.AuthCalls("basic"))
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, pleskfake.Options{})
	empty := fake(t, pleskfake.Options{Clients: []pleskfake.Client{}, Domains: []pleskfake.Domain{}})
	wrongKey := keyConn(f.URL(), "00000000-bad0-key0-0000-000000000000")
	wrongPath := keyConn(f.URL()+"/plesk", pleskfake.DefaultAPIKey)
	basic := basicConn(f.URL(), "admin", pleskfake.DefaultPassword)
	none := keyConn(empty.URL(), pleskfake.DefaultAPIKey)
	providertest.Actions{
		Provider: plesk.New(),
		Conn:     func(base string) provider.Connection { return keyConn(base, pleskfake.DefaultAPIKey) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "list clients", Action: "list_clients", Want: providertest.Want{OK: true}, Output: func(t *testing.T, out any) {
				cs := out.(plesk.ListClientsOutput).Clients
				if len(cs) != 3 {
					t.Fatalf("clients = %d, want 3", len(cs))
				}
				want := plesk.Customer{ID: 1, Created: "2025-01-15", Name: "Ada Lovelace", Company: "Analytical Engines Ltd",
					Login: "ada", Email: "ada@example.com", Locale: "en-GB", GUID: "8f14e45f-ceea-467f-a8f2-0a1b2c3d4e01",
					OwnerLogin: "admin", ExternalID: "crm-1001", Type: "customer"}
				if diff := cmp.Diff(want, cs[0]); diff != "" {
					t.Errorf("first client mismatch (-want +got):\n%s", diff)
				}
			}},
			{Name: "list clients with password", Action: "list_clients", Conn: &basic, Want: providertest.Want{OK: true, Contains: `"login":"grace"`}},
			{Name: "list clients none", Action: "list_clients", Conn: &none, Want: providertest.Want{OK: true, Contains: `{"clients":[]}`}},
			{Name: "list clients wrong key", Action: "list_clients", Conn: &wrongKey,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "Authentication failed"}},
			{Name: "list clients wrong base path", Action: "list_clients", Conn: &wrongPath,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound}},
			{Name: "list domains", Action: "list_domains", Want: providertest.Want{OK: true, Contains: `"name":"shop.example.com"`}},
			{Name: "list one domain", Action: "list_domains", Input: `{"name":"example.org"}`, Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					want := plesk.ListDomainsOutput{Domains: []plesk.Domain{{ID: 3, Name: "example.org", ASCIIName: "example.org",
						HostingType: "none", GUID: "d0d0e45f-ceea-467f-a8f2-0a1b2c3d4e03", Created: "2025-06-30"}}}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "list unknown domain is empty", Action: "list_domains", Input: `{"name":"nowhere.example"}`,
				Want: providertest.Want{OK: true, Contains: `{"domains":[]}`}},
		},
	}.Run(t)
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   provider.Error
	}{
		{"code and message", 400, `{"code":1019,"message":"Object not found"}`,
			provider.Error{Kind: provider.ErrProvider, Status: 400, Code: "1019", Message: "Object not found"}},
		{"404 with message", 404, `{"code":0,"message":"Not Found"}`,
			provider.Error{Kind: provider.ErrNotFound, Status: 404, Code: "0"}},
		{"string code", 409, `{"code":"E_CONFLICT","message":"Conflict: exists"}`,
			provider.Error{Kind: provider.ErrProvider, Status: 409, Code: "E_CONFLICT", Message: "Conflict: exists"}},
		{"plain text", 502, "upstream gone",
			provider.Error{Kind: provider.ErrProvider, Status: 502, Message: "upstream gone"}},
		{"not JSON with 200", 200, "{not json",
			provider.Error{Kind: provider.ErrProvider, Message: "expected a JSON answer from the Plesk REST API; check that the base URL is the Plesk address (normally port 8443); it answered: {not json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c, err := plesk.NewClient(srv.URL, providertest.HTTPClient(), "", secret.NewValue("KEY-0123456789"), secret.Value{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListClients(t.Context())
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("ListClients() error = %v, want a *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	t.Parallel()
	var path, query, key, accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, query, key, accept = r.URL.Path, r.URL.RawQuery, r.Header.Get("X-API-Key"), r.Header.Get("Accept")
		_, _ = io.WriteString(w, `[]`)
	}))
	t.Cleanup(srv.Close)
	c, err := plesk.NewClient(srv.URL+"/prefix/", providertest.HTTPClient(), "", secret.NewValue("KEY-0123456789"), secret.Value{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDomains(t.Context(), "a b.example"); err != nil {
		t.Fatal(err)
	}
	got := []string{path, query, key, accept}
	want := []string{"/prefix/api/v2/domains", "name=a+b.example", "KEY-0123456789", "application/json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	for _, p := range []string{"/clients", "../x", "clients?x=1", "http://evil/"} {
		var perr *provider.Error
		if _, err := c.NewRequest(t.Context(), http.MethodGet, p, nil, nil); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("NewRequest(%q) error = %v, want invalid", p, err)
		}
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	f := fake(t, pleskfake.Options{})
	p := plesk.New()
	for name, c := range map[string]provider.Connection{
		"key":      keyConn(f.URL()+"/", pleskfake.DefaultAPIKey),
		"password": basicConn(f.URL(), "admin", pleskfake.DefaultPassword),
	} {
		base, err := p.ProxyBase(c)
		if err != nil || base.String() != f.URL() {
			t.Fatalf("%s: ProxyBase() = %v, %v; want %s", name, base, err, f.URL())
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base.JoinPath("api", "v2", "server").String(), nil)
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
			t.Errorf("%s: proxied status = %d, want 200", name, resp.StatusCode)
		}
	}
	if f.AuthCalls("api_key") != 1 || f.AuthCalls("basic") != 1 {
		t.Errorf("auth calls api_key=%d basic=%d, want 1 each", f.AuthCalls("api_key"), f.AuthCalls("basic"))
	}
	var perr *provider.Error
	if err := p.Authorize(t.Context(), httptest.NewRequest(http.MethodGet, "/", nil), keyConn(f.URL(), "")); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without credentials error = %v, want invalid", err)
	}
}
