package awx_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/awx"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func TestClientRequest(t *testing.T) {
	t.Parallel()
	var gotAuth, gotURI, gotEndpoint string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotURI = r.Header.Get("Authorization"), r.URL.RequestURI()
		_, _ = io.WriteString(w, `{"count":0,"next":null,"previous":null,"results":[]}`)
	}))
	t.Cleanup(srv.Close)
	hc := providertest.HTTPClient()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		gotEndpoint = provider.EndpointFrom(r.Context())
		return tr.RoundTrip(r)
	})
	c, err := awx.NewClient(srv.URL+"/", "api/controller/v2", hc, awx.Credentials{Token: secret.NewValue("tok-123456")})
	if err != nil {
		t.Fatal(err)
	}
	ts, page, err := c.ListJobTemplates(t.Context(), &awx.JobTemplateListOptions{Name: "Deploy web", ListOptions: awx.ListOptions{PageSize: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 0 || ts == nil || page.Count != 0 {
		t.Errorf("ListJobTemplates() = %v, %+v", ts, page)
	}
	want := []string{"Bearer tok-123456", "/api/controller/v2/job_templates/?name=Deploy+web&page_size=5", "GET /api/controller/v2/job_templates/"}
	if diff := cmp.Diff(want, []string{gotAuth, gotURI, gotEndpoint}); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestValidationError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"variables_needed_to_start":["'version' value missing"],"extra_vars":["Must be valid JSON or YAML."]}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := awx.NewClient(srv.URL, "", providertest.HTTPClient(), awx.Credentials{Token: secret.NewValue("tok-123456")})
	_, err := c.LaunchJobTemplate(t.Context(), 7, nil)
	var perr *provider.Error
	if !errors.As(err, &perr) {
		t.Fatalf("LaunchJobTemplate() error = %v", err)
	}
	want := provider.Error{Kind: provider.ErrProvider, Status: 400, Code: "extra_vars",
		Message: "extra_vars: Must be valid JSON or YAML.; variables_needed_to_start: 'version' value missing"}
	if diff := cmp.Diff(want, *perr); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := awx.New()
	c := okConn("https://awx.example.com")
	c.Settings = map[string]any{awx.FieldAPIPath: "/api/controller/v2/"}
	base, err := p.ProxyBase(c)
	if err != nil || base.String() != "https://awx.example.com/api/controller/v2" {
		t.Errorf("ProxyBase() = %v, %v", base, err)
	}
	req := httptest.NewRequest(http.MethodGet, "https://awx.example.com/api/v2/me/", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil || req.Header.Get("Authorization") != "Bearer "+c.Secret(awx.FieldToken) {
		t.Errorf("Authorize() = %v, header %q", err, req.Header.Get("Authorization"))
	}
	req = httptest.NewRequest(http.MethodGet, "https://awx.example.com/api/v2/me/", nil)
	if err := p.Authorize(t.Context(), req, basicConn("https://awx.example.com", "ops", "pw-123456")); err != nil {
		t.Fatal(err)
	}
	if u, pw, ok := req.BasicAuth(); !ok || u != "ops" || pw != "pw-123456" {
		t.Errorf("Authorize() basic = %q %q %v", u, pw, ok)
	}
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, provider.Connection{BaseURL: "https://awx.example.com"}); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without credentials = %v, want kind invalid", err)
	}
}
