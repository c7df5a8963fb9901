package zoho

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/provider"
	"ihub/internal/secret"
)

const testToken = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210"

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		product Product
		status  int
		header  []string
		body    string
		want    provider.Error
	}{
		{"crm invalid token", CRM, 401, nil, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`,
			provider.Error{Kind: provider.ErrAuth, Status: 401, Code: "INVALID_TOKEN", Message: "invalid oauth token (INVALID_TOKEN)"}},
		{"crm scope mismatch", CRM, 401, nil, `{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"invalid oauth scope to access this URL","status":"error"}`,
			provider.Error{Kind: provider.ErrAuth, Status: 401, Code: "OAUTH_SCOPE_MISMATCH", Message: "invalid oauth scope to access this URL (OAUTH_SCOPE_MISMATCH)"}},
		{"crm invalid module is not found", CRM, 400, nil, `{"code":"INVALID_MODULE","details":{},"message":"the module name given seems to be invalid","status":"error"}`,
			provider.Error{Kind: provider.ErrNotFound, Status: 400, Code: "INVALID_MODULE", Message: "the module name given seems to be invalid (INVALID_MODULE)"}},
		{"crm 429 with Retry-After", CRM, 429, []string{"Retry-After", "12"}, `{"code":"TOO_MANY_REQUESTS","message":"too many requests","status":"error"}`,
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Code: "TOO_MANY_REQUESTS", Message: "too many requests (TOO_MANY_REQUESTS)", RetryAfter: 12 * time.Second}},
		{"429 without Retry-After waits a minute", CRM, 429, nil, ``,
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: time.Minute}},
		{"billing code 14", Billing, 401, nil, `{"code":14,"message":"Invalid oauth token"}`,
			provider.Error{Kind: provider.ErrAuth, Status: 401, Code: "14", Message: "Invalid oauth token (14)"}},
		{"billing non-zero code with 200", Billing, 200, nil, `{"code":1002,"message":"Customer does not exist."}`,
			provider.Error{Kind: provider.ErrProvider, Code: "1002", Message: "Customer does not exist. (1002)"}},
		{"sign failure with 200", Sign, 200, nil, `{"code":8002,"message":"Something went wrong","status":"failure"}`,
			provider.Error{Kind: provider.ErrProvider, Code: "8002", Message: "Something went wrong (8002)"}},
		{"desk invalid oauth", Desk, 401, nil, `{"errorCode":"INVALID_OAUTH","message":"The OAuth Token you provided is invalid."}`,
			provider.Error{Kind: provider.ErrAuth, Status: 401, Code: "INVALID_OAUTH", Message: "The OAuth Token you provided is invalid. (INVALID_OAUTH)"}},
		{"html 503", CRM, 503, nil, `<html><head><title>Service Unavailable</title></head></html>`,
			provider.Error{Kind: provider.ErrProvider, Status: 503}},
		{"html 200", CRM, 200, nil, `<html><head><title>Zoho Accounts</title></head></html>`,
			provider.Error{Kind: provider.ErrProvider, Message: "expected a JSON answer from the Zoho CRM API; it answered: Zoho Accounts"}},
		{"token echoed", CRM, 500, nil, `{"code":"INTERNAL_ERROR","message":"bad ` + testToken + `","status":"error"}`,
			provider.Error{Kind: provider.ErrProvider, Status: 500, Code: "INTERNAL_ERROR", Message: "bad [REDACTED] (INTERNAL_ERROR)"}},
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
			hc := &http.Client{Transport: &http.Transport{}}
			t.Cleanup(hc.CloseIdleConnections)
			api, err := NewAPI(tt.product, hc, provider.Connection{BaseURL: srv.URL,
				Credentials: map[string]secret.Value{FieldAccessToken: secret.NewValue(testToken)}}, nil)
			if err != nil {
				t.Fatalf("NewAPI() error = %v", err)
			}
			_, err = api.Get(t.Context(), "GET /x", "/x", nil, &struct{}{})
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("Get() error = %v, want a *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr, cmpopts.IgnoreFields(provider.Error{}, "Err")); diff != "" {
				t.Errorf("Get() error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		product Product
		dc      string
		want    string
	}{
		{CRM, "", "https://www.zohoapis.com"},
		{CRM, "au", "https://www.zohoapis.com.au"},
		{Billing, "in", "https://www.zohoapis.in"},
		{Sign, "eu", "https://sign.zoho.eu"},
		{Desk, "jp", "https://desk.zoho.jp"},
		{Desk, "ca", "https://desk.zoho.ca"},
	}
	for _, tt := range tests {
		c := provider.Connection{Settings: map[string]any{}}
		if tt.dc != "" {
			c.Settings[FieldDataCenter] = tt.dc
		}
		u, err := tt.product.BaseURL(c)
		if err != nil || u.String() != tt.want {
			t.Errorf("%s.BaseURL(%q) = %v, %v; want %s", tt.product.Name, tt.dc, u, err, tt.want)
		}
	}
	u, err := CRM.BaseURL(provider.Connection{BaseURL: "http://127.0.0.1:9/", Settings: map[string]any{FieldDataCenter: "eu"}})
	if err != nil || u.String() != "http://127.0.0.1:9" {
		t.Errorf("BaseURL with an override = %v, %v; want http://127.0.0.1:9", u, err)
	}
}
