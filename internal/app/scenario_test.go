package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/integration"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/store/storetest"
)

type integrationJSON struct {
	ID                  string  `json:"id"`
	Slug                string  `json:"slug"`
	HealthStatus        string  `json:"healthStatus"`
	LastError           *string `json:"lastError"`
	LastConnectedAt     *string `json:"lastConnectedAt"`
	ConsecutiveFailures int     `json:"consecutiveFailures"`
	Credentials         map[string]struct {
		Set bool `json:"set"`
	} `json:"credentials"`
}

type testJSON struct {
	Success   bool           `json:"success"`
	Message   string         `json:"message"`
	Latency   int64          `json:"latency"`
	TestedAt  time.Time      `json:"testedAt"`
	ErrorKind string         `json:"errorKind"`
	Details   map[string]any `json:"details"`
}

// TestNewUserScenario walks the first steps of a new user on each engine:
// WHM with a good and a wrong token, GitHub, the automatic test on create,
// a restart, a key rotation while serving, and the secret never showing up.
func TestNewUserScenario(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			whm := whmfake.New(whmfake.Options{})
			t.Cleanup(whm.Close)
			gh := githubfake.New(githubfake.Options{})
			t.Cleanup(gh.Close)
			env := apptest.New(t, e, apptest.Options{Worker: true})
			var responses bytes.Buffer
			do := func(method, path string, body any, headers ...string) apptest.Response {
				t.Helper()
				r := env.Do(method, path, env.AdminToken, body, headers...)
				responses.Write(r.Body)
				for k, v := range r.Header {
					responses.WriteString(k + ": " + strings.Join(v, ",") + "\n")
				}
				return r
			}

			// A WHM server with the right token: created, then tested in the
			// background without anyone asking.
			r := do("POST", "/api/v1/integrations", map[string]any{
				"name": "WHM 1", "provider": "whm", "baseUrl": whm.URL(), "username": whmfake.DefaultUser,
				"credentials": map[string]any{"apiToken": whmfake.DefaultToken}})
			if r.Status != 201 {
				t.Fatalf("create WHM: %d %s", r.Status, r.Body)
			}
			var good integrationJSON
			r.JSON(t, &good)
			if !good.Credentials["apiToken"].Set || good.HealthStatus != "unknown" {
				t.Errorf("created integration = %+v; want apiToken set and health unknown", good)
			}
			deadline := time.Now().Add(15 * time.Second)
			for good.HealthStatus == "unknown" && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				do("GET", "/api/v1/integrations/"+good.ID, nil).JSON(t, &good)
			}
			if good.HealthStatus != "healthy" || good.LastConnectedAt == nil {
				t.Fatalf("after the automatic test: health %q, lastConnectedAt %v; want healthy", good.HealthStatus, good.LastConnectedAt)
			}

			var res testJSON
			r = do("POST", "/api/v1/integrations/whm-1/test", nil)
			r.JSON(t, &res)
			if r.Status != 200 || !res.Success || res.Details["version"] != whmfake.DefaultVersion || res.TestedAt.IsZero() {
				t.Errorf("test WHM = %d %s; want success with version %s", r.Status, r.Body, whmfake.DefaultVersion)
			}

			// The same server with a wrong token: a clear failure in WHM's words.
			r = do("POST", "/api/v1/integrations", map[string]any{
				"name": "WHM wrong", "provider": "whm", "baseUrl": whm.URL(), "username": "root",
				"credentials": map[string]any{"apiToken": "WRONGTOKENWRONGTOKEN"}, "isActive": false})
			var bad integrationJSON
			r.JSON(t, &bad)
			r = do("POST", "/api/v1/integrations/"+bad.ID+"/test", nil)
			r.JSON(t, &res)
			if res.Success || res.ErrorKind != "auth" || !strings.Contains(res.Message, "403 Forbidden") || !strings.Contains(res.Message, "Access denied") {
				t.Errorf("test with a wrong token = %s; want an auth failure quoting 403 Forbidden — Access denied", r.Body)
			}
			do("GET", "/api/v1/integrations/"+bad.ID, nil).JSON(t, &bad)
			if bad.HealthStatus != "down" || bad.LastError == nil || !strings.Contains(*bad.LastError, "Access denied") || bad.ConsecutiveFailures != 1 {
				t.Errorf("after the failed test: %+v; want down with lastError quoting WHM", bad)
			}

			// GitHub (GitHub Enterprise-style base URL on the fake).
			r = do("POST", "/api/v1/integrations", map[string]any{
				"name": "GitHub", "provider": "github", "baseUrl": gh.URL(), "isActive": false,
				"credentials": map[string]any{"token": githubfake.DefaultToken}})
			if r.Status != 201 {
				t.Fatalf("create GitHub: %d %s", r.Status, r.Body)
			}
			r = do("POST", "/api/v1/integrations/github/test", nil)
			r.JSON(t, &res)
			if !res.Success || res.Details["login"] != "octocat" || res.Details["repositoryCount"] != float64(3) {
				t.Errorf("test GitHub = %s; want octocat with 3 repositories", r.Body)
			}

			// Restart: everything is still there and still works.
			env.Restart()
			r = do("POST", "/api/v1/integrations/whm-1/test", nil)
			r.JSON(t, &res)
			if !res.Success {
				t.Errorf("test after restart = %s", r.Body)
			}

			// Rotate the vault key while the server runs, then test again.
			rot, err := env.App.DB.RotateKey(context.Background(), env.App.Vault, 2)
			if err != nil {
				t.Fatalf("rotate: %v", err)
			}
			if rot.Resealed != 3 {
				t.Errorf("rotation re-sealed %d values, want 3", rot.Resealed)
			}
			r = do("POST", "/api/v1/integrations/github/test", nil)
			r.JSON(t, &res)
			if !res.Success {
				t.Errorf("test after rotation = %s", r.Body)
			}
			do("GET", "/api/v1/activity?limit=500", nil)
			do("GET", "/api/v1/activity.csv", nil)
			do("GET", "/api/v1/integrations", nil)

			for _, s := range []string{whmfake.DefaultToken, githubfake.DefaultToken, "WRONGTOKENWRONGTOKEN"} {
				if bytes.Contains(responses.Bytes(), []byte(s)) {
					t.Errorf("a response contains the credential %q", s)
				}
				if strings.Contains(env.Logs.String(), s) {
					t.Errorf("the logs contain the credential %q", s)
				}
				if e.Name == "sqlite" {
					files, _ := filepath.Glob(filepath.Join(env.Config.DataDir, "*"))
					for _, f := range files {
						b, err := os.ReadFile(f)
						if err != nil {
							t.Fatal(err)
						}
						if bytes.Contains(b, []byte(s)) {
							t.Errorf("%s contains the credential %q", f, s)
						}
					}
				}
			}
		})
	}
}

func integrationInput(name, provider, baseURL, username, token string, active *bool) integration.Input {
	return integration.Input{Name: &name, Provider: &provider, BaseURL: &baseURL, Username: &username, IsActive: active,
		Credentials: map[string]any{"apiToken": token}}
}
