package generichttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/generichttp"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/provider/providertest"
)

// fake starts a generichttpfake server closed at the end of the test.
func fake(t *testing.T, opts generichttpfake.Options) *generichttpfake.Server {
	t.Helper()
	s := generichttpfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

// conn builds a connection in auth mode mode with the fake's default
// credentials; settings are extra key/value pairs.
func conn(baseURL, mode string, settings ...string) provider.Connection {
	c := provider.Connection{
		IntegrationID: "int_http",
		BaseURL:       baseURL,
		Settings:      map[string]any{generichttp.FieldAuthMode: mode},
	}
	switch mode {
	case generichttp.AuthBasic:
		c.Username = generichttpfake.DefaultUsername
		c.Credentials = providertest.Creds(generichttp.FieldPassword, generichttpfake.DefaultPassword)
	case generichttp.AuthBearer, generichttp.AuthHeader, generichttp.AuthQuery:
		c.Credentials = providertest.Creds(generichttp.FieldToken, generichttpfake.DefaultToken)
	}
	for i := 0; i+1 < len(settings); i += 2 {
		c.Settings[settings[i]] = settings[i+1]
	}
	return c
}

func withToken(c provider.Connection, key, value string) provider.Connection {
	c.Credentials = providertest.Creds(key, value)
	return c
}

var modes = []string{generichttp.AuthNone, generichttp.AuthBearer, generichttp.AuthBasic, generichttp.AuthHeader, generichttp.AuthQuery}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := generichttp.New()
	if got, want := p.Descriptor().ID, "http"; got != want {
		t.Errorf("generichttp.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != generichttp.ID {
		t.Errorf("generichttp.ID = %q, want the descriptor's id %q", generichttp.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	var cases []providertest.CheckerCase
	for _, mode := range modes {
		f := fake(t, generichttpfake.Options{Auth: mode})
		cases = append(cases, providertest.CheckerCase{
			Name: "ok " + mode,
			Conn: conn(f.URL(), mode, generichttp.FieldHealthPath, "/health"),
			Want: providertest.Want{OK: true, Contains: "GET /health answered 200 OK", Details: []string{"status", "healthPath", "authMode"}},
		})
		if mode == generichttp.AuthNone {
			continue
		}
		wrong := conn(f.URL(), mode, generichttp.FieldHealthPath, "/health")
		if mode == generichttp.AuthBasic {
			wrong = withToken(wrong, generichttp.FieldPassword, "wrong-password-123")
		} else {
			wrong = withToken(wrong, generichttp.FieldToken, "wrong-token-0123456789")
		}
		cases = append(cases, providertest.CheckerCase{
			Name: "wrong credential " + mode,
			Conn: wrong,
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "401 Unauthorized — Invalid or missing credentials"},
		})
	}
	custom := fake(t, generichttpfake.Options{Auth: generichttp.AuthHeader, HeaderName: "X-Auth-Token", QueryParam: "key"})
	customQuery := fake(t, generichttpfake.Options{Auth: generichttp.AuthQuery, QueryParam: "key"})
	tlsFake := fake(t, generichttpfake.Options{TLS: true})
	limited := fake(t, generichttpfake.Options{Fail: func(*http.Request) *generichttpfake.Reply { return generichttpfake.TooManyRequests(30 * time.Second) }})
	maintenance := fake(t, generichttpfake.Options{Fail: func(*http.Request) *generichttpfake.Reply {
		return generichttpfake.HTMLPage(http.StatusServiceUnavailable, "Down for maintenance", "Back soon.")
	}})
	hang := fake(t, generichttpfake.Options{Fail: generichttpfake.Hang})
	okRoot := fake(t, generichttpfake.Options{})

	cases = append(cases,
		providertest.CheckerCase{
			Name: "custom header name",
			Conn: conn(custom.URL(), generichttp.AuthHeader, generichttp.FieldHeaderName, "X-Auth-Token", generichttp.FieldHealthPath, "/health"),
			Want: providertest.Want{OK: true},
		},
		providertest.CheckerCase{
			Name: "custom query parameter",
			Conn: conn(customQuery.URL(), generichttp.AuthQuery, generichttp.FieldQueryParam, "key", generichttp.FieldHealthPath, "/health"),
			Want: providertest.Want{OK: true},
		},
		providertest.CheckerCase{
			Name: "token in the wrong header",
			Conn: conn(custom.URL(), generichttp.AuthHeader, generichttp.FieldHealthPath, "/health"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
		},
		providertest.CheckerCase{
			Name: "default health path / not found",
			Conn: conn(okRoot.URL(), generichttp.AuthBearer),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound, Contains: "No route for GET /"},
		},
		providertest.CheckerCase{
			Name:   "ok over TLS",
			Conn:   conn(tlsFake.URL(), generichttp.AuthBearer, generichttp.FieldHealthPath, "/health"),
			Client: tlsFake.Client(),
			Want:   providertest.Want{OK: true},
		},
		providertest.CheckerCase{
			Name: "missing token",
			Conn: withToken(conn(okRoot.URL(), generichttp.AuthBearer), "other", "x"),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "token is not set"},
		},
		providertest.CheckerCase{
			Name: "rate limited",
			Conn: conn(limited.URL(), generichttp.AuthBearer),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true},
		},
		providertest.CheckerCase{
			Name: "HTML 503 page",
			Conn: conn(maintenance.URL(), generichttp.AuthBearer),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusServiceUnavailable, Contains: "Down for maintenance"},
		},
		providertest.CheckerCase{
			Name: "unreachable",
			Conn: conn(providertest.ClosedURL(t), generichttp.AuthBearer),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"},
		},
		providertest.CheckerCase{
			Name: "TLS certificate not trusted",
			Conn: conn(tlsFake.URL(), generichttp.AuthBearer, generichttp.FieldHealthPath, "/health"),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "certificate"},
		},
		providertest.CheckerCase{
			Name:    "deadline",
			Conn:    conn(hang.URL(), generichttp.AuthBearer),
			Timeout: 150 * time.Millisecond,
			Want:    providertest.Want{Kind: provider.ErrTransport},
		},
		providertest.CheckerCase{
			Name:        "cancelled",
			Conn:        conn(hang.URL(), generichttp.AuthQuery),
			CancelAfter: 100 * time.Millisecond,
			Want:        providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"},
		},
	)
	providertest.Run(t, generichttp.New(), cases...)
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, generichttpfake.Options{})
	query := fake(t, generichttpfake.Options{Auth: generichttp.AuthQuery})
	queryConn := conn(query.URL(), generichttp.AuthQuery)
	wrong := withToken(conn(f.URL(), generichttp.AuthBearer), generichttp.FieldToken, "wrong-token-0123456789")
	loginPage := fake(t, generichttpfake.Options{Fail: func(*http.Request) *generichttpfake.Reply {
		return generichttpfake.HTMLPage(http.StatusOK, "Sign in", "Please sign in.")
	}})
	loginConn := conn(loginPage.URL(), generichttp.AuthBearer)

	providertest.Actions{
		Provider: generichttp.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, generichttp.AuthBearer) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{
				Name: "get item", Action: "request", Input: `{"method":"GET","path":"/items/1"}`,
				Want: providertest.Want{OK: true, Contains: `"body":{"id":1,"name":"Welcome email","status":"done"}`},
			},
			{
				Name: "list with query", Action: "request", Input: `{"method":"GET","path":"/items","query":{"status":"done"}}`,
				Want: providertest.Want{OK: true, Contains: `"X-Total-Count":"1"`},
			},
			{
				Name: "create", Action: "request", Input: `{"method":"POST","path":"/items","body":{"name":"Send invoice"}}`,
				Output: func(t *testing.T, out any) {
					o := out.(generichttp.RequestOutput)
					var it generichttpfake.Item
					if err := json.Unmarshal(o.Body, &it); err != nil {
						t.Fatalf("body %s: %v", o.Body, err)
					}
					if o.Status != http.StatusCreated || it.Name != "Send invoice" || it.Status != "open" || it.ID < 4 {
						t.Errorf("create output = %+v (item %+v), want 201 with the new open item", o, it)
					}
					if want := "/items/" + strconv.Itoa(it.ID); o.Headers["Location"] != want {
						t.Errorf("Location = %q, want %q", o.Headers["Location"], want)
					}
				},
				Want: providertest.Want{OK: true},
			},
			{
				Name: "patch", Action: "request", Input: `{"method":"PATCH","path":"/items/2","body":{"status":"review"}}`,
				Want: providertest.Want{OK: true, Contains: `"status":"review"`},
			},
			{
				Name: "delete answers 204 without a body", Action: "request", Input: `{"method":"DELETE","path":"/items/3"}`,
				Output: func(t *testing.T, out any) {
					want := generichttp.RequestOutput{Status: http.StatusNoContent}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				},
				Want: providertest.Want{OK: true},
			},
			{
				Name: "text answer", Action: "request", Input: `{"method":"GET","path":"/ping"}`,
				Want: providertest.Want{OK: true, Contains: `"text":"pong"`},
			},
			{
				Name: "query auth", Action: "request", Input: `{"method":"GET","path":"/echo","query":{"a":"1"}}`,
				Conn: &queryConn,
				Want: providertest.Want{OK: true, Contains: `"query":{"a":["1"]}`},
			},
			{
				Name: "not found", Action: "request", Input: `{"method":"GET","path":"/items/999"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound, Contains: `Item "999" not found`},
			},
			{
				Name: "validation error", Action: "request", Input: `{"method":"POST","path":"/items","body":{}}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusUnprocessableEntity, Contains: "name is required"},
			},
			{
				Name: "wrong token", Action: "request", Input: `{"method":"GET","path":"/items"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
			},
			{
				Name: "login page with 200", Action: "request", Input: `{"method":"GET","path":"/items"}`, Conn: &loginConn,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "HTML page; check the base URL and the credentials; it answered: Sign in"},
			},
			{
				Name: "path climbing above the base", Action: "request", Input: `{"method":"GET","path":"/items/../../etc"}`,
				Want: providertest.Want{Input: true, Field: "path"},
			},
			{
				Name: "absolute URL as path", Action: "request", Input: `{"method":"GET","path":"//evil.example/x"}`,
				Want: providertest.Want{Input: true, Field: "path"},
			},
			{
				Name: "unknown method", Action: "request", Input: `{"method":"TRACE","path":"/items"}`,
				Want: providertest.Want{Input: true, Field: "method"},
			},
		},
	}.Run(t)
}

// TestProxy authorizes requests the way the proxy does (ProxyBase + path,
// then Authorize) and sends them to a fake requiring each auth style.
func TestProxy(t *testing.T) {
	t.Parallel()
	p := generichttp.New()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := fake(t, generichttpfake.Options{Auth: mode})
			c := conn(f.URL(), mode)
			base, err := p.ProxyBase(c)
			if err != nil {
				t.Fatalf("ProxyBase() error = %v", err)
			}
			u := base.JoinPath("echo")
			u.RawQuery = "b=2&api_key=caller-supplied&a=1"
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u.String(), strings.NewReader(`{"x":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Authorize(t.Context(), req, c); err != nil {
				t.Fatalf("Authorize() error = %v", err)
			}
			if mode == generichttp.AuthQuery {
				if want := "b=2&a=1&api_key=" + generichttpfake.DefaultToken; req.URL.RawQuery != want {
					t.Errorf("query after Authorize = %q, want %q", req.URL.RawQuery, want)
				}
			}
			hc := providertest.HTTPClient()
			defer hc.CloseIdleConnections()
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("proxied request error = %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("proxied request status = %d (%s), want 200", resp.StatusCode, body)
			}
			var echo struct {
				Method string          `json:"method"`
				Body   json.RawMessage `json:"body"`
			}
			if err := json.Unmarshal(body, &echo); err != nil || echo.Method != http.MethodPost || string(echo.Body) != `{"x":1}` {
				t.Errorf("echo = %s, want the POST with its body", body)
			}
		})
	}
}

