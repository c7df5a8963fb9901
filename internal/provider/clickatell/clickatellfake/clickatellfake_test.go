package clickatellfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/clickatell/clickatellfake"
	"ihub/internal/provider/providertest"
)

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := clickatellfake.New(clickatellfake.Options{Blocked: []string{"27829999999"}})
	t.Cleanup(s.Close)
	tests := []struct {
		name, method, path, auth, body string
		wantStatus                     int
		wantBody                       string
	}{
		{"balance", "GET", "/balance", clickatellfake.DefaultAPIKey, "", 200, `"balance":123.45`},
		{"bearer prefix is rejected", "GET", "/balance", "Bearer " + clickatellfake.DefaultAPIKey, "", 401, `"code":1`},
		{"no key", "GET", "/balance", "", "", 401, "Invalid or missing integration API Key"},
		{"send accepted", "POST", "/message", clickatellfake.DefaultAPIKey,
			`{"messages":[{"channel":"sms","to":"27821234567","content":"hi"}]}`, 202, `"accepted":true`},
		{"send partly rejected", "POST", "/message", clickatellfake.DefaultAPIKey,
			`{"messages":[{"channel":"sms","to":"27821234567","content":"hi"},{"channel":"sms","to":"x","content":"hi"}]}`,
			207, "Invalid or missing parameter: to ."},
		{"unknown path", "GET", "/nope", clickatellfake.DefaultAPIKey, "", 404, "Not found"},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, s.URL()+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		req.Header.Set("Content-Type", "application/json")
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
	if got := len(s.Sent()); got != 2 {
		t.Errorf("Sent() has %d messages, want 2", got)
	}
}
