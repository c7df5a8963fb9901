package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/httpapi"
	"ihub/internal/provider/github"
	"ihub/internal/store/storetest"
)

// fakeGitHub answers the connection test: 200 for the accepted token, and
// for any other a 401 whose message quotes the Authorization header back,
// as careless APIs do.
func fakeGitHub(t *testing.T, accept string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if got := r.Header.Get("Authorization"); got != "Bearer "+accept {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"Bad credentials: ` + got + `"}`))
			return
		}
		if r.URL.Path == "/user" {
			_, _ = w.Write([]byte(`{"login":"octocat","name":"Octo Cat","type":"User"}`))
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			admin := env.AdminToken
			var (
				token        = "ghp_SECRETVALUE_" + randomHex(t)
				hookSecret   = "whsec_SECRETVALUE_" + randomHex(t)
				rotatedToken = "ghp_SECRETVALUE_ROTATED_" + randomHex(t)
				secrets      = []string{token, hookSecret, rotatedToken}
			)
			var seen []apptest.Response
			do := func(method, path string, body any, want int, headers ...string) apptest.Response {
				t.Helper()
				res := call(t, env, method, path, admin, body, headers...)
				if res.Status != want {
					t.Fatalf("%s %s = %d, want %d: %s", method, path, res.Status, want, res.Body)
				}
				seen = append(seen, res)
				return res
			}

			// The catalog names GitHub's credential fields.
			var catalog struct {
				Items []struct {
					ID     string
					Fields []struct {
						Key       string
						Sensitive bool
					}
				}
			}
			decode(t, do(http.MethodGet, "/api/v1/providers", nil, http.StatusOK), &catalog)
			var sensitive []string
			for _, p := range catalog.Items {
				if p.ID != github.ID {
					continue
				}
				for _, f := range p.Fields {
					if f.Sensitive {
						sensitive = append(sensitive, f.Key)
					}
				}
			}
			slices.Sort(sensitive)
			if want := []string{github.FieldToken, github.FieldWebhookSecret}; !slices.Equal(sensitive, want) {
				t.Fatalf("github's sensitive fields = %q, want %q", sensitive, want)
			}

			gh := fakeGitHub(t, token)
			res := do(http.MethodPost, "/api/v1/integrations", map[string]any{
				"provider": github.ID, "name": "Secret keeper", "baseUrl": gh.URL,
				"credentials": map[string]any{github.FieldToken: token, github.FieldWebhookSecret: hookSecret},
			}, http.StatusCreated)
			var created httpapi.IntegrationBody
			decode(t, res, &created)
			checkCredentials(t, "create", res, map[string]bool{github.FieldToken: true, github.FieldWebhookSecret: true})
			path := "/api/v1/integrations/" + created.ID

			// The create answer carries times finer than the store keeps;
			// compare with what a read returns.
			var stored httpapi.IntegrationBody
			res = do(http.MethodGet, path, nil, http.StatusOK)
			decode(t, res, &stored)
			checkCredentials(t, "get", res, map[string]bool{github.FieldToken: true, github.FieldWebhookSecret: true})
			do(http.MethodGet, "/api/v1/integrations/"+created.Slug, nil, http.StatusOK)
			do(http.MethodGet, "/api/v1/integrations", nil, http.StatusOK)
			do(http.MethodGet, "/api/v1/integrations?q=secret&provider=github", nil, http.StatusOK)

			// The connection test decrypts the credential and sends it to the
			// provider, and nowhere else.
			var outcome struct {
				Success bool
				Message string
			}
			decode(t, do(http.MethodPost, path+"/test", nil, http.StatusOK), &outcome)
			if !outcome.Success {
				t.Errorf("connection test with the right token: success = false (%q), want true", outcome.Message)
			}

			res = do(http.MethodPatch, path, map[string]any{"credentials": map[string]any{github.FieldToken: rotatedToken}},
				http.StatusOK, "If-Match", res.Header.Get("ETag"))
			var patched httpapi.IntegrationBody
			decode(t, res, &patched)
			checkCredentials(t, "patch", res, map[string]bool{github.FieldToken: true, github.FieldWebhookSecret: true})
			if p, c := patched.Credentials[github.FieldToken].UpdatedAt, stored.Credentials[github.FieldToken].UpdatedAt; p.Before(c) {
				t.Errorf("after the patch credentials.token.updatedAt = %v, want at or after %v", p, c)
			}
			if p, c := patched.Credentials[github.FieldWebhookSecret].UpdatedAt, stored.Credentials[github.FieldWebhookSecret].UpdatedAt; !p.Equal(c) {
				t.Errorf("after the patch credentials.webhookSecret.updatedAt = %v, want it unchanged at %v", p, c)
			}

			// The provider now quotes the rotated token back in its error.
			decode(t, do(http.MethodPost, path+"/test", nil, http.StatusOK), &outcome)
			if outcome.Success || outcome.Message == "" {
				t.Errorf("connection test with a rejected token = %+v, want a failure with a message", outcome)
			}
			do(http.MethodGet, path, nil, http.StatusOK)

			res = do(http.MethodGet, "/api/v1/activity?limit=500", nil, http.StatusOK)
			if !bytes.Contains(res.Body, []byte("integration.credentials_changed")) || !bytes.Contains(res.Body, []byte("integration.credentials_decrypted")) {
				t.Errorf("activity lacks the credential change and decryption: %s", res.Body)
			}
			do(http.MethodGet, "/api/v1/activity?integration="+created.ID, nil, http.StatusOK)
			do(http.MethodGet, "/api/v1/activity.csv", nil, http.StatusOK)
			do(http.MethodGet, "/metrics", nil, http.StatusOK)

			for _, r := range seen {
				if l := leaks(r, secrets...); len(l) > 0 {
					t.Errorf("an answer contains the credential values %q:\n%s", l, r.Body)
				}
			}
			logs := env.Logs.String()
			for _, s := range secrets {
				if strings.Contains(logs, s) {
					t.Errorf("the logs contain the credential value %q", s)
				}
			}
			if !strings.Contains(logs, created.ID) {
				t.Errorf("the logs never mention %s; is env.Logs capturing?", created.ID)
			}

			if e.Name == "sqlite" {
				checkFiles(t, env.Config.DataDir, secrets)
			}
		})
	}
}

// checkCredentials checks that an integration answer shows, for each
// credential field, only that it is set and when.
func checkCredentials(t *testing.T, what string, res apptest.Response, want map[string]bool) {
	t.Helper()
	var raw struct {
		Credentials map[string]map[string]any `json:"credentials"`
	}
	decode(t, res, &raw)
	got := map[string]bool{}
	for field, state := range raw.Credentials {
		keys := slices.Sorted(maps.Keys(state))
		if !slices.Equal(keys, []string{"set", "updatedAt"}) {
			t.Errorf("%s: credentials.%s has keys %q, want only set and updatedAt", what, field, keys)
		}
		set, _ := state["set"].(bool)
		got[field] = set
		if at, _ := state["updatedAt"].(string); at == "" || strings.HasPrefix(at, "0001-") {
			t.Errorf("%s: credentials.%s.updatedAt = %v, want a time", what, field, state["updatedAt"])
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: credentials set = %v, want %v", what, got, want)
	}
}

// checkFiles reads every file under dir (the SQLite database, its -wal and
// -shm, anything else) and fails if one holds a secret.
func checkFiles(t *testing.T, dir string, secrets []string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains the credential value %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	if n == 0 {
		t.Errorf("no files under %s; is it the SQLite data directory?", dir)
	}
}