func TestAuthorizeInvalid(t *testing.T) {
	t.Parallel()
	p := generichttp.New()
	tests := []struct {
		name string
		conn provider.Connection
		want string
	}{
		{"no token", withToken(conn("https://api.example.test", generichttp.AuthBearer), "other", "x"), "the token is not set"},
		{"no password", withToken(conn("https://api.example.test", generichttp.AuthBasic), "other", "x"), "the password for HTTP Basic auth is not set"},
		{"no user", func() provider.Connection {
			c := conn("https://api.example.test", generichttp.AuthBasic)
			c.Username = ""
			return c
		}(), "the user name for HTTP Basic auth is not set"},
		{"bad header name", conn("https://api.example.test", generichttp.AuthHeader, generichttp.FieldHeaderName, "X Bad"), "not a valid HTTP header name"},
		{"reserved header", conn("https://api.example.test", generichttp.AuthHeader, generichttp.FieldHeaderName, "host"), "the header Host cannot carry the token"},
		{"bad query param", conn("https://api.example.test", generichttp.AuthQuery, generichttp.FieldQueryParam, "a&b"), "query parameter name"},
		{"unknown mode", conn("https://api.example.test", "digest"), "authentication mode must be one of"},
		{"token with a line break", withToken(conn("https://api.example.test", generichttp.AuthHeader), generichttp.FieldToken, "abc\r\nX-Evil: 1"), "single line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.example.test/x", nil)
			err := p.Authorize(t.Context(), req, tt.conn)
			var perr *provider.Error
			if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Authorize() error = %v, want an invalid error containing %q", err, tt.want)
			}
			if len(req.Header) != 0 || req.URL.RawQuery != "" {
				t.Errorf("Authorize() failed but changed the request: %v %q", req.Header, req.URL.RawQuery)
			}
		})
	}
}
