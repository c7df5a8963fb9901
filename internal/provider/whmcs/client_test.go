package whmcs_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whmcs"
	"ihub/internal/provider/whmcs/whmcsfake"
	"ihub/internal/secret"
)

func TestClientSendsCredentialFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cred whmcs.Credentials
		want map[string][]string
	}{
		{
			name: "api credentials with access key",
			cred: whmcs.Credentials{Identifier: secret.NewValue("ID123456"), Secret: secret.NewValue("SEC123456"), AccessKey: secret.NewValue("KEY123456")},
			want: map[string][]string{"action": {"GetStats"}, "responsetype": {"json"}, "identifier": {"ID123456"}, "secret": {"SEC123456"}, "accesskey": {"KEY123456"}},
		},
		{
			name: "legacy login hashes the password",
			cred: whmcs.Credentials{Username: "admin", Password: secret.NewValue("password")},
			want: map[string][]string{"action": {"GetStats"}, "responsetype": {"json"}, "username": {"admin"}, "password": {"5f4dcc3b5aa765d61d8327deb882cf99"}},
		},
		{
			name: "legacy login takes an MD5 as is",
			cred: whmcs.Credentials{Username: "admin", Password: secret.NewValue("5f4dcc3b5aa765d61d8327deb882cf99")},
			want: map[string][]string{"action": {"GetStats"}, "responsetype": {"json"}, "username": {"admin"}, "password": {"5f4dcc3b5aa765d61d8327deb882cf99"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got url.Values
			var method, path, ctype string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				got, method, path, ctype = r.PostForm, r.Method, r.URL.Path, r.Header.Get("Content-Type")
				_, _ = io.WriteString(w, `{"result":"success","income_today":"$1.00 USD","orders_pending":3,"timeline_data":{}}`)
			}))
			t.Cleanup(srv.Close)
			c, err := whmcs.NewClient(srv.URL+"/whmcs/", providertest.HTTPClient(), tt.cred)
			if err != nil {
				t.Fatal(err)
			}
			st, err := c.GetStats(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, map[string][]string(got)); diff != "" {
				t.Errorf("form mismatch (-want +got):\n%s", diff)
			}
			if method != http.MethodPost || path != "/whmcs/includes/api.php" || ctype != "application/x-www-form-urlencoded" {
				t.Errorf("request = %s %s (%s), want POST /whmcs/includes/api.php form", method, path, ctype)
			}
			if diff := cmp.Diff(map[string]string{"income_today": "$1.00 USD", "orders_pending": "3"}, st); diff != "" {
				t.Errorf("GetStats mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClientInvalid(t *testing.T) {
	t.Parallel()
	for name, cred := range map[string]whmcs.Credentials{
		"nothing":              {},
		"secret without id":    {Secret: secret.NewValue("x")},
		"user without pass":    {Username: "admin"},
		"line break in secret": {Identifier: secret.NewValue("a"), Secret: secret.NewValue("b\nc")},
	} {
		_, err := whmcs.NewClient("https://billing.example.com", providertest.HTTPClient(), cred)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", name, err)
		}
	}
}

func TestResultErrorKinds(t *testing.T) {
	t.Parallel()
	tests := map[string]provider.ErrorKind{
		"Authentication Failed":                              provider.ErrAuth,
		"Invalid IP 1.2.3.4":                                 provider.ErrAuth,
		`Invalid Permissions: API action "x" is not allowed`: provider.ErrAuth,
		"Invoice ID Not Found":                               provider.ErrNotFound,
		"Invalid Invoice ID":                                 provider.ErrNotFound,
		"Subject is required":                                provider.ErrProvider,
		"":                                                   provider.ErrProvider,
	}
	for msg, want := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"result":"error","message":"`+strings.ReplaceAll(msg, `"`, `\"`)+`"}`)
		}))
		c, err := whmcs.NewClient(srv.URL, providertest.HTTPClient(), whmcs.Credentials{Identifier: secret.NewValue("i"), Secret: secret.NewValue("s")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetStats(t.Context())
		srv.Close()
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != want || perr.Status != 0 {
			t.Errorf("%q: error = %#v, want kind %s with status 0", msg, err, want)
		}
	}
}

func TestNestedListShapes(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{
		`{"result":"success","totalresults":0,"products":""}`:                                  0,
		`{"result":"success","totalresults":0,"products":{"product":[]}}`:                      0,
		`{"result":"success","totalresults":1,"products":{"product":{"pid":"7","name":"A"}}}`:  1,
		`{"result":"success","totalresults":2,"products":{"product":[{"pid":1},{"pid":"2"}]}}`: 2,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }))
		c, _ := whmcs.NewClient(srv.URL, providertest.HTTPClient(), whmcs.Credentials{Identifier: secret.NewValue("i"), Secret: secret.NewValue("s")})
		ps, _, err := c.GetProducts(t.Context(), nil)
		srv.Close()
		if err != nil || len(ps) != want || ps == nil {
			t.Errorf("GetProducts(%s) = %v, %v; want %d products", body, ps, err, want)
		}
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	p := whmcs.New()
	c := okConn("https://billing.example.com")
	base, err := p.ProxyBase(c)
	if err != nil || base.String() != "https://billing.example.com" {
		t.Fatalf("ProxyBase() = %v, %v", base, err)
	}
	req := httptest.NewRequest(http.MethodPost, "https://billing.example.com/includes/api.php",
		strings.NewReader("action=GetClients&identifier=caller&secret=callers&limitnum=5"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(req.Body)
	got, _ := url.ParseQuery(string(b))
	want := url.Values{"action": {"GetClients"}, "limitnum": {"5"}, "responsetype": {"json"},
		"identifier": {whmcsfake.DefaultIdentifier}, "secret": {whmcsfake.DefaultSecret}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("proxied form mismatch (-want +got):\n%s", diff)
	}
	if req.ContentLength != int64(len(b)) {
		t.Errorf("ContentLength = %d, want %d", req.ContentLength, len(b))
	}

	// The authorized request works against the fake.
	f := fake(t, whmcsfake.Options{})
	req2, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/includes/api.php", strings.NewReader("action=GetProducts"))
	req2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := p.Authorize(t.Context(), req2, okConn(f.URL())); err != nil {
		t.Fatal(err)
	}
	resp, err := providertest.HTTPClient().Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(rb), `"result":"success"`) {
		t.Errorf("proxied call answered %s", rb)
	}

	for name, r := range map[string]*http.Request{
		"GET": httptest.NewRequest(http.MethodGet, "https://billing.example.com/includes/api.php", nil),
		"JSON": func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "https://x/", strings.NewReader("{}"))
			r.Header.Set("Content-Type", "application/json")
			return r
		}(),
	} {
		var perr *provider.Error
		if err := p.Authorize(t.Context(), r, c); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("Authorize(%s) = %v, want kind invalid", name, err)
		}
	}
}
