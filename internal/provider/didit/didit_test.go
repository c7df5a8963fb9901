package didit_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/didit"
	"ihub/internal/provider/didit/diditfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts diditfake.Options) *diditfake.Server {
	t.Helper()
	s := diditfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, key string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_didit",
		BaseURL:       baseURL,
		Credentials:   providertest.Creds(didit.FieldAPIKey, key),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := didit.New()
	if got, want := p.Descriptor().ID, "didit"; got != want {
		t.Errorf("didit.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != didit.ID {
		t.Errorf("didit.ID = %q, want the descriptor's id %q", didit.ID, got)
	}
	if _, ok := any(p).(provider.Checker); ok {
		t.Errorf("didit is a provider.Checker, but no cheap read-only call is documented")
	}
	providertest.Run(t, p)
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, diditfake.Options{})
	wrongKey := conn(f.BaseURL(), "didit_wrong_key_0000000000000000")
	noKey := provider.Connection{BaseURL: f.BaseURL()}
	limited := fake(t, diditfake.Options{Fail: func(*http.Request) *diditfake.Reply { return diditfake.TooManyRequests(5 * time.Second) }})
	limitedConn := conn(limited.BaseURL(), diditfake.DefaultAPIKey)
	rootOnly := conn(f.URL(), diditfake.DefaultAPIKey)

	providertest.Actions{
		Provider: didit.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, diditfake.DefaultAPIKey) },
		FakeURL:  f.BaseURL(),
		Cases: []providertest.ActionCase{
			{
				Name: "approved session", Action: "get_session", Input: `{"sessionId":"` + diditfake.ApprovedSession + `"}`,
				Output: func(t *testing.T, out any) {
					want := didit.GetSessionOutput{Session: didit.Decision{
						SessionID: diditfake.ApprovedSession, SessionNumber: 43762, SessionKind: "user", Status: "Approved",
						WorkflowID: "wf-kyc-basic", VendorData: "customer-1001",
						Features: []string{"ID_VERIFICATION", "LIVENESS", "FACE_MATCH"},
						Checks: []didit.Check{
							{Feature: "id_verifications", NodeID: "node-id", Status: "Approved"},
							{Feature: "liveness_checks", NodeID: "node-liveness", Status: "Approved"},
							{Feature: "face_matches", NodeID: "node-face", Status: "Approved"},
						},
					}}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				},
				Want: providertest.Want{OK: true},
			},
			{
				Name: "personal data is left out", Action: "get_session", Input: `{"sessionId":"` + diditfake.InReviewSession + `"}`,
				Output: func(t *testing.T, out any) {
					o := out.(didit.GetSessionOutput)
					if o.Session.Status != "In Review" || len(o.Session.Checks) != 2 {
						t.Errorf("session = %+v, want In Review with two checks", o.Session)
					}
					b, _ := json.Marshal(o)
					for _, pii := range []string{"Carmen", "X1234567", "front.jpg"} {
						if strings.Contains(string(b), pii) {
							t.Errorf("output %s contains personal data %q", b, pii)
						}
					}
				},
				Want: providertest.Want{OK: true},
			},
			{
				Name: "session not started", Action: "get_session", Input: `{"sessionId":"` + diditfake.NotStarted + `"}`,
				Want: providertest.Want{OK: true, Contains: `"status":"Not Started"`},
			},
			{
				Name: "unknown session", Action: "get_session", Input: `{"sessionId":"99999999-9999-9999-9999-999999999999"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound, Contains: "Session not found."},
			},
			{
				Name: "session id is not a UUID", Action: "get_session", Input: `{"sessionId":"../../users"}`,
				Want: providertest.Want{Input: true, Field: "sessionId"},
			},
			{
				Name: "session id is empty", Action: "get_session", Input: `{"sessionId":""}`,
				Want: providertest.Want{Input: true, Field: "sessionId"},
			},
			{
				Name: "wrong key", Action: "get_session", Input: `{"sessionId":"` + diditfake.ApprovedSession + `"}`, Conn: &wrongKey,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "Invalid API key."},
			},
			{
				Name: "no key", Action: "get_session", Input: `{"sessionId":"` + diditfake.ApprovedSession + `"}`, Conn: &noKey,
				Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "API key is not set"},
			},
			{
				Name: "rate limited", Action: "get_session", Input: `{"sessionId":"` + diditfake.ApprovedSession + `"}`, Conn: &limitedConn,
				Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true, Contains: "throttled"},
			},
			{
				Name: "base URL without /v3", Action: "get_session", Input: `{"sessionId":"` + diditfake.ApprovedSession + `"}`, Conn: &rootOnly,
				Want: providertest.Want{Kind: provider.ErrNotFound},
			},
		},
	}.Run(t)
}

func TestProxy(t *testing.T) {
	t.Parallel()
	f := fake(t, diditfake.Options{})
	p := didit.New()
	c := conn(f.BaseURL(), diditfake.DefaultAPIKey)
	base, err := p.ProxyBase(c)
	if err != nil {
		t.Fatalf("ProxyBase() error = %v", err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base.JoinPath("session", diditfake.ApprovedSession, "decision").String()+"/", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"Approved"`) {
		t.Errorf("proxied decision = %d %s, want 200 Approved", resp.StatusCode, body)
	}

	def, err := p.ProxyBase(provider.Connection{})
	if err != nil || def.String() != "https://verification.didit.me/v3" {
		t.Errorf("ProxyBase(no base URL) = %v, %v; want the default API root", def, err)
	}
	err = p.Authorize(t.Context(), req, provider.Connection{})
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize(no key) error = %v, want kind invalid", err)
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	const key = "didit_key_abcdefghijklmnopqrstuvwxyz"
	tests := []struct {
		name   string
		status int
		body   string
		header []string
		want   provider.Error
	}{
		{"detail string", 401, `{"detail":"Invalid API key."}`, nil, provider.Error{Kind: provider.ErrAuth, Status: 401, Message: "Invalid API key."}},
		{"detail with code", 403, `{"detail":"This application was deleted.","code":"application_deleted"}`, nil,
			provider.Error{Kind: provider.ErrAuth, Status: 403, Code: "application_deleted", Message: "This application was deleted."}},
		{"code only", 403, `{"code":"contract_billing_suspended"}`, nil,
			provider.Error{Kind: provider.ErrAuth, Status: 403, Code: "contract_billing_suspended", Message: "contract_billing_suspended"}},
		{"detail object", 409, `{"detail":{"code":"duplicate","message":"Already exists"}}`, nil,
			provider.Error{Kind: provider.ErrProvider, Status: 409, Code: "duplicate", Message: "Already exists"}},
		{"500 without json", 500, "upstream exploded", nil, provider.Error{Kind: provider.ErrProvider, Status: 500, Message: "upstream exploded"}},
		{"key echoed", 400, `{"detail":"bad key ` + key + `"}`, nil, provider.Error{Kind: provider.ErrProvider, Status: 400, Message: "bad key [REDACTED]"}},
		{"429", 429, `{"detail":"Request was throttled."}`, []string{"Retry-After", "12"},
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "Request was throttled.", RetryAfter: 12 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i+1 < len(tt.header); i += 2 {
					w.Header().Set(tt.header[i], tt.header[i+1])
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			hc := providertest.HTTPClient()
			defer hc.CloseIdleConnections()
			c, err := didit.NewClient(srv.URL+"/v3", hc, secret.NewValue(key))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Decision(t.Context(), diditfake.ApprovedSession)
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("Decision() error = %v, want a *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("Decision() error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, tc := range []struct{ name, base, key string }{
		{"no key", "", ""},
		{"key with newline", "", "abc\ndef"},
		{"bad base URL", "verification.didit.me", "abcdef"},
	} {
		_, err := didit.NewClient(tc.base, hc, secret.NewValue(tc.key))
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", tc.name, err)
		}
	}
	if _, err := didit.NewClient("", hc, secret.NewValue("abcdef")); err != nil {
		t.Errorf("NewClient(default base URL) error = %v", err)
	}
}
