package whmfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whm/whmfake"
)

// call sends a raw request and returns the status and decoded JSON body.
func call(t *testing.T, method, rawURL, auth string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := providertest.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return resp.StatusCode, map[string]any{"_raw": string(b)}
	}
	return resp.StatusCode, m
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := whmfake.New(whmfake.Options{Hostname: "h.example"})
	t.Cleanup(s.Close)
	good := "whm root:" + whmfake.DefaultToken
	tests := []struct {
		name, method, path, auth string
		form                     url.Values
		wantStatus               int
		want                     map[string]any
	}{
		{
			name: "version", method: "GET", path: "/json-api/version?api.version=1", auth: good, wantStatus: 200,
			want: map[string]any{"data": map[string]any{"version": whmfake.DefaultVersion},
				"metadata": map[string]any{"command": "version", "reason": "OK", "result": 1.0, "version": 1.0}},
		},
		{
			name: "scheme is case-insensitive", method: "GET", path: "/json-api/gethostname?api.version=1",
			auth: "WHM root:" + whmfake.DefaultToken, wantStatus: 200,
			want: map[string]any{"data": map[string]any{"hostname": "h.example"},
				"metadata": map[string]any{"command": "gethostname", "reason": "OK", "result": 1.0, "version": 1.0}},
		},
		{
			name: "POST form", method: "POST", path: "/json-api/gethostname", auth: good,
			form: url.Values{"api.version": {"1"}}, wantStatus: 200,
			want: map[string]any{"data": map[string]any{"hostname": "h.example"},
				"metadata": map[string]any{"command": "gethostname", "reason": "OK", "result": 1.0, "version": 1.0}},
		},
		{
			name: "API 0 without api.version", method: "GET", path: "/json-api/version", auth: good, wantStatus: 200,
			want: map[string]any{"version": whmfake.DefaultVersion},
		},
		{
			name: "API 0 unknown function", method: "GET", path: "/json-api/bogus", auth: good, wantStatus: 200,
			want: map[string]any{"status": 0.0, "statusmsg": "Unknown function bogus"},
		},
		{
			name: "wrong token", method: "GET", path: "/json-api/version?api.version=1", auth: "whm root:nope", wantStatus: 403,
			want: map[string]any{"cpanelresult": map[string]any{"apiversion": "2", "error": "Access denied",
				"data": map[string]any{"reason": "Access denied", "result": "0"}, "type": "text"}},
		},
		{
			name: "bearer is not WHM auth", method: "GET", path: "/json-api/version?api.version=1",
			auth: "Bearer " + whmfake.DefaultToken, wantStatus: 403,
			want: map[string]any{"cpanelresult": map[string]any{"apiversion": "2", "error": "Access denied",
				"data": map[string]any{"reason": "Access denied", "result": "0"}, "type": "text"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, got := call(t, tt.method, s.URL()+tt.path, tt.auth, tt.form)
			if status != tt.wantStatus {
				t.Errorf("%s %s status = %d, want %d", tt.method, tt.path, status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s body mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

func TestCountsAndFailHook(t *testing.T) {
	t.Parallel()
	s := whmfake.New(whmfake.Options{Fail: func(r *http.Request) *whmfake.Reply {
		if r.URL.Query().Get("fail") == "1" {
			return whmfake.Failure("version", "injected")
		}
		return nil
	}})
	t.Cleanup(s.Close)
	good := "whm root:" + whmfake.DefaultToken
	call(t, "GET", s.URL()+"/json-api/version?api.version=1", good, nil)
	call(t, "GET", s.URL()+"/json-api/version?api.version=1", "whm root:bad", nil)
	status, body := call(t, "GET", s.URL()+"/json-api/version?api.version=1&fail=1", good, nil)
	if status != 200 || body["metadata"].(map[string]any)["reason"] != "injected" {
		t.Errorf("injected failure = %d %v, want 200 with reason injected", status, body)
	}
	status, _ = call(t, "GET", s.URL()+"/cpsess123/other", good, nil)
	if status != http.StatusNotFound {
		t.Errorf("non-API path status = %d, want 404", status)
	}
	if got := s.Requests(); got != 4 {
		t.Errorf("Requests() = %d, want 4", got)
	}
	if got := s.Calls("version"); got != 1 {
		t.Errorf("Calls(version) = %d, want 1 (rejected and injected requests are not calls)", got)
	}
}
