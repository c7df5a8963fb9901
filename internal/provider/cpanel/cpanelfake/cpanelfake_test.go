package cpanelfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider/cpanel/cpanelfake"
	"ihub/internal/provider/providertest"
)

func call(t *testing.T, method, rawURL string, set func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	set(req)
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
	s := cpanelfake.New(cpanelfake.Options{Domains: &cpanelfake.Domains{Main: "one.example"}})
	t.Cleanup(s.Close)
	token := func(r *http.Request) { r.Header.Set("Authorization", "cpanel example:"+cpanelfake.DefaultToken) }
	basic := func(r *http.Request) { r.SetBasicAuth("example", cpanelfake.DefaultPassword) }
	wrong := func(r *http.Request) { r.Header.Set("Authorization", "cpanel example:nope") }
	denied := map[string]any{"cpanelresult": map[string]any{"apiversion": "2", "error": "Access denied",
		"data": map[string]any{"reason": "Access denied", "result": "0"}, "type": "text"}}
	domains := map[string]any{"apiversion": 3.0, "func": "list_domains", "module": "DomainInfo",
		"result": map[string]any{"data": map[string]any{"main_domain": "one.example", "addon_domains": []any{},
			"parked_domains": []any{}, "sub_domains": []any{}}, "errors": nil, "messages": nil,
			"metadata": map[string]any{}, "status": 1.0, "warnings": nil}}
	tests := []struct {
		name, method, path string
		auth               func(*http.Request)
		wantStatus         int
		want               map[string]any
	}{
		{"token", "GET", "/execute/DomainInfo/list_domains", token, 200, domains},
		{"basic", "POST", "/execute/DomainInfo/list_domains", basic, 200, domains},
		{"wrong token", "GET", "/execute/DomainInfo/list_domains", wrong, 401, denied},
		{"no auth", "GET", "/execute/DomainInfo/list_domains", func(*http.Request) {}, 401, denied},
		{"unknown function", "GET", "/execute/Nope/nothing", token, 200, map[string]any{"apiversion": 3.0, "func": "nothing",
			"module": "Nope", "result": map[string]any{"data": nil, "errors": []any{"Failed to load module “Nope”: Unknown function “nothing”."},
				"messages": nil, "metadata": map[string]any{}, "status": 0.0, "warnings": nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, got := call(t, tt.method, s.URL()+tt.path, tt.auth)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if status, _ := call(t, "GET", s.URL()+"/frontend/jupiter/index.html", token); status != http.StatusNotFound {
		t.Errorf("non-API path status = %d, want 404", status)
	}
}
