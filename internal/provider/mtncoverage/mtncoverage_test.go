package mtncoverage_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/mtncoverage"
	"ihub/internal/provider/mtncoverage/mtncoveragefake"
	"ihub/internal/provider/providertest"
)

func fake(t *testing.T, opts mtncoveragefake.Options) *mtncoveragefake.Server {
	t.Helper()
	s := mtncoveragefake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, key string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_mtn_coverage",
		BaseURL:       baseURL,
		Settings:      map[string]any{"apiKeyHeader": "X-API-Key"},
		Credentials:   providertest.Creds(mtncoverage.FieldAPIKey, key),
	}
}

func always(rep *mtncoveragefake.Reply) func(*http.Request) *mtncoveragefake.Reply {
	return func(*http.Request) *mtncoveragefake.Reply { return rep }
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := mtncoverage.New()
	if got, want := p.Descriptor().ID, "mtn_coverage"; got != want {
		t.Errorf("mtncoverage.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != mtncoverage.ID {
		t.Errorf("mtncoverage.ID = %q, want the descriptor's id %q", mtncoverage.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	key := mtncoveragefake.DefaultKey
	ok := fake(t, mtncoveragefake.Options{})
	uncovered := fake(t, mtncoveragefake.Options{Areas: []mtncoveragefake.Area{}})
	otherHeader := fake(t, mtncoveragefake.Options{KeyHeader: "Ocp-Apim-Subscription-Key"})
	otherHeaderConn := conn(otherHeader.URL(), key)
	otherHeaderConn.Settings["apiKeyHeader"] = "Ocp-Apim-Subscription-Key"
	wrongPath := conn(ok.URL(), key)
	wrongPath.Settings["coveragePath"] = "/feasibility"
	inBody := fake(t, mtncoveragefake.Options{Fail: always(&mtncoveragefake.Reply{Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"status":"error","message":"Coverage service unavailable"}`})})
	limited := fake(t, mtncoveragefake.Options{Fail: always(&mtncoveragefake.Reply{Status: 429,
		Header: http.Header{"Retry-After": {"20"}}, Body: `{"fault":{"faultstring":"Spike arrest violation"}}`})})
	badGateway := fake(t, mtncoveragefake.Options{Fail: always(mtncoveragefake.HTMLPage(502, "502 Bad Gateway"))})
	hang := fake(t, mtncoveragefake.Options{Fail: mtncoveragefake.Hang})

	providertest.Run(t, mtncoverage.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), key),
			Want: providertest.Want{OK: true, Contains: "(test location covered: 4G, 5G, Fibre)", Details: []string{"covered", "technologies", "host"}}},
		providertest.CheckerCase{Name: "not covered is still a working connection", Conn: conn(uncovered.URL(), key),
			Want: providertest.Want{OK: true, Contains: "not covered"}},
		providertest.CheckerCase{Name: "configured key header", Conn: otherHeaderConn,
			Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "wrong key", Conn: conn(ok.URL(), "mtnWrongConsumerKey0123456789"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 401, Contains: "Invalid ApiKey"}},
		providertest.CheckerCase{Name: "wrong coverage path", Conn: wrongPath,
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: 404}},
		providertest.CheckerCase{Name: "failure in a 200 body", Conn: conn(inBody.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Coverage service unavailable"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), key),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: true, Contains: "Spike arrest"}},
		providertest.CheckerCase{Name: "HTML 502", Conn: conn(badGateway.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: 502}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), key),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), key), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), key), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	key := mtncoveragefake.DefaultKey
	f := fake(t, mtncoveragefake.Options{})
	wrong := conn(f.URL(), "mtnWrongConsumerKey0123456789")
	covered := true
	providertest.Actions{
		Provider: mtncoverage.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, key) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "location", Action: "check_coverage", Input: `{"latitude":-33.9249,"longitude":18.4241}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					got := out.(mtncoverage.CheckCoverageOutput)
					got.Response = nil
					want := mtncoverage.CheckCoverageOutput{Covered: &covered, Technologies: []string{"4G", "Fibre"}}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("check_coverage mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "address", Action: "check_coverage", Input: `{"address":"12 Rivonia Road, Sandton"}`,
				Want: providertest.Want{OK: true, Contains: `"area":"Johannesburg"`}},
			{Name: "nowhere", Action: "check_coverage", Input: `{"latitude":0,"longitude":0}`,
				Want: providertest.Want{OK: true, Contains: `"covered":false`}},
			{Name: "latitude without longitude", Action: "check_coverage", Input: `{"latitude":-26.1}`,
				Want: providertest.Want{Input: true, Field: "longitude"}},
			{Name: "longitude without latitude", Action: "check_coverage", Input: `{"longitude":27.9}`,
				Want: providertest.Want{Input: true, Field: "latitude"}},
			{Name: "latitude out of range", Action: "check_coverage", Input: `{"latitude":-91,"longitude":27.9}`,
				Want: providertest.Want{Input: true, Field: "latitude"}},
			{Name: "longitude out of range", Action: "check_coverage", Input: `{"latitude":-26.1,"longitude":180.5}`,
				Want: providertest.Want{Input: true, Field: "longitude"}},
			{Name: "nothing to check", Action: "check_coverage", Input: `{}`,
				Want: providertest.Want{Input: true, Field: "address"}},
			{Name: "blank address", Action: "check_coverage", Input: `{"address":"  "}`,
				Want: providertest.Want{Input: true, Field: "address"}},
			{Name: "wrong key", Action: "check_coverage", Input: `{"address":"Cape Town"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Invalid ApiKey"}},
		},
	}.Run(t)
}

func TestNewClientChecksSettings(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]provider.Connection{
		"header with a space": {BaseURL: "https://api.example.test/v1", Settings: map[string]any{"apiKeyHeader": "X API Key"},
			Credentials: providertest.Creds("apiKey", "k0123456789")},
		"path with a query": {BaseURL: "https://api.example.test/v1", Settings: map[string]any{"coveragePath": "/coverage?x=1"},
			Credentials: providertest.Creds("apiKey", "k0123456789")},
		"path climbing up": {BaseURL: "https://api.example.test/v1", Settings: map[string]any{"coveragePath": "/../admin"},
			Credentials: providertest.Creds("apiKey", "k0123456789")},
		"key with a newline": {BaseURL: "https://api.example.test/v1", Credentials: providertest.Creds("apiKey", "k0123\n456789")},
	} {
		_, err := mtncoverage.New().NewClient(providertest.HTTPClient(), c)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", name, err)
		}
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := mtncoverage.New()
	c := conn("https://api.mtn.example/v1/", mtncoveragefake.DefaultKey)
	c.Settings["apiKeyHeader"] = "Ocp-Apim-Subscription-Key"
	u, err := p.ProxyBase(c)
	if err != nil || u.String() != "https://api.mtn.example/v1" {
		t.Errorf("ProxyBase() = %v, %v; want https://api.mtn.example/v1", u, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.mtn.example/v1/coverage", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	if got := req.Header.Get("Ocp-Apim-Subscription-Key"); got != mtncoveragefake.DefaultKey {
		t.Errorf("key header = %q, want the key", got)
	}
	c.Credentials = nil
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, c); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without a key = %v, want kind invalid", err)
	}
}
