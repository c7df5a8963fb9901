package smswebhookfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/smswebhook/smswebhookfake"
)

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := smswebhookfake.New(smswebhookfake.Options{AuthMode: "header", Refuse: map[string]string{"+27829999999": "Blocked"}})
	t.Cleanup(s.Close)
	key := smswebhookfake.DefaultToken
	tests := []struct {
		name, method, path, key, ctype, body string
		wantStatus                           int
		wantBody                             string
	}{
		{"send", "POST", "", key, "application/json", `{"to":"+27821234567","message":"hi"}`, 200, `"success":true`},
		{"no key", "POST", "", "", "application/json", `{"to":"+27821234567","message":"hi"}`, 401, "Invalid API credentials"},
		{"head", "HEAD", "", key, "", "", 405, ""},
		{"head without key", "HEAD", "", "", "", "", 401, ""},
		{"missing message", "POST", "", key, "application/json", `{"to":"+27821234567"}`, 400, "Missing parameter: message"},
		{"form body to a json gateway", "POST", "", key, "application/x-www-form-urlencoded", "to=1&message=2", 400, "Malformed"},
		{"refused in a 200 body", "POST", "", key, "application/json", `{"to":"+27829999999","message":"hi"}`, 200, `"success":false`},
		{"other path", "POST", "/x", key, "application/json", `{}`, 404, "Not found"},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, s.URL()+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.key != "" {
			req.Header.Set(smswebhookfake.DefaultHeaderName, tt.key)
		}
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		resp, err := providertest.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantBody) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, resp.StatusCode, b, tt.wantStatus, tt.wantBody)
		}
	}
	if got := len(s.Sent()); got != 1 {
		t.Errorf("Sent() has %d messages, want 1", got)
	}
}
