package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ihub/internal/app"
	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/provider"
	"ihub/internal/store/storetest"
)

// TestDemo seeds the demo and checks, as a newcomer would, that every
// seeded integration passes its connection test, that an action, the
// proxy and the metrics answer, and that the sign-in details are only in
// the 0600 file, never in the log.
func TestDemo(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	stop, err := env.App.StartDemo(t.Context())
	if err != nil {
		t.Fatalf("StartDemo = %v", err)
	}
	t.Cleanup(stop)

	path := filepath.Join(env.Config.DataDir, app.DemoCredentialsFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, mode %v; want 0600", err, st)
	}
	b, _ := os.ReadFile(path)
	token := regexp.MustCompile(`ihub_pat_[A-Za-z0-9_-]+`).FindString(string(b))
	password := regexp.MustCompile(`Password:\s+(\S+)`).FindStringSubmatch(string(b))
	if token == "" || len(password) < 2 {
		t.Fatalf("credentials file lacks a token or password:\n%s", b)
	}
	if strings.Contains(env.Logs.String(), token) || strings.Contains(env.Logs.String(), password[1]) {
		t.Errorf("the log contains the demo token or password")
	}
	// curl -d sends application/x-www-form-urlencoded, which the API
	// refuses (415): every example with a body must say it is JSON.
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, "curl ") && strings.Contains(line, " -d ") &&
			!strings.Contains(line, "-H 'Content-Type: application/json'") {
			t.Errorf("credentials file example sends a body without Content-Type: application/json: %s", line)
		}
	}

	list, _, err := env.App.Integrations.List(t.Context(), integration.Filter{Limit: 100})
	if err != nil || len(list) < 8 {
		t.Fatalf("List = %d integrations, %v; want the demo set", len(list), err)
	}
	for _, in := range list {
		p, _ := env.App.Registry.Get(in.Provider)
		if _, ok := p.(provider.Checker); !ok {
			continue
		}
		out, err := env.App.Integrations.Test(t.Context(), audit.System, in.Slug)
		if err != nil || !out.Success {
			t.Errorf("%s: test = %+v, %v; want success", in.Slug, out, err)
		}
	}

	r := env.DoAs(t, "POST", "/api/v1/integrations/demo-whm/actions/list_accounts", token, map[string]any{})
	if r.Status != 200 || r.Header.Get("X-Ihub-Demo") != "" && r.Header.Get("X-Ihub-Demo") != "true" {
		t.Errorf("list_accounts = %d %s", r.Status, r.Body)
	}
	r = env.DoAs(t, "GET", "/api/v1/integrations/demo-http/proxy/items", token, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "Welcome email") {
		t.Errorf("proxy = %d %s", r.Status, r.Body)
	}
	if err := env.App.Calls.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	r = env.DoAs(t, "GET", "/api/v1/integrations/demo-whm/metrics?window=1h", token, nil)
	if r.Status != 200 || strings.Contains(string(r.Body), `"totalRequests":0`) {
		t.Errorf("metrics = %d %s", r.Status, r.Body)
	}
}
