package generichttp_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/generichttp"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

const testToken = "tok_0123456789abcdefghijklmnop"

// setup returns a bearer client for a server running handler.
func setup(t *testing.T, handler http.HandlerFunc) *generichttp.Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	hc := providertest.HTTPClient()
	t.Cleanup(hc.CloseIdleConnections)
	c, err := generichttp.NewClient(srv.URL+"/api/v1", hc, generichttp.Auth{Mode: generichttp.AuthBearer, Secret: secret.NewValue(testToken)})
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	c.Now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
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
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    provider.Error
	}{
		{"401 plain", reply(401, "", ""), provider.Error{Kind: provider.ErrAuth, Status: 401}},
		{"403 with message", reply(403, js, `{"message":"Token lacks scope"}`), provider.Error{Kind: provider.ErrAuth, Status: 403, Message: "Token lacks scope"}},
		{"nested error object", reply(400, js, `{"error":{"code":"invalid_field","message":"name is too long"}}`),
			provider.Error{Kind: provider.ErrProvider, Status: 400, Code: "invalid_field", Message: "name is too long"}},
		{"oauth style", reply(400, js, `{"error":"invalid_request","error_description":"missing grant"}`),
			provider.Error{Kind: provider.ErrProvider, Status: 400, Code: "invalid_request", Message: "missing grant"}},
		{"detail and numeric code", reply(409, js, `{"detail":"already exists","code":1062}`),
			provider.Error{Kind: provider.ErrProvider, Status: 409, Code: "1062", Message: "already exists"}},
		{"429 with http date", reply(429, js, `{}`, "Retry-After", "Sun, 22 Nov 2026 10:01:00 GMT"),
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: time.Minute}},
		{"502 html page", reply(502, html, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"),
			provider.Error{Kind: provider.ErrProvider, Status: 502}},
		{"404 gone", reply(410, "text/plain", "gone for good"), provider.Error{Kind: provider.ErrNotFound, Status: 410, Message: "gone for good"}},
		{"token echoed", reply(401, js, `{"message":"bad token `+testToken+`"}`), provider.Error{Kind: provider.ErrAuth, Status: 401, Message: "bad token [REDACTED]"}},
		{"200 html without content type", reply(200, "", "<!DOCTYPE html><html><head><title>Portal</title></head></html>"),
			provider.Error{Kind: provider.ErrProvider, Message: "expected an API answer but got an HTML page; check the base URL and the credentials; it answered: Portal"}},
		{"200 invalid json", reply(200, js, `{"a":`), provider.Error{Kind: provider.ErrProvider, Message: "the answer says it is JSON but is not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setup(t, tt.handler)
			_, err := c.Do(t.Context(), generichttp.Request{Method: "GET", Path: "/x"})
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("Do() error = %v, want a *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("Do() error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientRequest(t *testing.T) {
	t.Parallel()
	var got struct {
		method, path, rawPath, query, auth, ctype, body, ua string
	}
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.rawPath, got.query = r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery
		got.auth, got.ctype, got.body, got.ua = r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b), r.Header.Get("User-Agent")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=abc")
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write([]byte(`{"echo":"` + testToken + `"}`))
	})
	resp, err := c.Do(t.Context(), generichttp.Request{
		Method: "put", Path: "/files/a%2Fb", Query: url.Values{"q": {"x y"}}, Body: json.RawMessage(`{"n":1}`),
	})
	if err != nil {
		t.Fatalf("Do() error = %v", err)
	}
	want := struct{ method, path, rawPath, query, auth, ctype, body, ua string }{
		"PUT", "/api/v1/files/a/b", "/api/v1/files/a%2Fb", "q=x+y", "Bearer " + testToken, "application/json", `{"n":1}`, "ihub",
	}
	if got != want {
		t.Errorf("request = %+v, want %+v", got, want)
	}
	wantResp := &generichttp.Response{
		Status: 200, ContentType: "application/json", Header: map[string]string{"ETag": `"v1"`},
		Body: json.RawMessage(`{"echo":"[REDACTED]"}`),
	}
	if diff := cmp.Diff(wantResp, resp); diff != "" {
		t.Errorf("Do() response mismatch (-want +got):\n%s", diff)
	}
}

// TestShortSecretInAnswer: a one-character password quoted back in an
// answer is masked, and the rest of the answer is left as the API sent it.
func TestShortSecretInAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(reply(200, "application/json", `{"box":"example","pass":"x","size":"2x4"}`))
	t.Cleanup(srv.Close)
	hc := providertest.HTTPClient()
	t.Cleanup(hc.CloseIdleConnections)
	c, err := generichttp.NewClient(srv.URL, hc, generichttp.Auth{Mode: generichttp.AuthBasic, Username: "u", Secret: secret.NewValue("x")})
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	resp, err := c.Do(t.Context(), generichttp.Request{Method: "GET", Path: "/box"})
	if err != nil {
		t.Fatalf("Do() error = %v", err)
	}
	if got, want := string(resp.Body), `{"box":"example","pass":"[REDACTED]","size":"2x4"}`; got != want {
		t.Errorf("Do() body = %s, want %s", got, want)
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                "/",
		"/":               "/",
		"/users/42/repos": "/users/{id}/repos",
		"/v1/items":       "/v1/items",
		"/s/11111111-2222-3333-4444-555555555555/decision/": "/s/{id}/decision/",
		"/blobs/deadbeefdeadbeefdeadbeef":                   "/blobs/{id}",
		"/orders/ord_2x9f8k3j4h5g6f7d":                      "/orders/{id}",
		"/files/a%2Fb":                                      "/files/{id}",
	}
	for in, want := range tests {
		if got := generichttp.Template(in); got != want {
			t.Errorf("Template(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewClientInvalid(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, tc := range []struct {
		name, base string
		auth       generichttp.Auth
	}{
		{"no base URL", "", generichttp.Auth{}},
		{"base URL with query", "https://api.example.test/?k=v", generichttp.Auth{}},
		{"bearer token with space", "https://api.example.test", generichttp.Auth{Mode: generichttp.AuthBearer, Secret: secret.NewValue("a b")}},
		{"query param with =", "https://api.example.test", generichttp.Auth{Mode: generichttp.AuthQuery, QueryParam: "k=", Secret: secret.NewValue("abcdef")}},
	} {
		_, err := generichttp.NewClient(tc.base, hc, tc.auth)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", tc.name, err)
		}
	}
	if _, err := generichttp.NewClient("https://api.example.test", nil, generichttp.Auth{}); err == nil {
		t.Errorf("NewClient(nil client) error = nil, want invalid")
	}
}

// TestEscapedSecretInAnswer: a credential echoed in a JSON answer is
// written there escaped when it holds a quote, a backslash or a slash
// (PHP's json_encode writes "/" as "\/", as WHMCS and cPanel answer): it is
// masked in that form too.
func TestEscapedSecretInAnswer(t *testing.T) {
	t.Parallel()
	const tok = `k3y/with"quote\and<more>`
	goForm, _ := json.Marshal(tok)
	for _, body := range []string{
		`{"got":` + string(goForm) + `}`,
		`{"got":"k3y\/with\"quote\\and<more>"}`,
		`{"got":"k3y/with\"quote\\and<more>"}`,
	} {
		srv := httptest.NewServer(reply(200, "application/json", body))
		t.Cleanup(srv.Close)
		hc := providertest.HTTPClient()
		t.Cleanup(hc.CloseIdleConnections)
		c, err := generichttp.NewClient(srv.URL, hc, generichttp.Auth{Mode: generichttp.AuthHeader, HeaderName: "X-Key", Secret: secret.NewValue(tok)})
		if err != nil {
			t.Fatalf("NewClient() error = %v", err)
		}
		resp, err := c.Do(t.Context(), generichttp.Request{Method: "GET", Path: "/x"})
		if err != nil {
			t.Fatalf("Do() error = %v", err)
		}
		if got, want := string(resp.Body), `{"got":"[REDACTED]"}`; got != want {
			t.Errorf("an answer %s is relayed as %s, want %s", body, got, want)
		}
	}
}
