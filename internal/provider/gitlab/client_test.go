package gitlab_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/gitlab"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

const testToken = "glpat-ClientTestToken000000000"

func setup(t *testing.T, handler http.HandlerFunc) *gitlab.Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := gitlab.NewClient(srv.URL+"/api/v4", providertest.HTTPClient(), secret.NewValue(testToken), "")
	if err != nil {
		t.Fatalf("NewClient() error = %v", err)
	}
	return c
}

func reply(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    provider.Error
	}{
		{"401 message", reply(401, `{"message":"401 Unauthorized"}`),
			provider.Error{Kind: provider.ErrAuth, Status: 401}},
		{"403 scope", reply(403, `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"}`),
			provider.Error{Kind: provider.ErrAuth, Status: 403, Code: "insufficient_scope", Message: "The request requires higher privileges than provided by the access token."}},
		{"404 project", reply(404, `{"message":"404 Project Not Found"}`),
			provider.Error{Kind: provider.ErrNotFound, Status: 404, Message: "404 Project Not Found"}},
		{"400 parameter", reply(400, `{"error":"url is missing"}`),
			provider.Error{Kind: provider.ErrProvider, Status: 400, Message: "url is missing"}},
		{"422 validation", reply(422, `{"message":{"url":["is blocked: Only allowed schemes are http, https"],"token":["is too long"]}}`),
			provider.Error{Kind: provider.ErrProvider, Status: 422, Message: "token is too long; url is blocked: Only allowed schemes are http, https"}},
		{"429 Retry-After", reply(429, `{"message":{"error":"This endpoint has been requested too many times. Try again later."}}`, "Retry-After", "12"),
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "This endpoint has been requested too many times. Try again later.", RetryAfter: 12 * time.Second}},
		{"429 RateLimit-Reset", reply(429, `{"message":"Retry later"}`, "RateLimit-Reset", strconv.FormatInt(now.Add(40*time.Second).Unix(), 10)),
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "Retry later", RetryAfter: 40 * time.Second}},
		{"429 without headers", reply(429, `Retry later`),
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "Retry later", RetryAfter: time.Minute}},
		{"500 HTML", reply(500, `<html><head><title>We're sorry, but something went wrong (500)</title></head><body></body></html>`),
			provider.Error{Kind: provider.ErrProvider, Status: 500, Message: "We're sorry, but something went wrong (500)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setup(t, tt.handler)
			c.Now = func() time.Time { return now }
			_, _, err := c.CurrentUser(t.Context())
			perr, ok := err.(*provider.Error)
			if !ok {
				t.Fatalf("error = %v (%T), want *provider.Error", err, err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProjectID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"42": "42", "acme/website": "acme%2Fwebsite", "acme/infra/tf-modules.v2": "acme%2Finfra%2Ftf-modules.v2",
	} {
		got, err := gitlab.ProjectID(in)
		if err != nil || got != want {
			t.Errorf("ProjectID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "website", "acme/..", "acme/x?y", "acme//x", "/acme/x", "acme/x#y"} {
		if got, err := gitlab.ProjectID(in); err == nil {
			t.Errorf("ProjectID(%q) = %q, want an error", in, got)
		}
	}
}

// endpointTransport records the endpoint template of each request.
type endpointTransport struct {
	base     http.RoundTripper
	endpoint *string
}

func (e endpointTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	*e.endpoint = provider.EndpointFrom(r.Context())
	return e.base.RoundTrip(r)
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	var got struct {
		rawPath, query, auth, endpoint string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.rawPath, got.query, got.auth = r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization")
		w.Header().Set("X-Next-Page", "")
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: endpointTransport{base: &http.Transport{}, endpoint: &got.endpoint}}
	c, err := gitlab.NewClient(srv.URL+"/api/v4", hc, secret.NewValue(testToken), "")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	_, resp, err := c.ListCommits(t.Context(), "acme/website", &gitlab.CommitListOptions{RefName: "release/1.x", Since: since, ListOptions: gitlab.ListOptions{PerPage: 500}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NextPage != 0 {
		t.Errorf("NextPage = %d, want 0", resp.NextPage)
	}
	want := struct{ rawPath, query, auth, endpoint string }{
		"/api/v4/projects/acme%2Fwebsite/repository/commits", "per_page=100&ref_name=release%2F1.x&since=2026-01-02T03%3A04%3A05Z", "Bearer " + testToken,
		"GET /projects/:id/repository/commits",
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(got)); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, tc := range []struct {
		name, base, token, header string
	}{
		{"no token", "", "", ""},
		{"token with newline", "", "glpat-abc\r\nX: y", ""},
		{"bad header", "", "glpat-abc", "basic"},
		{"base with credentials", "https://u:p@gitlab.example.com/api/v4", "glpat-abc", ""},
		{"base with query", "https://gitlab.example.com/api/v4?x=1", "glpat-abc", ""},
	} {
		_, err := gitlab.NewClient(tc.base, hc, secret.NewValue(tc.token), tc.header)
		perr, ok := err.(*provider.Error)
		if !ok || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want an invalid error", tc.name, err)
		}
	}
	if _, err := gitlab.NewClient("", hc, secret.NewValue("glpat-abc"), gitlab.HeaderPrivateToken); err != nil {
		t.Errorf("NewClient(default) error = %v", err)
	}
}
