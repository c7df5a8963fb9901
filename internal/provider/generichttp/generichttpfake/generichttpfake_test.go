package generichttpfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/provider/providertest"
)

func TestAuthStyles(t *testing.T) {
	t.Parallel()
	const tok = generichttpfake.DefaultToken
	type cred func(r *http.Request)
	bearer := func(v string) cred { return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+v) } }
	basic := func(u, p string) cred { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	header := func(name, v string) cred { return func(r *http.Request) { r.Header.Set(name, v) } }
	query := func(name, v string) cred {
		return func(r *http.Request) { r.URL.RawQuery = name + "=" + v }
	}
	tests := []struct {
		name string
		opts generichttpfake.Options
		cred cred
		want int
	}{
		{"none needs nothing", generichttpfake.Options{Auth: generichttpfake.AuthNone}, func(*http.Request) {}, 200},
		{"bearer ok", generichttpfake.Options{}, bearer(tok), 200},
		{"bearer wrong", generichttpfake.Options{}, bearer("nope"), 401},
		{"bearer missing", generichttpfake.Options{}, func(*http.Request) {}, 401},
		{"bearer sent as header", generichttpfake.Options{}, header("X-API-Key", tok), 401},
		{"basic ok", generichttpfake.Options{Auth: generichttpfake.AuthBasic}, basic(generichttpfake.DefaultUsername, generichttpfake.DefaultPassword), 200},
		{"basic wrong password", generichttpfake.Options{Auth: generichttpfake.AuthBasic}, basic(generichttpfake.DefaultUsername, "x"), 401},
		{"basic wrong user", generichttpfake.Options{Auth: generichttpfake.AuthBasic}, basic("root", generichttpfake.DefaultPassword), 401},
		{"header ok", generichttpfake.Options{Auth: generichttpfake.AuthHeader}, header("X-API-Key", tok), 200},
		{"custom header ok", generichttpfake.Options{Auth: generichttpfake.AuthHeader, HeaderName: "X-Auth"}, header("X-Auth", tok), 200},
		{"header wrong name", generichttpfake.Options{Auth: generichttpfake.AuthHeader, HeaderName: "X-Auth"}, header("X-API-Key", tok), 401},
		{"query ok", generichttpfake.Options{Auth: generichttpfake.AuthQuery}, query("api_key", tok), 200},
		{"query wrong name", generichttpfake.Options{Auth: generichttpfake.AuthQuery}, query("key", tok), 401},
		{"query wrong token", generichttpfake.Options{Auth: generichttpfake.AuthQuery}, query("api_key", "x"), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := generichttpfake.New(tt.opts)
			t.Cleanup(s.Close)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+"/health", nil)
			tt.cred(req)
			hc := providertest.HTTPClient()
			defer hc.CloseIdleConnections()
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("GET /health status = %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
			if tt.want == 401 && !strings.Contains(string(body), `"error":"unauthorized"`) {
				t.Errorf("401 body = %s, want the JSON error", body)
			}
			if s.Requests() != 1 {
				t.Errorf("Requests() = %d, want 1", s.Requests())
			}
		})
	}
}

func TestItemsLifecycle(t *testing.T) {
	t.Parallel()
	s := generichttpfake.New(generichttpfake.Options{Auth: generichttpfake.AuthNone})
	t.Cleanup(s.Close)
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, s.URL()+path, strings.NewReader(body))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	steps := []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"POST", "/items", `{"name":"New"}`, 201, `{"id":4,"name":"New","status":"open"}`},
		{"PUT", "/items/4", `{"name":"Renamed","status":"done"}`, 200, `"name":"Renamed","status":"done"`},
		{"PUT", "/items/4", `{"name":"x"}`, 422, "name and status are required"},
		{"GET", "/items?status=done", "", 200, `"total":2`},
		{"DELETE", "/items/4", "", 204, ""},
		{"GET", "/items/4", "", 404, `"error":"not_found"`},
		{"POST", "/items", `not json`, 400, "JSON object"},
		{"GET", "/nowhere", "", 404, "No route for GET /nowhere"},
	}
	for _, st := range steps {
		status, body := do(st.method, st.path, st.body)
		if status != st.status || !strings.Contains(body, st.contains) {
			t.Errorf("%s %s = %d %s, want %d containing %q", st.method, st.path, status, body, st.status, st.contains)
		}
	}
	if got := len(s.Items()); got != 3 {
		t.Errorf("len(Items()) = %d, want 3", got)
	}
}
