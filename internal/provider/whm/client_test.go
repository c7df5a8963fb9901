package whm_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whm"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/secret"
)

const testToken = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// setup returns a client for a server running handler.
func setup(t *testing.T, handler http.HandlerFunc) *whm.Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := whm.NewClient(srv.URL, srv.Client(), "root", secret.NewValue(testToken))
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	return c
}

func reply(status int, contentType, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	const js, html = "application/json", "text/html"
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    provider.Error
	}{
		{
			name:    "403 access denied",
			handler: reply(403, js, `{"cpanelresult":{"apiversion":"2","error":"Access denied","data":{"reason":"Access denied","result":"0"},"type":"text"}}`),
			want:    provider.Error{Kind: provider.ErrAuth, Status: 403, Message: "Access denied"},
		},
		{
			name:    "401 without body",
			handler: reply(401, "", ""),
			want:    provider.Error{Kind: provider.ErrAuth, Status: 401},
		},
		{
			name:    "result 0",
			handler: reply(200, js, `{"data":{},"metadata":{"command":"version","reason":"The account 'testuser' already exists.","result":0,"version":1}}`),
			want:    provider.Error{Kind: provider.ErrProvider, Message: "The account 'testuser' already exists."},
		},
		{
			name:    "result 0 as a string",
			handler: reply(200, js, `{"metadata":{"command":"version","reason":"Nope","result":"0","version":"1"}}`),
			want:    provider.Error{Kind: provider.ErrProvider, Message: "Nope"},
		},
		{
			name:    "result 0 without a reason",
			handler: reply(200, js, `{"metadata":{"command":"version","result":0}}`),
			want:    provider.Error{Kind: provider.ErrProvider, Message: "WHM reported a failure for version without a reason"},
		},
		{
			name:    "result 0 access denied is auth",
			handler: reply(200, js, `{"metadata":{"command":"version","reason":"Access denied","result":0,"version":1}}`),
			want:    provider.Error{Kind: provider.ErrAuth, Message: "Access denied"},
		},
		{
			name:    "cpanelresult with 200",
			handler: reply(200, js, `{"cpanelresult":{"error":"Access denied","data":{"result":"0"}}}`),
			want:    provider.Error{Kind: provider.ErrAuth, Message: "Access denied"},
		},
		{
			name:    "API 0 shape",
			handler: reply(200, js, `{"status":0,"statusmsg":"Unknown function"}`),
			want: provider.Error{Kind: provider.ErrProvider, Message: "WHM answered version without API 1 metadata (an API 0 style " +
				"answer); the server may not support WHM API 1: Unknown function"},
		},
		{
			name:    "HTML with 200",
			handler: reply(200, html, `<html><head><title>WHM Login</title></head><body>...</body></html>`),
			want: provider.Error{Kind: provider.ErrProvider, Message: "expected a JSON answer from WHM; check that the base URL is " +
				"the WHM address (normally port 2087); it answered: WHM Login"},
		},
		{
			name:    "HTML 502 repeating the status",
			handler: reply(502, html, `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`),
			want:    provider.Error{Kind: provider.ErrProvider, Status: 502},
		},
		{
			name:    "HTML 404",
			handler: reply(404, html, `<html><body><h1>Not here</h1></body></html>`),
			want:    provider.Error{Kind: provider.ErrNotFound, Status: 404, Message: "Not here"},
		},
		{
			name:    "500 with a metadata reason",
			handler: reply(500, js, `{"metadata":{"reason":"cpsrvd failed","result":0}}`),
			want:    provider.Error{Kind: provider.ErrProvider, Status: 500, Message: "cpsrvd failed"},
		},
		{
			name:    "503 with Retry-After date",
			handler: reply(503, "text/plain", "busy", "Retry-After", "Sun, 22 Nov 2026 10:00:30 GMT"),
			want:    provider.Error{Kind: provider.ErrProvider, Status: 503, Message: "busy", RetryAfter: 30 * time.Second},
		},
		{
			name:    "429 with Retry-After seconds",
			handler: reply(429, "", "", "Retry-After", "7"),
			want:    provider.Error{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: 7 * time.Second},
		},
		{
			name:    "success body over the cap",
			handler: reply(200, js, `{"data":"`+strings.Repeat("x", 10<<20)+`"}`),
			want:    provider.Error{Kind: provider.ErrProvider, Status: 200, Message: "the response is larger than 10 MiB"},
		},
		{
			name:    "reason echoing the token",
			handler: reply(200, js, `{"metadata":{"reason":"token `+testToken+` is expired","result":0}}`),
			want:    provider.Error{Kind: provider.ErrProvider, Message: "token [REDACTED] is expired"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setup(t, tt.handler)
			c.Now = func() time.Time { return now }
			_, err := c.Version(t.Context())
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("Version() error = %v (%T), want a *provider.Error", err, err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("Version() error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientErrorText(t *testing.T) {
	t.Parallel()
	c := setup(t, reply(403, "application/json", `{"cpanelresult":{"apiversion":"2","error":"Access denied","data":{"reason":"Access denied","result":"0"},"type":"text"}}`))
	_, err := c.Version(t.Context())
	if got, want := err.Error(), "403 Forbidden — Access denied"; got != want {
		t.Errorf("Version() error = %q, want %q", got, want)
	}
}

func TestClientRequest(t *testing.T) {
	t.Parallel()
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(r.Context())
		_, _ = w.Write([]byte(`{"data":{"version":"11.120.0.1"},"metadata":{"command":"version","reason":"OK","result":1,"version":1}}`))
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, base, ua   string
		wantPath, wantUA string
	}{
		{name: "plain", base: srv.URL, wantPath: "/json-api/version", wantUA: "ihub"},
		{name: "trailing slash and prefix", base: srv.URL + "/whm/", wantPath: "/whm/json-api/version", wantUA: "ihub"},
		{name: "own user agent", base: srv.URL, ua: "ihub/1.2 (test)", wantPath: "/json-api/version", wantUA: "ihub/1.2 (test)"},
	}
	for _, tt := range tests {
		// Sequential: the handler records into one variable.
		c, err := whm.NewClient(tt.base, srv.Client(), "reseller1", secret.NewValue(testToken))
		if err != nil {
			t.Fatalf("%s: NewClient() error = %v", tt.name, err)
		}
		c.UserAgent = tt.ua
		v, err := c.Version(t.Context())
		if err != nil || v != "11.120.0.1" {
			t.Fatalf("%s: Version() = %q, %v; want 11.120.0.1", tt.name, v, err)
		}
		if got.Method != http.MethodGet || got.URL.Path != tt.wantPath {
			t.Errorf("%s: request = %s %s, want GET %s", tt.name, got.Method, got.URL.Path, tt.wantPath)
		}
		if q := got.URL.Query().Get("api.version"); q != "1" {
			t.Errorf("%s: api.version = %q, want 1", tt.name, q)
		}
		if a := got.Header.Get("Authorization"); a != "whm reseller1:"+testToken {
			t.Errorf("%s: Authorization = %q, want whm reseller1:<token>", tt.name, a)
		}
		if a := got.Header.Get("Accept"); a != "application/json" {
			t.Errorf("%s: Accept = %q, want application/json", tt.name, a)
		}
		if ua := got.Header.Get("User-Agent"); ua != tt.wantUA {
			t.Errorf("%s: User-Agent = %q, want %q", tt.name, ua, tt.wantUA)
		}
	}
}

func TestNewClientInvalid(t *testing.T) {
	t.Parallel()
	tok := secret.NewValue(testToken)
	tests := []struct {
		name  string
		base  string
		hc    *http.Client
		user  string
		token secret.Value
	}{
		{"no base URL", "", providertest.HTTPClient(), "root", tok},
		{"base URL with password", "https://root:" + testToken + "@h:2087", providertest.HTTPClient(), "root", tok},
		{"no client", "https://h:2087", nil, "root", tok},
		{"no user", "https://h:2087", providertest.HTTPClient(), " ", tok},
		{"user with colon", "https://h:2087", providertest.HTTPClient(), "ro:ot", tok},
		{"no token", "https://h:2087", providertest.HTTPClient(), "root", secret.Value{}},
		{"token with newline", "https://h:2087", providertest.HTTPClient(), "root", secret.NewValue("abc\r\nX-Evil: 1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := whm.NewClient(tt.base, tt.hc, tt.user, tt.token)
			var perr *provider.Error
			if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
				t.Fatalf("NewClient() error = %v, want an invalid *provider.Error", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("NewClient() error %q contains the token", err)
			}
		})
	}
}

func TestCallRejectsBadFunctionNames(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{})
	c, err := whm.NewClient(f.URL(), providertest.HTTPClient(), whmfake.DefaultUser, secret.NewValue(whmfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"", "../cpanel", "version?x=1", "list accts"} {
		_, err := c.Call(t.Context(), fn, nil, nil)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("Call(%q) error = %v, want invalid", fn, err)
		}
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestListAccounts(t *testing.T) {
	t.Parallel()
	accts := []whmfake.Account{
		{User: "alpha", Domain: "alpha.example", Email: "a@alpha.example", Plan: "gold", Owner: "root", IP: "192.0.2.1", UnixStartDate: 1700000000},
		{User: "bravo", Domain: "bravo.example", Plan: "silver", Owner: "res1", Suspended: true, SuspendReason: "non-payment", DiskUsed: "120M", DiskLimit: "1000M"},
		{User: "charlie", Domain: "charlie.test", Plan: "silver", Owner: "res1"},
	}
	f := fake(t, whmfake.Options{
		Tokens:   map[string]string{"root": whmfake.DefaultToken, "res1": "RES1TOKEN0123456789ABCDEFGHIJKLM"},
		Accounts: accts,
	})
	client := func(user, tok string) *whm.Client {
		c, err := whm.NewClient(f.URL(), providertest.HTTPClient(), user, secret.NewValue(tok))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	root := client("root", whmfake.DefaultToken)
	tests := []struct {
		name   string
		c      *whm.Client
		opts   *whm.ListAccountsOptions
		wantUs []string
	}{
		{"all", root, nil, []string{"alpha", "bravo", "charlie"}},
		{"exact user", root, &whm.ListAccountsOptions{Search: "bravo", SearchType: "user", SearchMethod: "exact"}, []string{"bravo"}},
		{"domain substring", root, &whm.ListAccountsOptions{Search: ".example"}, []string{"alpha", "bravo"}},
		{"regex on package", root, &whm.ListAccountsOptions{Search: "^sil", SearchType: "package", SearchMethod: "regex"}, []string{"bravo", "charlie"}},
		{"no match", root, &whm.ListAccountsOptions{Search: "zulu", SearchType: "user", SearchMethod: "exact"}, nil},
		{"reseller sees its own", client("res1", "RES1TOKEN0123456789ABCDEFGHIJKLM"), nil, []string{"bravo", "charlie"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.c.ListAccounts(t.Context(), tt.opts)
			if err != nil {
				t.Fatalf("ListAccounts() error = %v", err)
			}
			var users []string
			for _, a := range got {
				users = append(users, a.User)
			}
			if diff := cmp.Diff(tt.wantUs, users); diff != "" {
				t.Errorf("ListAccounts() users mismatch (-want +got):\n%s", diff)
			}
		})
	}

	got, err := root.ListAccounts(t.Context(), &whm.ListAccountsOptions{Search: "bravo", SearchType: "user", SearchMethod: "exact"})
	if err != nil {
		t.Fatal(err)
	}
	want := []whm.Account{{
		User: "bravo", Domain: "bravo.example", Plan: "silver", Owner: "res1", Suspended: true,
		SuspendReason: "non-payment", DiskUsed: "120M", DiskLimit: "1000M", StartDate: "70 Jan 01 00:00",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAccounts(bravo) mismatch (-want +got):\n%s", diff)
	}
}

func TestListAccountsDenied(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{Apps: []string{"version", "applist"}})
	c, err := whm.NewClient(f.URL(), providertest.HTTPClient(), whmfake.DefaultUser, secret.NewValue(whmfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListAccounts(t.Context(), nil)
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrAuth || perr.Error() != "Access denied" {
		t.Errorf("ListAccounts() error = %#v, want auth \"Access denied\"", err)
	}
}

func TestHostname(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{Hostname: "cp1.example.net"})
	c, err := whm.NewClient(f.URL(), providertest.HTTPClient(), whmfake.DefaultUser, secret.NewValue(whmfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Hostname(t.Context())
	if err != nil || got != "cp1.example.net" {
		t.Errorf("Hostname() = %q, %v; want cp1.example.net", got, err)
	}
	if n := f.Calls("gethostname"); n != 1 {
		t.Errorf("gethostname calls = %d, want 1", n)
	}
}

func TestUnknownFunction(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{})
	c, err := whm.NewClient(f.URL(), providertest.HTTPClient(), whmfake.DefaultUser, secret.NewValue(whmfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	md, err := c.Call(t.Context(), "nosuchfn", nil, nil)
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrProvider || !strings.Contains(perr.Message, "Unknown app") {
		t.Fatalf("Call(nosuchfn) error = %v, want a provider error about an unknown app", err)
	}
	if md == nil || md.Command != "nosuchfn" || md.Result != 0 {
		t.Errorf("Call(nosuchfn) metadata = %+v, want command echoed and result 0", md)
	}
}
