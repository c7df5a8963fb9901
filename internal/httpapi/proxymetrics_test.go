package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/app/apptest"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/store/storetest"
)

type endpointRow struct {
	Endpoint string
	Requests int64
}

// metricsOf flushes the call records and returns the integration's
// endpoints and the endpoints of its recent errors.
func metricsOf(t *testing.T, env *apptest.Env, id string) (rows []endpointRow, errs []string, raw string) {
	t.Helper()
	if err := env.App.Calls.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := call(t, env, "GET", "/api/v1/integrations/"+id+"/metrics?window=7d", env.AdminToken, nil)
	var m struct {
		Endpoints    []endpointRow
		RecentErrors []struct{ Endpoint string }
	}
	decode(t, r, &m)
	for _, e := range m.RecentErrors {
		errs = append(errs, e.Endpoint)
	}
	return m.Endpoints, errs, string(r.Body)
}

// TestProxyMetricsTemplates: proxied calls are recorded by endpoint
// template relative to the integration's base URL, so they share rows with
// the adapter's own calls and hold no ids or user names with digits.
func TestProxyMetricsTemplates(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fake := githubfake.New(githubfake.Options{PathPrefix: "/ok/github"})
			t.Cleanup(fake.Close)
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
				"baseUrl": fake.URL(), "credentials": map[string]any{"token": githubfake.DefaultToken}}); r.Status != 201 {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			if r := call(t, env, "POST", "/api/v1/integrations/gh/test", env.AdminToken, nil); r.Status != 200 {
				t.Fatalf("test = %d %s", r.Status, r.Body)
			}
			for _, p := range []string{"user", "users/secretuser-12345abc", "users/secretuser-12345abc?x=1", "repos/octocat/hello"} {
				call(t, env, "GET", "/api/v1/integrations/gh/proxy/"+p, env.AdminToken, nil)
			}
			rows, errs, raw := metricsOf(t, env, "gh")
			// The connection test calls GET /user and GET /user/repos.
			want := []endpointRow{{"GET /repos/octocat/hello", 1}, {"GET /user", 2}, {"GET /user/repos", 1}, {"GET /users/{id}", 2}}
			byEndpoint := cmpopts.SortSlices(func(a, b endpointRow) bool { return a.Endpoint < b.Endpoint })
			if diff := cmp.Diff(want, rows, byEndpoint); diff != "" {
				t.Errorf("endpoints (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"GET /repos/octocat/hello", "GET /users/{id}", "GET /users/{id}"}, errs,
				cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("recent errors (-want +got):\n%s", diff)
			}
			for _, leak := range []string{"secretuser", "12345abc", "/ok/github", "x=1"} {
				if strings.Contains(raw, leak) {
					t.Errorf("the metrics contain %q: %s", leak, raw)
				}
			}
		})
	}
}

// TestProxyMetricsBound: a caller walking arbitrary paths through the proxy
// adds at most outbound.DefaultMaxTemplates rows; later new paths share one.
func TestProxyMetricsBound(t *testing.T) {
	t.Parallel()
	fake := generichttpfake.New(generichttpfake.Options{Auth: generichttpfake.AuthNone})
	t.Cleanup(fake.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "walk", "provider": "http",
		"baseUrl": fake.URL(), "settings": map[string]any{"authMode": "none"}}); r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	const walked = 200 + 20
	for i := range walked {
		// Letters only, so that every path is a template of its own.
		name := fmt.Sprintf("%c%c", 'a'+i/26, 'a'+i%26)
		call(t, env, "GET", "/api/v1/integrations/walk/proxy/walk/"+name, env.AdminToken, nil)
	}
	rows, _, _ := metricsOf(t, env, "walk")
	var total, other int64
	for _, r := range rows {
		total += r.Requests
		if r.Endpoint == "GET {other}" {
			other = r.Requests
		}
	}
	if len(rows) != 200+1 || other != 20 || total != walked {
		t.Errorf("%d calls recorded in %d rows, %d of them as {other}; want %d in %d rows, 20 as {other}",
			total, len(rows), other, walked, 200+1)
	}
}
