package diditfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"ihub/internal/provider/didit/diditfake"
	"ihub/internal/provider/providertest"
)

func TestServer(t *testing.T) {
	t.Parallel()
	s := diditfake.New(diditfake.Options{})
	t.Cleanup(s.Close)
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	tests := []struct {
		name, method, path, key string
		want                    int
		detail                  string
	}{
		{"decision", "GET", "/v3/session/" + diditfake.ApprovedSession + "/decision/", diditfake.DefaultAPIKey, 200, ""},
		{"no key", "GET", "/v3/session/" + diditfake.ApprovedSession + "/decision/", "", 403, "Authentication credentials were not provided."},
		{"wrong key", "GET", "/v3/session/" + diditfake.ApprovedSession + "/decision/", "nope", 401, "Invalid API key."},
		{"unknown session", "GET", "/v3/session/00000000-0000-0000-0000-000000000000/decision/", diditfake.DefaultAPIKey, 404, "Session not found."},
		{"unknown route", "GET", "/v2/whatever", diditfake.DefaultAPIKey, 404, "Not found."},
		{"wrong method", "DELETE", "/v3/session/" + diditfake.ApprovedSession + "/decision/", diditfake.DefaultAPIKey, 405, `Method "DELETE" not allowed.`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(t.Context(), tt.method, s.URL()+tt.path, nil)
		if tt.key != "" {
			req.Header.Set("x-api-key", tt.key)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("%s: body %s is not JSON", tt.name, body)
		}
		if resp.StatusCode != tt.want || (tt.detail != "" && got["detail"] != tt.detail) {
			t.Errorf("%s: %s %s = %d %s, want %d with detail %q", tt.name, tt.method, tt.path, resp.StatusCode, body, tt.want, tt.detail)
		}
		if tt.want == 200 && (got["status"] != "Approved" || got["session_id"] != diditfake.ApprovedSession) {
			t.Errorf("%s: decision = %s, want the approved session", tt.name, body)
		}
	}
	if s.Requests() != len(tests) {
		t.Errorf("Requests() = %d, want %d", s.Requests(), len(tests))
	}
}
